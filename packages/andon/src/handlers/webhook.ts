import { type AlertLevel, EntrenarError, ErrorCodes, type Incident, levelRank } from '@entrenar/core'
import type { AlertHandler } from '../types.js'
import { incidentToJson } from './format.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Options of {@link webhookHandler}. */
export interface WebhookOptions {
  /** Where to POST (http or https). */
  readonly url: string
  /** Body of the POST (default: the incident's JSON form). */
  readonly format?: (incident: Incident) => unknown
  /** Extra request headers (e.g. an authorization header). */
  readonly headers?: Readonly<Record<string, string>>
  /** Per-attempt timeout (default 5000 ms). */
  readonly timeoutMs?: number
  /** Retries after the first attempt (default 3). */
  readonly retries?: number
  /** First backoff (default 250 ms); doubles per retry up to `maxBackoffMs` (default 10 000 ms). */
  readonly backoffMs?: number
  /** Longest backoff between retries, milliseconds. Default 10 000. */
  readonly maxBackoffMs?: number
  /** Lowest level sent (default info). */
  readonly minLevel?: AlertLevel
  /** Deliveries waiting beyond this are dropped and reported (default 1000). */
  readonly maxQueue?: number
  /** The `fetch` to use (default the global one); for proxies and tests. */
  readonly fetch?: typeof fetch
  /** Handler name in error reports. Default `webhook <host>`. */
  readonly name?: string
}

/** Statuses worth retrying: timeouts, rate limits and server errors. */
const retryable = (status: number) => status === 408 || status === 429 || status >= 500

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * POSTs each incident as JSON. Never blocks training: `handle` queues and returns at once (its promise
 * settles when the delivery ends, for the Andon to report failures); deliveries go out one at a time in
 * order, each attempt bounded by `timeoutMs`, retried on network errors, 408, 429 and 5xx with
 * exponential backoff and "equal jitter" (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015).
 * `close()` waits for the queue to drain.
 */
export function webhookHandler(options: WebhookOptions): AlertHandler {
  checkOptions('entrenar/andon: webhookHandler', options, WEBHOOK_HANDLER_OPTIONS)
  const doFetch = options.fetch ?? fetch
  const timeoutMs = options.timeoutMs ?? 5000
  const retries = options.retries ?? 3
  const base = options.backoffMs ?? 250
  const cap = options.maxBackoffMs ?? 10_000
  const maxQueue = options.maxQueue ?? 1000
  const min = levelRank(options.minLevel ?? 'info')
  const format = options.format ?? incidentToJson
  let host: string
  try {
    const u = new URL(options.url)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`protocol ${u.protocol} is not http(s)`)
    host = u.host
  } catch (e) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: webhook url ${JSON.stringify(options.url)} is invalid: ${e instanceof Error ? e.message : String(e)}`)
  }
  const name = options.name ?? `webhook ${host}`
  let chain: Promise<void> = Promise.resolve()
  let queued = 0

  const deliver = async (body: string): Promise<void> => {
    let last = ''
    let made = 0
    for (let attempt = 0; attempt <= retries; attempt++) {
      made++
      if (attempt > 0) {
        const d = Math.min(cap, base * 2 ** (attempt - 1))
        await sleep(d / 2 + Math.random() * (d / 2))
      }
      try {
        const res = await doFetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        })
        await res.arrayBuffer().catch(() => undefined)
        if (res.ok) return
        last = `HTTP ${res.status}`
        if (!retryable(res.status)) break
      } catch (e) {
        last = e instanceof Error ? `${e.name}: ${e.message}` : String(e)
      }
    }
    throw new EntrenarError(ErrorCodes.SINK_FAILED, `entrenar/andon: ${name}: delivery failed after ${made} attempt${made === 1 ? '' : 's'} (${last})`)
  }

  return {
    name,
    handle(i: Incident) {
      if (levelRank(i.level) < min) return
      if (queued >= maxQueue) return Promise.reject(new EntrenarError(ErrorCodes.SINK_FAILED, `entrenar/andon: ${name}: queue of ${maxQueue} full, incident dropped`))
      const body = JSON.stringify(format(i))
      queued++
      const p = chain.then(() => deliver(body)).finally(() => queued--)
      chain = p.catch(() => undefined)
      return p
    },
    async close() {
      await chain
    },
  }
}

/** The option names webhookHandler accepts (unknown ones are errors). */
const WEBHOOK_HANDLER_OPTIONS = optionKeys<NonNullable<Parameters<typeof webhookHandler>[0]>>({ url: true, format: true, headers: true, timeoutMs: true, retries: true, backoffMs: true, maxBackoffMs: true, minLevel: true, maxQueue: true, fetch: true, name: true })
