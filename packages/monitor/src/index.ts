/**
 * `@entrenar/monitor`: the collector (Welford mean and variance, NaN/±Inf counts, DDSketch quantiles)
 * and the `Monitor` pipeline that a training loop logs into: statistics, detectors, the Andon's stop
 * decision, the store and the dashboards, plus the Hansei post-mortem report.
 *
 * @module @entrenar/monitor
 */
export { type MetricStats, MetricsCollector } from './collector/collector.js'
export { DDSketch, type DDSketchOptions, MIN_INDEXABLE } from './collector/ddsketch.js'
export { Welford } from './collector/welford.js'
export type { BoundMetrics, BoundMetricsOptions } from './pipeline/bound.js'
export { createMonitor, type LogMeta, type Monitor, type MonitorBacklog, type MonitorOptions, type MonitorSummary } from './pipeline/monitor.js'
export type { SystemMetricsOptions, SystemSampler } from './system/sampler.js'
export { type AnalyzeOptions, analyzeRun, type Checkpoint, type Finding, type GradientAnalysis, type HanseiChart, type HanseiHtmlOptions, type HanseiReport, hanseiCharts, inferDirection, isGradientMetric, leastSquares, type MannKendall, type MetricAnalysis, type MetricDirection, mannKendall, renderHanseiHtml, renderHanseiJson, renderHanseiMarkdown, type StepValue, type TimelineEntry, type Trend } from './hansei/index.js'
