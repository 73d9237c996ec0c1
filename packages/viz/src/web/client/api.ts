import { createHttpClient, EntrenarError, ErrorCodes, type Incident, type MetricStore, metricStoreContract } from '@entrenar/core'
import {
  incidentsFromWire,
  type LineageView,
  lineageFromWire,
  type Overview,
  overviewFromWire,
  type StreamMessage,
  type StreamRequest,
  streamMessageFromWire,
  streamRequestToParam,
} from '../wire.js'

/** The dashboard's address (the page may sit behind a path prefix, so everything is relative). */
const base = new URL('.', location.href)

async function getJson(path: string): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(new URL(path, base), { headers: { accept: 'application/json' }, credentials: 'same-origin' })
  } catch (e) {
    throw new EntrenarError(ErrorCodes.HTTP_TRANSPORT, `entrenar/viz: GET ${path} failed: ${e instanceof Error ? e.message : String(e)}`)
  }
  const body: unknown = await res.json().catch(() => undefined)
  if (!res.ok) {
    const err = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error
    const code = typeof err?.code === 'string' && err.code.startsWith('ENTRENAR_') ? (err.code as `ENTRENAR_${string}`) : ErrorCodes.HTTP_TRANSPORT
    throw new EntrenarError(code, typeof err?.message === 'string' ? err.message : `entrenar/viz: GET ${path} answered ${res.status}`)
  }
  return body
}

/** The store, read through core's HTTP client (its answers are validated against core's wire schemas). */
export const store: MetricStore = createHttpClient(metricStoreContract, base.href)

export async function fetchOverview(): Promise<Overview> {
  return overviewFromWire(await getJson('api/overview'))
}

export async function fetchIncidents(): Promise<Incident[]> {
  return incidentsFromWire(await getJson('api/events'))
}

export async function fetchLineage(): Promise<LineageView> {
  return lineageFromWire(await getJson('api/lineage'))
}

export async function fetchLineageExport(format: 'dot' | 'mermaid'): Promise<string> {
  const res = await fetch(new URL(`api/lineage/export?format=${format}`, base), { credentials: 'same-origin' })
  if (!res.ok) throw new EntrenarError(ErrorCodes.HTTP_TRANSPORT, `entrenar/viz: lineage export answered ${res.status}`)
  return res.text()
}

/** A live subscription; `close()` ends it. */
export interface Subscription {
  close(): void
}

const EVENTS = ['points', 'status', 'incidents', 'end'] as const

/**
 * Follows runs by server-sent events. A dropped connection is reopened after `retryMs` with the
 * cursors the caller reports then (EventSource's own retry would resend the stale ones), and an
 * `end` message closes the source for good.
 */
export function subscribe(request: () => StreamRequest, onMessage: (m: StreamMessage) => void, onError: (e: unknown) => void, retryMs = 2000): Subscription {
  let source: EventSource | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let closed = false
  const open = (): void => {
    const url = new URL('api/stream', base)
    url.searchParams.set('q', streamRequestToParam(request()))
    const es = new EventSource(url, { withCredentials: true })
    source = es
    for (const name of EVENTS) {
      es.addEventListener(name, (ev) => {
        try {
          const m = streamMessageFromWire(name, JSON.parse((ev as MessageEvent<string>).data))
          if (m.type === 'end') {
            closed = true
            es.close()
          }
          onMessage(m)
        } catch (e) {
          onError(e)
        }
      })
    }
    es.onerror = () => {
      es.close()
      if (closed) return
      timer = setTimeout(open, retryMs)
    }
  }
  open()
  return {
    close() {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      source?.close()
    },
  }
}
