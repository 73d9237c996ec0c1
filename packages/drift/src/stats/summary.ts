import { checkNumber } from '../util/errors.js'
import { type KsResult, ksTest } from './ks.js'
import { type PsiBand, psi } from './psi.js'
import { wasserstein } from './wasserstein.js'

/** Drift level of a feature: `none`, `warning` or `critical` (paiml/entrenar's DriftSeverity). */
export type FeatureDriftLevel = 'none' | 'warning' | 'critical'

/** One feature's tests. */
export interface FeatureDrift {
  /** The feature (column) name. */
  readonly feature: string
  /** Two-sample Kolmogorov–Smirnov test, reference vs current. */
  readonly ks: KsResult
  /** Population stability index over baseline-quantile bins. */
  readonly psi: number
  /** The conventional band of `psi`. */
  readonly psiBand: PsiBand
  /** Wasserstein-1 (earth mover's) distance between the two samples, in the feature's units. */
  readonly wasserstein: number
  /** `critical` when KS p < α or PSI is significant; `warning` when KS p < α/0.8 or PSI is moderate; else `none`. */
  readonly level: FeatureDriftLevel
}

/** Result of {@link featureDriftSummary}. */
export interface FeatureDriftSummary {
  /** One result per feature, in input order. */
  readonly features: readonly FeatureDrift[]
  /** Features compared. */
  readonly total: number
  /** Features at `critical`. */
  readonly drifted: number
  /** Features at `warning`. */
  readonly warnings: number
  /** drifted / total. */
  readonly driftShare: number
}

/** Options of {@link featureDriftSummary}. */
export interface FeatureDriftOptions {
  /** KS significance: critical when p < α, warning when p < α / 0.8 (paiml/entrenar's warning multiplier). Default 0.05. */
  readonly alpha?: number
  /** PSI bins. Default 10. */
  readonly bins?: number
}

/**
 * Per-feature drift of multivariate data given as columns (`{ feature: values }`, as a RecordBatch
 * holds them): KS with p-value, PSI with its bands and Wasserstein-1 per feature. A feature is
 * `critical` when KS p < α or PSI ≥ 0.25, `warning` when p < α/0.8 or PSI ≥ 0.1. Features present on
 * one side only are skipped.
 *
 * @example
 * ```ts
 * const s = featureDriftSummary({ age: refAge, income: refIncome }, { age: curAge, income: curIncome })
 * s.features.filter((f) => f.level === 'critical').map((f) => f.feature)
 * ```
 */
export function featureDriftSummary(
  reference: Readonly<Record<string, ArrayLike<number>>>,
  current: Readonly<Record<string, ArrayLike<number>>>,
  options: FeatureDriftOptions = {},
): FeatureDriftSummary {
  const alpha = checkNumber('alpha', options.alpha ?? 0.05, 0, 1, { openLo: true, openHi: true })
  const features: FeatureDrift[] = []
  for (const name of Object.keys(reference).sort()) {
    const cur = current[name]
    if (cur === undefined) continue
    const ref = reference[name]!
    const ks = ksTest(ref, cur)
    const p = psi(ref, cur, options.bins === undefined ? {} : { bins: options.bins })
    const level: FeatureDriftLevel = ks.pValue < alpha || p.band === 'significant' ? 'critical' : ks.pValue < alpha / 0.8 || p.band === 'moderate' ? 'warning' : 'none'
    features.push({ feature: name, ks, psi: p.psi, psiBand: p.band, wasserstein: wasserstein(ref, cur), level })
  }
  const drifted = features.filter((f) => f.level === 'critical').length
  const warnings = features.filter((f) => f.level === 'warning').length
  return { features, total: features.length, drifted, warnings, driftShare: features.length ? drifted / features.length : 0 }
}
