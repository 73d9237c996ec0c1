export { type MetricStats, MetricsCollector } from './collector/collector.js'
export { DDSketch, type DDSketchOptions, MIN_INDEXABLE } from './collector/ddsketch.js'
export { createMonitor, type LogMeta, type Monitor, type MonitorOptions, type MonitorSummary } from './pipeline/monitor.js'
