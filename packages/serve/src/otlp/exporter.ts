/**
 * OTLP/HTTP export of the same metrics the Prometheus exporter renders. The OpenTelemetry
 * packages are optional peers, imported dynamically so that `@entrenar/serve` works without them.
 */
import { type Alert, EntrenarError, ErrorCodes, type ExportedSample, type ExportFormat, type MetricsExporter, type RecordBatch, type RunInfo } from '@entrenar/core'
import { PromExporter } from '../prometheus/exporter.js'
import { DEFAULT_LATENCY_BUCKETS } from '../prometheus/histogram.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Error code: an optional peer dependency is not installed. */
export const PEER_MISSING = 'ENTRENAR_SERVE_PEER_MISSING'

/** Options of {@link createOtlpExporter}. */
export interface OtlpExporterOptions {
  /**
   * OTLP/HTTP endpoint. A base URL (`http://collector:4318`) gets `/v1/metrics` appended; a URL
   * with a path is used as it is.
   */
  readonly url: string
  /** Extra HTTP headers (e.g. `{ authorization: 'Bearer …' }`). */
  readonly headers?: Readonly<Record<string, string>>
  /** Push interval in milliseconds. Default 10 000 (the OpenTelemetry SDK's `OTEL_METRIC_EXPORT_INTERVAL` is 60 000; training runs want fresher data). */
  readonly intervalMs?: number
  /** Timeout of one push in milliseconds. Default 5 000. */
  readonly timeoutMs?: number
  /** `service.name` resource attribute. Default `entrenar`. */
  readonly serviceName?: string
  /** Metric-name prefix, as for the Prometheus exporter. Default `entrenar`. */
  readonly prefix?: string
  /** Attributes on every data point (the Prometheus exporter's constant labels). */
  readonly labels?: Readonly<Record<string, string>>
  /** Bounds in seconds of the step-latency histogram. Default realizar's latency buckets. */
  readonly stepBuckets?: readonly number[]
  /** Where failed periodic pushes are reported (never thrown into the training loop). */
  readonly onError?: (error: unknown) => void
}

/** An OTLP exporter: a sink whose metrics are pushed periodically (and on `flush`). */
export interface OtlpExporter extends MetricsExporter {
  /** The resolved OTLP endpoint. */
  readonly url: string
  /** Counts an alert or incident (`<prefix>_alerts` counter). */
  observeIncident(incident: Alert): void
  /** Exports a run's metadata (`<prefix>_run_start_timestamp_seconds{run_id, name, status}`). */
  observeRun(run: RunInfo): void
  /** Pushes now; rejects when the receiver did not accept the metrics. */
  forceFlush(): Promise<void>
}

type SdkMetrics = typeof import('@opentelemetry/sdk-metrics')
type OtlpHttp = typeof import('@opentelemetry/exporter-metrics-otlp-http')
type Observable = import('@opentelemetry/api').Observable

async function peer<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (e) {
    throw new EntrenarError(PEER_MISSING, `entrenar/serve: createOtlpExporter needs the optional peer ${name}; install it (npm i ${name})`, { cause: e })
  }
}

function endpoint(url: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch (e) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: OTLP url ${JSON.stringify(url)} is not a URL`, { cause: e })
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: OTLP url ${url} must be http(s)`)
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/v1/metrics'
  return u.toString()
}

/** OTel instrument name of a Prometheus sample family: counters drop `_total` (the OTLP→Prometheus conversion adds it back). */
function instrumentName(sample: ExportedSample): string {
  return sample.type === 'counter' ? sample.name.replace(/_total$/, '') : sample.name
}

/**
 * Creates an exporter that pushes the training metrics over OTLP/HTTP (JSON) with the
 * OpenTelemetry SDK: every gauge of the Prometheus exporter becomes an observable gauge, every
 * counter an observable (monotonic, cumulative) counter, the step latency a histogram with the
 * same buckets. Needs the optional peers `@opentelemetry/api`, `@opentelemetry/sdk-metrics` 2.x and
 * `@opentelemetry/exporter-metrics-otlp-http` 0.2xx (a coded `ENTRENAR_SERVE_PEER_MISSING` otherwise).
 *
 * @example
 * ```ts
 * const otlp = await createOtlpExporter({ url: 'http://127.0.0.1:4318', intervalMs: 5000 })
 * const monitor = await createMonitor({ runId: 'r1', sinks: [otlp] })
 * ```
 */
export async function createOtlpExporter(options: OtlpExporterOptions): Promise<OtlpExporter> {
  checkOptions('entrenar/serve: createOtlpExporter', options, CREATE_OTLP_EXPORTER_OPTIONS)
  const url = endpoint(options.url)
  const intervalMs = options.intervalMs ?? 10_000
  const timeoutMs = options.timeoutMs ?? 5_000
  if (!(intervalMs > 0) || !(timeoutMs > 0) || timeoutMs > intervalMs) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: OTLP intervalMs ${intervalMs} and timeoutMs ${timeoutMs} must be positive with timeoutMs <= intervalMs`)
  }
  const sdk: SdkMetrics = await peer('@opentelemetry/sdk-metrics', () => import('@opentelemetry/sdk-metrics'))
  const otlp: OtlpHttp = await peer('@opentelemetry/exporter-metrics-otlp-http', () => import('@opentelemetry/exporter-metrics-otlp-http'))
  // The resource is optional: @opentelemetry/resources comes with sdk-metrics but is not a declared peer.
  const resources = await import('@opentelemetry/resources').catch(() => undefined)

  const inner = new otlp.OTLPMetricExporter({
    url,
    headers: { ...(options.headers ?? {}) },
    timeoutMillis: timeoutMs,
    temporalityPreference: otlp.AggregationTemporalityPreference.CUMULATIVE,
  })
  const onError = options.onError
  let failure: unknown = null
  // Report failed periodic pushes (the SDK only logs them) without changing what is exported.
  const reporting: import('@opentelemetry/sdk-metrics').PushMetricExporter = {
    export(metrics, done) {
      inner.export(metrics, (result) => {
        if (result.code !== 0) {
          failure = result.error ?? new Error('OTLP export failed')
          onError?.(failure)
        }
        done(result)
      })
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
    selectAggregationTemporality: (kind) => inner.selectAggregationTemporality(kind),
    selectAggregation: (kind) => inner.selectAggregation(kind),
  }
  const reader = new sdk.PeriodicExportingMetricReader({ exporter: reporting, exportIntervalMillis: intervalMs, exportTimeoutMillis: timeoutMs })
  const provider = new sdk.MeterProvider({
    readers: [reader],
    ...(resources ? { resource: resources.resourceFromAttributes({ 'service.name': options.serviceName ?? 'entrenar' }) } : {}),
  })
  const meter = provider.getMeter('@entrenar/serve')
  const buckets = options.stepBuckets ?? DEFAULT_LATENCY_BUCKETS
  const prefix = options.prefix ?? 'entrenar'

  let latency: import('@opentelemetry/api').Histogram | undefined
  const model = new PromExporter(
    { prefix, ...(options.labels ? { labels: options.labels } : {}), stepBuckets: buckets },
    {
      onStepLatency(labels, seconds) {
        latency ??= meter.createHistogram(`${model.prefix}_step_duration_seconds`, {
          description: 'Wall time per training step, seconds',
          unit: 's',
          advice: { explicitBucketBoundaries: [...buckets] },
        })
        latency.record(seconds, labels)
      },
    },
  )

  // One batch callback observes every gauge and counter from a single collect() per push.
  const instruments = new Map<string, Observable>()
  let registered: Observable[] = []
  const observe: import('@opentelemetry/api').BatchObservableCallback = (result) => {
    for (const s of model.collect()) {
      if (s.type === 'histogram') continue
      // OTLP/JSON cannot carry NaN or ±Inf: the SDK's serializer writes null, which a receiver reads as 0,
      // turning a diverged loss into a perfect one. Such a gauge sends no point (a gap) and is counted in
      // `<prefix>_non_finite` instead.
      if (!Number.isFinite(s.value)) continue
      const inst = instruments.get(instrumentName(s))
      if (inst) result.observe(inst, s.value, s.labels)
    }
  }
  const sync = () => {
    let added = false
    for (const s of model.collect()) {
      if (s.type === 'histogram') continue
      const name = instrumentName(s)
      if (instruments.has(name)) continue
      const unit = name.endsWith('_seconds') ? 's' : undefined
      const opts = { description: s.help, ...(unit ? { unit } : {}) }
      instruments.set(name, s.type === 'counter' ? meter.createObservableCounter(name, opts) : meter.createObservableGauge(name, opts))
      added = true
    }
    if (added) {
      if (registered.length > 0) meter.removeBatchObservableCallback(observe, registered)
      registered = [...instruments.values()]
      meter.addBatchObservableCallback(observe, registered)
    }
  }

  let closed = false
  const exporter: OtlpExporter = {
    url,
    async write(batch: RecordBatch) {
      await model.write(batch)
      sync()
    },
    observeIncident(incident) {
      model.observeIncident(incident)
      sync()
    },
    observeRun(run) {
      model.observeRun(run)
      sync()
    },
    collect: () => model.collect(),
    render: (format: ExportFormat) => model.render(format),
    async forceFlush() {
      // The SDK resolves forceFlush even when the receiver refused the push: the wrapper saw the result.
      failure = null
      try {
        await provider.forceFlush()
      } catch (e) {
        failure = e
      }
      if (failure !== null) {
        const e = failure
        failure = null
        throw new EntrenarError(ErrorCodes.SINK_FAILED, `entrenar/serve: OTLP push to ${url} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
      }
    },
    flush: () => exporter.forceFlush(),
    async close() {
      if (closed) return
      closed = true
      await model.close()
      await provider.shutdown()
    },
  }
  return exporter
}

/** The option names createOtlpExporter accepts (unknown ones are errors). */
const CREATE_OTLP_EXPORTER_OPTIONS = optionKeys<NonNullable<Parameters<typeof createOtlpExporter>[0]>>({ url: true, headers: true, intervalMs: true, timeoutMs: true, serviceName: true, prefix: true, labels: true, stepBuckets: true, onError: true })
