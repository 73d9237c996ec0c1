import { EntrenarError, ErrorCodes } from '@entrenar/core'
import { chiSquareSurvival } from '@entrenar/core/stats'

/**
 * Threshold below which a sample-ratio-mismatch p-value flags the experiment as broken: Kohavi,
 * Tang & Xu, "Trustworthy Online Controlled Experiments" (2020), ch. 21, use p < 0.001 (the
 * SRM test runs on every experiment, so it must rarely fire by chance).
 */
export const SRM_THRESHOLD = 0.001

/** Result of a sample-ratio-mismatch check (Pearson's χ² goodness-of-fit test). */
export interface SrmResult {
  /** Units observed per arm. */
  readonly observed: readonly number[]
  /** Units expected per arm under the designed split. */
  readonly expected: readonly number[]
  /** Pearson's χ² of observed against expected counts. */
  readonly chiSquare: number
  /** Degrees of freedom: arms − 1. */
  readonly df: number
  /** Upper-tail p-value of `chiSquare` under χ²(df). */
  readonly pValue: number
  /** True when `pValue < threshold`: the split is not what was designed; do not trust the comparison. */
  readonly mismatch: boolean
  /** The p-value below which a mismatch is declared. */
  readonly threshold: number
}

/**
 * Sample-ratio-mismatch check (Kohavi et al. 2020, ch. 21; Fabijan et al., KDD 2019): Pearson's χ²
 * of the observed unit counts per arm against the designed ratios, df = arms − 1.
 *
 * @param counts units per arm (non-negative integers)
 * @param ratios designed share of each arm (positive, normalised here)
 */
export function srmCheck(counts: readonly number[], ratios: readonly number[], threshold = SRM_THRESHOLD): SrmResult {
  if (counts.length < 2 || counts.length !== ratios.length) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: SRM needs ≥ 2 arms with one ratio each, got ${counts.length} counts and ${ratios.length} ratios`)
  }
  for (const c of counts) {
    if (!Number.isInteger(c) || c < 0) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: SRM count ${c} is not a non-negative integer`)
  }
  const rsum = ratios.reduce((s, r) => s + r, 0)
  if (!ratios.every((r) => r > 0 && Number.isFinite(r))) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: SRM ratios ${ratios.join(', ')} must be positive`)
  const n = counts.reduce((s, c) => s + c, 0)
  const expected = ratios.map((r) => (n * r) / rsum)
  let chi = 0
  if (n > 0) for (let i = 0; i < counts.length; i++) chi += (counts[i]! - expected[i]!) ** 2 / expected[i]!
  const df = counts.length - 1
  const pValue = n > 0 ? chiSquareSurvival(chi, df) : 1
  return { observed: [...counts], expected, chiSquare: chi, df, pValue, mismatch: pValue < threshold, threshold }
}
