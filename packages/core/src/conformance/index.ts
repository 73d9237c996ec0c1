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
