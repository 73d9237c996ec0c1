import type { MetricSink } from './sink.js'

/** Text formats an exporter renders. */
export type ExportFormat = 'prometheus' | 'openmetrics'

/** One exported sample: a metric family, its labels and value. */
export interface ExportedSample {
  /** Metric family name in the exporter's naming (e.g. `entrenar_loss`). */
  readonly name: string
  /** OpenMetrics type of the family. */
  readonly type: 'gauge' | 'counter' | 'histogram'
  /** `# HELP` text. */
  readonly help: string
  /** Label values (`run_id`, tags …). */
  readonly labels: Readonly<Record<string, string>>
  /** The sample value (NaN and ±Inf are exported as such). */
  readonly value: number
}

/**
 * Turns the monitor's batches into metrics for the tools teams run (Prometheus, OTLP).
 * It is a sink (it receives batches) plus `collect`/`render`.
 */
export interface MetricsExporter extends MetricSink {
  /** Current samples in a stable order. */
  collect(): ExportedSample[]
  /** The samples in a text exposition format. */
  render(format: ExportFormat): string
}
