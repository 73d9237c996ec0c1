// Special functions behind the p-values. Algorithms from Press et al., "Numerical Recipes" (3rd ed.,
// §6.1 gammln, §6.2 gammp/gammq, §6.4 betai, §6.14 Kolmogorov–Smirnov), and R's psmirnov2x (ks.test).

const LANCZOS = [57.15623566586292, -59.59796035547549, 14.136097974741746, -0.4919138160976202, 3.399464998481189e-05, 4.652362892704858e-05, -9.837447530487956e-05, 0.0001580887032249125, -0.00021026444172410488, 0.00021743961811521265, -0.0001643181065367639, 8.441822398385275e-05, -2.6190838401581408e-05, 3.6899182659531625e-06]

/** ln Γ(x) for x > 0 (Lanczos, g = 607/128, as Numerical Recipes' gammln). */
export function logGamma(x: number): number {
  let y = x
  const tmp = x + 5.2421875
  const t = (x + 0.5) * Math.log(tmp) - tmp
  let ser = 0.9999999999999971
  for (const c of LANCZOS) ser += c / ++y
  return t + Math.log((2.5066282746310007 * ser) / x)
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1
  if (x < a + 1) return 1 - gammaSeries(a, x)
  return gammaContinuedFraction(a, x)
}

function gammaSeries(a: number, x: number): number {
  let ap = a
  let sum = 1 / a
  let del = sum
  for (let i = 0; i < 10_000; i++) {
    ap++
    del *= x / ap
    sum += del
    if (Math.abs(del) < Math.abs(sum) * 1e-16) break
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a))
}

function gammaContinuedFraction(a: number, x: number): number {
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < 1e-16) break
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h
}

/** P(χ²_k > x): survival function of the chi-square distribution with `k` degrees of freedom. */
export function chiSquareSurvival(x: number, k: number): number {
  return gammaQ(k / 2, x / 2)
}

/** Regularized incomplete beta I_x(a, b). */
export function betaIncomplete(x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const bt = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x))
  if (x < (a + 1) / (a + b + 2)) return (bt * betaContinuedFraction(x, a, b)) / a
  return 1 - (bt * betaContinuedFraction(1 - x, b, a)) / b
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300
  const qab = a + b
  const qap = a + 1
  const qam = a - 1
  let c = 1
  let d = 1 - (qab * x) / qap
  if (Math.abs(d) < tiny) d = tiny
  d = 1 / d
  let h = d
  for (let m = 1; m < 10_000; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    h *= d * c
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < 1e-16) break
  }
  return h
}

/** P(T > t) for Student's t with `df` degrees of freedom (df may be fractional, as Welch's). */
export function studentTSurvival(t: number, df: number): number {
  if (t !== t) return Number.NaN
  if (df === Number.POSITIVE_INFINITY) return normalSurvival(t)
  const tail = 0.5 * betaIncomplete(df / (df + t * t), df / 2, 0.5)
  return t > 0 ? tail : 1 - tail
}

/** P(Z > z) for a standard normal (via erfc, Numerical Recipes erfcc; |error| < 1.2e-7). */
export function normalSurvival(z: number): number {
  const x = z / Math.SQRT2
  const ax = Math.abs(x)
  const t = 1 / (1 + 0.5 * ax)
  const r =
    t *
    Math.exp(-ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
  return x >= 0 ? r / 2 : 1 - r / 2
}

/** Kolmogorov's limiting distribution Q_KS(λ) = 2 Σ (−1)^{j−1} e^{−2 j² λ²} (Numerical Recipes probks). */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda < 0.2) return 1
  let sum = 0
  let sign = 2
  let previous = 0
  for (let j = 1; j <= 100; j++) {
    const term = sign * Math.exp(-2 * j * j * lambda * lambda)
    sum += term
    if (Math.abs(term) <= 1e-10 * previous || Math.abs(term) <= 1e-16 * sum) return Math.min(1, Math.max(0, sum))
    sign = -sign
    previous = Math.abs(term)
  }
  return 1
}

/**
 * Exact two-sided P(D ≥ d) of the two-sample Kolmogorov–Smirnov statistic for samples of sizes n, m
 * without ties: the lattice-path recursion of R's psmirnov2x (Hodges 1957), normalised at every row so
 * no binomial coefficient overflows. `scratch` (length ≥ max(n, m) + 1) avoids an allocation.
 */
export function ksExactSurvival(d: number, n: number, m: number, scratch?: Float64Array): number {
  if (d <= 0) return 1
  const small = Math.min(n, m)
  const large = Math.max(n, m)
  const md = small
  const nd = large
  // Statistic values are multiples of 1/(n m): round to the lattice so float noise cannot move d.
  const q = (0.5 + Math.floor(d * md * nd - 1e-7)) / (md * nd)
  const u = scratch && scratch.length > large ? scratch : new Float64Array(large + 1)
  for (let j = 0; j <= large; j++) u[j] = j / nd > q ? 0 : 1
  for (let i = 1; i <= small; i++) {
    const w = i / (i + nd)
    u[0] = i / md > q ? 0 : w * u[0]!
    for (let j = 1; j <= large; j++) u[j] = Math.abs(i / md - j / nd) > q ? 0 : w * u[j]! + u[j - 1]!
  }
  return Math.min(1, Math.max(0, 1 - u[large]!))
}
