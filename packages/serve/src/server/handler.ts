import {
  type AlertPolicy,
  type AlertPolicyService,
  alertPolicyContract,
  asAlertPolicyService,
  type Contract,
  createHttpHandler,
  createRequestGuard,
  createMemoryStore,
  type DetectorService,
  detectorServiceContract,
  EntrenarError,
  ErrorCodes,
  errorResponse,
  type ExportFormat,
  type FetchHandler,
  constantTimeEqual,
  hasToken,
  isEntrenarError,
  type LineageGraph,
  lineageGraphContract,
  type MetricStore,
  type RecordBatch,
  type SqlOptions,
  metricSinkContract,
  metricStoreContract,
  readBody,
  SCHEMA_VERSION,
} from '@entrenar/core'
import { createPrometheusExporter, type PrometheusExporter } from '../prometheus/exporter.js'
import type { MetricsSource } from '../prometheus/histogram.js'
import { BUSY, type BoundedStore, boundedStore, type QueueStats } from './bounded-store.js'
import { parseIngest, parseLenientJson, RUN_ID } from './ingest.js'
import { serveMetricsSource } from './own-metrics.js'
import { isTrackingPath, type TrackingOptions, trackingHandler } from './tracking.js'
import { answerTruenoQuery, sqlDisabled } from './sql-route.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** A contract and the implementation to serve for it (see {@link mount}). */
export interface Mount {
  /** The contract served (e.g. `alertPolicyContract`), which fixes the routes under `/v1/<service>/`. */
  readonly contract: Contract<never>
  /** The implementation of that contract the routes call. */
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
  /**
   * Bearer token every route but `/healthz` requires (the web dashboard's cookie, set after
   * `/?token=`, carries it too).
   */
  readonly token?: string
  /**
   * Token that unlocks the administrative methods of the shared store over HTTP (`store.close`,
   * `sink.close`, and a `flush` that flushes the store itself). Without it they are not served:
   * `close` answers 403 and `flush` only waits until the caller's accepted rows reached the store.
   */
  readonly adminToken?: string
  /**
   * Host names the `Host` header may carry (DNS rebinding guard): `name` or `name:port`. Default
   * the loopback names on the bound port; `startServer` adds the names of the interface it binds.
   */
  readonly allowedHosts?: readonly string[]
  /** The port the server listens on, for the Host check (a function when known only after binding). */
  readonly port?: number | (() => number | undefined)
  /** Origins allowed to call from another origin (CORS). Default none: no CORS headers. */
  readonly corsOrigins?: readonly string[]
  /**
   * Serve the store's read-only SQL (`POST /v1/store/sql`, and trueno-db's `POST /query {sql}`). Off by
   * default: both answer 403 `ENTRENAR_SQL_DISABLED`. The store enforces what SQL may do (one SELECT,
   * its own files only, timeout, row cap); a client that disconnects interrupts its statement.
   */
  readonly sql?: boolean
  /** Largest request body in bytes. Default 8 MiB. */
  readonly maxBodyBytes?: number
  /** Rows accepted but not yet stored before writes answer 429. Default 262 144. */
  readonly maxQueuedRows?: number
  /** `Retry-After` seconds sent with a 429. Default 1. */
  readonly retryAfterSeconds?: number
  /**
   * Where store failures while draining go (they are also counted in `/metrics` and reported to
   * the writer of the failed run on its next write or flush).
   */
  readonly onError?: (e: unknown) => void
  /**
   * Called with each batch `POST /v1/ingest` accepted (after it is queued for the store), e.g. to run
   * change detectors over points pushed by programs that run none of their own. Its errors go to `onError`.
   */
  readonly onIngest?: (batch: RecordBatch) => void
  /**
   * Each run's stop state (e.g. one Andon per run): fed every point of `POST /v1/ingest` and of the
   * tracking API's metrics; its answer for the batch's run rides on the ingest reply (`stop`), and
   * `GET /v1/runs/<id>/status` answers it for polling. Without it `stop` is always `null`.
   */
  readonly runStops?: RunStops
  /** The Rust entrenar's tracking API (`/health`, `/api/v1/*`) and trueno-db's `POST /query`, see `tracking.ts`; `false` turns them off. */
  readonly tracking?: Pick<TrackingOptions, 'experiments' | 'version'> | false
}

/** Why and where a run was told to stop. */
export interface RunStop {
  /** The Andon's message (rule, level, metric, step, cause). */
  readonly reason: string
  /** The rule that stopped it (e.g. `non_finite`). */
  readonly rule: string
  /** The step of the point that stopped it, or `null` when the stop had none (a wall-time budget). */
  readonly step: number | null
}

/** Per-run stop decisions over pushed points (see {@link ServeHandlerOptions.runStops}). */
export interface RunStops {
  /** Feeds every row of `batch` (all of one run) in order. */
  observe(batch: RecordBatch): void
  /** The run's stop, or `null` while it may go on (or when the run is unknown). Never creates state. */
  stopOf(runId: string): RunStop | null
}

/** The composed handler and what it serves. */
export interface ServeHandler {
  /** Answers every route: the contracts, `/metrics`, `/v1/ingest`, the tracking API and the dashboard. */
  readonly handler: FetchHandler
  /** The bounded store every write (ingest or contract) goes through. */
  readonly store: BoundedStore
  /** The Prometheus exporter behind `/metrics` (every ingested batch goes through it). */
  readonly exporter: PrometheusExporter
  /** Queue counters plus rejected requests. */
  stats(): QueueStats & {
    /** Write requests refused with 429 because the queue was full (`ENTRENAR_BUSY`, with `Retry-After`). */
    readonly rejectedRequests: number
  }
  /** Waits for queued rows to reach the store and flushes it. */
  flush(): Promise<void>
}

const DEFAULT_MAX_BODY = 8 * 1024 * 1024
const DEFAULT_MAX_QUEUED = 262_144

function isPolicy(x: AlertPolicy | AlertPolicyService): x is AlertPolicy {
  return 'signal' in x
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
 *
 * @example
 * ```ts
 * import { createMemoryStore } from '@entrenar/core'
 * import { createServeHandler } from '@entrenar/serve'
 *
 * const { handler, flush } = createServeHandler({ store: createMemoryStore() })
 * const res = await handler(new Request('http://127.0.0.1/healthz'))
 * console.log(res.status) // 200
 * await flush()
 * ```
 */
export function createServeHandler(options: ServeHandlerOptions = {}): ServeHandler {
  checkOptions('entrenar/serve: createServeHandler', options, CREATE_SERVE_HANDLER_OPTIONS)
  const token = options.token
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY
  if (!(Number.isInteger(maxBody) && maxBody > 0)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: maxBodyBytes ${maxBody} must be a positive integer`)
  const retryAfter = String(options.retryAfterSeconds ?? 1)
  if (options.sql !== undefined && typeof options.sql !== 'boolean') throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: sql must be true or false, got ${String(options.sql)}`)
  const sqlOn = options.sql === true
  const exporter = options.exporter ?? createPrometheusExporter()
  for (const s of options.sources ?? []) exporter.register(s)
  const store = boundedStore(options.store ?? createMemoryStore(), {
    maxQueuedRows: options.maxQueuedRows ?? DEFAULT_MAX_QUEUED,
    also: [exporter],
    onRun: (run) => exporter.observeRun(run),
    ...(options.onError ? { onError: options.onError } : {}),
  })
  let rejectedRequests = 0
  exporter.register(serveMetricsSource(() => ({ ...store.stats(), rejectedRequests })))
  const adminToken = options.adminToken
  if (adminToken !== undefined && (typeof adminToken !== 'string' || adminToken.length < 8 || adminToken === token)) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, 'entrenar/serve: adminToken must be a string of at least 8 characters, different from token')
  }
  const guard = createRequestGuard({
    ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
  })
  const services = new Map<string, FetchHandler>()
  // This handler runs the guard; the contract handlers it calls see the same request.
  const serve = (contract: Contract<never>, impl: unknown) => createHttpHandler(contract, impl as never, { maxBodyBytes: maxBody, guard: false })
  const add = (contract: Contract<never>, impl: unknown) => {
    if (services.has(contract.service)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: two implementations for service ${JSON.stringify(contract.service)}`)
    services.set(contract.service, serve(contract, impl))
  }
  // The shared store as the public sees it: no close, and flush waits for the caller's rows only.
  const forbidden = async (): Promise<never> => {
    throw new EntrenarError(ErrorCodes.HTTP_FORBIDDEN, 'entrenar/serve: close is an administrative method of the shared store; it needs the admin token')
  }
  const publicStore: MetricStore = Object.assign(Object.create(null) as object, {
    write: (b: Parameters<MetricStore['write']>[0]) => store.write(b),
    flush: () => store.settle(),
    close: forbidden,
    query: (q: Parameters<MetricStore['query']>[0]) => store.query(q),
    range: (from: number, to: number, f?: Parameters<MetricStore['range']>[2]) => store.range(from, to, f),
    runs: () => store.runs(),
    putRun: (r: Parameters<MetricStore['putRun']>[0]) => store.putRun(r),
    ...(sqlOn && store.sql ? { sql: (text: string, o?: SqlOptions) => store.sql!(text, o) } : {}),
  }) as MetricStore
  add(metricStoreContract as unknown as Contract<never>, publicStore)
  add(metricSinkContract as unknown as Contract<never>, publicStore)
  const admin = new Map<string, FetchHandler>([
    ['store', serve(metricStoreContract as unknown as Contract<never>, store)],
    ['sink', serve(metricSinkContract as unknown as Contract<never>, store)],
  ])
  const andon = options.andon ? (isPolicy(options.andon) ? asAlertPolicyService(options.andon) : options.andon) : undefined
  if (andon) add(alertPolicyContract as unknown as Contract<never>, andon)
  if (options.lineage) add(lineageGraphContract as unknown as Contract<never>, options.lineage)
  if (options.detectors) add(detectorServiceContract as unknown as Contract<never>, options.detectors)
  for (const m of options.mounts ?? []) add(m.contract, m.impl)
  const extra = options.handlers ?? []
  const runStops = options.runStops
  /** What every accepted batch goes through once the store took it; errors go to `onError`. */
  const afterWrite = (batch: RecordBatch): void => {
    try {
      options.onIngest?.(batch)
    } catch (e) {
      options.onError?.(e)
    }
    try {
      runStops?.observe(batch)
    } catch (e) {
      options.onError?.(e)
    }
  }
  const stopOf = (runId: string): RunStop | null => {
    try {
      return runStops?.stopOf(runId) ?? null
    } catch (e) {
      options.onError?.(e)
      return null
    }
  }
  const tracking = options.tracking === false ? undefined : trackingHandler({
          ...options.tracking,
          store,
          readBody: (r) => bodyOrError(r),
          ...(options.onIngest || options.runStops ? { onWrite: (b: RecordBatch) => afterWrite(b) } : {}),
        })

  // Incidents reach the exporter at scrape time; a shorter history means the policy was reset.
  let seenIncidents = 0
  const syncIncidents = async () => {
    if (!andon) return
    const h = await andon.history()
    if (h.length < seenIncidents) seenIncidents = 0
    for (let i = seenIncidents; i < h.length; i++) exporter.observeIncident(h[i]!)
    seenIncidents = h.length
  }

  /** Reads the body with the cap while it streams (after gzip decoding), or the error answer (413, 400). */
  const bodyOrError = async (request: Request): Promise<string | Response> => {
    try {
      return await readBody(request, { maxBytes: maxBody, gzip: true, prefix: 'entrenar/serve' })
    } catch (e) {
      if (isEntrenarError(e)) return errorResponse(e.code, e.message, e.details)
      throw e
    }
  }

  const busy = (e: EntrenarError): Response => {
    rejectedRequests++
    return withHeaders(errorResponse(e.code, e.message, e.details), { 'retry-after': retryAfter })
  }

  const ingest = async (request: Request): Promise<Response> => {
    if (request.method !== 'POST') return errorResponse(ErrorCodes.WIRE_INVALID, 'entrenar/serve: ingest: use POST')
    // Refuse before reading the body when the queue is already full: the cheapest back-pressure.
    if (store.capacity() <= 0) return busy(new EntrenarError(BUSY, `entrenar/serve: queue full (${store.stats().queuedRows} rows); retry later`))
    const text = await bodyOrError(request)
    if (typeof text !== 'string') return text
    let body: unknown
    try {
      body = parseLenientJson(text)
    } catch {
      return errorResponse(ErrorCodes.WIRE_INVALID, 'entrenar/serve: ingest: body is not JSON')
    }
    try {
      const { batch, run } = parseIngest(body, Date.now() * 1000)
      // The store's own rules before anything is kept or acknowledged.
      store.validate(batch)
      if (run) await store.putRun(run)
      await store.write(batch)
      afterWrite(batch)
      // A stopped run's later points are still kept (above); the answer keeps saying stop.
      return Response.json({ schema_version: SCHEMA_VERSION, accepted: batch.length, queued_rows: store.stats().queuedRows, stop: stopOf(batch.runId) })
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

  const route = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    const path = url.pathname
    if (path === '/healthz') {
      const s = store.stats()
      const closed = store.closed()
      const status = closed ? 'closed' : s.drainFailures > 0 ? 'degraded' : 'ok'
      return Response.json(
        {
          status,
          schema_version: SCHEMA_VERSION,
          queued_rows: s.queuedRows,
          max_queued_rows: s.maxQueuedRows,
          drain_failures: s.drainFailures,
          lost_rows: s.lostRows,
          services: [...services.keys()],
        },
        { status: closed ? 503 : 200 },
      )
    }
    const isAdmin = adminToken !== undefined && hasToken(request, adminToken)
    if (!isAdmin && !hasToken(request, token, { cookie: true })) {
      // The dashboard's `/?token=` page address goes to the extra handlers only: the dashboard
      // checks the token itself, sets its cookie and redirects to the clean address.
      const given = url.searchParams.get('token')
      if ((request.method === 'GET' || request.method === 'HEAD') && given !== null && token !== undefined && constantTimeEqual(given, token)) {
        for (const h of extra) {
          const res = await h(request)
          if (res.status !== 404) return res
        }
      }
      return withHeaders(errorResponse(ErrorCodes.HTTP_UNAUTHORIZED, 'entrenar/serve: missing or wrong bearer token'), { 'www-authenticate': 'Bearer' })
    }
    if (path === '/metrics' && (request.method === 'GET' || request.method === 'HEAD')) return metrics(request)
    if (path === '/v1/ingest') return ingest(request)
    const runStatus = /^\/v1\/runs\/([^/]*)\/status$/.exec(path)
    if (runStatus) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return errorResponse(ErrorCodes.WIRE_INVALID, 'entrenar/serve: run status: use GET')
      let id: string
      try {
        id = decodeURIComponent(runStatus[1]!)
      } catch {
        id = ''
      }
      if (!RUN_ID.test(id)) return errorResponse(ErrorCodes.INVALID_RUN_ID, `entrenar/serve: run id ${JSON.stringify(id)} must match ${RUN_ID.source}`)
      return Response.json({ schema_version: SCHEMA_VERSION, run_id: id, stop: stopOf(id) })
    }
    // SQL only when the server was started with it, whatever the token (the admin's too).
    if (path === '/v1/store/sql' || path === '/query') {
      if (!sqlOn) return sqlDisabled(path)
      if (path === '/query') {
        const text = await bodyOrError(request)
        return typeof text === 'string' ? answerTruenoQuery(store, request, text) : text
      }
    }
    if (tracking && isTrackingPath(path)) return tracking(request)
    const m = /^\/v1\/([^/]+)\//.exec(path)
    const service = m ? ((isAdmin ? admin.get(m[1]!) : undefined) ?? services.get(m[1]!)) : undefined
    const reading = request.method !== 'GET' && request.method !== 'HEAD'
    // Read the body here with the cap, so a chunked upload cannot grow memory in any handler behind.
    let capped = request
    if (reading && (service || extra.length > 0)) {
      const text = await bodyOrError(request)
      if (typeof text !== 'string') return text
      const headers = new Headers(request.headers)
      headers.delete('content-encoding')
      headers.delete('content-length')
      capped = new Request(request.url, { method: request.method, headers, body: text, signal: request.signal })
    }
    if (service) {
      if (request.method !== 'POST') return service(request)
      const res = await service(capped)
      if (res.status !== 429) return res
      rejectedRequests++
      return withHeaders(res, { 'retry-after': retryAfter })
    }
    for (const h of extra) {
      const res = await h(reading ? capped.clone() : request)
      if (res.status !== 404) return res
    }
    return errorResponse(ErrorCodes.HTTP_NOT_FOUND, `entrenar/serve: nothing at ${path}`)
  }

  const handler: FetchHandler = async (request) => guard.check(request) ?? guard.cors(request, await route(request))

  return {
    handler,
    store,
    exporter,
    stats: () => ({ ...store.stats(), rejectedRequests }),
    flush: () => store.drain(),
  }
}

/** The option names createServeHandler accepts (unknown ones are errors). */
const CREATE_SERVE_HANDLER_OPTIONS = optionKeys<NonNullable<Parameters<typeof createServeHandler>[0]>>({ store: true, lineage: true, andon: true, detectors: true, mounts: true, handlers: true, exporter: true, sources: true, token: true, adminToken: true, allowedHosts: true, port: true, corsOrigins: true, sql: true, maxBodyBytes: true, maxQueuedRows: true, retryAfterSeconds: true, onError: true, onIngest: true, runStops: true, tracking: true })
