import { studentTSurvival } from '@entrenar/core/stats'
import { checkNumber, insufficient } from '../util/errors.js'
import { finiteSample } from './finite.js'

/** Options of {@link performanceDrift}. */
export interface PerformanceDriftOptions {
  /** Drop that raises a warning: 0.05 = 5 %. Default 0.05 (the spec's accuracy-drop rule). */
  readonly warningDrop?: number
  /** `relative` (drop / baseline mean, default) or `absolute` (in the metric's unit, e.g. accuracy points). */
  readonly dropKind?: 'relative' | 'absolute'
  /** Significance of the one-sided test. Default 0.05. */
  readonly alpha?: number
}

/** Result of {@link performanceDrift}. */
export interface PerformanceDriftResult {
  /** Mean of the finite baseline values (e.g. last week's accuracy). */
  readonly baselineMean: number
  /** Mean of the finite current values. */
  readonly currentMean: number
  /** baselineMean − currentMean (positive = worse). */
  readonly drop: number
  /** drop / |baselineMean| (NaN when the baseline mean is 0). */
  readonly relativeDrop: number
  /** Welch's t statistic of baseline − current. */
  readonly statistic: number
  /** One-sided p-value of H₁: the current mean is lower. */
  readonly pValue: number
  /** Welch–Satterthwaite degrees of freedom. */
  readonly degreesOfFreedom: number
  /** True when the drop is significant at α. */
  readonly significant: boolean
  /** `warning` when the drop reaches `warningDrop` and is significant; `ok` otherwise. */
  readonly level: 'ok' | 'warning'
  /** NaN/±Inf left out of the test, per side. */
  readonly nonFinite: {
    /** In the baseline sample. */
    readonly baseline: number
    /** In the current sample. */
    readonly current: number
  }
}

function meanVar(x: Float64Array): [number, number] {
  let mean = 0
  let m2 = 0
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - mean
    mean += d / (i + 1)
    m2 += d * (x[i]! - mean)
  }
  return [mean, x.length > 1 ? m2 / (x.length - 1) : 0]
}

/**
 * Performance drift: did the current scores (accuracy per batch, or 0/1 correctness per example)
 * fall below the baseline? One-sided Welch t-test (Welch 1947; Student-t p-value, which for 0/1 data
 * approaches the two-proportion z-test) with a WARNING when the drop reaches 5 % and is significant.
 * When both samples have zero variance the test is degenerate: p = 0 for any drop, 1 otherwise.
 *
 * @example
 * ```ts
 * const r = performanceDrift(baselineAccuracy, recentAccuracy)
 * if (r.level === 'warning') console.log(`accuracy fell ${(r.relativeDrop * 100).toFixed(1)} %, p = ${r.pValue}`)
 * ```
 */
export function performanceDrift(baseline: ArrayLike<number>, current: ArrayLike<number>, options: PerformanceDriftOptions = {}): PerformanceDriftResult {
  const warningDrop = checkNumber('warningDrop', options.warningDrop ?? 0.05, 0, Number.MAX_VALUE)
  const alpha = checkNumber('alpha', options.alpha ?? 0.05, 0, 1, { openLo: true, openHi: true })
  const kind = options.dropKind ?? 'relative'
  const a = finiteSample(baseline)
  const b = finiteSample(current)
  if (a.values.length < 2) throw insufficient('performanceDrift baseline', a.values.length, 2)
  if (b.values.length < 2) throw insufficient('performanceDrift current', b.values.length, 2)
  const [ma, va] = meanVar(a.values)
  const [mb, vb] = meanVar(b.values)
  const na = a.values.length
  const nb = b.values.length
  const drop = ma - mb
  const relativeDrop = ma === 0 ? Number.NaN : drop / Math.abs(ma)
  const se2 = va / na + vb / nb
  let statistic: number
  let pValue: number
  let df: number
  if (se2 === 0) {
    statistic = drop > 0 ? Number.POSITIVE_INFINITY : drop < 0 ? Number.NEGATIVE_INFINITY : 0
    pValue = drop > 0 ? 0 : 1
    df = na + nb - 2
  } else {
    statistic = drop / Math.sqrt(se2)
    df = (se2 * se2) / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    pValue = studentTSurvival(statistic, df)
  }
  const significant = pValue < alpha
  const measured = kind === 'relative' ? relativeDrop : drop
  const level = significant && measured >= warningDrop ? 'warning' : 'ok'
  return { baselineMean: ma, currentMean: mb, drop, relativeDrop, statistic, pValue, degreesOfFreedom: df, significant, level, nonFinite: { baseline: a.nonFinite, current: b.nonFinite } }
}
