/**
 * `@entrenar/core/conformance`: the conformance suites of the contracts. The same cases run against
 * the in-memory, local, remote and Rust implementations; pass any implementation (or a server's URL)
 * to check it against the contract.
 *
 * @module @entrenar/core/conformance
 */
export {
  type CaseContext,
  type ConformanceCase,
  ConformanceError,
  type ConformanceOptions,
  type ConformanceSuite,
  check,
  close,
  rejectsWith,
  runConformance,
  sameFloats,
  type TestApi,
} from './harness.js'
export { metricSinkSuite, metricStoreSuite } from './store.js'
export { alertPolicySuite } from './alert-policy.js'
export { dashboardSuite } from './dashboard.js'
export { lineageGraphSuite } from './lineage.js'
export { type ChangeDetectorSuiteOptions, changeDetectorSuite } from './detector.js'
export { metricsExporterSuite } from './exporter.js'
export { silenceServiceSuite } from './silence.js'
