import { EntrenarError, ErrorCodes, isEntrenarError, type MetricStore } from '@entrenar/core'
import { abTest } from './ab-test.js'

/** Options of {@link compareCurves}. */
export interface CompareCurvesOptions {
  /** Width of the step buckets the runs are aligned on (each run contributes its mean per bucket). Default 1. */
  readonly bucketSize?: number
  /** Significance level of the pointwise intervals. Default 0.05. */
  readonly alpha?: number
  /** Only rows with `lo <= step <= hi`. */
  readonly steps?: readonly [number, number]
  /** Only rows whose tags contain these. */
  readonly tags?: Readonly<Record<string, string>>
}

/** Difference of two groups of runs along the step axis, columnar (one entry per bucket). */
export interface CurveComparison {
  /** The metric compared. */
  readonly metric: string
  /** Bucket start (step). */
  readonly x: Float64Array
  /** Mean over the runs of each arm (NaN when an arm has no finite value in the bucket). */
  readonly meanA: Float64Array
  /** Mean over the runs of arm `b`, as `meanA`. */
  readonly meanB: Float64Array
  /** meanB − meanA. */
  readonly difference: Float64Array
  /** Lower end of the pointwise Welch interval of the difference (NaN when an arm has fewer than 2 finite runs). */
  readonly lo: Float64Array
  /** Upper end of that interval (`lo` is the lower). */
  readonly hi: Float64Array
  /** Pointwise two-sided Welch p-value (not corrected for the number of buckets). */
  readonly pValue: Float64Array
  /** Runs of arm `a` with a finite value, per bucket. */
  readonly nA: Float64Array
  /** Runs of arm `b` with a finite value, as `nA`. */
  readonly nB: Float64Array
}

function mean(xs: readonly number[]): number {
  let s = 0
  let n = 0
  for (const x of xs) {
    if (Number.isFinite(x)) {
      s += x
      n++
    }
  }
  return n > 0 ? s / n : Number.NaN
}

/**
 * Aligns two groups of runs (e.g. seeds) on the step axis and gives, per bucket, the difference
 * of the group means with a pointwise Welch confidence band: the "difference with confidence bands
 * across seeds" view that overlaying curves cannot give. The bands are pointwise (each bucket at
 * level 1 − alpha), not simultaneous: expect about alpha of the buckets outside by chance.
 *
 * @example
 * ```ts
 * const c = await compareCurves(store, seedsA, seedsB, 'val_loss', { bucketSize: 100 })
 * // plot c.x against c.difference with the band [c.lo, c.hi]
 * ```
 */
export async function compareCurves(store: MetricStore, runsA: readonly string[], runsB: readonly string[], metric: string, options: CompareCurvesOptions = {}): Promise<CurveComparison> {
  const size = options.bucketSize ?? 1
  if (!(size > 0)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: bucketSize ${size} must be > 0`)
  const overlap = runsA.filter((r) => runsB.includes(r))
  if (overlap.length > 0) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: runs ${overlap.join(', ')} are in both arms`)
  const result = await store.query({
    runs: [...runsA, ...runsB],
    metrics: [metric],
    bucket: { by: 'step', size },
    aggregate: 'mean',
    ...(options.steps ? { steps: options.steps } : {}),
    ...(options.tags ? { tags: options.tags } : {}),
  })
  const inA = new Set(runsA)
  const buckets = new Map<number, { a: number[]; b: number[] }>()
  for (const s of result.series) {
    if (s.metric !== metric) continue
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i]!
      let e = buckets.get(x)
      if (!e) {
        e = { a: [], b: [] }
        buckets.set(x, e)
      }
      ;(inA.has(s.runId) ? e.a : e.b).push(s.value[i]!)
    }
  }
  const xs = [...buckets.keys()].sort((p, q) => p - q)
  const n = xs.length
  const out = {
    metric,
    x: Float64Array.from(xs),
    meanA: new Float64Array(n),
    meanB: new Float64Array(n),
    difference: new Float64Array(n),
    lo: new Float64Array(n).fill(Number.NaN),
    hi: new Float64Array(n).fill(Number.NaN),
    pValue: new Float64Array(n).fill(Number.NaN),
    nA: new Float64Array(n),
    nB: new Float64Array(n),
  }
  for (let i = 0; i < n; i++) {
    const { a, b } = buckets.get(xs[i]!)!
    out.meanA[i] = mean(a)
    out.meanB[i] = mean(b)
    out.difference[i] = out.meanB[i]! - out.meanA[i]!
    out.nA[i] = a.filter(Number.isFinite).length
    out.nB[i] = b.filter(Number.isFinite).length
    try {
      const t = abTest({ a, b, metric, ...(options.alpha !== undefined ? { alpha: options.alpha } : {}) })
      out.lo[i] = t.ci[0]
      out.hi[i] = t.ci[1]
      out.pValue[i] = t.pValue
    } catch (e) {
      // Fewer than 2 finite runs in an arm: the band is undefined there (NaN), not an error.
      if (!isEntrenarError(e, 'ENTRENAR_SERVE_TOO_FEW_SAMPLES')) throw e
    }
  }
  return out
}
