import type { RecordBatch } from '../batch.js'
import { EntrenarError, ErrorCodes } from '../errors.js'
import { aggregate } from './aggregate.js'
import { AGGREGATES, type Aggregate, type MetricQuery, type QueryResult, type Series } from './types.js'

/** Validates a query object; throws `ENTRENAR_INVALID_QUERY` with the offending field. */
export function validateQuery(q: MetricQuery): void {
  const bad = (msg: string): never => {
    throw new EntrenarError(ErrorCodes.INVALID_QUERY, `entrenar/core: query ${msg}`)
  }
  if (q === null || typeof q !== 'object') bad('must be an object')
  for (const f of ['runs', 'metrics'] as const) {
    const v = q[f]
    if (v !== undefined && (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))) bad(`${f} must be an array of strings`)
  }
  for (const f of ['from', 'to'] as const) {
    const v = q[f]
    if (v !== undefined && (typeof v !== 'number' || Number.isNaN(v))) bad(`${f} must be a number (microseconds)`)
  }
  if (q.steps !== undefined && (!Array.isArray(q.steps) || q.steps.length !== 2 || q.steps.some((s) => typeof s !== 'number' || Number.isNaN(s)))) {
    bad('steps must be [lo, hi]')
  }
  if (q.tags !== undefined && (typeof q.tags !== 'object' || q.tags === null || Object.values(q.tags).some((v) => typeof v !== 'string'))) {
    bad('tags must be an object of strings')
  }
  if (q.aggregate !== undefined && !AGGREGATES.includes(q.aggregate)) bad(`aggregate ${JSON.stringify(q.aggregate)} is not one of ${AGGREGATES.join(', ')}`)
  const b = q.bucket
  if (b !== undefined) {
    if ('points' in b) {
      if (b.mode !== 'minmax-last' || !Number.isInteger(b.points) || b.points < 1) bad('bucket.points must be a positive integer with mode "minmax-last"')
    } else if ((b.by !== 'step' && b.by !== 'time') || !(typeof b.size === 'number' && b.size > 0 && Number.isFinite(b.size))) {
      bad('bucket must be { by: "step" | "time", size > 0 } or { points, mode: "minmax-last" }')
    }
  }
}

/** Rows of one `(run, metric)` group, gathered column by column before ordering. */
export interface SeriesColumns {
  /** The run. */
  readonly runId: string
  /** The metric. */
  readonly metric: string
  /** Steps of the rows. */
  readonly step: Float64Array
  /** Times of the rows, epoch microseconds. */
  readonly timestampUs: Float64Array
  /** Values of the rows. */
  readonly value: Float64Array
}

/** True when row `i` of `batch` passes the row filters of `q` (run and metric are checked by the caller). */
export function rowMatches(q: MetricQuery, batch: RecordBatch, i: number): boolean {
  const ts = batch.timestampUs[i]!
  if (q.from !== undefined && ts < q.from) return false
  if (q.to !== undefined && ts > q.to) return false
  if (q.steps) {
    const s = batch.step[i]!
    if (s < q.steps[0] || s > q.steps[1]) return false
  }
  if (q.tags) {
    const t = batch.tagIndex[i]!
    const set = t < 0 ? undefined : batch.tagSets[t]
    for (const k in q.tags) if (!set || set[k] !== q.tags[k]) return false
  }
  return true
}

/** Orders a series' rows by `(step, timestampUs)`, stable. Skips the sort when already ordered (the common case). */
export function orderSeries(s: SeriesColumns): SeriesColumns {
  const n = s.step.length
  let sorted = true
  for (let i = 1; i < n && sorted; i++) {
    const a = s.step[i - 1]!
    const b = s.step[i]!
    if (a > b || (a === b && s.timestampUs[i - 1]! > s.timestampUs[i]!)) sorted = false
  }
  if (sorted) return s
  const idx = new Uint32Array(n)
  for (let i = 0; i < n; i++) idx[i] = i
  idx.sort((a, b) => s.step[a]! - s.step[b]! || s.timestampUs[a]! - s.timestampUs[b]! || a - b)
  const pick = (col: Float64Array): Float64Array => {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = col[idx[i]!]!
    return out
  }
  return { runId: s.runId, metric: s.metric, step: pick(s.step), timestampUs: pick(s.timestampUs), value: pick(s.value) }
}

/**
 * Shapes one ordered series as the query asks (raw, aggregate, buckets, minmax-last).
 * The reference semantics of {@link Series}; Parquet-backed stores call it on their decoded columns.
 */
export function shapeSeries(q: MetricQuery, s: SeriesColumns): Series {
  const n = s.step.length
  const base = { runId: s.runId, metric: s.metric }
  const b = q.bucket
  if (!b) {
    if (!q.aggregate) return { ...base, x: s.step, value: s.value, timestampUs: s.timestampUs }
    let maxStep = Number.NEGATIVE_INFINITY
    let nan = 0
    for (let i = 0; i < n; i++) {
      if (s.step[i]! > maxStep) maxStep = s.step[i]!
      if (Number.isNaN(s.value[i]!)) nan++
    }
    return {
      ...base,
      x: Float64Array.of(maxStep),
      value: Float64Array.of(aggregate(q.aggregate, s.value)),
      count: Float64Array.of(n),
      nanCount: Float64Array.of(nan),
    }
  }
  if ('points' in b) return minMaxLast(base, s, b.points)
  return bucketed(base, s, b.by === 'step' ? s.step : s.timestampUs, b.size, q.aggregate ?? 'mean')
}

function bucketed(base: { runId: string; metric: string }, s: SeriesColumns, key: Float64Array, size: number, agg: Aggregate): Series {
  const n = key.length
  // Keys may be unordered for time buckets of out-of-order steps: order rows by bucket key, stable.
  const bk = new Float64Array(n)
  for (let i = 0; i < n; i++) bk[i] = Math.floor(key[i]! / size) * size
  let ordered = true
  for (let i = 1; i < n && ordered; i++) if (bk[i - 1]! > bk[i]!) ordered = false
  let vals = s.value
  let keys = bk
  if (!ordered) {
    const idx = new Uint32Array(n)
    for (let i = 0; i < n; i++) idx[i] = i
    idx.sort((a, c) => bk[a]! - bk[c]! || a - c)
    vals = new Float64Array(n)
    keys = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      vals[i] = s.value[idx[i]!]!
      keys[i] = bk[idx[i]!]!
    }
  }
  const xs: number[] = []
  const out: number[] = []
  const counts: number[] = []
  const nans: number[] = []
  const scratch = new Float64Array(n)
  let start = 0
  while (start < n) {
    let end = start + 1
    while (end < n && keys[end] === keys[start]) end++
    let nan = 0
    for (let i = start; i < end; i++) if (Number.isNaN(vals[i]!)) nan++
    xs.push(keys[start]!)
    out.push(aggregate(agg, vals, start, end, scratch))
    counts.push(end - start)
    nans.push(nan)
    start = end
  }
  return { ...base, x: Float64Array.from(xs), value: Float64Array.from(out), count: Float64Array.from(counts), nanCount: Float64Array.from(nans) }
}

function minMaxLast(base: { runId: string; metric: string }, s: SeriesColumns, points: number): Series {
  const n = s.step.length
  if (n === 0) return { ...base, x: new Float64Array(0), value: new Float64Array(0), min: new Float64Array(0), max: new Float64Array(0), count: new Float64Array(0), nanCount: new Float64Array(0) }
  const lo = s.step[0]!
  const hi = s.step[n - 1]!
  const width = (hi - lo + 1) / points
  const x = new Float64Array(points)
  const last = new Float64Array(points)
  const mn = new Float64Array(points).fill(Number.NaN)
  const mx = new Float64Array(points).fill(Number.NaN)
  const count = new Float64Array(points)
  const nan = new Float64Array(points)
  for (let i = 0; i < n; i++) {
    const k = Math.min(points - 1, Math.floor((s.step[i]! - lo) / width))
    const v = s.value[i]!
    count[k]!++
    x[k] = s.step[i]!
    last[k] = v
    if (v !== v) {
      nan[k]!++
      continue
    }
    if (mn[k]! !== mn[k]! || v < mn[k]!) mn[k] = v
    if (mx[k]! !== mx[k]! || v > mx[k]!) mx[k] = v
  }
  let m = 0
  for (let k = 0; k < points; k++) if (count[k]! > 0) m++
  const pick = (a: Float64Array): Float64Array => {
    const o = new Float64Array(m)
    let j = 0
    for (let k = 0; k < points; k++) if (count[k]! > 0) o[j++] = a[k]!
    return o
  }
  return { ...base, x: pick(x), value: pick(last), min: pick(mn), max: pick(mx), count: pick(count), nanCount: pick(nan) }
}

/** Runs a typed query over in-memory batches: the reference implementation of {@link MetricQuery}. */
export function executeQuery(q: MetricQuery, batches: Iterable<RecordBatch>): QueryResult {
  validateQuery(q)
  const runs = q.runs ? new Set(q.runs) : undefined
  const metrics = q.metrics ? new Set(q.metrics) : undefined
  const groups = new Map<string, { runId: string; metric: string; step: number[]; ts: number[]; value: number[] }>()
  for (const batch of batches) {
    if (runs && !runs.has(batch.runId)) continue
    const keep = batch.metricNames.map((m) => !metrics || metrics.has(m))
    for (let i = 0; i < batch.length; i++) {
      const mi = batch.metric[i]!
      if (!keep[mi] || !rowMatches(q, batch, i)) continue
      const metric = batch.metricNames[mi]!
      const key = `${batch.runId}\u0000${metric}`
      let g = groups.get(key)
      if (!g) {
        g = { runId: batch.runId, metric, step: [], ts: [], value: [] }
        groups.set(key, g)
      }
      g.step.push(batch.step[i]!)
      g.ts.push(batch.timestampUs[i]!)
      g.value.push(batch.value[i]!)
    }
  }
  const series = [...groups.values()]
    .sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0))
    .map((g) =>
      shapeSeries(
        q,
        orderSeries({ runId: g.runId, metric: g.metric, step: Float64Array.from(g.step), timestampUs: Float64Array.from(g.ts), value: Float64Array.from(g.value) }),
      ),
    )
  return { series }
}
