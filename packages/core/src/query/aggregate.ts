import type { Aggregate } from './types.js'

/**
 * Reference semantics of every aggregate, shared by the in-memory store and the Parquet store so
 * both answer alike (the conformance suite checks it):
 * - `count`: rows, NaN and ±Inf included;
 * - `sum`, `mean`, `std` (sample, n−1; 0 for one value), `p50`/`p90`/`p99` (linear interpolation
 *   between closest ranks, as numpy's default): over finite values only, NaN when there are none;
 * - `min`, `max`: over non-NaN values, so ±Inf is reported; NaN when all are NaN;
 * - `first`, `last`: the first/last row in order, whatever its value.
 *
 * `values` is read in `[start, end)`; `scratch` (length ≥ end − start) avoids allocation for percentiles.
 */
export function aggregate(kind: Aggregate, values: ArrayLike<number>, start = 0, end = values.length, scratch?: Float64Array): number {
  const n = end - start
  switch (kind) {
    case 'count':
      return n
    case 'first':
      return n > 0 ? values[start]! : Number.NaN
    case 'last':
      return n > 0 ? values[end - 1]! : Number.NaN
    case 'min':
    case 'max': {
      let best = Number.NaN
      const isMin = kind === 'min'
      for (let i = start; i < end; i++) {
        const v = values[i]!
        if (v !== v) continue
        if (best !== best || (isMin ? v < best : v > best)) best = v
      }
      return best
    }
    case 'sum':
    case 'mean':
    case 'std': {
      // Welford (1962) for a numerically stable variance in one pass.
      let count = 0
      let mean = 0
      let m2 = 0
      let sum = 0
      for (let i = start; i < end; i++) {
        const v = values[i]!
        if (v - v !== 0) continue // NaN or ±Inf
        count++
        sum += v
        const d = v - mean
        mean += d / count
        m2 += d * (v - mean)
      }
      if (count === 0) return Number.NaN
      if (kind === 'sum') return sum
      if (kind === 'mean') return mean
      return count < 2 ? 0 : Math.sqrt(m2 / (count - 1))
    }
    case 'p50':
    case 'p90':
    case 'p99': {
      const q = kind === 'p50' ? 0.5 : kind === 'p90' ? 0.9 : 0.99
      const buf = scratch && scratch.length >= n ? scratch : new Float64Array(n)
      let m = 0
      for (let i = start; i < end; i++) {
        const v = values[i]!
        if (v - v === 0) buf[m++] = v
      }
      return quantileOfSorted(buf.subarray(0, m).sort(), q)
    }
  }
}

/** Quantile `q` of ascending `sorted` with linear interpolation (numpy `linear`); NaN when empty. */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const m = sorted.length
  if (m === 0) return Number.NaN
  const pos = (m - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.min(m - 1, lo + 1)
  const frac = pos - lo
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * frac
}
