import { EntrenarError, ErrorCodes } from '@entrenar/core'
import { normalQuantile, normalTwoSided, studentTQuantile, studentTTwoSided } from '@entrenar/core/stats'
import { SRM_THRESHOLD, type SrmResult, srmCheck } from './srm.js'

/** Error code: an arm has too few finite samples for the test (Welch needs ≥ 2 per arm). */
export const TOO_FEW_SAMPLES = 'ENTRENAR_SERVE_TOO_FEW_SAMPLES'

/** Conversions of a rate metric: `successes` out of `trials` units. */
export interface ProportionArm {
  /** Units with the outcome (conversions, correct answers): an integer in [0, trials]. */
  readonly successes: number
  /** Units observed: a positive integer. */
  readonly trials: number
}

/** One arm: a rate (`{ successes, trials }`) or one value per unit (e.g. final accuracy per seed). */
export type ArmData = ProportionArm | readonly number[] | Float64Array

/** Options of {@link abTest}. */
export interface AbTestOptions {
  /** Control arm. */
  readonly a: ArmData
  /** Treatment arm. */
  readonly b: ArmData
  /** Name of the metric compared (shown in the result). */
  readonly metric?: string
  /**
   * Which way is better. Default `lower` when the name looks like a loss, error, latency,
   * perplexity or duration, else `higher`.
   */
  readonly direction?: 'higher' | 'lower'
  /** Significance level (two-sided). Default 0.05. */
  readonly alpha?: number
  /** Power for the minimum detectable effect. Default 0.8 (Kohavi et al. 2020, ch. 17). */
  readonly power?: number
  /** Designed share of units in arm b, for the SRM check. Default 0.5. */
  readonly expectedShareB?: number
  /** SRM p-value threshold. Default 0.001 (Kohavi et al. 2020, ch. 21). */
  readonly srmThreshold?: number
}

/** What one arm looked like. */
export interface ArmSummary {
  /** Units with a finite value (trials for a rate). */
  readonly n: number
  /** Mean (the rate for proportions). */
  readonly mean: number
  /** Sample standard deviation (for a rate: √(p(1−p))). */
  readonly sd: number
  /** Values that were NaN or ±Inf: kept out of the test, counted here (a diverged seed is news). */
  readonly nonFinite: number
}

/** Result of {@link abTest}. */
export interface AbTestResult {
  /** The metric compared. */
  readonly metric: string
  /** The test used: two-proportion z-test for proportions, Welch's t-test for means. */
  readonly test: 'two-proportion-z' | 'welch-t'
  /** Which direction is better, deciding the `winner`. */
  readonly direction: 'higher' | 'lower'
  /** Summary of arm `a` (the control). */
  readonly a: ArmSummary
  /** Summary of arm `b` (the treatment). */
  readonly b: ArmSummary
  /** b − a. */
  readonly difference: number
  /** (b − a) / |a|; NaN when a's mean is 0. */
  readonly relativeDifference: number
  /** Confidence interval of b − a at level 1 − alpha. */
  readonly ci: readonly [number, number]
  /** z or t statistic. */
  readonly statistic: number
  /** Degrees of freedom (Welch–Satterthwaite); Infinity for the z-test. */
  readonly df: number
  /** Two-sided p-value. */
  readonly pValue: number
  /** Significance level used (two-sided). */
  readonly alpha: number
  /** True when `pValue < alpha`. */
  readonly significant: boolean
  /** The better arm when significant, else null. */
  readonly winner: 'a' | 'b' | null
  /** Smallest |b − a| the test detects with probability `power` at these sample sizes. */
  readonly mde: number
  /** The power the `mde` is computed for. */
  readonly power: number
  /** Sample-ratio-mismatch check of the units per arm. */
  readonly srm: SrmResult
}

function bad(msg: string): never {
  throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: ${msg}`)
}

function isProportion(x: ArmData): x is ProportionArm {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Float64Array) && 'trials' in x
}

function guessDirection(metric: string): 'higher' | 'lower' {
  return /loss|err|latency|perplexity|duration|time|regret/i.test(metric) ? 'lower' : 'higher'
}

function summarize(values: readonly number[] | Float64Array): ArmSummary {
  let n = 0
  let mean = 0
  let m2 = 0
  let nonFinite = 0
  for (const x of values) {
    if (typeof x !== 'number') bad(`a sample is a ${typeof x}, not a number`)
    if (!Number.isFinite(x)) {
      nonFinite++
      continue
    }
    // Welford's update: one pass, numerically stable.
    n++
    const d = x - mean
    mean += d / n
    m2 += d * (x - mean)
  }
  return { n, mean: n > 0 ? mean : Number.NaN, sd: n > 1 ? Math.sqrt(m2 / (n - 1)) : Number.NaN, nonFinite }
}

/**
 * Compares two arms (Kohavi, Tang & Xu, "Trustworthy Online Controlled Experiments", 2020):
 * - rates (`{ successes, trials }`): the two-proportion z-test with the pooled standard error, a
 *   Wald interval with the unpooled one (ch. 17), and the MDE (z₁₋α/₂ + z_power)·SE₀;
 * - values per unit (e.g. final loss per seed): Welch's t-test with Welch–Satterthwaite degrees of
 *   freedom (Welch 1947), a t interval, and the MDE (t₁₋α/₂ + t_power)·SE;
 * - both: a sample-ratio-mismatch χ² check of the unit counts (ch. 21).
 *
 * @example
 * ```ts
 * abTest({ a: { successes: 480, trials: 5000 }, b: { successes: 560, trials: 5000 }, metric: 'ctr' })
 * abTest({ a: [0.412, 0.405, 0.419], b: [0.398, 0.391, 0.401], metric: 'val_loss' }) // seeds
 * ```
 */
export function abTest(options: AbTestOptions): AbTestResult {
  const alpha = options.alpha ?? 0.05
  const power = options.power ?? 0.8
  if (!(alpha > 0 && alpha < 1)) bad(`alpha ${alpha} must lie in (0, 1)`)
  if (!(power > 0 && power < 1)) bad(`power ${power} must lie in (0, 1)`)
  const share = options.expectedShareB ?? 0.5
  if (!(share > 0 && share < 1)) bad(`expectedShareB ${share} must lie in (0, 1)`)
  const metric = options.metric ?? 'metric'
  const direction = options.direction ?? guessDirection(metric)
  const { a, b } = options
  const pa = isProportion(a)
  const pb = isProportion(b)
  if (pa !== pb) bad('both arms must be rates ({ successes, trials }) or both arrays of values')
  const base = pa && pb ? proportions(a, b, alpha, power) : welch(a as readonly number[], b as readonly number[], alpha, power)
  const srm = srmCheck([base.a.n, base.b.n], [1 - share, share], options.srmThreshold ?? SRM_THRESHOLD)
  const difference = base.b.mean - base.a.mean
  const significant = base.pValue < alpha
  const bBetter = direction === 'higher' ? difference > 0 : difference < 0
  return {
    metric,
    direction,
    ...base,
    difference,
    relativeDifference: base.a.mean === 0 ? Number.NaN : difference / Math.abs(base.a.mean),
    alpha,
    significant,
    winner: significant && difference !== 0 ? (bBetter ? 'b' : 'a') : null,
    power,
    srm,
  }
}

type Core = Pick<AbTestResult, 'test' | 'a' | 'b' | 'ci' | 'statistic' | 'df' | 'pValue' | 'mde'>

function proportions(a: ProportionArm, b: ProportionArm, alpha: number, power: number): Core {
  for (const [arm, x] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (!Number.isInteger(x.trials) || x.trials <= 0) bad(`arm ${arm}: trials ${x.trials} must be a positive integer`)
    if (!Number.isInteger(x.successes) || x.successes < 0 || x.successes > x.trials) bad(`arm ${arm}: successes ${x.successes} must be an integer in [0, ${x.trials}]`)
  }
  const ra = a.successes / a.trials
  const rb = b.successes / b.trials
  const pooled = (a.successes + b.successes) / (a.trials + b.trials)
  const se0 = Math.sqrt(pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials))
  const se = Math.sqrt((ra * (1 - ra)) / a.trials + (rb * (1 - rb)) / b.trials)
  const diff = rb - ra
  const z = se0 > 0 ? diff / se0 : diff === 0 ? 0 : Math.sign(diff) * Number.POSITIVE_INFINITY
  const zc = normalQuantile(1 - alpha / 2)
  return {
    test: 'two-proportion-z',
    a: { n: a.trials, mean: ra, sd: Math.sqrt(ra * (1 - ra)), nonFinite: 0 },
    b: { n: b.trials, mean: rb, sd: Math.sqrt(rb * (1 - rb)), nonFinite: 0 },
    ci: [diff - zc * se, diff + zc * se],
    statistic: z,
    df: Number.POSITIVE_INFINITY,
    pValue: z === 0 ? 1 : normalTwoSided(z),
    mde: (zc + normalQuantile(power)) * se0,
  }
}

function welch(a: readonly number[], b: readonly number[], alpha: number, power: number): Core {
  if (!Array.isArray(a) && !(a instanceof Float64Array)) bad('arm a must be an array of numbers')
  if (!Array.isArray(b) && !(b instanceof Float64Array)) bad('arm b must be an array of numbers')
  const sa = summarize(a)
  const sb = summarize(b)
  if (sa.n < 2 || sb.n < 2) {
    throw new EntrenarError(TOO_FEW_SAMPLES, `entrenar/serve: Welch's t-test needs ≥ 2 finite values per arm, got ${sa.n} in a and ${sb.n} in b`, {
      details: { a: sa.n, b: sb.n, nonFiniteA: sa.nonFinite, nonFiniteB: sb.nonFinite },
    })
  }
  const va = (sa.sd * sa.sd) / sa.n
  const vb = (sb.sd * sb.sd) / sb.n
  const se = Math.sqrt(va + vb)
  const diff = sb.mean - sa.mean
  // Welch–Satterthwaite; with both variances 0 the difference is exact (df → ∞).
  const df = se > 0 ? (va + vb) ** 2 / (va ** 2 / (sa.n - 1) + vb ** 2 / (sb.n - 1)) : Number.POSITIVE_INFINITY
  const t = se > 0 ? diff / se : diff === 0 ? 0 : Math.sign(diff) * Number.POSITIVE_INFINITY
  const tc = studentTQuantile(1 - alpha / 2, df)
  return {
    test: 'welch-t',
    a: sa,
    b: sb,
    ci: [diff - tc * se, diff + tc * se],
    statistic: t,
    df,
    pValue: t === 0 ? 1 : studentTTwoSided(t, df),
    mde: (tc + studentTQuantile(power, df)) * se,
  }
}
