/** The finite values of a sample, copied into a Float64Array, and how many NaN/±Inf were left out. */
export interface FiniteSample {
  readonly values: Float64Array
  readonly nonFinite: number
}

/** Copies the finite values (NaN and ±Inf are data: they are counted, and the caller reports them). */
export function finiteSample(x: ArrayLike<number>): FiniteSample {
  let n = 0
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) n++
  const values = new Float64Array(n)
  let k = 0
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!
    if (Number.isFinite(v)) values[k++] = v
  }
  return { values, nonFinite: x.length - n }
}

/** Sorted finite copy. */
export function sortedFinite(x: ArrayLike<number>): FiniteSample {
  const s = finiteSample(x)
  s.values.sort()
  return s
}

/** Linear-interpolation quantile (Hyndman & Fan type 7, numpy's default) of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length
  if (n === 0) return Number.NaN
  const h = (n - 1) * p
  const lo = Math.floor(h)
  const hi = Math.min(n - 1, lo + 1)
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!)
}
