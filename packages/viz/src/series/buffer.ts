import { EntrenarError, ErrorCodes } from '@entrenar/core'
import { type ColumnBuckets, columnOf, columnScale, emptyColumns, foldRows } from './downsample.js'
import { createStreamingStats, type SeriesStats } from './stats.js'

/** Rows per summarised block: the index costs 10 doubles per 256 rows (~4% of the data). */
const BLOCK = 256

/**
 * A growing series with a block index, so a chart frame costs O(blocks + columns · BLOCK) instead
 * of O(rows): a block whose rows all fall in one pixel column is merged from its summary; only the
 * blocks that straddle a column boundary are scanned row by row. The answer is exactly
 * {@link bucketize} over the same rows (the tests check it).
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
  /** Smallest and largest finite x, `[NaN, NaN]` when empty. */
  xRange(): [number, number]
  /** Min/max/last per column over `range` (default: {@link SeriesBuffer.xRange}). */
  bucketize(buckets: number, range?: readonly [number, number]): ColumnBuckets
  /** Streaming statistics of every row appended (Welford + P² p99). */
  stats(): SeriesStats
}

/** Creates an empty {@link SeriesBuffer}. */
export function createSeriesBuffer(initialCapacity = 1024): SeriesBuffer {
  return new BlockSeries(initialCapacity)
}

class BlockSeries implements SeriesBuffer {
  #n = 0
  #x: Float64Array
  #y: Float64Array
  #xMin = Number.POSITIVE_INFINITY
  #xMax = Number.NEGATIVE_INFINITY
  // Per full block: finite-x range, finite-y min/max, last row (x, y), and value counters.
  #bxMin = new Float64Array(16)
  #bxMax = new Float64Array(16)
  #bMin = new Float64Array(16)
  #bMax = new Float64Array(16)
  #bLastX = new Float64Array(16)
  #bLast = new Float64Array(16)
  #bCount = new Float64Array(16)
  #bNan = new Float64Array(16)
  #bPos = new Float64Array(16)
  #bNeg = new Float64Array(16)
  #blocks = 0
  readonly #stats = createStreamingStats()

  constructor(capacity: number) {
    const cap = Math.max(16, capacity | 0)
    this.#x = new Float64Array(cap)
    this.#y = new Float64Array(cap)
  }

  get length(): number {
    return this.#n
  }
  get x(): Float64Array {
    return this.#x.subarray(0, this.#n)
  }
  get y(): Float64Array {
    return this.#y.subarray(0, this.#n)
  }

  append(x: number, y: number): void {
    if (typeof x !== 'number' || typeof y !== 'number') {
      throw new EntrenarError(ErrorCodes.INVALID_VALUE, `entrenar/viz: a point needs numbers, got x ${typeof x} and y ${typeof y}`)
    }
    if (this.#n === this.#x.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2)
        b.set(a)
        return b
      }
      this.#x = grow(this.#x)
      this.#y = grow(this.#y)
    }
    this.#x[this.#n] = x
    this.#y[this.#n] = y
    this.#n++
    if (x - x === 0) {
      if (x < this.#xMin) this.#xMin = x
      if (x > this.#xMax) this.#xMax = x
    }
    this.#stats.push(y)
    if (this.#n % BLOCK === 0) this.#summarise(this.#n / BLOCK - 1)
  }

  xRange(): [number, number] {
    return this.#xMin <= this.#xMax ? [this.#xMin, this.#xMax] : [Number.NaN, Number.NaN]
  }

  stats(): SeriesStats {
    return this.#stats.snapshot()
  }

  #summarise(b: number): void {
    if (b >= this.#bxMin.length) {
      const grow = (a: Float64Array) => {
        const c = new Float64Array(a.length * 2)
        c.set(a)
        return c
      }
      this.#bxMin = grow(this.#bxMin)
      this.#bxMax = grow(this.#bxMax)
      this.#bMin = grow(this.#bMin)
      this.#bMax = grow(this.#bMax)
      this.#bLastX = grow(this.#bLastX)
      this.#bLast = grow(this.#bLast)
      this.#bCount = grow(this.#bCount)
      this.#bNan = grow(this.#bNan)
      this.#bPos = grow(this.#bPos)
      this.#bNeg = grow(this.#bNeg)
    }
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
    const x = this.#x
    const y = this.#y
    for (let i = b * BLOCK, end = i + BLOCK; i < end; i++) {
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
    this.#bxMin[b] = xLo
    this.#bxMax[b] = xHi
    this.#bMin[b] = lo
    this.#bMax[b] = hi
    this.#bLastX[b] = lastX
    this.#bLast[b] = last
    this.#bCount[b] = count
    this.#bNan[b] = nan
    this.#bPos[b] = pos
    this.#bNeg[b] = neg
    this.#blocks = b + 1
  }

  bucketize(buckets: number, range?: readonly [number, number]): ColumnBuckets {
    const [lo, hi] = range ?? this.xRange()
    const out = emptyColumns(buckets, lo, hi)
    if (!(lo <= hi)) return out
    const scale = columnScale(lo, hi, buckets)
    const { min, max, last, count, nanCount, posInfCount, negInfCount } = out
    const ox = out.x
    for (let b = 0; b < this.#blocks; b++) {
      const c0 = this.#bCount[b]!
      if (c0 === 0) continue
      const xa = this.#bxMin[b]!
      const xb = this.#bxMax[b]!
      if (xa >= lo && xb <= hi) {
        const c = columnOf(xa, lo, scale, buckets)
        if (c === columnOf(xb, lo, scale, buckets)) {
          count[c]! += c0
          ox[c] = this.#bLastX[b]!
          last[c] = this.#bLast[b]!
          const bm = this.#bMin[b]!
          const bM = this.#bMax[b]!
          if (bm === bm && !(bm >= min[c]!)) min[c] = bm
          if (bM === bM && !(bM <= max[c]!)) max[c] = bM
          nanCount[c]! += this.#bNan[b]!
          posInfCount[c]! += this.#bPos[b]!
          negInfCount[c]! += this.#bNeg[b]!
          continue
        }
      } else if (xb < lo || xa > hi) continue
      foldRows(out, this.#x, this.#y, b * BLOCK, (b + 1) * BLOCK)
    }
    foldRows(out, this.#x, this.#y, this.#blocks * BLOCK, this.#n)
    return out
  }
}
