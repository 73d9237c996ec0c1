/**
 * @entrenar/drift: streaming change detectors, batch drift tests, Isolation Forest and detector evaluation.
 * Runs in browsers too: no Node built-ins anywhere in src/.
 *
 * @module @entrenar/drift
 */
export { type IsolationForest, type IsolationForestOptions, isolationForest } from './anomaly/isolation-forest.js'
export { type AdwinDetector, type AdwinOptions, adwin } from './detectors/adwin.js'
export { type DdmDetector, type DdmOptions, ddm } from './detectors/ddm.js'
export { type EddmOptions, eddm } from './detectors/eddm.js'
export { type HddmAOptions, hddmA } from './detectors/hddm-a.js'
export { type KswinDetector, type KswinOptions, kswin } from './detectors/kswin.js'
export { type BatchDetector, SIGNAL_CODES } from './detectors/batch.js'
export { DETECTOR_KINDS, type DetectorKind, type DetectorSpec, detectorFromSpec } from './detectors/spec.js'
export { type PageHinkleyDetector, type PageHinkleyMode, type PageHinkleyOptions, pageHinkley } from './detectors/page-hinkley.js'
export { type ZScoreWindowDetector, type ZScoreWindowOptions, zScoreWindow } from './detectors/z-score-window.js'
export { type DetectorReport, type EvaluateOptions, evaluateAlarms, evaluateDetector, type KnownDrift } from './evaluate/evaluate.js'
export { binCounts, type ChiSquareResult, chiSquareTest } from './stats/chi-square.js'
export { type KsResult, ksTest } from './stats/ks.js'
export { type PerformanceDriftOptions, type PerformanceDriftResult, performanceDrift } from './stats/performance.js'
export { type PsiBand, type PsiOptions, type PsiResult, psi, psiBand } from './stats/psi.js'
// The distribution functions live in `@entrenar/core/stats`; re-exported here for compatibility.
export { chiSquareSurvival, kolmogorovSurvival, ksExactSurvival, normalSurvival, studentTSurvival } from '@entrenar/core/stats'
export { type FeatureDrift, type FeatureDriftLevel, type FeatureDriftOptions, type FeatureDriftSummary, featureDriftSummary } from './stats/summary.js'
export { wasserstein } from './stats/wasserstein.js'
export { DriftErrorCodes } from './util/errors.js'
export { type Random, seededRandom } from './util/random.js'
