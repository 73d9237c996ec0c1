import { checkNumber, insufficient } from '../util/errors.js'
import { binCounts } from './chi-square.js'
import { finiteSample, quantileSorted } from './finite.js'

/** Conventional PSI bands: < 0.1 none, 0.1–0.25 moderate, ≥ 0.25 significant (industry convention, not a test). */
export type PsiBand = 'none' | 'moderate' | 'significant'

/** Options of {@link psi}. */
export interface PsiOptions {
  /** Bins cut at the baseline's quantiles. Default 10 (deciles). */
  readonly bins?: number
  /** Added to every bin proportion so an empty bin has a finite log. Default 1e-4 (as paiml/entrenar). */
  readonly epsilon?: number
}

/** Result of {@link psi}. */
export interface PsiResult {
  /** Σ (cur − ref) · ln(cur / ref) over the bins, proportions smoothed by ε. */
  readonly psi: number
  /** The conventional band of `psi`. */
  readonly band: PsiBand
  /** The inner bin edges (baseline quantiles; outer edges are ±∞). */
  readonly edges: Float64Array
  /** Proportions per bin of the reference sample, before smoothing. */
  readonly reference: Float64Array
  /** Proportions per bin of the current sample, before smoothing. */
  readonly current: Float64Array
  /** NaN/±Inf left out, per side. */
  readonly nonFinite: {
    /** In the reference sample. */
    readonly reference: number
    /** In the current sample. */
    readonly current: number
  }
}

/** Band of a PSI value (0.1 / 0.25). */
export function psiBand(value: number): PsiBand {
  return value >= 0.25 ? 'significant' : value >= 0.1 ? 'moderate' : 'none'
}

/**
 * Population Stability Index: Σ (c − r) ln(c / r) over bins cut at the baseline's deciles (type-7
 * quantiles, ±∞ outer edges, right-closed bins), proportions smoothed by ε. Bands 0.1 / 0.25 are the
 * credit-scoring convention (Siddiqi, "Credit Risk Scorecards", 2006), not a significance test.
 *
 * @example
 * ```ts
 * psi(baselineScores, todayScores).band // 'none' | 'moderate' | 'significant'
 * ```
 */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>, options: PsiOptions = {}): PsiResult {
  const bins = checkNumber('bins', options.bins ?? 10, 2, 10_000, { integer: true })
  const eps = checkNumber('epsilon', options.epsilon ?? 1e-4, 0, 1, { openLo: true })
  const a = finiteSample(reference)
  const b = finiteSample(current)
  if (a.values.length < 2) throw insufficient('psi reference', a.values.length, 2)
  if (b.values.length < 1) throw insufficient('psi current', b.values.length, 1)
  const sorted = a.values.slice().sort()
  const edges = new Float64Array(bins - 1)
  for (let i = 1; i < bins; i++) edges[i - 1] = quantileSorted(sorted, i / bins)
  const rc = binCounts(a.values, edges)
  const cc = binCounts(b.values, edges)
  let value = 0
  for (let i = 0; i < bins; i++) {
    rc[i] = rc[i]! / a.values.length
    cc[i] = cc[i]! / b.values.length
    const r = rc[i]! + eps
    const c = cc[i]! + eps
    value += (c - r) * Math.log(c / r)
  }
  return { psi: value, band: psiBand(value), edges, reference: rc, current: cc, nonFinite: { reference: a.nonFinite, current: b.nonFinite } }
}
