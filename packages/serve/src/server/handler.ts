import {
  type AlertPolicy,
  type AlertPolicyService,
  alertPolicyContract,
  asAlertPolicyService,
  type Contract,
  checkBearer,
  createHttpHandler,
  createMemoryStore,
  type DetectorService,
  detectorServiceContract,
  EntrenarError,
  ErrorCodes,
  errorResponse,
  type ExportFormat,
  type FetchHandler,
  isEntrenarError,
  type LineageGraph,
  lineageGraphContract,
  type MetricStore,
  metricSinkContract,
  metricStoreContract,
  SCHEMA_VERSION,
} from '@entrenar/core'
import { createPrometheusExporter, type PrometheusExporter } from '../prometheus/exporter.js'
import type { MetricsSource } from '../prometheus/histogram.js'
import { BUSY, type BoundedStore, boundedStore, type QueueStats } from './bounded-store.js'
import { parseIngest, parseLenientJson } from './ingest.js'
import { isTrackingPath, type TrackingOptions, trackingHandler } from './tracking.js'

/** A contract and the implementation to serve for it (see {@link mount}). */
export interface Mount {
  readonly contract: Contract<never>
  readonly impl: unknown
}

/** Pairs a contract with its implementation, type-checked, for `mounts`. */
export function mount<T>(contract: Contract<T>, impl: T): Mount {
  return { contract: contract as unknown as Contract<never>, impl }
}

/** Options of {@link createServeHandler}. */
export interface ServeHandlerOptions {
  /** Where pushed points go; served as the `store` and `sink` contracts. Default an in-memory store. */
  readonly store?: MetricStore
  /** Served as the `lineage` contract. */
  readonly lineage?: LineageGraph
  /** The Andon: served as the `andon` contract; its incidents feed `<prefix>_alerts_total`. */
  readonly andon?: AlertPolicy | AlertPolicyService
  /** Change detection as a service (`asDetectorService(() => adwin())`): served as the `detector` contract. */
  readonly detectors?: DetectorService
  /** Further contracts to serve (e.g. a detector contract): `[mount(contract, impl)]`. */
  readonly mounts?: readonly Mount[]
  /** Extra Fetch handlers tried after the built-in routes (e.g. the web dashboard); a 404 passes on. */
  readonly handlers?: readonly FetchHandler[]
  /** The exporter behind `/metrics`; it also receives every pushed point. Default `createPrometheusExporter()`. */
  readonly exporter?: PrometheusExporter
  /** More sources appended to `/metrics` (e.g. an A/B latency histogram). */
  readonly sources?: readonly MetricsSource[]
  /** Bearer token every route but `/healthz` requires. */
  readonly token?: string
  /** Largest request body in bytes. Default 8 MiB. */
  readonly maxBodyBytes?: number
  /** Rows accepted but not yet stored before writes answer 429. Default 262 144. */
  readonly maxQueuedRows?: number
  /** `Retry-After` seconds sent with a 429. Default 1. */
  readonly retryAfterSeconds?: number
  /** Where store failures while draining go (they also reject the next flush). */
  readonly onError?: (e: unknown) => void
  /** The Rust entrenar's tracking API (`/health`, `/api/v1/*`) and trueno-db's `POST /query`, see `tracking.ts`; `false` turns them off. */
  readonly tracking?: Pick<TrackingOptions, 'experiments' | 'version'> | false
}

/** The composed handler and what it serves. */
export interface ServeHandler {
  readonly handler: FetchHandler
  /** The bounded store every write (ingest or contract) goes through. */
  readonly store: BoundedStore
  readonly exporter: PrometheusExporter
  /** Queue counters plus rejected requests. */
  stats(): QueueStats & { readonly rejectedRequests: number }
  /** Waits for queued rows to reach the store and flushes it. */
  flush(): Promise<void>
}

const DEFAULT_MAX_BODY = 8 * 1024 * 1024
const DEFAULT_MAX_QUEUED = 262_144

function isPolicy(x: AlertPolicy | AlertPolicyService): x is AlertPolicy {
  return 'signal' in x
}

/** Thrown by {@link readCapped} for an unsupported or corrupt `Content-Encoding`. */
class EncodingError extends Error {}

/**
 * Reads a body up to `max` bytes (after gzip decoding, so a small compressed bomb cannot grow
 * memory); undefined when it is larger (the read stops there).
 */
async function readCapped(request: Request, max: number): Promise<string | undefined> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN)
  if (declared > max) return undefined
  if (!request.body) return ''
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase()
  if (encoding !== 'identity' && encoding !== 'gzip') throw new EncodingError(`content-encoding ${encoding} is not supported; use gzip or none`)
  const stream = encoding === 'gzip' ? request.body.pipeThrough(new DecompressionStream('gzip')) : request.body
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    let part: ReadableStreamReadResult<Uint8Array>
    try {
      part = await reader.read()
    } catch (e) {
      throw new EncodingError(`body could not be decoded (${encoding}): ${e instanceof Error ? e.message : String(e)}`)
    }
    if (part.done) break
    size += part.value.byteLength
    if (size > max) {
      await reader.cancel().catch(() => {})
      return undefined
    }
    chunks.push(part.value)
  }
  const all = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    all.set(c, at)
    at += c.byteLength
  }
  return new TextDecoder().decode(all)
}

/** Reads the body or answers the error (413 too large, 400 bad encoding). */
async function bodyOrError(request: Request, max: number): Promise<string | Response> {
  try {
    const text = await readCapped(request, max)
    return text ?? errorResponse('ENTRENAR_BODY_TOO_LARGE', `entrenar/serve: body exceeds ${max} bytes`, { max_body_bytes: max })
  } catch (e) {
    if (e instanceof EncodingError) return errorResponse(ErrorCodes.WIRE_INVALID, `entrenar/serve: ${e.message}`)
    throw e
  }
}

function withHeaders(res: Response, headers: Record<string, string>): Response {
  const h = new Headers(res.headers)
  for (const [k, v] of Object.entries(headers)) h.set(k, v)
  return new Response(res.body, { status: res.status, headers: h })
}

/** Prometheus asks for OpenMetrics in its `Accept` header; everything else gets text format 0.0.4. */
export function negotiateFormat(accept: string | null): ExportFormat {
  return accept?.includes('application/openmetrics-text') ? 'openmetrics' : 'prometheus'
}

/**
 * Composes one Fetch handler (runs on Node, Deno, Bun, workers) for every contract given, plus:
 * - `GET /healthz` → `{ status: "ok", … }` (no token needed: liveness probes);
 * - `GET /metrics` → the exporter in Prometheus text or OpenMetrics (by `Accept`);
 * - `POST /v1/ingest` → the JSON ingest protocol (see `ingest.ts` and the README);
 * - `POST /v1/<service>/<method>` for `store`, `sink`, `andon`, `lineage`, `detector` and any `mounts`;
 * - then each extra handler in turn.
 * Every write passes one bounded queue: when full, the answer is 429 with `Retry-After`.
 */
export function createServeHandler(options: ServeHandlerOptions = {}): ServeHandler {
  const token = options.token
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY
  if (!(Number.isInteger(maxBody) && maxBody > 0)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: maxBodyBytes ${maxBody} must be a positive integer`)
  const retryAfter = String(options.retryAfterSeconds ?? 1)
  const exporter = options.exporter ?? createPrometheusExporter()
  for (const s of options.sources ?? []) exporter.register(s)
  const store = boundedStore(options.store ?? createMemoryStore(), {
    maxQueuedRows: options.maxQueuedRows ?? DEFAULT_MAX_QUEUED,
    also: [exporter],
    onRun: (run) => exporter.observeRun(run),
    ...(options.onError ? { onError: options.onError } : {}),
  })
  let rejectedRequests = 0
  const services = new Map<string, FetchHandler>()
  const add = (contract: Contract<never>, impl: unknown) => {
    if (services.has(contract.service)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: two implementations for service ${JSON.stringify(contract.service)}`)
    services.set(contract.service, createHttpHandler(contract, impl as never, { maxBodyBytes: maxBody }))
  }
  add(metricStoreContract as unknown as Contract<never>, store)
  add(metricSinkContract as unknown as Contract<never>, store)
  const andon = options.andon ? (isPolicy(options.andon) ? asAlertPolicyService(options.andon) : options.andon) : undefined
  if (andon) add(alertPolicyContract as unknown as Contract<never>, andon)
  if (options.lineage) add(lineageGraphContract as unknown as Contract<never>, options.lineage)
  if (options.detectors) add(detectorServiceContract as unknown as Contract<never>, options.detectors)
  for (const m of options.mounts ?? []) add(m.contract, m.impl)
  const extra = options.handlers ?? []
  const tracking = options.tracking === false ? undefined : trackingHandler({ ...options.tracking, store, readBody: (r) => bodyOrError(r, maxBody) })

  // Incidents reach the exporter at scrape time; a shorter history means the policy was reset.
  let seenIncidents = 0
  const syncIncidents = async () => {
    if (!andon) return
    const h = await andon.history()
    if (h.length < seenIncidents) seenIncidents = 0
    for (let i = seenIncidents; i < h.length; i++) exporter.observeIncident(h[i]!)
    seenIncidents = h.length
  }

  const busy = (e: EntrenarError): Response => {
    rejectedRequests++
    return withHeaders(errorResponse(e.code, e.message, e.details), { 'retry-after': retryAfter })
  }

  const ingest = async (request: Request): Promise<Response> => {
    if (request.method !== 'POST') return errorResponse(ErrorCodes.WIRE_INVALID, 'entrenar/serve: ingest: use POST')
    // Refuse before reading the body when the queue is already full: the cheapest back-pressure.
    if (store.capacity() <= 0) return busy(new EntrenarError(BUSY, `entrenar/serve: queue full (${store.stats().queuedRows} rows); retry later`))
    const text = await bodyOrError(request, maxBody)
    if (typeof text !== 'string') return text
    let body: unknown
    try {
      body = parseLenientJson(text)
    } catch {
      return errorResponse(ErrorCodes.WIRE_INVALID, 'entrenar/serve: ingest: body is not JSON')
    }
    try {
      const { batch, run } = parseIngest(body, Date.now() * 1000)
      if (run) await store.putRun(run)
      await store.write(batch)
      return Response.json({ schema_version: SCHEMA_VERSION, accepted: batch.length, queued_rows: store.stats().queuedRows })
    } catch (e) {
      if (isEntrenarError(e, BUSY)) return busy(e)
      if (isEntrenarError(e)) return errorResponse(e.code, e.message, e.details)
      throw e
    }
  }

  const metrics = async (request: Request): Promise<Response> => {
    await syncIncidents()
    const format = negotiateFormat(request.headers.get('accept'))
    const headers: Record<string, string> = { 'content-type': exporter.contentType(format), vary: 'accept, accept-encoding' }
    if (request.method === 'HEAD') return new Response(null, { headers })
    const text = exporter.render(format)
    // Prometheus asks for gzip; 10K series are ~1 MB of text and compress about 10×.
    if (/\bgzip\b/.test(request.headers.get('accept-encoding') ?? '') && text.length > 1024) {
      headers['content-encoding'] = 'gzip'
      return new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip')), { headers })
    }
    return new Response(text, { headers })
  }

  const handler: FetchHandler = async (request) => {
    const url = new URL(request.url)
    const path = url.pathname
    if (path === '/healthz') {
      const s = store.stats()
      return Response.json({ status: 'ok', schema_version: SCHEMA_VERSION, queued_rows: s.queuedRows, max_queued_rows: s.maxQueuedRows, services: [...services.keys()] })
    }
    if (!checkBearer(request, token)) {
      return withHeaders(errorResponse(ErrorCodes.HTTP_UNAUTHORIZED, 'entrenar/serve: missing or wrong bearer token'), { 'www-authenticate': 'Bearer' })
    }
    if (path === '/metrics' && (request.method === 'GET' || request.method === 'HEAD')) return metrics(request)
    if (tracking && isTrackingPath(path)) return tracking(request)
    if (path === '/v1/ingest') return ingest(request)
    const m = /^\/v1\/([^/]+)\//.exec(path)
    const service = m ? services.get(m[1]!) : undefined
    if (service) {
      if (request.method !== 'POST') return service(request)
      // Read the body here with the cap, so a chunked upload without Content-Length cannot grow memory.
      const text = await bodyOrError(request, maxBody)
      if (typeof text !== 'string') return text
      const headers = new Headers(request.headers)
      headers.delete('content-encoding')
      headers.delete('content-length')
      const res = await service(new Request(request.url, { method: 'POST', headers, body: text }))
      if (res.status !== 429) return res
      rejectedRequests++
      return withHeaders(res, { 'retry-after': retryAfter })
    }
    for (const h of extra) {
      const res = await h(request.method === 'GET' || request.method === 'HEAD' ? request : request.clone())
      if (res.status !== 404) return res
    }
    return errorResponse(ErrorCodes.HTTP_NOT_FOUND, `entrenar/serve: nothing at ${path}`)
  }

  return {
    handler,
    store,
    exporter,
    stats: () => ({ ...store.stats(), rejectedRequests }),
    flush: () => store.drain(),
  }
}
