// The χ² distribution. Pure, browser-safe.
import { gammaP, gammaQ } from './gamma.js'

/**
 * χ² CDF P(X ≤ x) with `df` degrees of freedom = P(df/2, x/2) (Abramowitz & Stegun 26.4.19; SciPy
 * `chi2.cdf`). x ≤ 0 gives 0; df ≤ 0 or NaN give NaN.
 */
export function chiSquareCdf(x: number, df: number): number {
  if (x !== x || !(df > 0)) return Number.NaN
  return x <= 0 ? 0 : gammaP(df / 2, x / 2)
}

/**
 * χ² survival P(X > x) = Q(df/2, x/2) (Abramowitz & Stegun 26.4.19; SciPy `chi2.sf`), computed in
 * the upper tail so small p-values keep their relative precision. x ≤ 0 gives 1; df ≤ 0 or NaN give NaN.
 */
export function chiSquareSurvival(x: number, df: number): number {
  if (x !== x || !(df > 0)) return Number.NaN
  return x <= 0 ? 1 : gammaQ(df / 2, x / 2)
}
