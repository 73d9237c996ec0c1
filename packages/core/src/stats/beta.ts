// Log-beta and the regularised incomplete beta function. Pure, browser-safe, no allocation.
import { logGamma, stirlingCorrection } from './gamma.js'

const MAX_ITERATIONS = 1_000_000
// Machine epsilon: a tighter test than one ulp never passes and runs the loop to its cap (Numerical Recipes §5.2 uses the same).
const EPS = Number.EPSILON
const FPMIN = 1e-300

/**
 * ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b) for a, b > 0 (DLMF 5.12.1; SciPy `betaln`). When the
 * larger argument is ≥ 10 the large log-gamma terms are cancelled analytically with Stirling's series
 * (DLMF 5.11.1), as TOMS 708's `betaln` (Didonato & Morris 1992) does, so a Student t with 10⁶ degrees
 * of freedom keeps full precision. a ≤ 0, b ≤ 0 or NaN give NaN.
 */
export function logBeta(a: number, b: number): number {
  if (!(a > 0 && b > 0)) return Number.NaN
  const small = Math.min(a, b)
  const large = Math.max(a, b)
  if (large < 10) return logGamma(a) + logGamma(b) - logGamma(a + b)
  if (large === Number.POSITIVE_INFINITY) return Number.NEGATIVE_INFINITY
  // ln Γ(L) − ln Γ(L+s) = −(L − ½)·ln(1 + s/L) − s·ln(L + s) + s + stirling(L) − stirling(L + s).
  const sum = large + small
  return (
    logGamma(small) - (large - 0.5) * Math.log1p(small / large) - small * Math.log(sum) + small + stirlingCorrection(large) - stirlingCorrection(sum)
  )
}

/**
 * Continued fraction of I_x(a, b) by the modified Lentz method (Numerical Recipes `betacf`, §6.4,
 * eq. 6.4.5). Its first denominator 1 − (a+b)x/(a+1) equals (1 − b + (a+b)·y)/(a+1) with y = 1 − x;
 * near x = 1 (Student's t with many degrees of freedom) the textbook form cancels catastrophically
 * (5e-11 relative error at ν = 10⁶), so the form with the smaller rounding bound is used.
 */
function betaContinuedFraction(a: number, b: number, x: number, y: number): number {
  const qab = a + b
  const qap = a + 1
  const qam = a - 1
  let c = 1
  // Of the two equal forms take the one whose rounding error bound (its largest term) is smaller.
  const direct = (qab * x) / qap
  let d = direct <= (Math.abs(1 - b) + qab * y) / qap ? 1 - direct : (1 - b + qab * y) / qap
  if (Math.abs(d) < FPMIN) d = FPMIN
  d = 1 / d
  let h = d
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < FPMIN) d = FPMIN
    c = 1 + aa / c
    if (Math.abs(c) < FPMIN) c = FPMIN
    d = 1 / d
    h *= d * c
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2))
    d = 1 + aa * d
    if (Math.abs(d) < FPMIN) d = FPMIN
    c = 1 + aa / c
    if (Math.abs(c) < FPMIN) c = FPMIN
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) <= EPS) break
  }
  return h
}

/**
 * Regularised incomplete beta I_x(a, b) = B(x; a, b)/B(a, b) (DLMF 8.17.2), argument order of SciPy
 * `betainc(a, b, x)`. Numerical Recipes `betai` (§6.4): the continued fraction on whichever side of
 * the mean (a+1)/(a+b+2) converges fast, with the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) (DLMF 8.17.4).
 * a ≤ 0, b ≤ 0 or NaN give NaN; x is clamped to [0, 1].
 */
export function betaInc(a: number, b: number, x: number): number {
  return betaIncPair(a, b, x, 1 - x)
}

/**
 * {@link betaInc} with the complement y = 1 − x supplied by the caller, who can often form it without
 * the rounding of 1 − x (for Student's t, x = ν/(ν+t²) and y = t²/(ν+t²)): near x = 1 that rounding
 * alone would cost ~1e-16/y of relative precision.
 */
export function betaIncPair(a: number, b: number, x: number, y: number): number {
  if (!(a > 0 && b > 0) || x !== x || y !== y) return Number.NaN
  if (x <= 0) return 0
  if (y <= 0) return 1
  const lnX = x < 0.5 ? Math.log(x) : Math.log1p(-y)
  const lnY = y < 0.5 ? Math.log(y) : Math.log1p(-x)
  const front = Math.exp(a * lnX + b * lnY - logBeta(a, b))
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x, y)) / a : 1 - (front * betaContinuedFraction(b, a, y, x)) / b
}
