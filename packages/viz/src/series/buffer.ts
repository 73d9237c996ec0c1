import { EntrenarError, ErrorCodes } from '@entrenar/core'
import { type ColumnBuckets, columnOf, columnScale, emptyColumns, foldRows } from './downsample.js'
import { createStreamingStats, type SeriesStats } from './stats.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Fan-out of the block index: level 0 summarises 16 rows, level k summarises 16 entries of level k − 1. */
const FAN = 16

/**
 * Block summaries of one level, column by column: finite-x range, finite-y min/max, last row
 * (x, y) and value counters. Grows by doubling.
 */
class Summaries {
  xMin = new Float64Array(16)
  xMax = new Float64Array(16)
  min = new Float64Array(16)
  max = new Float64Array(16)
  lastX = new Float64Array(16)
  last = new Float64Array(16)
  count = new Float64Array(16)
  nan = new Float64Array(16)
  pos = new Float64Array(16)
  neg = new Float64Array(16)
  length = 0

  ensure(n: number): void {
    if (n <= this.xMin.length) return
    let cap = this.xMin.length
    while (cap < n) cap *= 2
    const grow = (a: Float64Array) => {
      const b = new Float64Array(cap)
      b.set(a)
      return b
    }
    this.xMin = grow(this.xMin)
    this.xMax = grow(this.xMax)
    this.min = grow(this.min)
    this.max = grow(this.max)
    this.lastX = grow(this.lastX)
    this.last = grow(this.last)
    this.count = grow(this.count)
    this.nan = grow(this.nan)
    this.pos = grow(this.pos)
    this.neg = grow(this.neg)
  }

  /** Summarises rows `[start, end)` into entry `b`. */
  fromRows(b: number, x: Float64Array, y: Float64Array, start: number, end: number): void {
    let xLo = Number.POSITIVE_INFINITY
    let xHi = Number.NEGATIVE_INFINITY
    let lo = Number.NaN
    let hi = Number.NaN
    let lastX = Number.NaN
    let last = Number.NaN
    let count = 0
    let nan = 0
    let pos = 0
    let neg = 0
    for (let i = start; i < end; i++) {
      const xi = x[i]!
      if (xi - xi !== 0) continue
      if (xi < xLo) xLo = xi
      if (xi > xHi) xHi = xi
      const v = y[i]!
      count++
      lastX = xi
      last = v
      if (v - v === 0) {
        if (!(v >= lo)) lo = v
        if (!(v <= hi)) hi = v
      } else if (v !== v) nan++
      else if (v > 0) pos++
      else neg++
    }
    this.#set(b, xLo, xHi, lo, hi, lastX, last, count, nan, pos, neg)
  }

  /** Summarises entries `[start, end)` of a finer level into entry `b`. */
  fromLevel(b: number, f: Summaries, start: number, end: number): void {
    let xLo = Number.POSITIVE_INFINITY
    let xHi = Number.NEGATIVE_INFINITY
    let lo = Number.NaN
    let hi = Number.NaN
    let lastX = Number.NaN
    let last = Number.NaN
    let count = 0
    let nan = 0
    let pos = 0
    let neg = 0
    for (let i = start; i < end; i++) {
      const c = f.count[i]!
      if (c === 0) continue
      if (f.xMin[i]! < xLo) xLo = f.xMin[i]!
      if (f.xMax[i]! > xHi) xHi = f.xMax[i]!
      const m = f.min[i]!
      const M = f.max[i]!
      if (m === m && !(m >= lo)) lo = m
      if (M === M && !(M <= hi)) hi = M
      lastX = f.lastX[i]!
      last = f.last[i]!
      count += c
      nan += f.nan[i]!
      pos += f.pos[i]!
      neg += f.neg[i]!
    }
    this.#set(b, xLo, xHi, lo, hi, lastX, last, count, nan, pos, neg)
  }

  #set(b: number, xLo: number, xHi: number, lo: number, hi: number, lastX: number, last: number, count: number, nan: number, pos: number, neg: number): void {
    this.ensure(b + 1)
    this.xMin[b] = xLo
    this.xMax[b] = xHi
    this.min[b] = lo
    this.max[b] = hi
    this.lastX[b] = lastX
    this.last[b] = last
    this.count[b] = count
    this.nan[b] = nan
    this.pos[b] = pos
    this.neg[b] = neg
    this.length = b + 1
  }

  /**
   * Merges entry `b` into `out` when all its rows fall in one column; returns false when the entry
   * straddles a column boundary (the caller descends a level).
   */
  mergeInto(b: number, out: ColumnBuckets, lo: number, hi: number, scale: number, buckets: number): boolean {
    const c0 = this.count[b]!
    if (c0 === 0) return true
    const xa = this.xMin[b]!
    const xb = this.xMax[b]!
    if (xb < lo || xa > hi) return true
    if (xa < lo || xb > hi) return false
    const c = columnOf(xa, lo, scale, buckets)
    // Same column as xa unless xb reaches the next column's left edge (columnOf's own arithmetic).
    if (c < buckets - 1 && Math.floor((xb - lo) * scale) > c) return false
    out.count[c]! += c0
    out.x[c] = this.lastX[b]!
    out.last[c] = this.last[b]!
    const m = this.min[b]!
    const M = this.max[b]!
    if (m === m && !(m >= out.min[c]!)) out.min[c] = m
    if (M === M && !(M <= out.max[c]!)) out.max[c] = M
    out.nanCount[c]! += this.nan[b]!
    out.posInfCount[c]! += this.pos[b]!
    out.negInfCount[c]! += this.neg[b]!
    return true
  }
}

/**
 * A growing series with a block index (a 16-ary tree of min/max/last summaries over 16, 256, 4096, …
 * rows), so a chart frame costs about O(top entries + columns · 16 · levels) instead of O(rows): an
 * entry whose rows all fall in one pixel column is merged from its summary; only entries straddling
 * a column boundary are opened. The answer is exactly {@link bucketize} over the same rows (the
 * tests check it).
 */
export interface SeriesBuffer {
  /** Rows held. */
  readonly length: number
  /** The x values held (a view, valid until the next append). */
  readonly x: Float64Array
  /** The y values held (a view, valid until the next append). */
  readonly y: Float64Array
  /** Appends one row; NaN/±Inf y are kept. */
  append(x: number, y: number): void
  /** Makes room for `extra` more rows (avoids regrowth during a large batch). */
  reserve(extra: number): void
  /** Smallest and largest finite x, `[NaN, NaN]` when empty. */
  xRange(): [number, number]
  /** Smallest and largest finite y over every row (O(1)), `[NaN, NaN]` when none. */
  yRange(): [number, number]
  /** Min/max/last per column over `range` (default: {@link SeriesBuffer.xRange}). */
  bucketize(buckets: number, range?: readonly [number, number]): ColumnBuckets
  /** Streaming statistics of every row appended (Welford + P² p99); compaction does not change them. */
  stats(): SeriesStats
  /** Increases each time the buffer compacts itself (row indices change then). */
  readonly generation: number
}

/** Options of {@link createSeriesBuffer}. */
export interface SeriesBufferOptions {
  /** Rows allocated up front (default 1024; grows by doubling). */
  readonly capacity?: number
  /**
   * Most rows kept (default unbounded). On reaching it the buffer thins itself to under half, M4-style
   * (Jugel et al., VLDB 2014): each group of consecutive rows keeps its first, min, max and last rows
   * and its first NaN, +Inf and −Inf rows, so spikes, extremes and non-finite markers survive; the
   * statistics stay exact (they are streaming).
   */
  readonly maxPoints?: number
}

/** Creates an empty {@link SeriesBuffer} (a number is the initial capacity). */
export function createSeriesBuffer(options: SeriesBufferOptions | number = {}): SeriesBuffer {
  if (typeof options !== 'number') checkOptions('entrenar/viz: createSeriesBuffer', options, CREATE_SERIES_BUFFER_OPTIONS)
  const o = typeof options === 'number' ? { capacity: options } : options
  const max = o.maxPoints ?? Number.POSITIVE_INFINITY
  if (!(max >= 1024)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/viz: maxPoints must be at least 1024, got ${String(o.maxPoints)}`)
  return new BlockSeries(o.capacity ?? 1024, max)
}

class BlockSeries implements SeriesBuffer {
  #n = 0
  #x: Float64Array
  #y: Float64Array
  #xMin = Number.POSITIVE_INFINITY
  #xMax = Number.NEGATIVE_INFINITY
  #yMin = Number.POSITIVE_INFINITY
  #yMax = Number.NEGATIVE_INFINITY
  /** `#levels[k]` summarises FAN^(k+1) rows per entry. */
  readonly #levels: Summaries[] = [new Summaries()]
  readonly #stats = createStreamingStats()

  readonly #maxPoints: number
  #generation = 0

  constructor(capacity: number, maxPoints: number) {
    this.#maxPoints = maxPoints
    const cap = Math.max(16, Math.min(capacity | 0, Number.isFinite(maxPoints) ? maxPoints : Number.MAX_SAFE_INTEGER))
    this.#x = new Float64Array(cap)
    this.#y = new Float64Array(cap)
  }

  get length(): number {
    return this.#n
  }
  get generation(): number {
    return this.#generation
  }
  get x(): Float64Array {
    return this.#x.subarray(0, this.#n)
  }
  get y(): Float64Array {
    return this.#y.subarray(0, this.#n)
  }

  reserve(extra: number): void {
    const need = Math.min(this.#n + Math.max(0, extra | 0), this.#maxPoints)
    if (need <= this.#x.length) return
    let cap = this.#x.length
    while (cap < need) cap *= 2
    const x = new Float64Array(cap)
    x.set(this.#x.subarray(0, this.#n))
    const y = new Float64Array(cap)
    y.set(this.#y.subarray(0, this.#n))
    this.#x = x
    this.#y = y
  }

  append(x: number, y: number): void {
    if (typeof x !== 'number' || typeof y !== 'number') {
      throw new EntrenarError(ErrorCodes.INVALID_VALUE, `entrenar/viz: a point needs numbers, got x ${typeof x} and y ${typeof y}`)
    }
    if (this.#n >= this.#maxPoints) this.#compact()
    if (this.#n === this.#x.length) this.reserve(this.#n)
    const n = this.#n
    this.#x[n] = x
    this.#y[n] = y
    this.#n = n + 1
    if (x - x === 0) {
      if (x < this.#xMin) this.#xMin = x
      if (x > this.#xMax) this.#xMax = x
      if (y - y === 0) {
        if (y < this.#yMin) this.#yMin = y
        if (y > this.#yMax) this.#yMax = y
      }
    }
    this.#stats.push(y)
    if ((n + 1) % FAN === 0) {
      let b = (n + 1) / FAN - 1
      this.#levels[0]!.fromRows(b, this.#x, this.#y, b * FAN, (b + 1) * FAN)
      // Cascade: a completed group of FAN entries becomes one entry of the next level.
      for (let k = 1; (b + 1) % FAN === 0; k++) {
        if (k === this.#levels.length) this.#levels.push(new Summaries())
        const g = (b + 1) / FAN - 1
        this.#levels[k]!.fromLevel(g, this.#levels[k - 1]!, g * FAN, (g + 1) * FAN)
        b = g
      }
    }
  }

  xRange(): [number, number] {
    return this.#xMin <= this.#xMax ? [this.#xMin, this.#xMax] : [Number.NaN, Number.NaN]
  }

  yRange(): [number, number] {
    return this.#yMin <= this.#yMax ? [this.#yMin, this.#yMax] : [Number.NaN, Number.NaN]
  }

  stats(): SeriesStats {
    return this.#stats.snapshot()
  }

  /** Thins the rows to under half of `maxPoints` (see {@link SeriesBufferOptions.maxPoints}), in place. */
  #compact(): void {
    const n = this.#n
    const x = this.#x
    const y = this.#y
    const groups = Math.max(1, Math.floor(this.#maxPoints / 16))
    const g = Math.ceil(n / groups)
    const pick = new Int32Array(7)
    let w = 0
    for (let a = 0; a < n; a += g) {
      const b = Math.min(n, a + g)
      let first = -1
      let lastRow = -1
      let lo = -1
      let hi = -1
      let nan = -1
      let pos = -1
      let neg = -1
      for (let i = a; i < b; i++) {
        const xi = x[i]!
        if (xi - xi !== 0) continue // rows without a finite x are never drawn
        if (first < 0) first = i
        lastRow = i
        const v = y[i]!
        if (v - v === 0) {
          if (lo < 0 || v < y[lo]!) lo = i
          if (hi < 0 || v > y[hi]!) hi = i
        } else if (v !== v) {
          if (nan < 0) nan = i
        } else if (v > 0) {
          if (pos < 0) pos = i
        } else if (neg < 0) neg = i
      }
      let m = 0
      for (const i of [first, lo, hi, nan, pos, neg, lastRow]) if (i >= 0) pick[m++] = i
      const kept = pick.subarray(0, m).sort()
      let prev = -1
      for (const i of kept) {
        if (i === prev) continue
        prev = i
        x[w] = x[i]!
        y[w] = y[i]!
        w++
      }
    }
    this.#n = w
    this.#generation++
    // Rebuild the index over the kept rows.
    this.#levels.length = 1
    this.#levels[0] = new Summaries()
    for (let end = FAN; end <= w; end += FAN) {
      let b = end / FAN - 1
      this.#levels[0]!.fromRows(b, x, y, b * FAN, end)
      for (let k = 1; (b + 1) % FAN === 0; k++) {
        if (k === this.#levels.length) this.#levels.push(new Summaries())
        const gi = (b + 1) / FAN - 1
        this.#levels[k]!.fromLevel(gi, this.#levels[k - 1]!, gi * FAN, (gi + 1) * FAN)
        b = gi
      }
    }
  }

  bucketize(buckets: number, range?: readonly [number, number]): ColumnBuckets {
    const [lo, hi] = range ?? this.xRange()
    const out = emptyColumns(buckets, lo, hi)
    if (!(lo <= hi)) return out
    const scale = columnScale(lo, hi, buckets)
    const levels = this.#levels
    const x = this.#x
    const y = this.#y
    const visit = (k: number, e: number): void => {
      if (levels[k]!.mergeInto(e, out, lo, hi, scale, buckets)) return
      if (k === 0) foldRows(out, x, y, e * FAN, (e + 1) * FAN)
      else for (let c = e * FAN, end = c + FAN; c < end; c++) visit(k - 1, c)
    }
    // Whole entries of the top level, then at each lower level the entries not yet grouped above it.
    const top = levels.length - 1
    for (let e = 0; e < levels[top]!.length; e++) visit(top, e)
    for (let k = top - 1; k >= 0; k--) {
      for (let e = levels[k + 1]!.length * FAN; e < levels[k]!.length; e++) visit(k, e)
    }
    foldRows(out, x, y, levels[0]!.length * FAN, this.#n)
    return out
  }
}

/** The option names createSeriesBuffer accepts (unknown ones are errors). */
const CREATE_SERIES_BUFFER_OPTIONS = optionKeys<Exclude<NonNullable<Parameters<typeof createSeriesBuffer>[0]>, number>>({ capacity: true, maxPoints: true })
