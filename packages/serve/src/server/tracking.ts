/**
 * The Rust entrenar's tracking API (its `server` feature), answered by `entrenar serve` so a Rust
 * training job logs into us unchanged. (trueno-db's read-only `POST /query {sql}` is answered by serve's
 * SQL route, `sql-route.ts`, only when SQL is on.)
 *
 * | route | mapped onto |
 * |---|---|
 * | `GET /health` | `{ status: "healthy", version, uptime_secs, experiments_count, runs_count }` |
 * | `POST/GET /api/v1/experiments`, `GET /api/v1/experiments/{id}` | experiments kept by an {@link ExperimentLog} |
 * | `POST /api/v1/runs {experiment_id, name?, tags?}` | `putRun`: status `running`; `config` = `{ experiment_id, experiment, tags }` |
 * | `GET /api/v1/runs/{id}` | the run, `params` = its config without those three keys, `metrics` = last finite value per metric |
 * | `PATCH /api/v1/runs/{id} {status?, end_time?}` | `putRun`: `completed` → `finished`, `cancelled` → `stopped`, … |
 * | `POST /api/v1/runs/{id}/params {params}` | merged into the run's `config` |
 * | `POST /api/v1/runs/{id}/metrics {metrics, step?}` | one batch through the same bounded queue as `POST /v1/ingest` |
 *
 * Replies other than `/health` are wrapped `{ success, data, error, request_id }`.
 * A metrics post without `step` takes the next step of that run (one past the largest step the run
 * has). serde_json writes NaN and ±Inf as `null`: a `null` metric value is stored as NaN.
 */
import {
  checkMetricName,
  checkOptions,
  optionKeys,
  checkStep,
  EntrenarError,
  ErrorCodes,
  type FetchHandler,
  isEntrenarError,
  type MetricStore,
  type RecordBatch,
  RecordBatchBuilder,
  type RunInfo,
  type RunStatus,
  unknownNameMessage,
  validateBatch,
} from '@entrenar/core'
import { parseLenientJson } from './ingest.js'
import { BUSY } from './bounded-store.js'

/** An experiment of the tracking API. */
export interface TrackedExperiment {
  /** Experiment id, assigned by the server. */
  readonly id: string
  /** Experiment name, as created. */
  readonly name: string
  /** Free text, when given. */
  readonly description?: string
  /** RFC 3339. */
  readonly created_at: string
  /** String labels of the experiment. */
  readonly tags: Readonly<Record<string, string>>
}

/** Where experiments are kept (runs and points go to the store). */
export interface ExperimentLog {
  /** Every experiment kept so far, oldest first. */
  load(): Promise<readonly TrackedExperiment[]>
  /** Keeps one more; resolves once it is durable. */
  append(e: TrackedExperiment): Promise<void>
}

/** Experiments in memory only (the default; `entrenar serve` keeps them in a file of the store directory). */
export function memoryExperimentLog(): ExperimentLog {
  const all: TrackedExperiment[] = []
  return { load: async () => all.slice(), append: async (e) => void all.push(e) }
}

/** Options of {@link trackingHandler}. */
export interface TrackingOptions {
  /** The store every run and point goes to (serve passes its bounded store: the same path as `/v1/ingest`). */
  readonly store: MetricStore & {
    /** Writes every queued row and flushes (a bounded store's `drain`), when the store queues. */
    drain?(): Promise<void>
  }
  /** Reads a request body with serve's cap; answers a Response when it is too large or undecodable. */
  readonly readBody: (request: Request) => Promise<string | Response>
  /** Where experiments are kept. Default {@link memoryExperimentLog}. */
  readonly experiments?: ExperimentLog
  /** Reported by `GET /health`. */
  readonly version?: string
  /** Clock (ms since the epoch); for tests. */
  readonly now?: () => number
  /**
   * Called with each metrics batch once the store took it, as serve's `onIngest` for `POST /v1/ingest`:
   * the change detectors and the served Andon see tracked runs as they see pushed ones.
   */
  readonly onWrite?: (batch: RecordBatch) => void
}

const RESERVED = ['experiment_id', 'experiment', 'tags'] as const
const STATUS_IN: Readonly<Record<string, RunStatus>> = {
  pending: 'running',
  running: 'running',
  completed: 'finished',
  success: 'finished',
  succeeded: 'finished',
  finished: 'finished',
  failed: 'failed',
  cancelled: 'stopped',
  canceled: 'stopped',
  stopped: 'stopped',
}
const STATUS_OUT: Readonly<Record<RunStatus, string>> = { running: 'running', finished: 'completed', failed: 'failed', stopped: 'cancelled' }

function hex(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes))
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

function bad(message: string, code: string = ErrorCodes.WIRE_INVALID): never {
  throw new EntrenarError(code as typeof ErrorCodes.WIRE_INVALID, `entrenar/serve: tracking: ${message}`)
}

function notFound(message: string): never {
  throw new EntrenarError(ErrorCodes.NOT_FOUND, `entrenar/serve: tracking: ${message}`)
}

function statusOf(code: string): number {
  if (code === ErrorCodes.NOT_FOUND) return 404
  if (code === ErrorCodes.HTTP_UNAUTHORIZED) return 401
  if (code === ErrorCodes.BODY_TOO_LARGE) return 413
  if (code === BUSY) return 429
  if (code === ErrorCodes.HTTP_MEDIA_TYPE) return 415
  if (code === ErrorCodes.CLOSED) return 409
  return /INVALID|WIRE/.test(code) ? 400 : 500
}

function object(x: unknown, what: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) bad(`${what} must be a JSON object`)
  return x as Record<string, unknown>
}

function optionalString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') bad(`${key} must be a string`)
  return v
}

function tagsOf(x: unknown): Record<string, string> {
  if (x === undefined || x === null) return {}
  const o = object(x, 'tags')
  for (const [k, v] of Object.entries(o)) if (typeof v !== 'string') bad(`tag ${JSON.stringify(k)} must be a string`, ErrorCodes.INVALID_TAGS)
  return { ...(o as Record<string, string>) }
}

/**
 * A Fetch handler for the tracking routes; `entrenar serve` mounts it after its token check, so
 * the routes need the bearer token when the server has one (the Rust server itself checks none).
 */
export function trackingHandler(options: TrackingOptions): FetchHandler {
  checkOptions('entrenar/serve: trackingHandler', options, TRACKING_OPTIONS)
  const store = options.store
  const experimentLog = options.experiments ?? memoryExperimentLog()
  const now = options.now ?? Date.now
  const started = now()
  let experiments: Map<string, TrackedExperiment> | undefined
  const nextStep = new Map<string, number>()

  const loadExperiments = async (): Promise<Map<string, TrackedExperiment>> => {
    if (!experiments) {
      const loaded = new Map((await experimentLog.load()).map((e) => [e.id, e] as const))
      experiments ??= loaded
    }
    return experiments
  }

  const findRun = async (id: string): Promise<RunInfo> => {
    const run = (await store.runs()).find((r) => r.id === id)
    return run ?? notFound(`run ${JSON.stringify(id)} does not exist`)
  }

  const runView = async (run: RunInfo) => {
    await store.drain?.()
    const latest: Record<string, number> = {}
    for (const s of (await store.query({ runs: [run.id], aggregate: 'last' })).series) {
      const v = s.value[0]!
      // JSON (and so the Rust client's f64) has no NaN/±Inf: the full series is on /v1/store/query.
      if (Number.isFinite(v)) latest[s.metric] = v
    }
    const config = { ...(run.config ?? {}) }
    const experimentId = typeof config.experiment_id === 'string' ? config.experiment_id : null
    const tags = typeof config.tags === 'object' && config.tags !== null ? config.tags : {}
    for (const k of RESERVED) delete config[k]
    return {
      id: run.id,
      experiment_id: experimentId,
      ...(run.name !== undefined ? { name: run.name } : {}),
      status: STATUS_OUT[run.status],
      start_time: new Date(run.startTimeMs).toISOString(),
      ...(run.endTimeMs !== undefined ? { end_time: new Date(run.endTimeMs).toISOString() } : {}),
      params: config,
      metrics: latest,
      tags,
    }
  }

  const stepFor = async (runId: string, given: unknown): Promise<number> => {
    if (!nextStep.has(runId)) {
      await store.drain?.()
      let max = -1
      for (const s of (await store.query({ runs: [runId], aggregate: 'count' })).series) max = Math.max(max, s.x[0]!)
      if (!nextStep.has(runId)) nextStep.set(runId, max + 1)
    }
    const next = nextStep.get(runId)!
    if (given === undefined || given === null) {
      nextStep.set(runId, next + 1)
      return next
    }
    const err = checkStep(given)
    if (err) bad(`step: ${err.message}`, err.code)
    const step = given as number
    if (step >= next) nextStep.set(runId, step + 1)
    return step
  }

  /** The JSON object of a request body, with only the keys the Rust API defines for that route (others are errors, not ignored). */
  const body = async (request: Request, known: readonly string[]): Promise<Record<string, unknown>> => {
    const o = await anyBody(request)
    for (const k of Object.keys(o)) {
      if (!known.includes(k)) throw new EntrenarError(ErrorCodes.WIRE_INVALID, `entrenar/serve: tracking: ${unknownNameMessage('key', k.slice(0, 60), known)}`)
    }
    return o
  }

  const anyBody = async (request: Request): Promise<Record<string, unknown>> => {
    // CSRF: a cross-origin page can send a "simple" request (text/plain, forms) without a preflight, never application/json.
    const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
    if (type !== 'application/json') {
      throw new EntrenarError(ErrorCodes.HTTP_MEDIA_TYPE, `entrenar/serve: tracking: ${request.method} ${new URL(request.url).pathname}: content-type must be application/json, got ${JSON.stringify(type)}`)
    }
    const text = await options.readBody(request)
    if (typeof text !== 'string') throw text
    try {
      return object(parseLenientJson(text), 'body')
    } catch (e) {
      if (isEntrenarError(e)) throw e
      return bad('body is not JSON')
    }
  }

  const routes = async (request: Request, path: string): Promise<{ status: number; data: unknown }> => {
    const method = request.method
    let parts: string[]
    try {
      parts = path.split('/').slice(3).map(decodeURIComponent) // ['', 'api', 'v1', ...]
    } catch {
      return notFound(`no route ${method} ${path} (bad percent-encoding)`)
    }
    const [kind, id, sub] = parts
    if (kind === 'experiments' && parts.length === 1) {
      if (method === 'GET') return { status: 200, data: [...(await loadExperiments()).values()] }
      if (method === 'POST') {
        const o = await body(request, ['name', 'description', 'tags'])
        const name = o.name
        if (typeof name !== 'string' || name.length === 0) bad('name must be a non-empty string')
        const description = optionalString(o, 'description')
        const e: TrackedExperiment = { id: `exp-${hex(8)}`, name, ...(description !== undefined ? { description } : {}), created_at: new Date(now()).toISOString(), tags: tagsOf(o.tags) }
        const all = await loadExperiments()
        await experimentLog.append(e)
        all.set(e.id, e)
        return { status: 201, data: e }
      }
    }
    if (kind === 'experiments' && parts.length === 2 && method === 'GET') {
      const e = (await loadExperiments()).get(id!)
      return { status: 200, data: e ?? notFound(`experiment ${JSON.stringify(id)} does not exist`) }
    }
    if (kind === 'runs' && parts.length === 1 && method === 'POST') {
      const o = await body(request, ['experiment_id', 'name', 'tags'])
      const experimentId = o.experiment_id
      if (typeof experimentId !== 'string') bad('experiment_id must be a string')
      const experiment = (await loadExperiments()).get(experimentId) ?? notFound(`experiment ${JSON.stringify(experimentId)} does not exist`)
      const name = optionalString(o, 'name')
      const run: RunInfo = {
        id: `run-${hex(8)}`,
        ...(name !== undefined ? { name } : {}),
        status: 'running',
        startTimeMs: now(),
        config: { experiment_id: experiment.id, experiment: experiment.name, tags: tagsOf(o.tags) },
      }
      await store.putRun(run)
      nextStep.set(run.id, 0)
      return { status: 201, data: await runView(run) }
    }
    if (kind === 'runs' && parts.length === 2) {
      if (method === 'GET') return { status: 200, data: await runView(await findRun(id!)) }
      if (method === 'PATCH') {
        const o = await body(request, ['status', 'end_time'])
        const run = await findRun(id!)
        let status = run.status
        if (o.status !== undefined && o.status !== null) {
          const s = typeof o.status === 'string' ? STATUS_IN[o.status.toLowerCase()] : undefined
          status = s ?? bad(`status ${JSON.stringify(o.status)} is not one of ${Object.keys(STATUS_IN).join(', ')}`)
        }
        const endText = optionalString(o, 'end_time')
        const endMs = endText === undefined ? undefined : Date.parse(endText)
        if (endMs !== undefined && Number.isNaN(endMs)) bad(`end_time ${JSON.stringify(endText)} is not an RFC 3339 time`)
        const endTimeMs = endMs ?? run.endTimeMs ?? (status !== 'running' ? now() : undefined)
        const next: RunInfo = { ...run, status, ...(endTimeMs !== undefined ? { endTimeMs } : {}) }
        await store.putRun(next)
        return { status: 200, data: await runView(next) }
      }
    }
    if (kind === 'runs' && parts.length === 3 && sub === 'params' && method === 'POST') {
      const params = object((await body(request, ['params'])).params, 'params')
      for (const k of RESERVED) if (k in params) bad(`param ${JSON.stringify(k)} is reserved (it holds the run's ${k === 'tags' ? 'tags' : 'experiment'})`)
      const run = await findRun(id!)
      await store.putRun({ ...run, config: { ...(run.config ?? {}), ...params } })
      return { status: 200, data: 'Parameters logged' }
    }
    if (kind === 'runs' && parts.length === 3 && sub === 'metrics' && method === 'POST') {
      const o = await body(request, ['metrics', 'step'])
      const metrics = object(o.metrics, 'metrics')
      await findRun(id!)
      const b = new RecordBatchBuilder(id!, Math.max(1, Object.keys(metrics).length))
      const entries = Object.entries(metrics)
      for (const [name, value] of entries) {
        const e = checkMetricName(name)
        if (e) throw e
        if (value !== null && typeof value !== 'number' && !['NaN', 'Infinity', '-Infinity'].includes(value as string)) {
          bad(`metric ${JSON.stringify(name)} has value ${JSON.stringify(value)}, not a number`, ErrorCodes.INVALID_VALUE)
        }
      }
      const step = await stepFor(id!, o.step)
      const ts = now() * 1000
      for (const [name, value] of entries) {
        const v = value === null || value === 'NaN' ? Number.NaN : value === 'Infinity' ? Number.POSITIVE_INFINITY : value === '-Infinity' ? Number.NEGATIVE_INFINITY : (value as number)
        b.append(b.metricId(name), v, step, ts)
      }
      const batch = b.finish()
      // The store's own rules before the acknowledgement (an acknowledged point is kept).
      if (store.validate) store.validate(batch)
      else validateBatch(batch)
      await store.write(batch)
      options.onWrite?.(batch)
      return { status: 200, data: 'Metrics logged' }
    }
    return notFound(`no route ${method} ${path}`)
  }

  const health = async (): Promise<Response> => {
    const [all, runs] = await Promise.all([loadExperiments(), store.runs()])
    return Response.json({ status: 'healthy', version: options.version ?? '0.1.0', uptime_secs: Math.floor((now() - started) / 1000), experiments_count: all.size, runs_count: runs.length })
  }

  return async (request) => {
    const path = new URL(request.url).pathname
    if (path === '/health' && request.method === 'GET') return health()
    const requestId = `req-${hex(8)}`
    try {
      const { status, data } = await routes(request, path)
      return Response.json({ success: true, data, error: null, request_id: requestId }, { status })
    } catch (e) {
      if (e instanceof Response) {
        // serve's body reader refused the body (too large, bad encoding): keep its status and code, wrap the message.
        const code = e.headers.get('x-entrenar-code') ?? ErrorCodes.WIRE_INVALID
        const message = ((await e.json().catch(() => null)) as { error?: { message?: string } } | null)?.error?.message ?? `request refused (${e.status})`
        return Response.json({ success: false, data: null, error: message, request_id: requestId }, { status: e.status, headers: { 'x-entrenar-code': code } })
      }
      const err = isEntrenarError(e) ? e : new EntrenarError(ErrorCodes.INTERNAL, `entrenar/serve: tracking: ${e instanceof Error ? e.message : String(e)}`)
      return Response.json({ success: false, data: null, error: err.message, request_id: requestId }, { status: statusOf(err.code), headers: { 'x-entrenar-code': err.code } })
    }
  }
}

/** True for the paths {@link trackingHandler} answers. */
export function isTrackingPath(path: string): boolean {
  return path === '/health' || path.startsWith('/api/v1/')
}

/** The option names trackingHandler accepts (unknown ones are errors). */
const TRACKING_OPTIONS = optionKeys<TrackingOptions>({ store: true, readBody: true, experiments: true, version: true, now: true, onWrite: true })
