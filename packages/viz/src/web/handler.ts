import type { AlertPolicy, FetchHandler, LineageGraph, MetricStore } from '@entrenar/core'
import {
  constantTimeEqual,
  createHttpHandler,
  createRequestGuard,
  EntrenarError,
  ErrorCodes,
  errorResponse,
  hasToken,
  isEntrenarError,
  metricStoreContract,
  runToWire,
  tokenCookieName,
} from '@entrenar/core'
import { buildLineage, createOverviewSource } from './api.js'
import { PAGE_HTML, SECURITY_HEADERS } from './page.js'
import { NOW_HEADER, pointsFromCookie } from './first-view.js'
import { createPrefetcher } from './prefetch.js'
import { dashboardEvents, type RecordedEventsSource } from './recorded.js'
import { MAX_SERIES_REQUEST_BYTES, seriesFrameResponse } from './series-route.js'
import { liveStream } from './stream.js'
import { eventsToWire, lineageToWire, type Overview, overviewToWire, streamRequestFromParam } from './wire.js'

/** Options of {@link webDashboardHandler}. */
export interface WebDashboardOptions {
  /** Where runs and points are read from (never written: the dashboard is read-only). */
  readonly store: MetricStore
  /** Model lineage; enables the lineage view. */
  readonly lineage?: LineageGraph
  /** The Andon: its incidents become run alert counts and x-axis markers. */
  readonly andon?: AlertPolicy
  /**
   * Incidents and drift change points recorded in the store (`recordedEventsOf(dir)` reads
   * `<dir>/andon/incidents.jsonl` and `<dir>/drift/events.jsonl`): shown for stored runs beside the
   * live Andon's, on the charts and in the run table.
   */
  readonly recorded?: RecordedEventsSource
  /**
   * When set, every request needs it: as `Authorization: Bearer <token>`, or once as `?token=` on
   * a page address, which sets an HttpOnly SameSite=Strict cookie and redirects to the clean
   * address (as Jupyter does), so the browser's later requests and the live stream carry it.
   */
  readonly token?: string
  /** Page title. Default `Entrenar`. */
  readonly title?: string
  /** How often live streams poll the store, ms. Default 1000. */
  readonly pollMs?: number
  /** Most buckets one live update sends per series. Default 2000. */
  readonly maxLivePoints?: number
  /**
   * Host names the `Host` header may carry (`name` or `name:port`); guards against DNS rebinding.
   * Default: `localhost`, `127.0.0.1`, `[::1]` (on `port` when given). There is no "any".
   */
  readonly allowedHosts?: readonly string[]
  /** The port the dashboard is served on, for the Host check (a function when known only after binding). */
  readonly port?: number | (() => number | undefined)
  /** Origins allowed to call from another origin (CORS). Default none. */
  readonly corsOrigins?: readonly string[]
  /** Extra model ids where the lineage walk starts (besides the run ids). */
  readonly lineageSeeds?: readonly string[]
  /** Largest number of models the lineage view walks. Default 500. */
  readonly lineageLimit?: number
  /**
   * Start the page's first chart queries (the default runs and metrics, at the chart width the
   * page left in a cookie) as soon as the page itself is requested, so the store works while the
   * browser starts the page. Default true.
   */
  readonly prefetch?: boolean
}

/** The browser bundle the handler serves. */
export interface DashboardAssets {
  readonly js: string
  readonly css: string
}

const OWN_PATH = /^\/(?:index\.html|favicon\.ico|assets\/[^/]+|api\/[a-z/]+|v1\/store\/[A-Za-z]+)?$/
const TEXT = { 'cache-control': 'no-store' }

function withHeaders(res: Response, extra: Readonly<Record<string, string>> = {}): Response {
  const headers = new Headers(res.headers)
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) headers.set(k, v)
  for (const [k, v] of Object.entries(extra)) headers.set(k, v)
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers })
}

/** A strong validator for a static asset: FNV-1a 32-bit of its text (the bundle changes only with a release). */
function etag(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return `"${(h >>> 0).toString(16)}-${text.length.toString(16)}"`
}

/** Serves an asset with its ETag; a matching If-None-Match answers 304 (the browser then reuses its compiled copy). */
function asset(request: Request, body: string, tag: string, type: string): Response {
  const headers = { 'content-type': type, 'cache-control': 'no-cache', etag: tag }
  if (request.headers.get('if-none-match') === tag) return new Response(null, { status: 304, headers })
  return new Response(body, { headers })
}

function json(body: unknown): Response {
  return Response.json(body, { headers: TEXT })
}

function checkOptions(o: WebDashboardOptions): void {
  const bad = (msg: string): never => {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/viz: webDashboardHandler ${msg}`)
  }
  if (!o || typeof o !== 'object') bad('needs an options object')
  if (!o.store || typeof o.store.query !== 'function' || typeof o.store.runs !== 'function') bad('needs a MetricStore as `store`')
  if (o.token !== undefined && (typeof o.token !== 'string' || o.token.length === 0)) bad('token must be a non-empty string')
  for (const k of ['pollMs', 'maxLivePoints', 'lineageLimit'] as const) {
    const v = o[k]
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 1)) bad(`${k} must be a number ≥ 1, got ${String(v)}`)
  }
  if (o.recorded !== undefined && typeof o.recorded !== 'function') bad('recorded must be a function returning the recorded events')
  if (o.prefetch !== undefined && typeof o.prefetch !== 'boolean') bad(`prefetch must be a boolean, got ${String(o.prefetch)}`)
  if (o.allowedHosts !== undefined && !Array.isArray(o.allowedHosts)) bad('allowedHosts must be an array of host names (there is no "any": list the names the dashboard is reached by)')
  const known = new Set(['store', 'lineage', 'andon', 'token', 'title', 'pollMs', 'maxLivePoints', 'allowedHosts', 'port', 'corsOrigins', 'lineageSeeds', 'lineageLimit', 'prefetch', 'recorded'])
  for (const k of Object.keys(o)) if (!known.has(k)) bad(`has no option ${JSON.stringify(k)}`)
}

/** A read-only view of the store for the `/v1/store/*` contract: writes answer 501. */
function readOnly(store: MetricStore): MetricStore {
  const refuse = async (): Promise<never> => {
    throw new EntrenarError(ErrorCodes.UNSUPPORTED, 'entrenar/viz: the dashboard serves the store read-only')
  }
  return {
    query: (q) => store.query(q),
    range: (from, to, filter) => store.range(from, to, filter),
    runs: () => store.runs(),
    write: refuse,
    putRun: refuse,
    flush: refuse,
    close: refuse,
  }
}

/** Builds the handler around a given bundle (tests pass a freshly built one). */
export function createDashboardHandler(options: WebDashboardOptions, assets: DashboardAssets): FetchHandler {
  checkOptions(options)
  const { store, andon, lineage, token } = options
  const title = options.title ?? 'Entrenar'
  const pollMs = options.pollMs ?? 1000
  const maxLivePoints = Math.floor(options.maxLivePoints ?? 2000)
  const guard = createRequestGuard({
    ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
  })
  // The dashboard runs the guard; the store API behind it sees the same request.
  const storeApi = createHttpHandler(metricStoreContract, readOnly(store), { guard: false, maxBodyBytes: MAX_SERIES_REQUEST_BYTES })
  const events = () => dashboardEvents(andon, options.recorded)
  const overview = createOverviewSource({ store, andon, lineage, title, pollMs, events, recorded: options.recorded !== undefined })
  const prefetch = options.prefetch === false ? undefined : createPrefetcher(store, overview)
  /** The run list's JSON (without its clock) last sent, for the summaries it was written from. */
  let overviewWire: { runs: Overview['runs']; open: string; tag: string } | undefined
  const jsTag = etag(assets.js)
  const cssTag = etag(assets.css)

  const route = async (request: Request, url: URL): Promise<Response> => {
    const path = url.pathname
    if (path.startsWith('/v1/store/')) {
      const method = path.slice('/v1/store/'.length)
      if (method !== 'query' && method !== 'runs' && method !== 'range') {
        return errorResponse(ErrorCodes.UNSUPPORTED, `entrenar/viz: the dashboard serves only store.query, store.range and store.runs, not ${JSON.stringify(method)}`)
      }
      return storeApi(request)
    }
    if (path === '/api/series') {
      if (request.method !== 'POST') return errorResponse(ErrorCodes.WIRE_INVALID, `entrenar/viz: ${request.method} /api/series: use POST with a query`)
      return seriesFrameResponse(store, request, prefetch)
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return errorResponse(ErrorCodes.WIRE_INVALID, `entrenar/viz: ${request.method} ${path}: use GET`)
    }
    switch (path) {
      case '/':
      case '/index.html': {
        const points = request.method === 'GET' ? pointsFromCookie(request.headers.get('cookie')) : undefined
        if (prefetch && points !== undefined) void prefetch.start(points)
        return new Response(PAGE_HTML, { headers: { 'content-type': 'text/html; charset=utf-8', ...TEXT } })
      }
      case '/assets/app.js':
        return asset(request, assets.js, jsTag, 'text/javascript; charset=utf-8')
      case '/assets/app.css':
        return asset(request, assets.css, cssTag, 'text/css; charset=utf-8')
      case '/favicon.ico':
        return new Response(null, { status: 204 })
      case '/api/overview': {
        // The run list changes with the runs, not with the clock: its validator leaves `now_ms` out,
        // so the page's poll of an unchanged list (If-None-Match) is answered 304 with the time in
        // a header, and the page keeps the list it has. No-store all the same: the browser's cache
        // never answers for the server (its copy would carry an old `now_ms`).
        // The same summaries as last time (a catalogued store whose catalog, runs and events did not
        // change; see createOverviewSource) reuse the JSON written for them and its validator.
        const o = await overview()
        let w = overviewWire
        if (!w || w.runs !== o.runs) {
          const { now_ms: _, ...rest } = overviewToWire(o, runToWire)
          const text = JSON.stringify(rest)
          w = { runs: o.runs, open: text.slice(0, -1), tag: etag(text) }
          overviewWire = w
        }
        const now = o.nowMs
        const headers = { ...TEXT, etag: w.tag, [NOW_HEADER]: String(now) }
        if (request.headers.get('if-none-match') === w.tag) return new Response(null, { status: 304, headers })
        return new Response(`${w.open},"now_ms":${JSON.stringify(now)}}`, { headers: { 'content-type': 'application/json', ...headers } })
      }
      case '/api/events':
        return json(eventsToWire(await events()))
      case '/api/stream': {
        const req = streamRequestFromParam(url.searchParams.get('q'))
        const body = liveStream(store, andon, req, { pollMs, maxPoints: maxLivePoints, heartbeatMs: 15_000 }, request.signal)
        return new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' } })
      }
      case '/api/lineage': {
        if (!lineage) return errorResponse(ErrorCodes.NOT_FOUND, 'entrenar/viz: no lineage graph was given to the dashboard')
        const runs = await store.runs()
        const view = await buildLineage(
          lineage,
          runs.map((r) => r.id),
          options.lineageSeeds ?? [],
          options.lineageLimit ?? 500,
        )
        return json(lineageToWire(view))
      }
      case '/api/lineage/export': {
        if (!lineage) return errorResponse(ErrorCodes.NOT_FOUND, 'entrenar/viz: no lineage graph was given to the dashboard')
        const format = url.searchParams.get('format') ?? 'mermaid'
        if (format !== 'dot' && format !== 'mermaid' && format !== 'openlineage') {
          return errorResponse(ErrorCodes.INVALID_QUERY, `entrenar/viz: lineage export format ${JSON.stringify(format)} is not dot, mermaid or openlineage`)
        }
        const text = await lineage.export(format)
        return new Response(text, { headers: { 'content-type': format === 'openlineage' ? 'application/json' : 'text/plain; charset=utf-8', ...TEXT } })
      }
      default:
        return errorResponse(ErrorCodes.HTTP_NOT_FOUND, `entrenar/viz: nothing at ${path}`)
    }
  }

  return async (request) => {
    const url = new URL(request.url)
    // Not ours: a plain 404 before any check, so the handler composes with core's combineHandlers.
    if (!OWN_PATH.test(url.pathname)) return withHeaders(errorResponse(ErrorCodes.HTTP_NOT_FOUND, `entrenar/viz: nothing at ${url.pathname}`))
    const refused = guard.check(request)
    if (refused) return withHeaders(refused)
    if (token !== undefined) {
      const given = url.searchParams.get('token')
      if (request.method === 'GET' && given !== null && constantTimeEqual(given, token)) {
        url.searchParams.delete('token')
        return withHeaders(new Response(null, { status: 303, headers: { location: url.pathname + url.search } }), {
          // Secure also behind a TLS proxy, which reports the browser's scheme in X-Forwarded-Proto.
          'set-cookie': `${tokenCookieName(url)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/${url.protocol === 'https:' || request.headers.get('x-forwarded-proto') === 'https' ? '; Secure' : ''}`,
          'cache-control': 'no-store',
        })
      }
      if (!hasToken(request, token, { cookie: true })) {
        if (url.pathname === '/' || url.pathname === '/index.html') {
          return withHeaders(
            new Response('entrenar/viz: this dashboard needs its token: open the address it printed (…/?token=…).\n', {
              status: 401,
              headers: { 'content-type': 'text/plain; charset=utf-8', ...TEXT },
            }),
          )
        }
        return withHeaders(errorResponse(ErrorCodes.HTTP_UNAUTHORIZED, 'entrenar/viz: missing or wrong token'))
      }
    }
    try {
      return withHeaders(guard.cors(request, await route(request, url)))
    } catch (e) {
      if (isEntrenarError(e)) return withHeaders(errorResponse(e.code, e.message, e.details))
      return withHeaders(errorResponse(ErrorCodes.INTERNAL, `entrenar/viz: ${e instanceof Error ? e.message : String(e)}`))
    }
  }
}
