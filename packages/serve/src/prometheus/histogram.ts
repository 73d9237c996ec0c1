import { EntrenarError, type ExportedSample, type ExportFormat, ErrorCodes } from '@entrenar/core'
import { Family, type HistogramSeries, labelSet } from './families.js'
import { sanitizeLabelName, sanitizeMetricName } from './format.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/**
 * Default latency buckets in seconds: realizar's `LatencyHistogram` (1, 2, 5, 10, 25, 50, 100,
 * 250, 500 ms, 1, 2.5, 5, 10, 30, 60 s), which spans one inference to one slow training step.
 */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

/** Anything that renders metrics: an exporter, a histogram. `/metrics` concatenates sources. */
export interface MetricsSource {
  /** Current samples in a stable order. */
  collect(): ExportedSample[]
  /** The families in a text format, without the OpenMetrics `# EOF` trailer. */
  render(format: ExportFormat): string
}

/** Options of {@link createLatencyHistogram}. */
export interface LatencyHistogramOptions {
  /** Family name (sanitised; `_seconds` is appended when missing). Default `entrenar_inference_latency_seconds`. */
  readonly name?: string
  /** `# HELP` text of the family. */
  readonly help?: string
  /** Upper bounds in seconds, strictly increasing. Default {@link DEFAULT_LATENCY_BUCKETS}. */
  readonly buckets?: readonly number[]
  /** Labels on every series (e.g. `{ model: 'v2' }`). */
  readonly labels?: Readonly<Record<string, string>>
}

/** A latency histogram serving code observes into (per label set, e.g. per A/B arm). */
export interface LatencyHistogram extends MetricsSource {
  /** The family name as exported (sanitised, ending in `_seconds`). */
  readonly name: string
  /** Records one latency in seconds. */
  observe(seconds: number, labels?: Readonly<Record<string, string>>): void
  /** Starts a timer; calling the result observes the elapsed seconds and returns them. */
  startTimer(labels?: Readonly<Record<string, string>>): () => number
  /** Observations of one label set. */
  count(labels?: Readonly<Record<string, string>>): number
  /**
   * Quantile estimated from the buckets by linear interpolation inside the bucket, as PromQL's
   * `histogram_quantile` does; NaN when empty, the last finite bound when it falls in `+Inf`.
   */
  quantile(q: number, labels?: Readonly<Record<string, string>>): number
}

/** Checks histogram bounds: finite, strictly increasing, at least one. */
export function checkBuckets(buckets: readonly number[], prefix: string): void {
  if (buckets.length === 0) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${prefix}: a histogram needs at least 1 bucket, got 0`)
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i]!
    if (!Number.isFinite(b) || (i > 0 && !(b > buckets[i - 1]!))) {
      throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${prefix}: bucket ${i} (${b}) must be finite and above bucket ${i - 1} (${buckets[i - 1]})`)
    }
  }
}

/** Quantile of a histogram series (PromQL `histogram_quantile` semantics). */
export function histogramQuantile(s: HistogramSeries | undefined, bounds: readonly number[], q: number): number {
  if (!s || s.count === 0 || !(q >= 0 && q <= 1)) return Number.NaN
  const rank = q * s.count
  let cum = 0
  for (let i = 0; i < s.counts.length; i++) {
    const c = s.counts[i]!
    if (cum + c >= rank && c > 0) {
      if (i === bounds.length) return bounds[bounds.length - 1]!
      const lo = i === 0 ? Math.min(0, bounds[0]!) : bounds[i - 1]!
      return lo + (bounds[i]! - lo) * ((rank - cum) / c)
    }
    cum += c
  }
  return bounds[bounds.length - 1]!
}

/**
 * Creates a latency histogram (an inference-latency histogram for serving, or any duration).
 *
 * @example
 * ```ts
 * const latency = createLatencyHistogram({ name: 'inference_latency_seconds', labels: { model: 'v2' } })
 * const done = latency.startTimer({ arm: split.assign(requestId) }); await predict(x); done()
 * exporter.register(latency) // appears in /metrics
 * ```
 */
export function createLatencyHistogram(options: LatencyHistogramOptions = {}): LatencyHistogram {
  checkOptions('entrenar/serve: createLatencyHistogram', options, CREATE_LATENCY_HISTOGRAM_OPTIONS)
  const buckets = options.buckets ?? DEFAULT_LATENCY_BUCKETS
  checkBuckets(buckets, 'entrenar/serve')
  let name = sanitizeMetricName(options.name ?? 'entrenar_inference_latency_seconds')
  if (!name.endsWith('_seconds')) name += '_seconds'
  const family = new Family(name, options.help ?? 'Latency in seconds', 'histogram', { unit: 'seconds', bounds: buckets })
  const base = options.labels ?? {}
  const cache = new Map<string, HistogramSeries>()
  const seriesOf = (labels: Readonly<Record<string, string>> | undefined): HistogramSeries => {
    const key = labels ? JSON.stringify(labels) : ''
    let s = cache.get(key)
    if (!s) {
      const all: Record<string, string> = {}
      for (const [k, v] of Object.entries(base)) all[sanitizeLabelName(k)] = v
      for (const [k, v] of Object.entries(labels ?? {})) all[sanitizeLabelName(k)] = v
      s = family.histogram(labelSet(all))
      cache.set(key, s)
    }
    return s
  }
  return {
    name,
    observe: (seconds, labels) => seriesOf(labels).observe(seconds),
    startTimer(labels) {
      const s = seriesOf(labels)
      const t0 = performance.now()
      return () => {
        const dt = (performance.now() - t0) / 1000
        s.observe(dt)
        return dt
      }
    },
    count: (labels) => cache.get(labels ? JSON.stringify(labels) : '')?.count ?? 0,
    quantile: (q, labels) => histogramQuantile(cache.get(labels ? JSON.stringify(labels) : ''), buckets, q),
    collect() {
      const out: ExportedSample[] = []
      family.collect(out)
      return out
    },
    render: (format) => family.render(format),
  }
}

/** The option names createLatencyHistogram accepts (unknown ones are errors). */
const CREATE_LATENCY_HISTOGRAM_OPTIONS = optionKeys<NonNullable<Parameters<typeof createLatencyHistogram>[0]>>({ name: true, help: true, buckets: true, labels: true })
