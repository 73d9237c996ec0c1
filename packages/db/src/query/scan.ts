import { aggregate, type MetricQuery, orderSeries, type QueryResult, type RecordBatch, rowMatches, type Series, shapeSeries, type Tags } from '@entrenar/core'

/**
 * A block of rows of one run, column by column: a buffered batch or a decoded row group.
 * `metricRuns` (flattened `[id, start, end)` triples) marks contiguous rows of one metric, which
 * segments have because they are sorted by metric; it lets the scan copy whole slices.
 */
export interface Block {
  readonly runId: string
  readonly length: number
  readonly metricNames: readonly string[]
  readonly metric: Uint32Array
  readonly timestampUs: Float64Array
  readonly step: Float64Array
  readonly value: Float64Array
  readonly tagSets: readonly Tags[]
  readonly tagIndex: Int32Array
  readonly metricRuns?: Uint32Array
  /** Per triple of `metricRuns`: 1 when those rows are ordered by `(step, timestampUs)`. */
  readonly sortedRuns?: Uint8Array
}

/** Reusable scratch columns, so a repeated aggregate query allocates nothing in steady state. */
export class ScratchPool {
  #cols: [Float64Array, Float64Array, Float64Array] | undefined
  #busy = false

  /** Three columns of at least `n` entries; fresh ones when the pool is in use by another query. */
  take(n: number): { cols: [Float64Array, Float64Array, Float64Array]; release: () => void } {
    if (this.#busy) return { cols: [new Float64Array(n), new Float64Array(n), new Float64Array(n)], release: () => {} }
    if (!this.#cols || this.#cols[0].length < n) {
      const cap = Math.max(n, Math.ceil((this.#cols?.[0].length ?? 0) * 1.5))
      this.#cols = [new Float64Array(cap), new Float64Array(cap), new Float64Array(cap)]
    }
    this.#busy = true
    return {
      cols: this.#cols,
      release: () => {
        this.#busy = false
      },
    }
  }

  /** Drops the buffers (store closed). */
  clear(): void {
    this.#cols = undefined
  }
}

/** Rows `[start, end)` of a block that belong to one series (before row filters). */
interface Slice {
  readonly block: Block
  readonly start: number
  readonly end: number
  /** Only rows whose metric id equals this (-1: the slice holds one metric already). */
  readonly metricId: number
  /** True when the slice's rows are ordered by `(step, timestampUs)`. */
  readonly sorted: boolean
}

interface Group {
  readonly runId: string
  readonly metric: string
  readonly slices: Slice[]
  bound: number
}

/**
 * Executes a validated typed query over blocks with the reference semantics of core
 * (`rowMatches` → `orderSeries` → `shapeSeries`), so answers equal the in-memory store's.
 * `add` only records which slices of which blocks belong to which series; `finish` sizes the
 * series exactly once, gathers them into typed arrays (pooled for aggregated shapes, so a warm
 * aggregate query allocates nothing large), and shapes them. No row objects anywhere.
 */
export class QueryScan {
  readonly #q: MetricQuery
  readonly #metrics: Set<string> | undefined
  readonly #groups = new Map<string, Group>()
  readonly #pool: ScratchPool | undefined

  constructor(q: MetricQuery, pool?: ScratchPool) {
    this.#q = q
    this.#metrics = q.metrics ? new Set(q.metrics) : undefined
    this.#pool = pool
  }

  /** True when the query needs the tags column. */
  get needsTags(): boolean {
    return this.#q.tags !== undefined
  }

  #group(runId: string, metric: string): Group {
    const key = `${runId}\u0000${metric}`
    let g = this.#groups.get(key)
    if (!g) {
      g = { runId, metric, slices: [], bound: 0 }
      this.#groups.set(key, g)
    }
    return g
  }

  add(b: Block): void {
    const names = b.metricNames.map((m) => (!this.#metrics || this.#metrics.has(m) ? m : undefined))
    const runs = b.metricRuns
    if (runs) {
      for (let r = 0; r < runs.length; r += 3) {
        const name = names[runs[r]!]
        if (name === undefined) continue
        const g = this.#group(b.runId, name)
        g.slices.push({ block: b, start: runs[r + 1]!, end: runs[r + 2]!, metricId: -1, sorted: b.sortedRuns?.[r / 3] === 1 })
        g.bound += runs[r + 2]! - runs[r + 1]!
      }
      return
    }
    // A buffered batch: count rows per metric, one slice per metric present.
    const counts = new Uint32Array(names.length)
    for (let i = 0; i < b.length; i++) counts[b.metric[i]!]!++
    names.forEach((name, id) => {
      if (name === undefined || counts[id] === 0) return
      const g = this.#group(b.runId, name)
      g.slices.push({ block: b, start: 0, end: b.length, metricId: id, sorted: false })
      g.bound += counts[id]!
    })
  }

  /** Shapes the gathered series; series with no rows are dropped, as the reference does. */
  finish(): QueryResult {
    const q = this.#q
    const groups = [...this.#groups.values()].sort((a, b) =>
      a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0,
    )
    const raw = !q.aggregate && !q.bucket
    const maxBound = groups.reduce((m, g) => Math.max(m, g.bound), 0)
    // Raw series hand their columns to the caller: exact-size arrays per series. Aggregated
    // shapes copy what they return, so one pooled scratch area serves every series in turn.
    const lease = !raw && this.#pool ? this.#pool.take(maxBound) : undefined
    const series: Series[] = []
    try {
      for (const g of groups) {
        if (lease && !q.bucket && q.aggregate && ordered(g)) {
          const s = this.#aggregateOrdered(g, lease.cols[2])
          if (s) series.push(s)
          continue
        }
        const [step, ts, value] = lease ? lease.cols : [new Float64Array(g.bound), new Float64Array(g.bound), new Float64Array(g.bound)]
        const n = this.#gather(g, step, ts, value)
        if (n === 0) continue
        const exact = raw && n !== g.bound
        const cols = orderSeries({
          runId: g.runId,
          metric: g.metric,
          step: exact ? step.slice(0, n) : step.subarray(0, n),
          timestampUs: exact ? ts.slice(0, n) : ts.subarray(0, n),
          value: exact ? value.slice(0, n) : value.subarray(0, n),
        })
        series.push(shapeSeries(q, cols))
      }
    } finally {
      lease?.release()
    }
    return { series }
  }

  /**
   * An aggregate over a group whose slices are each ordered and follow one another in order (a
   * segment's row groups): the rows passing the filters are already in `(step, timestampUs)` order,
   * so only their values are gathered and `aggregate` of core runs on them as `shapeSeries` would
   * after `orderSeries` (which would change nothing) — the same result, without the step and time copies.
   */
  #aggregateOrdered(g: Group, value: Float64Array): Series | undefined {
    const q = this.#q
    const kind = q.aggregate!
    const from = q.from ?? Number.NEGATIVE_INFINITY
    const to = q.to ?? Number.POSITIVE_INFINITY
    const lo = q.steps ? q.steps[0] : Number.NEGATIVE_INFINITY
    const hi = q.steps ? q.steps[1] : Number.POSITIVE_INFINITY
    const tags = q.tags !== undefined
    // sum, mean and std fold the rows as they pass, with the very operations of core's `aggregate`
    // (Welford, finite values only) in the same order: the same result without copying the values.
    const fold = kind === 'sum' || kind === 'mean' || kind === 'std'
    let n = 0
    let nan = 0
    let maxStep = Number.NEGATIVE_INFINITY
    let count = 0
    let mean = 0
    let m2 = 0
    let sum = 0
    for (const { block: b, start, end } of g.slices) {
      const bs = b.step
      const bt = b.timestampUs
      const bv = b.value
      for (let i = start; i < end; i++) {
        const t = bt[i]!
        const s = bs[i]!
        if (t < from || t > to || s < lo || s > hi) continue
        if (tags && !rowMatches(q, b as unknown as RecordBatch, i)) continue
        const v = bv[i]!
        if (s > maxStep) maxStep = s
        if (v !== v) nan++
        if (fold) {
          n++
          if (v - v !== 0) continue // NaN or ±Inf
          count++
          sum += v
          const d = v - mean
          mean += d / count
          m2 += d * (v - mean)
        } else value[n++] = v
      }
    }
    if (n === 0) return undefined
    let result: number
    if (!fold) result = aggregate(kind, value.subarray(0, n))
    else if (count === 0) result = Number.NaN
    else result = kind === 'sum' ? sum : kind === 'mean' ? mean : count < 2 ? 0 : Math.sqrt(m2 / (count - 1))
    return {
      runId: g.runId,
      metric: g.metric,
      x: Float64Array.of(maxStep),
      value: Float64Array.of(result),
      count: Float64Array.of(n),
      nanCount: Float64Array.of(nan),
    }
  }

  /** Copies the rows of a group that pass the row filters; returns how many. */
  #gather(g: Group, step: Float64Array, ts: Float64Array, value: Float64Array): number {
    const q = this.#q
    // The time and step predicates of core's `rowMatches`, inlined; tags go through `rowMatches` itself.
    const from = q.from ?? Number.NEGATIVE_INFINITY
    const to = q.to ?? Number.POSITIVE_INFINITY
    const lo = q.steps ? q.steps[0] : Number.NEGATIVE_INFINITY
    const hi = q.steps ? q.steps[1] : Number.POSITIVE_INFINITY
    const timeOrStep = q.from !== undefined || q.to !== undefined || q.steps !== undefined
    const tags = q.tags !== undefined
    let n = 0
    for (const { block: b, start, end, metricId } of g.slices) {
      if (metricId < 0 && !timeOrStep && !tags) {
        step.set(b.step.subarray(start, end), n)
        ts.set(b.timestampUs.subarray(start, end), n)
        value.set(b.value.subarray(start, end), n)
        n += end - start
        continue
      }
      const bs = b.step
      const bt = b.timestampUs
      const bv = b.value
      const bm = b.metric
      for (let i = start; i < end; i++) {
        if (metricId >= 0 && bm[i] !== metricId) continue
        const t = bt[i]!
        const s = bs[i]!
        if (t < from || t > to || s < lo || s > hi) continue
        if (tags && !rowMatches(q, b as unknown as RecordBatch, i)) continue
        step[n] = s
        ts[n] = t
        value[n] = bv[i]!
        n++
      }
    }
    return n
  }
}

/** True when a group's rows, read slice after slice, are in `(step, timestampUs)` order. */
function ordered(g: Group): boolean {
  let prevStep = Number.NEGATIVE_INFINITY
  let prevTs = Number.NEGATIVE_INFINITY
  for (const { block: b, start, end, sorted } of g.slices) {
    if (!sorted) return false
    if (end <= start) continue
    const s = b.step[start]!
    const t = b.timestampUs[start]!
    if (prevStep > s || (prevStep === s && prevTs > t)) return false
    prevStep = b.step[end - 1]!
    prevTs = b.timestampUs[end - 1]!
  }
  return true
}
