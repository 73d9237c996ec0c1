// The standard normal distribution. Pure, browser-safe, no allocation.
import { gammaQ } from './gamma.js'

/**
 * Standard normal CDF Φ(z) = ½ erfc(−z/√2) (DLMF 7.2.2, 7.11.2; SciPy `norm.cdf`), evaluated as
 * ½ Q(½, z²/2) on the tail side so both tails keep full relative precision (Φ(−37) ≈ 5.7e-300).
 */
export function normalCdf(z: number): number {
  if (z !== z) return Number.NaN
  const tail = 0.5 * gammaQ(0.5, (z * z) / 2)
  return z < 0 ? tail : 1 - tail
}

/** Upper tail P(Z > z) = Φ(−z) of the standard normal (SciPy `norm.sf`), precise for large z. */
export function normalSurvival(z: number): number {
  return normalCdf(-z)
}

/** Two-sided tail P(|Z| ≥ |z|) = erfc(|z|/√2) = Q(½, z²/2) (DLMF 7.11.2), without the cancellation of 2·(1 − Φ(|z|)). */
export function normalTwoSided(z: number): number {
  if (z !== z) return Number.NaN
  return gammaQ(0.5, (z * z) / 2)
}

const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239]
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1]
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783]
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416]
const P_LOW = 0.02425

/** Acklam's rational approximation of the lower tail (relative error 1.15e-9), in terms of q = √(−2 ln p). */
function acklamTail(q: number): number {
  return (((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) / ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1)
}

/**
 * Standard normal quantile Φ⁻¹(p) (SciPy `norm.ppf`): P. J. Acklam's rational approximation (2003,
 * relative error 1.15e-9) refined by one Halley step on Φ, which brings it to double precision.
 * p outside [0, 1] or NaN gives NaN; 0 and 1 give ∓Infinity.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN
  if (p === 0) return Number.NEGATIVE_INFINITY
  if (p === 1) return Number.POSITIVE_INFINITY
  // 1 − p is exact above ½ (Sterbenz): refining in the lower tail keeps the upper one precise too.
  if (p > 0.5) return -normalQuantile(1 - p)
  let x: number
  if (p < P_LOW) x = acklamTail(Math.sqrt(-2 * Math.log(p)))
  else {
    const q = p - 0.5
    const r = q * q
    x = ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * q) / (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1)
  }
  const e = normalCdf(x) - p
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2)
  return x - u / (1 + (x * u) / 2)
}
