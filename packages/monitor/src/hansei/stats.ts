/**
 * Trend statistics of the Hansei report: ordinary least squares and the Mann–Kendall test.
 * Pure functions over typed arrays; NaN/±Inf must be filtered out by the caller.
 */

import { normalSurvival } from '@entrenar/core/stats'

/** Least-squares line `y = intercept + slope·x` (Gauss/Legendre ordinary least squares). */
export interface LinearFit {
  readonly slope: number
  readonly intercept: number
}

/** Ordinary least-squares fit; a single point or constant x gives slope 0. */
export function leastSquares(x: ArrayLike<number>, y: ArrayLike<number>): LinearFit {
  const n = x.length
  if (n === 0) return { slope: 0, intercept: Number.NaN }
  let mx = 0
  let my = 0
  for (let i = 0; i < n; i++) {
    mx += x[i]!
    my += y[i]!
  }
  mx /= n
  my /= n
  let sxy = 0
  let sxx = 0
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx
    sxy += dx * (y[i]! - my)
    sxx += dx * dx
  }
  const slope = sxx > 0 ? sxy / sxx : 0
  return { slope, intercept: my - slope * mx }
}

/** Result of {@link mannKendall}. */
export interface MannKendall {
  /** Kendall's S: concordant minus discordant pairs. */
  readonly s: number
  /** Normal approximation with continuity correction. */
  readonly z: number
  /** Two-sided p-value. */
  readonly pValue: number
  /** Kendall's tau-a, S / (n(n−1)/2), in [−1, 1]. */
  readonly tau: number
  /** Points the test saw (after block averaging of long series). */
  readonly n: number
}

/** Most points the O(n²) test runs on; longer series are averaged in equal blocks first. */
export const MK_MAX_POINTS = 1500

/**
 * Mann–Kendall trend test (Mann 1945, Kendall 1975) with the tie-corrected variance
 * Var(S) = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18 and the continuity-corrected z, as in
 * Hussain & Mahmud's pyMannKendall `original_test`. Series longer than 1500 points are
 * reduced to that many block means first (order-preserving; keeps the test O(1) per report).
 */
export function mannKendall(values: ArrayLike<number>): MannKendall {
  const y = blockMeans(values, MK_MAX_POINTS)
  const n = y.length
  if (n < 3) return { s: 0, z: 0, pValue: 1, tau: 0, n }
  let s = 0
  for (let i = 0; i < n - 1; i++) {
    const yi = y[i]!
    for (let j = i + 1; j < n; j++) {
      const d = y[j]! - yi
      s += d > 0 ? 1 : d < 0 ? -1 : 0
    }
  }
  const sorted = Float64Array.from(y).sort()
  let ties = 0
  for (let i = 0; i < n; ) {
    let j = i + 1
    while (j < n && sorted[j] === sorted[i]) j++
    const t = j - i
    if (t > 1) ties += t * (t - 1) * (2 * t + 5)
    i = j
  }
  const variance = (n * (n - 1) * (2 * n + 5) - ties) / 18
  const z = variance <= 0 ? 0 : s > 0 ? (s - 1) / Math.sqrt(variance) : s < 0 ? (s + 1) / Math.sqrt(variance) : 0
  return { s, z, pValue: Math.min(1, 2 * normalSurvival(Math.abs(z))), tau: s / ((n * (n - 1)) / 2), n }
}

/** Averages consecutive equal blocks so at most `max` values remain. */
export function blockMeans(values: ArrayLike<number>, max: number): Float64Array {
  const n = values.length
  if (n <= max) return Float64Array.from(values as ArrayLike<number>)
  const out = new Float64Array(max)
  for (let b = 0; b < max; b++) {
    const lo = Math.floor((b * n) / max)
    const hi = Math.floor(((b + 1) * n) / max)
    let sum = 0
    for (let i = lo; i < hi; i++) sum += values[i]!
    out[b] = sum / (hi - lo)
  }
  return out
}

/** Median of a copy of the values (NaN for none). */
export function median(values: ArrayLike<number>): number {
  const n = values.length
  if (n === 0) return Number.NaN
  const s = Float64Array.from(values as ArrayLike<number>).sort()
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2
}
