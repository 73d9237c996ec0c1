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
 * without ties, computed as the tail itself (no 1 − CDF): Viehmann's recursion ("Numerically more
 * stable computation of the p-values for the two-sample Kolmogorov-Smirnov test", arXiv:2102.08037,
 * as SciPy's `ks_2samp` exact method) over Hodges' (1957) lattice paths. A(i, j), the chance that a
 * uniform path from (0, 0) to (i, j) has left the band |i/n − j/m| < d, is 1 outside the band and
 * (i·A(i−1, j) + j·A(i, j−1)) / (i + j) inside; P = A(n, m). Every term is a convex combination of
 * non-negative numbers, so the tail keeps its relative precision down to the smallest doubles
 * (two separated samples of 100: 2/C(200, 100) = 2.2e-59). d is rounded to the statistic's lattice
 * (multiples of 1/lcm(n, m)); only the band is visited, O(n·m·min(1, 2d)). `scratch` (length ≥
 * min(n, m) + 1) avoids an allocation in streaming callers. NaN d gives NaN.
 */
export function ksExactSurvival(d: number, n: number, m: number, scratch?: Float64Array): number {
  if (d !== d) return Number.NaN
  if (d <= 0) return 1
  const small = Math.min(n, m)
  const large = Math.max(n, m)
  const g = gcd(small, large)
  const sg = small / g
  const lg = large / g
  // Integer form of the band: (i, j) with i over the larger sample, j over the smaller, is inside when
  // |i·sg − j·lg| < h, h = d·lcm rounded (d is a multiple of 1/lcm up to float noise).
  const h = Math.round(d * lg * small)
  if (h <= 0) return 1
  const a = scratch && scratch.length > small ? scratch : new Float64Array(small + 1)
  // Column i = 0: (0, j) is inside for j·lg < h, and no path there has left the band.
  const hi0 = Math.min(small, Math.ceil(h / lg) - 1)
  for (let j = 0; j <= small; j++) a[j] = j <= hi0 ? 0 : 1
  let lo = 0
  for (let i = 1; i <= large; i++) {
    const newLo = Math.max(0, Math.floor((i * sg - h) / lg) + 1)
    const newHi = Math.min(small, Math.ceil((i * sg + h) / lg) - 1)
    if (newLo > newHi) return 1
    for (let j = lo; j < newLo; j++) a[j] = 1 // left the band below: every path through them has exited
    let left = newLo === 0 ? 0 : 1
    for (let j = newLo; j <= newHi; j++) {
      left = (i * a[j]! + j * left) / (i + j)
      a[j] = left
    }
    lo = newLo
  }
  return a[small]!
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b]
  return a
}
