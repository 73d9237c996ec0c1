/**
 * `@entrenar/serve`: Prometheus/OpenMetrics and OTLP export of training metrics, A/B comparison with
 * significance tests, and one HTTP server for every contract (plus `/metrics` and an ingest endpoint).
 *
 * @module @entrenar/serve
 */
export { createPrometheusExporter, type PrometheusExporter, type PrometheusExporterOptions } from './prometheus/exporter.js'
export { CONTENT_TYPES, escapeLabelValue, formatValue, sanitizeLabelName, sanitizeMetricName } from './prometheus/format.js'
export {
  createLatencyHistogram,
  DEFAULT_LATENCY_BUCKETS,
  type LatencyHistogram,
  type LatencyHistogramOptions,
  type MetricsSource,
} from './prometheus/histogram.js'
export type { PromClientMetric, PromClientRegistry, PromClientValue } from './prometheus/prom-client-bridge.js'
export { type AbTestOptions, type AbTestResult, type ArmData, type ArmSummary, abTest, type ProportionArm, TOO_FEW_SAMPLES } from './ab/ab-test.js'
export { type CompareRunsOptions, type CompareRunsResult, compareRuns } from './ab/compare-runs.js'
// The distribution functions live in `@entrenar/core/stats`; re-exported under their earlier names for compatibility.
export { chiSquareSurvival as chiSquareSf, normalCdf, normalQuantile, studentTCdf, studentTQuantile } from '@entrenar/core/stats'
export { type AbSplit, type AbSplitOptions, abSplit, hashId } from './ab/split.js'
export { SRM_THRESHOLD, type SrmResult, srmCheck } from './ab/srm.js'
export { BUSY, type BoundedStore, boundedStore, type QueueStats } from './server/bounded-store.js'
export { createServeHandler, type Mount, mount, negotiateFormat, type RunStop, type RunStops, type ServeHandler, type ServeHandlerOptions } from './server/handler.js'
export { type IngestRequest, parseIngest, parseLenientJson } from './server/ingest.js'
export { type ExperimentLog, isTrackingPath, memoryExperimentLog, type TrackedExperiment, type TrackingOptions, trackingHandler } from './server/tracking.js'
export { fileExperimentLog } from './server/tracking-file.js'
export { type EntrenarServer, isLoopback, type StartServerOptions, startServer } from './server/start.js'
export { createOtlpExporter, type OtlpExporter, type OtlpExporterOptions, PEER_MISSING } from './otlp/exporter.js'
export { type CompareCurvesOptions, type CurveComparison, compareCurves } from './ab/compare-curves.js'
export { type AlertRulesOptions, alertRules } from './prometheus/rules.js'
