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
  /** Per triple of `metricRuns`: the smallest and largest timestamp of its rows, and 1 when they never decrease (triples, flattened). */
  readonly timeRuns?: Float64Array
  /**
   * A value-only block: rows of one metric, ordered by `(step, timestampUs)`, every one of which passes
   * the query's time and step filters, with `step` and `timestampUs` left undecoded (empty). These bounds
   * (the row group's statistics) stand for them: its first step is `stepMin`, its last `stepMax`.
   */
  readonly valueOnly?: ValueOnlyBounds
}

/** Exact bounds of the steps and timestamps of a value-only block's rows. */
export interface ValueOnlyBounds {
  readonly stepMin: number
  readonly stepMax: number
  readonly tsMin: number
  readonly tsMax: number
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
  /** Index of the slice's triple in `block.metricRuns` (-1: none). */
  readonly run: number
}

interface Group {
  readonly runId: string
  readonly metric: string
  slices: Slice[]
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
        g.slices.push({ block: b, start: runs[r + 1]!, end: runs[r + 2]!, metricId: -1, sorted: b.sortedRuns?.[r / 3] === 1, run: r / 3 })
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
      g.slices.push({ block: b, start: 0, end: b.length, metricId: id, sorted: false, run: -1 })
      g.bound += counts[id]!
    })
  }

  /**
   * Value-only blocks fold from their values alone only into an aggregate (no buckets, no tag filter)
   * over a group whose slices provably follow one another in `(step, timestampUs)` order. For every
   * other group, `load` gives each value-only block's complete form (steps and timestamps decoded),
   * which replaces it; undefined (a damaged segment) drops every block sharing its `source`, so a
   * damaged segment contributes nothing. Call after the last `add`, before `finish`.
   */
  async complete(load: (b: Block) => Promise<Block | undefined>, source: (b: Block) => unknown): Promise<void> {
    const q = this.#q
    const foldable = this.#pool !== undefined && q.aggregate !== undefined && !q.bucket && q.tags === undefined
    const dropped = new Set<unknown>()
    const lost = new Set<Block>()
    // The source of each completed block is its value-only form's.
    const replaced = new Map<Block, Block>()
    const sourceOf = (b: Block) => source(replaced.get(b) ?? b)
    for (const g of this.#groups.values()) {
      if (!g.slices.some((sl) => sl.block.valueOnly)) continue
      if (foldable && ordered(g)) continue
      for (let i = 0; i < g.slices.length; i++) {
        const sl = g.slices[i]!
        if (!sl.block.valueOnly) continue
        const full = await load(sl.block)
        if (!full) {
          lost.add(sl.block)
          const src = source(sl.block)
          if (src !== undefined) dropped.add(src)
          continue
        }
        // A row group of one metric: one run, the same rows.
        replaced.set(full, sl.block)
        g.slices[i] = { ...sl, block: full, sorted: full.sortedRuns?.[0] === 1 }
      }
    }
    if (lost.size === 0) return
    for (const g of this.#groups.values()) {
      g.slices = g.slices.filter((sl) => !lost.has(sl.block) && !dropped.has(sourceOf(sl.block)))
      g.bound = g.slices.reduce((n, sl) => n + sl.end - sl.start, 0)
    }
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
    const out: (Series | undefined)[] = new Array(groups.length)
    const kind = q.aggregate
    const fold = !q.bucket && (kind === 'sum' || kind === 'mean' || kind === 'std')
    // Folded aggregates: up to three ordered groups at a time gather their finite values (one scratch
    // column each), then fold them side by side, so the CPU overlaps their independent divisions.
    const lanes: Lane[] = []
    const flush = () => {
      foldLanes(kind!, lanes, out)
      lanes.length = 0
    }
    try {
      for (let gi = 0; gi < groups.length; gi++) {
        const g = groups[gi]!
        if (lease && fold && ordered(g)) {
          const lane = this.#lane(g, lease.cols[lanes.length]!, gi)
          if (lane) lanes.push(lane)
          if (lanes.length === 3) flush()
          continue
        }
        if (lanes.length > 0) flush()
        if (lease && !q.bucket && q.aggregate && ordered(g)) {
          out[gi] = this.#aggregateOrdered(g, lease.cols[2])
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
        out[gi] = shapeSeries(q, cols)
      }
      if (lanes.length > 0) flush()
    } finally {
      lease?.release()
    }
    const series: Series[] = []
    for (const s of out) if (s) series.push(s)
    return { series }
  }

  /**
   * The rows of an ordered group that pass the row filters, as a lane to fold: a slice wholly
   * inside the filters (its metric run's time range, measured once per decoded row group, within `[from, to]`; its first and last steps, the
   * smallest and largest as the slice is ordered, within the step range; no tag filter) is folded
   * in place, with no row test; the passing rows of any other slice are counted here and their
   * finite values copied, in order, to `scratch`. Undefined when no row passes.
   */
  #lane(g: Group, scratch: Float64Array, index: number): Lane | undefined {
    const q = this.#q
    const from = q.from ?? Number.NEGATIVE_INFINITY
    const to = q.to ?? Number.POSITIVE_INFINITY
    const lo = q.steps ? q.steps[0] : Number.NEGATIVE_INFINITY
    const hi = q.steps ? q.steps[1] : Number.POSITIVE_INFINITY
    const tags = q.tags !== undefined
    const timeFilter = q.from !== undefined || q.to !== undefined
    const parts: Part[] = []
    let n = 0
    let nan = 0
    let used = 0
    let maxStep = Number.NEGATIVE_INFINITY
    for (const { block: b, start: first, end: last, run } of g.slices) {
      if (last <= first) continue
      if (b.valueOnly) {
        // Every row passes the filters (see `Block.valueOnly`): folded in place from its values.
        n += last - first
        if (b.valueOnly.stepMax > maxStep) maxStep = b.valueOnly.stepMax
        const prev = parts[parts.length - 1]
        if (prev && prev.values === b.value && prev.end === first) prev.end = last
        else parts.push({ values: b.value, start: first, end: last })
        continue
      }
      const bs = b.step
      const time = run >= 0 ? b.timeRuns : undefined
      let start = first
      let end = last
      let inside = !tags && bs[first]! >= lo && bs[last - 1]! <= hi && (!timeFilter || (time !== undefined && time[3 * run]! >= from && time[3 * run + 1]! <= to))
      if (!inside && !tags && bs[first]! >= lo && bs[last - 1]! <= hi && time !== undefined && time[3 * run + 2] === 1) {
        // Timestamps that never decrease: the rows in [from, to] are one contiguous range, found by bisection.
        start = firstAtLeast(b.timestampUs, first, last, from)
        end = firstAbove(b.timestampUs, start, last, to)
        if (end <= start) continue
        inside = true
      }
      if (inside) {
        n += end - start
        if (bs[end - 1]! > maxStep) maxStep = bs[end - 1]!
        const last = parts[parts.length - 1]
        if (last && last.values === b.value && last.end === start) last.end = end
        else parts.push({ values: b.value, start, end })
        continue
      }
      const bt = b.timestampUs
      const bv = b.value
      const from0 = used
      for (let i = start; i < end; i++) {
        const t = bt[i]!
        const s = bs[i]!
        if (t < from || t > to || s < lo || s > hi) continue
        if (tags && !rowMatches(q, b as unknown as RecordBatch, i)) continue
        const v = bv[i]!
        if (s > maxStep) maxStep = s
        n++
        if (v - v !== 0) {
          if (v !== v) nan++
          continue
        }
        scratch[used++] = v
      }
      if (used > from0) parts.push({ values: scratch, start: from0, end: used })
    }
    if (n === 0) return undefined
    return { index, runId: g.runId, metric: g.metric, parts, n, nan, maxStep }
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
    // (sum, mean and std are folded in lanes: see `#lane` and `foldLanes`.)
    let n = 0
    let nan = 0
    let maxStep = Number.NEGATIVE_INFINITY
    for (const { block: b, start, end } of g.slices) {
      const bv = b.value
      if (b.valueOnly) {
        // Every row passes the filters (see `Block.valueOnly`).
        if (end > start && b.valueOnly.stepMax > maxStep) maxStep = b.valueOnly.stepMax
        for (let i = start; i < end; i++) {
          const v = bv[i]!
          if (v !== v) nan++
          value[n++] = v
        }
        continue
      }
      const bs = b.step
      const bt = b.timestampUs
      for (let i = start; i < end; i++) {
        const t = bt[i]!
        const s = bs[i]!
        if (t < from || t > to || s < lo || s > hi) continue
        if (tags && !rowMatches(q, b as unknown as RecordBatch, i)) continue
        const v = bv[i]!
        if (s > maxStep) maxStep = s
        if (v !== v) nan++
        value[n++] = v
      }
    }
    if (n === 0) return undefined
    const result = aggregate(kind, value.subarray(0, n))
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
      // `complete` replaced every value-only block of a group gathered row by row.
      if (b.valueOnly) throw new Error('entrenar/db: a value-only block reached the row-by-row scan')
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

/** First index in `[lo, hi)` of a non-decreasing column whose value is `>= x` (`hi` when none). */
function firstAtLeast(col: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (col[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** First index in `[lo, hi)` of a non-decreasing column whose value is `> x` (`hi` when none). */
function firstAbove(col: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (col[mid]! <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Rows `[start, end)` of a column of values, folded in order (NaN and ±Inf skipped, NaN counted). */
interface Part {
  readonly values: Float64Array
  readonly start: number
  end: number
}

/** One group's rows that pass the filters, in order, as parts to fold, with the counts taken meanwhile. */
interface Lane {
  readonly index: number
  readonly runId: string
  readonly metric: string
  readonly parts: readonly Part[]
  readonly n: number
  readonly nan: number
  readonly maxStep: number
}

// Fold state of one lane in a Float64Array, at offset 5k: the variables of core's `aggregate` (count,
// mean, m2, sum) in the same roles, and the NaNs met in parts folded in place.
const COUNT = 0
const MEAN = 1
const M2 = 2
const SUM = 3
const NAN = 4

/** Folds rows `[i, i + len)` of `v` into lane `k` of `st`: exactly core's `aggregate` loop body per row. */
function fold1(st: Float64Array, k: number, v: Float64Array, i: number, len: number): void {
  const o = 5 * k
  let count = st[o + COUNT]!
  let mean = st[o + MEAN]!
  let m2 = st[o + M2]!
  let sum = st[o + SUM]!
  let nan = st[o + NAN]!
  for (const end = i + len; i < end; i++) {
    const x = v[i]!
    if (x - x !== 0) {
      if (x !== x) nan++
      continue
    }
    count++
    sum += x
    const d = x - mean
    mean += d / count
    m2 += d * (x - mean)
  }
  st[o + COUNT] = count
  st[o + MEAN] = mean
  st[o + M2] = m2
  st[o + SUM] = sum
  st[o + NAN] = nan
}

/**
 * `fold1` of three lanes at once, `len` rows each, interleaved row by row: each lane's chain of
 * dependent operations is unchanged (same operations, same order, so the same bits), but the
 * three chains' divisions overlap in the CPU.
 */
function fold3(st: Float64Array, va: Float64Array, ia: number, vb: Float64Array, ib: number, vc: Float64Array, ic: number, len: number): void {
  let ca = st[0]!
  let ma = st[1]!
  let qa = st[2]!
  let sa = st[3]!
  let na = st[4]!
  let cb = st[5]!
  let mb = st[6]!
  let qb = st[7]!
  let sb = st[8]!
  let nb = st[9]!
  let cc = st[10]!
  let mc = st[11]!
  let qc = st[12]!
  let sc = st[13]!
  let nc = st[14]!
  for (let j = 0; j < len; j++) {
    const x = va[ia + j]!
    const y = vb[ib + j]!
    const z = vc[ic + j]!
    if (x - x === 0) {
      ca++
      sa += x
      const d = x - ma
      ma += d / ca
      qa += d * (x - ma)
    } else if (x !== x) na++
    if (y - y === 0) {
      cb++
      sb += y
      const d = y - mb
      mb += d / cb
      qb += d * (y - mb)
    } else if (y !== y) nb++
    if (z - z === 0) {
      cc++
      sc += z
      const d = z - mc
      mc += d / cc
      qc += d * (z - mc)
    } else if (z !== z) nc++
  }
  st.set([ca, ma, qa, sa, na, cb, mb, qb, sb, nb, cc, mc, qc, sc, nc])
}

/** `fold3` of two lanes (states at offsets 0 and 5 of `st`). */
function fold2(st: Float64Array, va: Float64Array, ia: number, vb: Float64Array, ib: number, len: number): void {
  let ca = st[0]!
  let ma = st[1]!
  let qa = st[2]!
  let sa = st[3]!
  let na = st[4]!
  let cb = st[5]!
  let mb = st[6]!
  let qb = st[7]!
  let sb = st[8]!
  let nb = st[9]!
  for (let j = 0; j < len; j++) {
    const x = va[ia + j]!
    const y = vb[ib + j]!
    if (x - x === 0) {
      ca++
      sa += x
      const d = x - ma
      ma += d / ca
      qa += d * (x - ma)
    } else if (x !== x) na++
    if (y - y === 0) {
      cb++
      sb += y
      const d = y - mb
      mb += d / cb
      qb += d * (y - mb)
    } else if (y !== y) nb++
  }
  st.set([ca, ma, qa, sa, na, cb, mb, qb, sb, nb])
}

/** Folds two or three lanes at once while they all have rows, then each alone, and writes their series to `out`. */
function foldLanes(kind: string, lanes: readonly Lane[], out: (Series | undefined)[]): void {
  const st = new Float64Array(15)
  // Cursor of each lane: part index and row within it.
  const part = [0, 0, 0]
  const row = lanes.map((l) => l.parts[0]?.start ?? 0)
  const m = lanes.length
  if (m >= 2) {
    const [a, b] = lanes as [Lane, Lane]
    const c = lanes[2]
    while (part[0]! < a.parts.length && part[1]! < b.parts.length && (!c || part[2]! < c.parts.length)) {
      const pa = a.parts[part[0]!]!
      const pb = b.parts[part[1]!]!
      const pc = c?.parts[part[2]!]
      const len = Math.min(pa.end - row[0]!, pb.end - row[1]!, pc ? pc.end - row[2]! : Number.POSITIVE_INFINITY)
      if (pc) fold3(st, pa.values, row[0]!, pb.values, row[1]!, pc.values, row[2]!, len)
      else fold2(st, pa.values, row[0]!, pb.values, row[1]!, len)
      for (let k = 0; k < m; k++) {
        const l = lanes[k]!
        row[k]! += len
        if (row[k] === l.parts[part[k]!]!.end && ++part[k]! < l.parts.length) row[k] = l.parts[part[k]!]!.start
      }
    }
  }
  for (let k = 0; k < lanes.length; k++) {
    const lane = lanes[k]!
    for (; part[k]! < lane.parts.length; part[k]!++) {
      const p = lane.parts[part[k]!]!
      fold1(st, k, p.values, row[k]!, p.end - row[k]!)
      if (part[k]! + 1 < lane.parts.length) row[k] = lane.parts[part[k]! + 1]!.start
    }
    const o = 5 * k
    const count = st[o + COUNT]!
    const mean = st[o + MEAN]!
    const m2 = st[o + M2]!
    const sum = st[o + SUM]!
    let result: number
    if (count === 0) result = Number.NaN
    else result = kind === 'sum' ? sum : kind === 'mean' ? mean : count < 2 ? 0 : Math.sqrt(m2 / (count - 1))
    out[lane.index] = {
      runId: lane.runId,
      metric: lane.metric,
      x: Float64Array.of(lane.maxStep),
      value: Float64Array.of(result),
      count: Float64Array.of(lane.n),
      nanCount: Float64Array.of(lane.nan + st[o + NAN]!),
    }
  }
}

/** True when a group's rows, read slice after slice, are in `(step, timestampUs)` order. */
function ordered(g: Group): boolean {
  let prevStep = Number.NEGATIVE_INFINITY
  let prevTs = Number.NEGATIVE_INFINITY
  for (const { block: b, start, end, sorted } of g.slices) {
    if (!sorted) return false
    if (end <= start) continue
    const vo = b.valueOnly
    if (vo) {
      // Its first row is (stepMin, some t ≥ tsMin), its last (stepMax, some t ≤ tsMax): bounds that
      // can only make this test stricter than the rows themselves would.
      if (prevStep > vo.stepMin || (prevStep === vo.stepMin && prevTs > vo.tsMin)) return false
      prevStep = vo.stepMax
      prevTs = vo.tsMax
      continue
    }
    const s = b.step[start]!
    const t = b.timestampUs[start]!
    if (prevStep > s || (prevStep === s && prevTs > t)) return false
    prevStep = b.step[end - 1]!
    prevTs = b.timestampUs[end - 1]!
  }
  return true
}
