// Kolmogorov's limiting distribution and the exact two-sample Smirnov distribution. Pure, browser-safe.

const SQRT_2PI = 2.5066282746310002
const PI2_OVER_8 = 1.2337005501361697

/**
 * Kolmogorov's limiting CDF P(K ≤ λ) of √n·Dₙ (SciPy `kstwobign.cdf`), as Numerical Recipes'
 * `pks` (3rd ed., §6.14.12): the theta-function series √(2π)/λ Σ exp(−(2j−1)²π²/(8λ²)) below
 * λ = 1.18 and 1 − 2 Σ (−1)^{j−1} exp(−2j²λ²) above; four terms of either reach double precision.
 * λ ≤ 0 gives 0, NaN gives NaN.
 */
export function kolmogorovCdf(lambda: number): number {
  if (lambda !== lambda) return Number.NaN
  if (lambda <= 0) return 0
  if (lambda >= 1.18) return 1 - largeLambdaSeries(lambda)
  const y = Math.exp(-PI2_OVER_8 / (lambda * lambda))
  if (y === 0) return 0 // below λ ≈ 0.04 (and for denormal λ, where √(2π)/λ would overflow to ∞·0)
  return (SQRT_2PI / lambda) * (y + y ** 9 + y ** 25 + y ** 49)
}

/** 2 Σ (−1)^{j−1} exp(−2j²λ²), j = 1..3 (Numerical Recipes `qks`, §6.14.13); exact to double precision for λ ≥ 1.18. */
function largeLambdaSeries(lambda: number): number {
  const x = Math.exp(-2 * lambda * lambda)
  const x4 = x * x * x * x
  return 2 * (x - x4 + x4 * x4 * x)
}

/**
 * Kolmogorov's limiting survival Q_KS(λ) = P(K > λ) (SciPy `kstwobign.sf`), Numerical Recipes' `qks`
 * (3rd ed., §6.14.13): the alternating series above λ = 1.18, keeping small p-values' relative
 * precision, and 1 − {@link kolmogorovCdf} below. λ ≤ 0 gives 1, NaN gives NaN.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda !== lambda) return Number.NaN
  if (lambda < 1.18) return 1 - kolmogorovCdf(lambda)
  return largeLambdaSeries(lambda)
}

/**
 * Exact two-sided P(D ≥ d) of the two-sample Kolmogorov–Smirnov statistic for samples of sizes n, m
 * without ties: the lattice-path recursion of R's `psmirnov2x` (ks.test; Hodges 1957), normalised at
 * every row so no binomial coefficient overflows. `scratch` (length ≥ max(n, m) + 1) avoids an
 * allocation in streaming callers. NaN d gives NaN. The tail is 1 − P(D < d), so its error is
 * absolute (~1e-15): a p-value of 1e-5 keeps about 10 significant digits.
 */
export function ksExactSurvival(d: number, n: number, m: number, scratch?: Float64Array): number {
  if (d !== d) return Number.NaN
  if (d <= 0) return 1
  const small = Math.min(n, m)
  const large = Math.max(n, m)
  // Statistic values are multiples of 1/(n m): round to the lattice so float noise cannot move d.
  const q = (0.5 + Math.floor(d * small * large - 1e-7)) / (small * large)
  const u = scratch && scratch.length > large ? scratch : new Float64Array(large + 1)
  for (let j = 0; j <= large; j++) u[j] = j / large > q ? 0 : 1
  for (let i = 1; i <= small; i++) {
    const w = i / (i + large)
    u[0] = i / small > q ? 0 : w * u[0]!
    for (let j = 1; j <= large; j++) u[j] = Math.abs(i / small - j / large) > q ? 0 : w * u[j]! + u[j - 1]!
  }
  return Math.min(1, Math.max(0, 1 - u[large]!))
}
