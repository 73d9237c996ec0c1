import { leastSquares, mannKendall } from './stats.js'
import type { GradientAnalysis, MetricAnalysis, MetricDirection, StepValue, Trend } from './types.js'

/** Tuning of the per-metric analysis (resolved defaults of `AnalyzeOptions`). */
export interface MetricTuning {
  readonly alpha: number
  readonly minRelativeChange: number
  readonly oscillationCv: number
  readonly plateauMinDelta: number
  readonly plateauFraction: number
}

const HIGHER = /acc|f1|precision|recall|auc|reward|score|iou|bleu|rouge|map@|ndcg/i
const LOWER = /loss|err|perplexity|ppl|mse|mae|rmse|nll|wer|cer|regret/i

/** Direction inferred from a metric name: losses and errors lower, accuracies and rewards higher, else neutral. */
export function inferDirection(metric: string): MetricDirection {
  if (LOWER.test(metric)) return 'lower'
  if (HIGHER.test(metric)) return 'higher'
  return 'neutral'
}

/** True for names of gradient-norm metrics (`gradient_norm`, `grad_norm`, `expert_1/grad_norm`), not their logarithms. */
export function isGradientMetric(metric: string): boolean {
  return /grad/i.test(metric) && /norm/i.test(metric) && !/log/i.test(metric)
}

/** Analyses one series in step order (`steps`, `values` as stored). */
export function analyzeMetric(metric: string, steps: Float64Array, values: Float64Array, direction: MetricDirection, t: MetricTuning): MetricAnalysis {
  const n = values.length
  let nan = 0
  let pos = 0
  let neg = 0
  let firstNonFinite: StepValue | undefined
  // Finite points, in typed arrays (a run can hold millions of points).
  const bx = new Float64Array(n)
  const by = new Float64Array(n)
  let m = 0
  for (let i = 0; i < n; i++) {
    const v = values[i]!
    if (Number.isFinite(v)) {
      bx[m] = steps[i]!
      by[m++] = v
      continue
    }
    if (Number.isNaN(v)) nan++
    else if (v > 0) pos++
    else neg++
    firstNonFinite ??= { step: steps[i]!, value: v }
  }
  const fx = bx.subarray(0, m)
  const fy = by.subarray(0, m)
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  // Welford's running mean and variance (Welford 1962): stable for long series.
  let mean = 0
  let m2 = 0
  for (let i = 0; i < m; i++) {
    const v = fy[i]!
    if (v < min) min = v
    if (v > max) max = v
    const d = v - mean
    mean += d / (i + 1)
    m2 += d * (v - mean)
  }
  const std = m > 1 ? Math.sqrt(m2 / (m - 1)) : 0
  let best: StepValue | undefined
  for (let i = 0; i < m; i++) {
    const v = fy[i]!
    if (best === undefined || (direction === 'lower' ? v < best.value : direction === 'higher' ? v > best.value : true)) best = { step: fx[i]!, value: v }
  }
  const fit = leastSquares(fx, fy)
  const mk = mannKendall(fy)
  const trend = classify(direction, fx, fy, fit.slope, mk.pValue, mk.s, mean, std, min, max, t)
  const plateau = direction === 'neutral' ? undefined : findPlateau(fx, fy, direction, t)
  return {
    metric,
    direction,
    count: n,
    finiteCount: m,
    nanCount: nan,
    posInfCount: pos,
    negInfCount: neg,
    first: n ? { step: steps[0]!, value: values[0]! } : undefined,
    last: n ? { step: steps[n - 1]!, value: values[n - 1]! } : undefined,
    min: m ? min : Number.NaN,
    max: m ? max : Number.NaN,
    mean: m ? mean : Number.NaN,
    std: m ? std : Number.NaN,
    best,
    slope: fit.slope,
    fitted: m ? { from: fit.intercept + fit.slope * fx[0]!, to: fit.intercept + fit.slope * fx[m - 1]! } : { from: Number.NaN, to: Number.NaN },
    mannKendall: mk,
    trend,
    ...(plateau ? { plateau } : {}),
    ...(firstNonFinite ? { firstNonFinite } : {}),
  }
}

function classify(
  direction: MetricDirection,
  x: Float64Array,
  y: Float64Array,
  slope: number,
  p: number,
  s: number,
  mean: number,
  std: number,
  min: number,
  max: number,
  t: MetricTuning,
): Trend {
  const m = y.length
  // A constant series (or too few points to test) has no trend: stable, never "degrading".
  if (m < 3 || max === min) return 'stable'
  const level = Math.max(Math.abs(mean), Math.abs(y[0]!), Math.abs(y[m - 1]!), Number.MIN_VALUE)
  const fitted = Math.abs(slope * (x[m - 1]! - x[0]!))
  if (p < t.alpha && fitted >= t.minRelativeChange * level && s !== 0) {
    const up = s > 0
    if (direction === 'neutral') return up ? 'increasing' : 'decreasing'
    return up === (direction === 'higher') ? 'improving' : 'degrading'
  }
  return std / level > t.oscillationCv ? 'oscillating' : 'stable'
}

/**
 * The stretch since the last real improvement, when it covers at least `plateauFraction` of the
 * series' steps (Keras/Lightning `EarlyStopping` semantics: an improvement must beat the best by
 * `min_delta`, here relative to the best's magnitude).
 */
function findPlateau(x: Float64Array, y: Float64Array, direction: 'lower' | 'higher', t: MetricTuning): MetricAnalysis['plateau'] {
  const m = y.length
  if (m < 10) return undefined
  const span = x[m - 1]! - x[0]!
  if (span <= 0) return undefined
  let best = y[0]!
  let bestStep = x[0]!
  for (let i = 1; i < m; i++) {
    const v = y[i]!
    const delta = t.plateauMinDelta * Math.max(Math.abs(best), 1e-12)
    if (direction === 'lower' ? v < best - delta : v > best + delta) {
      best = v
      bestStep = x[i]!
    }
  }
  const steps = x[m - 1]! - bestStep
  const fraction = steps / span
  return fraction >= t.plateauFraction ? { fromStep: bestStep, toStep: x[m - 1]!, steps, fraction } : undefined
}

/** Gradient explosion and vanishing on one gradient-norm series. */
export function analyzeGradient(
  metric: string,
  steps: Float64Array,
  values: Float64Array,
  o: { readonly factor: number; readonly maxNorm: number; readonly below: number; readonly for: number },
): GradientAnalysis {
  // Explosion: value above factor × EMA (α = 0.1, as entrenar's ENT-066 Andon) after 10 finite values, or above maxNorm.
  let ema = 0
  let seen = 0
  let explosion: { step: number; value: number; ratio: number; count: number } | undefined
  let count = 0
  let run = 0
  let runStart = 0
  let runMax = 0
  let vanishing: GradientAnalysis['vanishing']
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (!Number.isFinite(v)) {
      run = 0
      continue
    }
    const a = Math.abs(v)
    const ratio = seen > 0 && ema > 0 ? a / ema : 0
    if ((seen >= 10 && ratio > o.factor) || a > o.maxNorm) {
      count++
      explosion ??= { step: steps[i]!, value: v, ratio, count: 0 }
    }
    ema = seen === 0 ? a : 0.9 * ema + 0.1 * a
    seen++
    if (a < o.below) {
      if (run === 0) {
        runStart = i
        runMax = a
      }
      run++
      if (a > runMax) runMax = a
      if (run >= o.for && vanishing === undefined) vanishing = { fromStep: steps[runStart]!, toStep: steps[i]!, points: run, maxValue: runMax }
      else if (vanishing !== undefined && vanishing.fromStep === steps[runStart]) vanishing = { fromStep: vanishing.fromStep, toStep: steps[i]!, points: run, maxValue: runMax }
    } else run = 0
  }
  return { metric, ...(explosion ? { explosion: { ...explosion, count } } : {}), ...(vanishing ? { vanishing } : {}) }
}
