/**
 * The ingest protocol: how training loops in any language push points (`POST /v1/ingest`).
 * Plain JSON, validated by hand here (the same checks as core's `batchFromRows`).
 *
 * ```json
 * { "schema_version": 1, "run_id": "run-42",
 *   "run": { "name": "baseline", "config": { "lr": 0.001 }, "status": "running" },
 *   "points": [
 *     { "metric": "loss", "value": 0.53, "step": 10 },
 *     { "step": 11, "values": { "loss": 0.51, "accuracy": 0.82 }, "tags": { "split": "train" } } ] }
 * ```
 * Values are numbers or `"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"`; Python's `json.dumps`
 * bare `NaN`/`Infinity` tokens are accepted too. `timestamp_us` defaults to the server's clock.
 */
import {
  checkMetricName,
  closestName,
  checkStep,
  checkTags,
  EntrenarError,
  ErrorCodes,
  NULL_INT32,
  type RecordBatch,
  RecordBatchBuilder,
  type RunInfo,
  type RunStatus,
  SCHEMA_VERSION,
  type Tags,
  unknownNameMessage,
} from '@entrenar/core'

/** A parsed ingest request. */
export interface IngestRequest {
  /** The points of the request, as one columnar batch of its run. */
  readonly batch: RecordBatch
  /** Run metadata to store, when the request carried `run`. */
  readonly run?: RunInfo
}

export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,199}$/
const STATUSES: readonly RunStatus[] = ['running', 'finished', 'failed', 'stopped']

function invalid(msg: string, code: string = ErrorCodes.WIRE_INVALID): never {
  throw new EntrenarError(code as typeof ErrorCodes.WIRE_INVALID, `entrenar/serve: ingest: ${msg}`)
}

function float(x: unknown, where: string): number {
  if (typeof x === 'number') return x
  if (x === 'NaN') return Number.NaN
  if (x === 'Infinity') return Number.POSITIVE_INFINITY
  if (x === '-Infinity') return Number.NEGATIVE_INFINITY
  if (x === '-0') return -0
  return invalid(`${where} is ${JSON.stringify(x)}, not a number`, ErrorCodes.INVALID_VALUE)
}

function int32(x: unknown, where: string): number {
  if (x === undefined || x === null) return NULL_INT32
  if (typeof x !== 'number' || !Number.isInteger(x) || x < -2147483647 || x > 2147483647) invalid(`${where} ${JSON.stringify(x)} is not a 32-bit integer`, ErrorCodes.INVALID_STEP)
  return x
}

/**
 * Parses JSON that may contain Python's bare `NaN`, `Infinity` and `-Infinity` tokens (what
 * `json.dumps` writes for non-finite floats) by quoting them outside strings, then `JSON.parse`.
 */
export function parseLenientJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (first) {
    if (!/NaN|Infinity/.test(text)) throw first
  }
  let out = ''
  let last = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++
      else if (c === 34) inString = false
      continue
    }
    if (c === 34) inString = true
    else if (c === 78 && text.startsWith('NaN', i)) {
      out += `${text.slice(last, i)}"NaN"`
      i += 2
      last = i + 1
    } else if (c === 73 && text.startsWith('Infinity', i)) {
      const neg = text[i - 1] === '-'
      out += `${text.slice(last, neg ? i - 1 : i)}"${neg ? '-' : ''}Infinity"`
      i += 7
      last = i + 1
    }
  }
  return JSON.parse(out + text.slice(last))
}

const BODY_KEYS = new Set(['schema_version', 'run_id', 'run', 'points'])
const POINT_KEYS = new Set(['step', 'metric', 'value', 'values', 'timestamp_us', 'epoch', 'batch', 'tags'])
const RUN_KEYS = new Set(['name', 'config', 'status', 'start_time_ms', 'end_time_ms', 'host', 'git_revision', 'reason'])

/** A misspelt field must not be dropped silently (`"valeus"` would lose the point's values). */
function noUnknownKeys(o: Record<string, unknown>, known: ReadonlySet<string>, where: string): void {
  // for…in over a parsed JSON object (own keys only, no prototype keys) is the cheapest walk per point.
  for (const key in o) if (!known.has(key)) unknownKey(key, [...known], where)
}

function unknownKey(key: string, known: readonly string[], where: string): never {
  throw new EntrenarError(ErrorCodes.WIRE_INVALID, `entrenar/serve: ingest: ${unknownNameMessage('key', key, known)}${where ? ` in ${where}` : ''}`, {
    details: { key, path: where, suggestion: closestName(key, known) ?? null },
  })
}

function tagsOf(x: unknown, where: string): Tags | null {
  if (x === undefined || x === null) return null
  const e = checkTags(x)
  if (e) invalid(`${where}: ${e.message}`, e.code)
  return x as Tags
}

/** Validates an ingest body and builds one batch (and the run metadata, when given). */
export function parseIngest(body: unknown, nowUs: number): IngestRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) invalid('body must be a JSON object')
  const o = body as Record<string, unknown>
  noUnknownKeys(o, BODY_KEYS, '')
  if (o.schema_version !== SCHEMA_VERSION) {
    throw new EntrenarError(ErrorCodes.WIRE_VERSION, `entrenar/serve: ingest: schema_version ${JSON.stringify(o.schema_version)} is not ${SCHEMA_VERSION}`)
  }
  const runId = o.run_id
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) invalid(`run_id ${JSON.stringify(runId)} must match ${RUN_ID.source}`, ErrorCodes.INVALID_RUN_ID)
  if (!Array.isArray(o.points)) invalid('points must be an array')
  const points = o.points as unknown[]
  const b = new RecordBatchBuilder(runId, Math.max(1, points.length))
  for (let i = 0; i < points.length; i++) {
    const p = points[i]
    const at = `points[${i}]`
    if (typeof p !== 'object' || p === null || Array.isArray(p)) invalid(`${at} must be an object`)
    const q = p as Record<string, unknown>
    noUnknownKeys(q, POINT_KEYS, at)
    const stepErr = checkStep(q.step)
    if (stepErr) invalid(`${at}.step: ${stepErr.message}`, stepErr.code)
    const ts = q.timestamp_us === undefined ? nowUs : q.timestamp_us
    if (typeof ts !== 'number' || !Number.isFinite(ts)) invalid(`${at}.timestamp_us ${JSON.stringify(ts)} is not a number`)
    const epoch = int32(q.epoch, `${at}.epoch`)
    const bt = int32(q.batch, `${at}.batch`)
    const tag = b.tagSetId(tagsOf(q.tags, `${at}.tags`))
    const add = (metric: unknown, value: unknown, where: string) => {
      const e = checkMetricName(metric)
      if (e) invalid(`${where}: ${e.message}`, e.code)
      b.append(b.metricId(metric as string), float(value, `${where}.value`), q.step as number, ts, epoch, bt, tag)
    }
    if (q.values !== undefined) {
      if (typeof q.values !== 'object' || q.values === null || Array.isArray(q.values)) invalid(`${at}.values must be an object of metric → value`)
      for (const [metric, value] of Object.entries(q.values)) add(metric, value, `${at}.values.${metric}`)
    } else add(q.metric, q.value, at)
  }
  const batch = b.finish()
  if (o.run === undefined || o.run === null) return { batch }
  if (typeof o.run !== 'object' || Array.isArray(o.run)) invalid('run must be an object')
  const r = o.run as Record<string, unknown>
  noUnknownKeys(r, RUN_KEYS, 'run')
  const status = r.status ?? 'running'
  if (!STATUSES.includes(status as RunStatus)) invalid(`run.status ${JSON.stringify(status)} is not one of ${STATUSES.join(', ')}`)
  if (r.name !== undefined && typeof r.name !== 'string') invalid('run.name must be a string')
  if (r.config !== undefined && (typeof r.config !== 'object' || r.config === null || Array.isArray(r.config))) invalid('run.config must be an object')
  const start = r.start_time_ms ?? Math.floor(nowUs / 1000)
  if (typeof start !== 'number') invalid('run.start_time_ms must be a number')
  const run: RunInfo = {
    id: runId,
    status: status as RunStatus,
    startTimeMs: start,
    ...(typeof r.name === 'string' ? { name: r.name } : {}),
    ...(r.config ? { config: r.config as Record<string, unknown> } : {}),
    ...(typeof r.end_time_ms === 'number' ? { endTimeMs: r.end_time_ms } : {}),
    ...(typeof r.host === 'string' ? { host: r.host } : {}),
    ...(typeof r.git_revision === 'string' ? { gitRevision: r.git_revision } : {}),
    ...(typeof r.reason === 'string' ? { reason: r.reason } : {}),
  }
  return { batch, run }
}
