/**
 * The bridge into prom-client (an optional peer): each family becomes an object with the shape
 * prom-client's `Registry` reads (`name`, `help`, `type`, `aggregator`, `get()`), so this module
 * never imports prom-client itself. Values are read at scrape time; nothing is copied on write.
 */
import type { ExportedSample } from '@entrenar/core'
import type { Family } from './families.js'

/** One value as prom-client's `MetricObject.values` holds it. */
export interface PromClientValue {
  /** The sample value. */
  readonly value: number
  /** Label values of the sample. */
  readonly labels: Readonly<Record<string, string | number>>
  /** Name of the sample when it differs from the family (`_bucket`, `_sum`, `_count` of a histogram). */
  readonly metricName?: string
}

/** A metric as prom-client's `Registry.registerMetric` expects it (structural: prom-client 15). */
export interface PromClientMetric {
  /** Family name, as prom-client registers it. */
  name: string
  /** `# HELP` text. */
  readonly help: string
  /** prom-client metric type. */
  readonly type: 'gauge' | 'counter' | 'histogram'
  /** How prom-client's cluster mode aggregates it. */
  readonly aggregator: 'sum' | 'omit'
  /** The family's current samples, in prom-client's `get()` shape. */
  get(): Promise<{
    /** Family name. */
    name: string
    /** `# HELP` text. */
    help: string
    /** Metric type. */
    type: string
    /** Cluster aggregation. */
    aggregator: string
    /** The samples. */
    values: PromClientValue[]
  }>
  /** prom-client's reset; a no-op here (the values are the exporter's). */
  reset(): void
}

/**
 * The part of prom-client's `Registry` the bridge uses. The parameter is typed `never` because
 * prom-client declares it as its own metric classes; the bridge passes a {@link PromClientMetric},
 * which is what the registry reads at run time.
 */
export interface PromClientRegistry {
  /** prom-client's `Registry.registerMetric`. */
  registerMetric(metric: never): void
}

/** Wraps a family as a prom-client metric. */
export function promClientMetric(family: Family): PromClientMetric {
  const metric: PromClientMetric = {
    name: family.name,
    help: family.help,
    type: family.type,
    aggregator: family.type === 'gauge' ? 'omit' : 'sum',
    async get() {
      const samples: ExportedSample[] = []
      family.collect(samples)
      const values: PromClientValue[] = samples.map((s) => (family.type === 'histogram' ? { value: s.value, labels: s.labels, metricName: s.name } : { value: s.value, labels: s.labels }))
      // prom-client renames counters (drops `_total`) for OpenMetrics registries: report the name it set.
      return { name: metric.name, help: family.help, type: family.type, aggregator: metric.aggregator, values }
    },
    // The exporter owns the values (they mirror the training run); a registry reset leaves them.
    reset() {},
  }
  return metric
}
