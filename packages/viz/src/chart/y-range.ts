import type { ColumnBuckets } from '../series/downsample.js'

/** Finite y extent over the columns of several series, `[NaN, NaN]` when nothing is finite. */
export function yExtent(cols: readonly ColumnBuckets[]): [number, number] {
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const c of cols) {
    const n = c.count.length
    for (let i = 0; i < n; i++) {
      const a = c.min[i]!
      const b = c.max[i]!
      if (a < lo) lo = a
      if (b > hi) hi = b
    }
  }
  return lo <= hi ? [lo, hi] : [Number.NaN, Number.NaN]
}

/** Union of finite x ranges. */
export function xUnion(ranges: readonly (readonly [number, number])[]): [number, number] {
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const [a, b] of ranges) {
    if (a < lo) lo = a
    if (b > hi) hi = b
  }
  return lo <= hi ? [lo, hi] : [Number.NaN, Number.NaN]
}
