import { EntrenarError, ErrorCodes } from '@entrenar/core'
import { env, landing } from '../node/io.js'
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

/** Where the file-writing handlers of a renacer.toml may write (see `AndonConfig.handlerFiles`). */
export interface HandlerFiles {
  /** Relative paths are relative to it, and files must land strictly inside it. */
  readonly root: string
  /** Files outside `root` an operator allowed explicitly (paths given on the command line). */
  readonly allow?: readonly string[]
}

/** The file a jsonl handler writes, or a coded error when it would land outside `files.root` and was not allowed. */
function confine(path: string, files: HandlerFiles, index: number): string {
  const at = landing(path, files.root, files.root)
  if (at.inside) return at.path
  for (const a of files.allow ?? []) {
    const allowed = landing(a, '.', files.root)
    if (allowed.path === at.path) return at.path
  }
  const shown = path.length > 80 ? `${JSON.stringify(path.slice(0, 80))}…` : JSON.stringify(path)
  throw new EntrenarError(
    ErrorCodes.INVALID_CONFIG,
    `entrenar/andon: andon.handler[${index}] (jsonl) path ${shown} lands at ${at.path}, outside the store directory ${files.root}; a renacer.toml handler writes only inside it unless that path is given on the command line (entrenar serve --allow-write <path>)`,
    { details: { path: at.path, root: files.root, handler: index } },
  )
}

/**
 * Builds the handlers declared in renacer.toml (`[[andon.handler]]`). Secrets come from the environment.
 * With `files`, file-writing handlers are confined to `files.root` (see {@link HandlerFiles}).
 */
export function handlersFromSpecs(specs: readonly HandlerSpec[], files?: HandlerFiles): AlertHandler[] {
  if (files !== undefined) {
    const ok = typeof files === 'object' && files !== null && typeof files.root === 'string' && files.root !== ''
    const allowOk = files?.allow === undefined || (Array.isArray(files.allow) && files.allow.every((a) => typeof a === 'string' && a !== ''))
    if (!ok || !allowOk) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, 'entrenar/andon: handlerFiles must be { root: <directory>, allow?: [<path>, …] }')
    for (const k of Object.keys(files)) if (k !== 'root' && k !== 'allow') throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: unknown handlerFiles key ${JSON.stringify(k.slice(0, 40))}; expected root, allow`)
  }
  return specs.map((s, i) => {
    const min = s.minLevel === undefined ? {} : { minLevel: s.minLevel }
    switch (s.type) {
      case 'console':
        return consoleHandler(min)
      case 'jsonl':
        return files === undefined ? jsonlFileHandler(s.path, min) : jsonlFileHandler(confine(s.path, files, i), { ...min, noFollow: true })
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
