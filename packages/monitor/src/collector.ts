/**
 * Browser-safe entry `@entrenar/monitor/collector`: the running statistics without the pipeline —
 * {@link MetricsCollector} (per-metric Welford mean/variance, min/max/sum, NaN/±Inf counts, DDSketch
 * quantiles), {@link DDSketch} and {@link Welford}. Its module graph imports only `@entrenar/core` and
 * itself (no `node:` module, no Node global), so a web dashboard or a worker can bundle it.
 *
 * @module @entrenar/monitor/collector
 */
export { type MetricStats, MetricsCollector } from './collector/collector.js'
export { DDSketch, type DDSketchOptions, MIN_INDEXABLE } from './collector/ddsketch.js'
export { Welford } from './collector/welford.js'
