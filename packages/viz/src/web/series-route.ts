import {
  EntrenarError,
  ErrorCodes,
  findUnknownKey,
  type MetricQuery,
  MetricQueryWire,
  type MetricStore,
  queryFromWire,
  readBody,
  SCHEMA_VERSION,
  unknownNameMessage,
  validateQuery,
} from '@entrenar/core'
import { FIRST_VIEW_HEADER } from './first-view.js'
import type { Prefetcher } from './prefetch.js'
import { encodeSeriesFrame, FRAME_TYPE } from './series-frame.js'

/** Largest request body of `POST /api/series` (a query names runs and metrics, nothing more). */
export const MAX_SERIES_REQUEST_BYTES = 1024 * 1024

/**
 * Reads the query of `POST /api/series`: core's `MetricQueryWire` JSON (the body the store
 * contract's `/v1/store/query` takes), checked with core's `validateQuery`.
 */
export async function seriesRequest(request: Request): Promise<MetricQuery> {
  // Capped while it streams: a chunked body stops being read at the cap (413).
  const text = await readBody(request, { maxBytes: MAX_SERIES_REQUEST_BYTES, prefix: 'entrenar/viz: series request' })
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new EntrenarError(ErrorCodes.WIRE_INVALID, 'entrenar/viz: series request is not JSON')
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new EntrenarError(ErrorCodes.WIRE_INVALID, 'entrenar/viz: series request must be a JSON object')
  const version = (body as { schema_version?: unknown }).schema_version
  if (version !== SCHEMA_VERSION) throw new EntrenarError(ErrorCodes.WIRE_VERSION, `entrenar/viz: series request schema_version ${String(version)} is not ${SCHEMA_VERSION}`)
  // A misspelt field (`metrcs`) is refused, not dropped (which would widen the query to every metric).
  const unknown = findUnknownKey(MetricQueryWire, body)
  if (unknown) {
    const at = unknown.path.length ? ` in ${unknown.path.join('.')}` : ''
    throw new EntrenarError(ErrorCodes.WIRE_INVALID, `entrenar/viz: series request: ${unknownNameMessage('key', unknown.key, unknown.known)}${at}`)
  }
  const q = queryFromWire(body as MetricQueryWire)
  validateQuery(q)
  return q
}

/**
 * Answers `POST /api/series`: the store's answer to the query as one binary series frame. A query
 * of a page's first view (`x-entrenar-view: first`) may be answered by the prefetch: the page
 * follows its running runs by the live stream from the last step it received, so rows written
 * since the prefetch still reach it. Later queries (a reload of the charts after a run ended, say)
 * always read the store.
 */
export async function seriesFrameResponse(store: MetricStore, request: Request, prefetch?: Prefetcher): Promise<Response> {
  const q = await seriesRequest(request)
  const first = request.headers.get(FIRST_VIEW_HEADER) === 'first'
  const prefetched = first ? prefetch?.take(q) : undefined
  const result = await (prefetched ?? store.query(q))
  const frame = encodeSeriesFrame(result.series)
  const headers: Record<string, string> = { 'content-type': FRAME_TYPE, 'cache-control': 'no-store', 'content-length': String(frame.byteLength) }
  if (prefetched) headers['x-entrenar-prefetched'] = '1'
  return new Response(frame, { headers })
}
