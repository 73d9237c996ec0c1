import { type MetricQuery, orderSeries, type QueryResult, type RecordBatch, rowMatches, type Series, shapeSeries, type Tags } from '@entrenar/core'

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
}

/** Growable columns of one `(run, metric)` series. */
class Acc {
  readonly runId: string
  readonly metric: string
  n = 0
  step: Float64Array
  ts: Float64Array
  value: Float64Array

  constructor(runId: string, metric: string, cap: number) {
    this.runId = runId
    this.metric = metric
    this.step = new Float64Array(cap)
    this.ts = new Float64Array(cap)
    this.value = new Float64Array(cap)
  }

  reserve(extra: number): void {
    const need = this.n + extra
    if (need <= this.step.length) return
    const cap = Math.max(need, this.step.length * 2)
    const grow = (a: Float64Array) => {
      const b = new Float64Array(cap)
      b.set(a.subarray(0, this.n))
      return b
    }
    this.step = grow(this.step)
    this.ts = grow(this.ts)
    this.value = grow(this.value)
  }
}

/**
 * Executes a validated typed query over blocks with the reference semantics of core
 * (`rowMatches` → `orderSeries` → `shapeSeries`), so answers equal the in-memory store's.
 * Rows are gathered into typed arrays (never row objects); a metric slice without row filters
 * is copied with one `TypedArray.set`.
 */
export class QueryScan {
  readonly #q: MetricQuery
  readonly #metrics: Set<string> | undefined
  readonly #filtered: boolean
  readonly #groups = new Map<string, Acc>()

  constructor(q: MetricQuery) {
    this.#q = q
    this.#metrics = q.metrics ? new Set(q.metrics) : undefined
    this.#filtered = q.from !== undefined || q.to !== undefined || q.steps !== undefined || q.tags !== undefined
  }

  /** True when the query needs the tags column. */
  get needsTags(): boolean {
    return this.#q.tags !== undefined
  }

  #acc(runId: string, metric: string, hint: number): Acc {
    const key = `${runId}\u0000${metric}`
    let g = this.#groups.get(key)
    if (!g) {
      g = new Acc(runId, metric, Math.max(16, hint))
      this.#groups.set(key, g)
    }
    return g
  }

  add(b: Block): void {
    const accs = b.metricNames.map((m) => (!this.#metrics || this.#metrics.has(m) ? m : undefined))
    const batch = b as unknown as RecordBatch
    const q = this.#q
    const runs = b.metricRuns
    if (runs) {
      for (let r = 0; r < runs.length; r += 3) {
        const name = accs[runs[r]!]
        if (name === undefined) continue
        const s = runs[r + 1]!
        const e = runs[r + 2]!
        const g = this.#acc(b.runId, name, e - s)
        g.reserve(e - s)
        if (!this.#filtered) {
          g.step.set(b.step.subarray(s, e), g.n)
          g.ts.set(b.timestampUs.subarray(s, e), g.n)
          g.value.set(b.value.subarray(s, e), g.n)
          g.n += e - s
          continue
        }
        let n = g.n
        const { step, ts, value } = g
        for (let i = s; i < e; i++) {
          if (!rowMatches(q, batch, i)) continue
          step[n] = b.step[i]!
          ts[n] = b.timestampUs[i]!
          value[n] = b.value[i]!
          n++
        }
        g.n = n
      }
      return
    }
    const local: (Acc | undefined)[] = accs.map((m) => (m === undefined ? undefined : this.#acc(b.runId, m, 16)))
    for (let i = 0; i < b.length; i++) {
      const g = local[b.metric[i]!]
      if (!g || (this.#filtered && !rowMatches(q, batch, i))) continue
      if (g.n === g.step.length) g.reserve(1)
      g.step[g.n] = b.step[i]!
      g.ts[g.n] = b.timestampUs[i]!
      g.value[g.n] = b.value[i]!
      g.n++
    }
  }

  /** Shapes the gathered series; series with no rows are dropped, as the reference does. */
  finish(): QueryResult {
    const series: Series[] = []
    const groups = [...this.#groups.values()]
      .filter((g) => g.n > 0)
      .sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0))
    for (const g of groups) {
      const cols = orderSeries({ runId: g.runId, metric: g.metric, step: g.step.subarray(0, g.n), timestampUs: g.ts.subarray(0, g.n), value: g.value.subarray(0, g.n) })
      // Raw series hand out their columns: trim the growth slack so callers own exact-size arrays.
      const raw = !this.#q.aggregate && !this.#q.bucket
      const own = raw && cols.step.buffer === g.step.buffer ? { ...cols, step: cols.step.slice(), timestampUs: cols.timestampUs.slice(), value: cols.value.slice() } : cols
      series.push(shapeSeries(this.#q, own))
    }
    return { series }
  }
}
