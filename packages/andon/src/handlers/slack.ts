import type { AlertLevel, Incident } from '@entrenar/core'
import type { AlertHandler } from '../types.js'
import { EMOJI } from './format.js'
import { type WebhookOptions, webhookHandler } from './webhook.js'
import { checkOptions, optionKeys } from '@entrenar/core'

const COLOR: Record<AlertLevel, string> = { info: '#439FE0', warning: 'warning', error: 'danger', critical: '#8B0000' }

/** A Slack incoming-webhook payload (`text` plus one coloured attachment with the incident's fields). */
export function slackPayload(i: Incident): {
  /** The incident line: emoji, level, rule and message. */
  text: string
  /** One attachment with the incident's fields. */
  attachments: {
    /** Attachment colour by level. */
    color: string
    /** Decision, run, metric, step and value, as present. */
    fields: {
      /** Field name. */
      title: string
      /** Field value. */
      value: string
      /** Shown side by side. */
      short: boolean
    }[]
    /** The incident's time, epoch seconds. */
    ts: number
  }[]
} {
  const fields: { title: string; value: string; short: boolean }[] = [{ title: 'decision', value: i.decision, short: true }]
  if (i.runId !== undefined) fields.push({ title: 'run', value: i.runId, short: true })
  if (i.metric !== undefined) fields.push({ title: 'metric', value: i.metric, short: true })
  if (i.step !== undefined) fields.push({ title: 'step', value: String(i.step), short: true })
  if (i.value !== undefined) fields.push({ title: 'value', value: String(i.value), short: true })
  return {
    text: `${EMOJI[i.level]} *[${i.level.toUpperCase()}] ${i.rule}*: ${i.message}`,
    attachments: [{ color: COLOR[i.level], fields, ts: Math.floor(i.timestampMs / 1000) }],
  }
}

/** Posts incidents to a Slack incoming webhook (default: WARNING and above). */
export function slackHandler(url: string, options: Omit<WebhookOptions, 'url' | 'format'> = {}): AlertHandler {
  checkOptions('entrenar/andon: slackHandler', options, SLACK_HANDLER_OPTIONS)
  return webhookHandler({ name: 'slack', minLevel: 'warning', ...options, url, format: slackPayload })
}

/** The option names slackHandler accepts (unknown ones are errors). */
const SLACK_HANDLER_OPTIONS = optionKeys<NonNullable<Parameters<typeof slackHandler>[1]>>({ headers: true, timeoutMs: true, retries: true, backoffMs: true, maxBackoffMs: true, minLevel: true, maxQueue: true, fetch: true, name: true })
