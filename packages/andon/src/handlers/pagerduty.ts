import type { AlertLevel, Incident } from '@entrenar/core'
import type { AlertHandler } from '../types.js'
import { type WebhookOptions, webhookHandler } from './webhook.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** The PagerDuty Events API v2 endpoint. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue'

const SEVERITY: Record<AlertLevel, 'info' | 'warning' | 'error' | 'critical'> = { info: 'info', warning: 'warning', error: 'error', critical: 'critical' }

/** Options of {@link pagerDutyPayload}. */
export interface PagerDutyOptions {
  /** The integration's routing key (a secret: read it from the environment, not from a file). */
  readonly routingKey: string
  /** `payload.source` (default: the run id, else `entrenar`). */
  readonly source?: string
}

/**
 * A PagerDuty Events API v2 `trigger` event: `routing_key`, `event_action`, a `dedup_key` per run, rule
 * and metric (so a repeat updates one alert instead of paging twice), and `payload` with `summary`
 * (≤ 1024 characters), `source`, `severity`, ISO `timestamp`, `component` (metric), `group` (run) and
 * `class` (rule). Field names follow developer.pagerduty.com "Events API v2 Overview".
 */
export function pagerDutyPayload(i: Incident, o: PagerDutyOptions): Record<string, unknown> {
  const summary = `[${i.level.toUpperCase()}] ${i.rule}: ${i.message}`
  return {
    routing_key: o.routingKey,
    event_action: 'trigger',
    dedup_key: `entrenar:${i.runId ?? '-'}:${i.rule}:${i.metric ?? '-'}`,
    client: 'entrenar',
    payload: {
      summary: summary.length > 1024 ? `${summary.slice(0, 1023)}…` : summary,
      source: o.source ?? i.runId ?? 'entrenar',
      severity: SEVERITY[i.level],
      timestamp: new Date(i.timestampMs).toISOString(),
      ...(i.metric === undefined ? {} : { component: i.metric }),
      ...(i.runId === undefined ? {} : { group: i.runId }),
      class: i.rule,
      custom_details: { decision: i.decision, step: i.step ?? null, value: i.value === undefined ? null : String(i.value), message: i.message },
    },
  }
}

/** Pages on-call through PagerDuty Events v2; by default only CRITICAL incidents page. */
export function pagerDutyHandler(options: PagerDutyOptions & Omit<WebhookOptions, 'url' | 'format'> & { readonly url?: string }): AlertHandler {
  checkOptions('entrenar/andon: pagerDutyHandler', options, PAGER_DUTY_HANDLER_OPTIONS)
  const { routingKey, source, url, ...rest } = options
  return webhookHandler({ name: 'pagerduty', minLevel: 'critical', ...rest, url: url ?? PAGERDUTY_EVENTS_URL, format: (i) => pagerDutyPayload(i, { routingKey, ...(source === undefined ? {} : { source }) }) })
}

/** The option names pagerDutyHandler accepts (unknown ones are errors). */
const PAGER_DUTY_HANDLER_OPTIONS = optionKeys<NonNullable<Parameters<typeof pagerDutyHandler>[0]>>({ routingKey: true, source: true, headers: true, timeoutMs: true, retries: true, backoffMs: true, maxBackoffMs: true, minLevel: true, maxQueue: true, fetch: true, name: true, url: true })
