import type { ColumnBuckets } from '../series/downsample.js'
import { niceTicks, paddedTicks, type Ticks } from './ticks.js'

/**
 * Columns in log10 space for a logarithmic y axis. Positive values map to their log10; a column
 * whose minimum (or last value) is zero or negative keeps its positive part and is clamped to the
 * bottom of the axis (`floor`, the smallest positive log over all columns), so a loss that touches
 * zero still shows where it went. Columns with no positive value are left empty (min/max NaN).
 */
export function toLogColumns(cols: readonly ColumnBuckets[]): ColumnBuckets[] {
  let floor = Number.POSITIVE_INFINITY
  for (const c of cols) {
    for (let i = 0; i < c.count.length; i++) {
      const a = c.min[i]!
      const b = c.max[i]!
      if (a > 0 && a < floor) floor = a
      else if (!(a > 0) && b > 0 && b < floor) floor = b
    }
  }
  const bottom = floor < Number.POSITIVE_INFINITY ? Math.log10(floor) : Number.NaN
  return cols.map((c) => {
    const n = c.count.length
    const min = new Float64Array(n)
    const max = new Float64Array(n)
    const last = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const a = c.min[i]!
      const b = c.max[i]!
      const l = c.last[i]!
      max[i] = b > 0 ? Math.log10(b) : Number.NaN
      min[i] = b > 0 ? (a > 0 ? Math.log10(a) : bottom) : Number.NaN
      last[i] = l > 0 && l - l === 0 ? Math.log10(l) : l - l === 0 ? bottom : l
    }
    return { ...c, min, max, last }
  })
}

/**
 * Ticks for a log axis given the log10 extent: whole decades when the data spans at least one,
 * otherwise nice steps in log space (labels are `10 ** value`).
 */
export function logTicks(lo: number, hi: number, count: number, margin = 0.05): Ticks {
  const t = paddedTicks(lo, hi, count, margin)
  if (t.hi - t.lo < 1) return t
  const step = Math.max(1, Math.ceil(niceTicks(t.lo, t.hi, count).step))
  const values: number[] = []
  for (let v = Math.ceil(t.lo / step) * step; v <= t.hi + 1e-9; v += step) values.push(v)
  return { lo: t.lo, hi: t.hi, step, values }
}
