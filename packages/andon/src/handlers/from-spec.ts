import { EntrenarError, ErrorCodes } from '@entrenar/core'
import { env } from '../node/io.js'
import type { AlertHandler, HandlerSpec } from '../types.js'
import { consoleHandler } from './console.js'
import { jsonlFileHandler } from './jsonl-file.js'
import { pagerDutyHandler } from './pagerduty.js'
import { slackHandler } from './slack.js'
import { webhookHandler } from './webhook.js'

function fromEnv(name: string, what: string): string {
  const v = env(name)
  if (v === undefined || v === '') throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: ${what} reads environment variable ${name}, which is not set`)
  return v
}

/** Builds the handlers declared in renacer.toml (`[[andon.handler]]`). Secrets come from the environment. */
export function handlersFromSpecs(specs: readonly HandlerSpec[]): AlertHandler[] {
  return specs.map((s) => {
    const min = s.minLevel === undefined ? {} : { minLevel: s.minLevel }
    switch (s.type) {
      case 'console':
        return consoleHandler(min)
      case 'jsonl':
        return jsonlFileHandler(s.path, min)
      case 'pagerduty':
        return pagerDutyHandler({ routingKey: fromEnv(s.routingKeyEnv, 'a pagerduty handler'), ...min, ...(s.url ? { url: s.url } : {}), ...(s.timeoutMs === undefined ? {} : { timeoutMs: s.timeoutMs }), ...(s.retries === undefined ? {} : { retries: s.retries }) })
      default: {
        const url = s.url ?? fromEnv(s.urlEnv ?? '', `a ${s.type} handler`)
        const o = { ...min, ...(s.timeoutMs === undefined ? {} : { timeoutMs: s.timeoutMs }), ...(s.retries === undefined ? {} : { retries: s.retries }) }
        return s.type === 'slack' ? slackHandler(url, o) : webhookHandler({ url, ...o })
      }
    }
  })
}
