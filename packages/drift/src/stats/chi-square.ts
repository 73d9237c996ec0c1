import { EntrenarError, ErrorCodes } from '@entrenar/core'
import { chiSquareSurvival } from '@entrenar/core/stats'
import { insufficient } from '../util/errors.js'

/** Result of {@link chiSquareTest}. */
export interface ChiSquareResult {
  /** Pearson's χ² over the 2 × k contingency table. */
  readonly statistic: number
  /** Upper-tail p-value of the statistic under χ²(degreesOfFreedom): small means the two distributions differ. */
  readonly pValue: number
  /** k − 1, counting only categories seen on either side. */
  readonly degreesOfFreedom: number
}

/**
 * Pearson's χ² test of homogeneity (Pearson 1900) between the category counts of a reference and a
 * current sample: expected counts from the pooled proportions, df = k − 1 over categories seen on
 * either side. Counts must be finite and ≥ 0, and of equal length (one entry per category).
 *
 * @example
 * ```ts
 * chiSquareTest([50, 50], [30, 70]).pValue // χ² = 8.33, df 1, p ≈ 0.0039
 * ```
 */
export function chiSquareTest(referenceCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): ChiSquareResult {
  if (referenceCounts.length !== currentCounts.length) {
    throw new EntrenarError(ErrorCodes.INVALID_VALUE, `entrenar/drift: chiSquareTest needs one count per category on both sides, got ${referenceCounts.length} and ${currentCounts.length}`)
  }
  let nr = 0
  let nc = 0
  for (let i = 0; i < referenceCounts.length; i++) {
    const r = referenceCounts[i]!
    const c = currentCounts[i]!
    if (!(r >= 0 && c >= 0 && Number.isFinite(r) && Number.isFinite(c))) {
      throw new EntrenarError(ErrorCodes.INVALID_VALUE, `entrenar/drift: chiSquareTest count ${i} is ${r} / ${c}; counts must be finite and ≥ 0`)
    }
    nr += r
    nc += c
  }
  if (nr <= 0) throw insufficient('chiSquareTest reference', nr, 1)
  if (nc <= 0) throw insufficient('chiSquareTest current', nc, 1)
  const total = nr + nc
  let statistic = 0
  let k = 0
  for (let i = 0; i < referenceCounts.length; i++) {
    const r = referenceCounts[i]!
    const c = currentCounts[i]!
    const col = r + c
    if (col === 0) continue
    k++
    const er = (col * nr) / total
    const ec = (col * nc) / total
    statistic += ((r - er) * (r - er)) / er + ((c - ec) * (c - ec)) / ec
  }
  const degreesOfFreedom = Math.max(0, k - 1)
  const pValue = degreesOfFreedom === 0 ? 1 : chiSquareSurvival(statistic, degreesOfFreedom)
  return { statistic, pValue, degreesOfFreedom }
}

/** Counts per bin: bin i holds values in (edges[i−1], edges[i]], with −∞/+∞ outer edges (k − 1 inner edges → k bins). NaN/±Inf are skipped. */
export function binCounts(values: ArrayLike<number>, innerEdges: ArrayLike<number>): Float64Array {
  const counts = new Float64Array(innerEdges.length + 1)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (!Number.isFinite(v)) continue
    // Binary search: number of inner edges strictly below v.
    let lo = 0
    let hi = innerEdges.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (innerEdges[mid]! < v) lo = mid + 1
      else hi = mid
    }
    counts[lo]!++
  }
  return counts
}
