// Student's t distribution (fractional degrees of freedom allowed, as Welch's). Pure, browser-safe.
import { betaIncPair } from './beta.js'
import { normalCdf, normalQuantile, normalTwoSided } from './normal.js'

/**
 * Two-sided tail P(|T| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, ½) (Abramowitz & Stegun 26.7.1, Numerical Recipes
 * §6.14.9). ν = ∞ is the normal; ν ≤ 0 or NaN give NaN.
 */
export function studentTTwoSided(t: number, df: number): number {
  if (t !== t || !(df > 0)) return Number.NaN
  if (!Number.isFinite(t)) return 0
  if (df === Number.POSITIVE_INFINITY) return normalTwoSided(t)
  // x = ν/(ν+t²) and its complement, each formed without cancellation.
  const r = (t / df) * t
  return betaIncPair(df / 2, 0.5, 1 / (1 + r), r / (1 + r))
}

/** Student's t CDF P(T ≤ t) with `df` degrees of freedom (SciPy `t.cdf`), via {@link studentTTwoSided}. */
export function studentTCdf(t: number, df: number): number {
  if (t !== t || !(df > 0)) return Number.NaN
  if (df === Number.POSITIVE_INFINITY) return normalCdf(t)
  const tail = 0.5 * studentTTwoSided(t, df)
  return t < 0 ? tail : 1 - tail
}

/** Upper tail P(T > t) (SciPy `t.sf`), precise for large t. */
export function studentTSurvival(t: number, df: number): number {
  return studentTCdf(-t, df)
}

/**
 * Student's t quantile (SciPy `t.ppf`): bracketing from the normal quantile, then bisection on the
 * CDF to a relative width of 1e-13 (the CDF is monotone, so it cannot fail to converge).
 * p outside [0, 1], ν ≤ 0 or NaN give NaN; 0 and 1 give ∓Infinity.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p >= 0 && p <= 1) || !(df > 0)) return Number.NaN
  if (p === 0) return Number.NEGATIVE_INFINITY
  if (p === 1) return Number.POSITIVE_INFINITY
  if (df === Number.POSITIVE_INFINITY) return normalQuantile(p)
  if (p === 0.5) return 0
  // The t quantile is farther from 0 than the normal one: start from it and widen outwards.
  const z = normalQuantile(p)
  let lo = p < 0.5 ? 2 * z : 0
  let hi = p < 0.5 ? 0 : 2 * z
  while (studentTCdf(lo, df) > p) lo *= 2
  while (studentTCdf(hi, df) < p) hi *= 2
  // Beyond the doubles (ν < 1 deep in the tail) the quantile is not representable.
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return p < 0.5 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY
  for (let i = 0; i < 2000 && hi - lo > 1e-13 * Math.max(1e-300, Math.abs(lo), Math.abs(hi)); i++) {
    const mid = lo + (hi - lo) / 2
    if (mid === lo || mid === hi) break
    if (studentTCdf(mid, df) < p) lo = mid
    else hi = mid
  }
  return lo + (hi - lo) / 2
}
