import { EntrenarError, ErrorCodes, type MetricQuery, type QueryResult, queryToWire } from '@entrenar/core'
import { decodeSeriesFrame, FRAME_TYPE } from '../series-frame.js'
import { FIRST_VIEW_HEADER, NOW_HEADER } from '../first-view.js'
import {
  type EventsView,
  eventsFromWire,
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

/** The coded error of a failed answer (the server's `{ error: { code, message } }` when it sent one). */
function failure(what: string, res: Response, body: unknown): EntrenarError {
  const err = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error
  const code = typeof err?.code === 'string' && err.code.startsWith('ENTRENAR_') ? (err.code as `ENTRENAR_${string}`) : ErrorCodes.HTTP_TRANSPORT
  return new EntrenarError(code, typeof err?.message === 'string' ? err.message : `entrenar/viz: ${what} answered ${res.status}`)
}

async function send(what: string, path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(new URL(path, base), { ...init, credentials: 'same-origin' })
  } catch (e) {
    throw new EntrenarError(ErrorCodes.HTTP_TRANSPORT, `entrenar/viz: ${what} failed: ${e instanceof Error ? e.message : String(e)}`)
  }
}

/** GETs a JSON answer. No custom header: the page preloads `api/overview` and `api/events` (page.ts), and a preload is reused only by a plain request. */
async function getJson(path: string): Promise<unknown> {
  return readJson(`GET ${path}`, await send(`GET ${path}`, path, {}))
}

async function readJson(what: string, res: Response): Promise<unknown> {
  const body: unknown = await res.json().catch(() => undefined)
  if (!res.ok) throw failure(what, res, body)
  return body
}

/**
 * Queries the store through `POST api/series`: the answer is one binary frame whose columns the
 * page reads as `Float64Array` views (no number is parsed as text; NaN and ±Inf exact).
 * `firstView` marks the queries of the page's first view, which the server may have prefetched.
 */
export async function fetchSeries(q: MetricQuery, firstView = false): Promise<QueryResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: FRAME_TYPE }
  if (firstView) headers[FIRST_VIEW_HEADER] = 'first'
  const res = await send('POST api/series', 'api/series', { method: 'POST', headers, body: JSON.stringify(queryToWire(q)) })
  if (!res.ok) throw failure('POST api/series', res, await res.json().catch(() => undefined))
  return { series: decodeSeriesFrame(await res.arrayBuffer()) }
}

/** The run list last received and its validator. */
let lastOverview: { tag: string; overview: Overview } | undefined

/**
 * The run list. The first request is plain (it takes the preload); later ones are conditional: an
 * unchanged list is answered 304 (no body to send, parse and check) and the held one is returned
 * with the server's current time.
 */
export async function fetchOverview(): Promise<Overview> {
  if (lastOverview) {
    const res = await send('GET api/overview', 'api/overview', { headers: { 'if-none-match': lastOverview.tag }, cache: 'no-store' })
    if (res.status === 304) {
      const now = Number(res.headers.get(NOW_HEADER))
      return { ...lastOverview.overview, nowMs: Number.isFinite(now) ? now : lastOverview.overview.nowMs }
    }
    return remember(res, await readJson('GET api/overview', res))
  }
  const res = await send('GET api/overview', 'api/overview', {})
  return remember(res, await readJson('GET api/overview', res))
}

function remember(res: Response, body: unknown): Overview {
  const overview = overviewFromWire(body)
  const tag = res.headers.get('etag')
  lastOverview = tag ? { tag, overview } : undefined
  return overview
}

/** The incidents (live and recorded) and drift change points. */
export async function fetchEvents(): Promise<EventsView> {
  return eventsFromWire(await getJson('api/events'))
}

export async function fetchLineage(): Promise<LineageView> {
  return lineageFromWire(await getJson('api/lineage'))
}

export async function fetchLineageExport(format: 'dot' | 'mermaid'): Promise<string> {
  const res = await send('lineage export', `api/lineage/export?format=${format}`, {})
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
