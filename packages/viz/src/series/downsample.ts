import { EntrenarError, ErrorCodes } from '@entrenar/core'

/**
 * Per-column summary of a series, every array of one length (one entry per non-empty column):
 * `x` is the x of the column's last row, `min`/`max` are over the column's finite values (NaN when it
 * has none), `last` is the column's last value as it is (NaN and ±Inf included), and the three
 * counters say how many NaN, +Inf and −Inf rows the column holds, so a renderer can mark them.
 */
export interface MinMaxLast {
  /** Per column: the x of the column's last row. */
  readonly x: Float64Array
  /** Per column: the smallest finite value (NaN when the column has none). */
  readonly min: Float64Array
  /** Per column: the largest finite value (NaN when the column has none). */
  readonly max: Float64Array
  /** Per column: the last value as it is (NaN and ±Inf included). */
  readonly last: Float64Array
  /** Per column: NaN rows. */
  readonly nanCount: Float64Array
  /** Per column: +Inf rows. */
  readonly posInfCount: Float64Array
  /** Per column: −Inf rows. */
  readonly negInfCount: Float64Array
}

/**
 * The same summary with one entry per column whether empty or not (`count[i] === 0` marks an empty
 * column): what a renderer that maps column `i` to pixel column `i` wants.
 */
export interface ColumnBuckets extends MinMaxLast {
  /** Rows per column (every row with a finite x, whatever its value). */
  readonly count: Float64Array
  /** Start of the x range the columns split into equal widths. */
  readonly xMin: number
  /** End of that x range. */
  readonly xMax: number
}

function checkBuckets(buckets: number): void {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 1 << 24) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/viz: buckets must be an integer in [1, 16777216], got ${buckets}`)
  }
}

function checkLengths(x: ArrayLike<number>, y: ArrayLike<number>): void {
  if (x.length !== y.length) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/viz: x has ${x.length} values but y has ${y.length}`)
  }
}

/** Smallest and largest finite x, or `[NaN, NaN]` when there is none. */
export function finiteRange(x: ArrayLike<number>, start = 0, end = x.length): [number, number] {
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (let i = start; i < end; i++) {
    const v = x[i]!
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  // Comparisons skip NaN; ±Inf would pass them, so clip them out afterwards (rare: x is a step).
  if (lo === Number.NEGATIVE_INFINITY || hi === Number.POSITIVE_INFINITY) {
    lo = Number.POSITIVE_INFINITY
    hi = Number.NEGATIVE_INFINITY
    for (let i = start; i < end; i++) {
      const v = x[i]!
      if (v - v !== 0) continue
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
  }
  return lo <= hi ? [lo, hi] : [Number.NaN, Number.NaN]
}

/** Allocates empty column buckets (min/max/last/x NaN, counters 0). */
export function emptyColumns(buckets: number, xMin: number, xMax: number): ColumnBuckets {
  checkBuckets(buckets)
  const nan = () => new Float64Array(buckets).fill(Number.NaN)
  return {
    x: nan(),
    min: nan(),
    max: nan(),
    last: nan(),
    nanCount: new Float64Array(buckets),
    posInfCount: new Float64Array(buckets),
    negInfCount: new Float64Array(buckets),
    count: new Float64Array(buckets),
    xMin,
    xMax,
  }
}

/**
 * Column index of `x` among `buckets` equal-width columns over `[xMin, xMax]` (the last column is
 * closed on the right). Exported so incremental indexes cut columns exactly as {@link bucketize}.
 */
export function columnOf(x: number, xMin: number, scale: number, buckets: number): number {
  const c = Math.floor((x - xMin) * scale)
  return c < 0 ? 0 : c >= buckets ? buckets - 1 : c
}

/** `buckets / (xMax − xMin)`, or 0 when the range is a single point (everything in column 0). */
export function columnScale(xMin: number, xMax: number, buckets: number): number {
  return xMax > xMin ? buckets / (xMax - xMin) : 0
}

/**
 * Folds rows `[start, end)` into `out` (columns over `out.xMin..out.xMax`). Rows are taken in
 * order, so `last` is the last row of a column in input order; rows whose x is not finite or lies
 * outside the range are skipped.
 */
export function foldRows(out: ColumnBuckets, x: ArrayLike<number>, y: ArrayLike<number>, start: number, end: number): void {
  const buckets = out.count.length
  const { xMin, xMax } = out
  const scale = columnScale(xMin, xMax, buckets)
  const { min, max, last, count, nanCount, posInfCount, negInfCount } = out
  const ox = out.x
  for (let i = start; i < end; i++) {
    const xi = x[i]!
    if (!(xi >= xMin && xi <= xMax)) continue // also skips NaN
    const c = columnOf(xi, xMin, scale, buckets)
    const v = y[i]!
    count[c]!++
    ox[c] = xi
    last[c] = v
    if (v - v === 0) {
      if (!(v >= min[c]!)) min[c] = v // NaN-initialised: the first finite value wins
      if (!(v <= max[c]!)) max[c] = v
    } else if (v !== v) nanCount[c]!++
    else if (v > 0) posInfCount[c]!++
    else negInfCount[c]!++
  }
}

/**
 * Spike-preserving downsampling into exactly `buckets` equal-width x columns, empty ones included.
 * Per column it keeps min, max and last, the M4/min-max family of Jugel et al. ("M4: A
 * Visualization-Oriented Time Series Data Aggregation", VLDB 2014): a one-pixel spike always
 * survives, unlike random or every-k-th sampling. NaN and ±Inf are counted, never folded into
 * min/max. `range` defaults to the finite range of `x`.
 */
export function bucketize(x: ArrayLike<number>, y: ArrayLike<number>, buckets: number, range?: readonly [number, number]): ColumnBuckets {
  checkBuckets(buckets)
  checkLengths(x, y)
  const [lo, hi] = range ?? finiteRange(x)
  if (range && !(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/viz: x range [${lo}, ${hi}] is not a finite ascending pair`)
  }
  const out = emptyColumns(buckets, lo, hi)
  if (lo === lo) foldRows(out, x, y, 0, x.length)
  return out
}

/** Keeps the non-empty columns of `cols` (a compact copy). */
export function compactColumns(cols: ColumnBuckets): MinMaxLast {
  const n = cols.count.length
  let m = 0
  for (let i = 0; i < n; i++) if (cols.count[i]! > 0) m++
  const pick = (a: Float64Array) => {
    const b = new Float64Array(m)
    let j = 0
    for (let i = 0; i < n; i++) if (cols.count[i]! > 0) b[j++] = a[i]!
    return b
  }
  return {
    x: pick(cols.x),
    min: pick(cols.min),
    max: pick(cols.max),
    last: pick(cols.last),
    nanCount: pick(cols.nanCount),
    posInfCount: pick(cols.posInfCount),
    negInfCount: pick(cols.negInfCount),
  }
}

/**
 * Downsamples a series to at most `buckets` points for drawing: equal-width x columns over the
 * series' finite x range, each keeping min, max and last (never random sampling), plus NaN/+Inf/−Inf
 * counts; empty columns are dropped. One pass, O(n), no allocation per row.
 *
 * @example
 * ```ts
 * const d = downsampleMinMaxLast(steps, losses, 800)
 * // draw a vertical segment d.min[i]..d.max[i] at d.x[i]; mark d.nanCount[i] > 0
 * ```
 */
export function downsampleMinMaxLast(x: Float64Array, y: Float64Array, buckets: number): MinMaxLast {
  return compactColumns(bucketize(x, y, buckets))
}
