import {
  type Alert,
  EntrenarError,
  ErrorCodes,
  type ExportedSample,
  type ExportFormat,
  type MetricsExporter,
  NULL_INT32,
  type RecordBatch,
  type RunInfo,
  type Tags,
  validateBatch,
} from '@entrenar/core'
import { Family, type HistogramSeries, type LabelSet, labelSet, type ScalarSeries } from './families.js'
import { CONTENT_TYPES, sanitizeLabelName, sanitizeMetricName } from './format.js'
import { checkBuckets, DEFAULT_LATENCY_BUCKETS, type MetricsSource } from './histogram.js'
import { type PromClientRegistry, promClientMetric } from './prom-client-bridge.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Options of {@link createPrometheusExporter}. */
export interface PrometheusExporterOptions {
  /** Prefix of every family name (sanitised). Default `entrenar`. */
  readonly prefix?: string
  /** Constant labels on every series, e.g. `{ job_name: 'llama-7b' }` (names sanitised). */
  readonly labels?: Readonly<Record<string, string>>
  /** Turn point tags into labels (names sanitised; a clash with a reserved label gets a `tag_` prefix). Default true. */
  readonly tagLabels?: boolean
  /** Bounds in seconds of the step-latency histogram. Default {@link DEFAULT_LATENCY_BUCKETS} (realizar's). */
  readonly stepBuckets?: readonly number[]
  /**
   * Most metric series kept (a cardinality guard: every distinct run × metric × tag set is one
   * series). Points of further series are dropped and counted in `<prefix>_exporter_series_dropped_total`. Default 100 000.
   */
  readonly maxSeries?: number
}

/** A Prometheus/OpenMetrics exporter of training metrics (a core {@link MetricsExporter}). */
export interface PrometheusExporter extends MetricsExporter {
  /** The family-name prefix in use. */
  readonly prefix: string
  /** Counts an alert or incident in `<prefix>_alerts_total{level, rule, run_id}` (the Andon's history feeds it). */
  observeIncident(incident: Alert): void
  /**
   * Exports a run's metadata as `<prefix>_run_start_timestamp_seconds{run_id, name, status}` (value: the
   * start time), so dashboards can show names and status; a later call replaces the run's series.
   */
  observeRun(run: RunInfo): void
  /** Adds another source (e.g. an inference-latency histogram) to `render` and `collect`. */
  register(source: MetricsSource): void
  /** Forgets every series of a run (a finished run no longer exported). Returns how many series went. */
  removeRun(runId: string): number
  /** `Content-Type` header for a format. */
  contentType(format: ExportFormat): string
  /**
   * Registers the same families into a prom-client `Registry` (current and future families), so an
   * app that already serves prom-client's `registry.metrics()` exports training metrics too.
   */
  registerWith(registry: PromClientRegistry): void
  /** Points dropped by the `maxSeries` guard. */
  readonly droppedPoints: number
}

const KNOWN_HELP: Readonly<Record<string, string>> = {
  loss: 'Training loss (last value logged)',
  accuracy: 'Accuracy (last value logged)',
  learning_rate: 'Learning rate (last value logged)',
  gradient_norm: 'Global gradient norm (last value logged)',
}

// Base names the exporter uses itself (and the OpenMetrics names of its counters): a metric logged
// under one of them gets a `_value` suffix so two families never share a name.
const RESERVED = new Set([
  'steps',
  'steps_total',
  'points',
  'points_total',
  'alerts',
  'alerts_total',
  'non_finite',
  'non_finite_total',
  'exporter_series_dropped',
  'exporter_series_dropped_total',
  'last_step',
  'last_step_timestamp_seconds',
  'epoch',
  'run_start_timestamp_seconds',
  'step_duration_seconds',
])
// Suffixes Prometheus gives meaning to (counter, histogram, summary, info samples).
const RESERVED_SUFFIX = /_(total|count|sum|bucket|created|info|gcount|gsum)$/
const RESERVED_LABELS = new Set(['run_id', 'metric', 'le', 'level', 'rule', 'kind', 'quantile', 'name', 'status'])

interface RunState {
  readonly runId: string
  readonly labels: Readonly<Record<string, string>>
  lastStep: number
  firstTsUs: number
  lastTsUs: number
  readonly steps: ScalarSeries
  readonly points: ScalarSeries
  readonly lastStepGauge: ScalarSeries
  readonly lastTsGauge: ScalarSeries
  readonly latency: HistogramSeries
  epochGauge: ScalarSeries | undefined
}

/** Internal hooks (the OTLP exporter records step latencies into its own histogram instrument). */
export interface ExporterHooks {
  onStepLatency?(labels: Readonly<Record<string, string>>, seconds: number): void
}

/** The implementation; package-internal (the OTLP exporter builds on it). */
export class PromExporter implements PrometheusExporter {
  readonly prefix: string
  readonly #constLabels: Readonly<Record<string, string>>
  readonly #tagLabels: boolean
  readonly #maxSeries: number
  readonly #families = new Map<string, Family>()
  readonly #origins = new Map<string, string[]>()
  readonly #metricFamily = new Map<string, Family>()
  readonly #runs = new Map<string, RunState>()
  readonly #sources: MetricsSource[] = []
  readonly #registries: PromClientRegistry[] = []
  readonly #steps: Family
  readonly #points: Family
  readonly #lastStep: Family
  readonly #lastTs: Family
  readonly #epoch: Family
  readonly #runInfo: Family
  readonly #runInfoSeries = new Map<string, ScalarSeries>()
  readonly #latency: Family
  readonly #alerts: Family
  readonly #nonFinite: Family
  readonly #dropped: Family
  #sorted: Family[] | null = null
  #metricSeries = 0
  #droppedPoints = 0
  #closed = false
  readonly #hooks: ExporterHooks

  constructor(options: PrometheusExporterOptions, hooks: ExporterHooks = {}) {
    this.#hooks = hooks
    const prefix = sanitizeMetricName(options.prefix ?? 'entrenar')
    this.prefix = prefix
    const constLabels: Record<string, string> = {}
    for (const [k, v] of Object.entries(options.labels ?? {})) {
      if (typeof v !== 'string') throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: label ${JSON.stringify(k)} has a ${typeof v} value; labels are strings`)
      const name = sanitizeLabelName(k)
      if (RESERVED_LABELS.has(name)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: label ${JSON.stringify(k)} is reserved by the exporter`)
      constLabels[name] = v
    }
    this.#constLabels = constLabels
    this.#tagLabels = options.tagLabels ?? true
    this.#maxSeries = options.maxSeries ?? 100_000
    if (!(this.#maxSeries >= 0)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: maxSeries ${this.#maxSeries} must be >= 0`)
    const buckets = options.stepBuckets ?? DEFAULT_LATENCY_BUCKETS
    checkBuckets(buckets, 'entrenar/serve')
    this.#steps = this.#family(`${prefix}_steps_total`, 'Training steps seen (a change of step counts one)', 'counter')
    this.#points = this.#family(`${prefix}_points_total`, 'Points logged (one per metric value)', 'counter')
    this.#lastStep = this.#family(`${prefix}_last_step`, 'Step of the last point logged', 'gauge')
    this.#lastTs = this.#family(
      `${prefix}_last_step_timestamp_seconds`,
      'Wall clock of the last point logged, seconds since the Unix epoch (alert on time() - this for stalls)',
      'gauge',
      { unit: 'seconds' },
    )
    this.#runInfo = this.#family(`${prefix}_run_start_timestamp_seconds`, 'Start of each run, seconds since the Unix epoch, labelled with its name and status', 'gauge', {
      unit: 'seconds',
    })
    this.#epoch = this.#family(`${prefix}_epoch`, 'Epoch of the last point that carried one', 'gauge')
    this.#latency = this.#family(`${prefix}_step_duration_seconds`, 'Wall time per training step, seconds (between the first points of consecutive steps)', 'histogram', {
      unit: 'seconds',
      bounds: buckets,
    })
    this.#alerts = this.#family(`${prefix}_alerts_total`, 'Alerts raised by the Andon, by level and rule', 'counter')
    this.#nonFinite = this.#family(`${prefix}_non_finite_total`, 'NaN and infinite values logged, by metric and kind (nan, inf, -inf)', 'counter')
    this.#dropped = this.#family(`${prefix}_exporter_series_dropped_total`, 'Points dropped because the exporter reached maxSeries', 'counter')
  }

  get droppedPoints(): number {
    return this.#droppedPoints
  }

  #family(name: string, help: string, type: Family['type'], options: { unit?: string; bounds?: readonly number[] } = {}): Family {
    const f = new Family(name, help, type, options)
    this.#families.set(name, f)
    this.#sorted = null
    for (const r of this.#registries) r.registerMetric(promClientMetric(f) as never)
    return f
  }

  #labels(runId: string, extra?: Readonly<Record<string, string>>, tags?: Tags | null): LabelSet {
    const all: Record<string, string> = { ...this.#constLabels }
    if (tags && this.#tagLabels) {
      for (const [k, v] of Object.entries(tags)) {
        let name = sanitizeLabelName(k)
        if (RESERVED_LABELS.has(name) || name in this.#constLabels) name = `tag_${name}`
        all[name] = v
      }
    }
    if (extra) Object.assign(all, extra)
    all.run_id = runId
    return labelSet(all)
  }

  #run(runId: string): RunState {
    let r = this.#runs.get(runId)
    if (!r) {
      const labels = this.#labels(runId)
      const record: Record<string, string> = {}
      for (let i = 0; i < labels.names.length; i++) record[labels.names[i]!] = labels.values[i]!
      r = {
        runId,
        labels: record,
        lastStep: Number.NaN,
        firstTsUs: Number.NaN,
        lastTsUs: Number.NEGATIVE_INFINITY,
        steps: this.#steps.scalar(labels),
        points: this.#points.scalar(labels),
        lastStepGauge: this.#lastStep.scalar(labels),
        lastTsGauge: this.#lastTs.scalar(labels),
        latency: this.#latency.histogram(labels),
        epochGauge: undefined,
      }
      this.#runs.set(runId, r)
    }
    return r
  }

  #metricFamilyOf(metric: string): Family {
    let f = this.#metricFamily.get(metric)
    if (f) return f
    let base = sanitizeMetricName(metric)
    if (RESERVED.has(base) || RESERVED_SUFFIX.test(base)) base += '_value'
    const name = `${this.prefix}_${base}`
    f = this.#families.get(name)
    if (!f) {
      f = this.#family(name, KNOWN_HELP[metric] ?? `Training metric ${JSON.stringify(metric)} (last value logged)`, 'gauge')
      this.#origins.set(name, [metric])
    } else {
      // Two metric names sanitise to one family: a `metric` label with the original name keeps the series apart.
      const origins = this.#origins.get(name)!
      origins.push(metric)
      if (origins.length === 2) {
        const first = origins[0]!
        f.relabel((l) => withLabel(l, 'metric', first))
      }
    }
    this.#metricFamily.set(metric, f)
    return f
  }

  #gauge(runId: string, metric: string, tags: Tags | null): ScalarSeries | null {
    const f = this.#metricFamilyOf(metric)
    const origins = this.#origins.get(f.name)!
    const labels = this.#labels(runId, origins.length > 1 ? { metric } : undefined, tags)
    const before = f.size
    if (this.#metricSeries >= this.#maxSeries) {
      // Existing series still update; only new ones are refused.
      return (f.get(labels) as ScalarSeries | undefined) ?? null
    }
    const s = f.scalar(labels)
    if (f.size > before) this.#metricSeries++
    return s
  }

  async write(batch: RecordBatch): Promise<void> {
    if (this.#closed) throw new EntrenarError(ErrorCodes.CLOSED, 'entrenar/serve: write after close')
    validateBatch(batch, 'entrenar/serve')
    const n = batch.length
    if (n === 0) return
    const run = this.#run(batch.runId)
    const width = batch.tagSets.length + 1
    const cache: (ScalarSeries | null | undefined)[] = new Array(batch.metricNames.length * width)
    const { metric, value, step, timestampUs, tagIndex, epoch } = batch
    let dropped = 0
    let lastEpoch = NULL_INT32
    for (let i = 0; i < n; i++) {
      const m = metric[i]!
      const t = tagIndex[i]!
      const slot = m * width + t + 1
      let s = cache[slot]
      if (s === undefined) {
        s = this.#gauge(batch.runId, batch.metricNames[m]!, t < 0 ? null : batch.tagSets[t]!)
        cache[slot] = s
      }
      const v = value[i]!
      if (s) s.value = v
      else dropped++
      if (!Number.isFinite(v)) this.#countNonFinite(batch.runId, batch.metricNames[m]!, v)
      const st = step[i]!
      const ts = timestampUs[i]!
      if (st !== run.lastStep) {
        // Step latency (wall time per step) between the first points of consecutive steps; steps
        // logged every k-th step divide by k. Out-of-order steps count as steps but add no latency.
        if (st > run.lastStep && ts >= run.firstTsUs) {
          const seconds = (ts - run.firstTsUs) / 1e6 / (st - run.lastStep)
          run.latency.observe(seconds)
          this.#hooks.onStepLatency?.(run.labels, seconds)
        }
        run.steps.value++
        run.lastStep = st
        run.firstTsUs = ts
      }
      if (ts > run.lastTsUs) run.lastTsUs = ts
      if (epoch[i] !== NULL_INT32) lastEpoch = epoch[i]!
    }
    if (lastEpoch !== NULL_INT32) {
      run.epochGauge ??= this.#epoch.scalar(labelSet(run.labels))
      run.epochGauge.value = lastEpoch
    }
    run.points.value += n
    run.lastStepGauge.value = run.lastStep
    run.lastTsGauge.value = run.lastTsUs / 1e6
    if (dropped > 0) {
      this.#droppedPoints += dropped
      this.#dropped.scalar(labelSet(this.#constLabels)).value += dropped
    }
  }

  #countNonFinite(runId: string, metric: string, v: number): void {
    const kind = v !== v ? 'nan' : v > 0 ? 'inf' : '-inf'
    this.#nonFinite.scalar(this.#labels(runId, { metric, kind })).value++
  }

  observeIncident(incident: Alert): void {
    const extra = { level: incident.level, rule: incident.rule }
    const labels = incident.runId ? this.#labels(incident.runId, extra) : labelSet({ ...this.#constLabels, ...extra })
    this.#alerts.scalar(labels).value++
  }

  observeRun(run: RunInfo): void {
    const old = this.#runInfoSeries.get(run.id)
    const labels = this.#labels(run.id, { name: run.name ?? '', status: run.status })
    if (old && old.key !== this.#runInfo.get(labels)?.key) this.#runInfo.prune((l) => l === old.labels)
    const s = this.#runInfo.scalar(labels)
    s.value = run.startTimeMs / 1000
    this.#runInfoSeries.set(run.id, s)
  }

  register(source: MetricsSource): void {
    this.#sources.push(source)
  }

  removeRun(runId: string): number {
    this.#runs.delete(runId)
    this.#runInfoSeries.delete(runId)
    let n = 0
    for (const f of this.#families.values()) {
      const removed = f.prune((l) => l.values[l.names.indexOf('run_id')] === runId)
      if (f.type === 'gauge' && this.#origins.has(f.name)) this.#metricSeries -= removed
      n += removed
    }
    return n
  }

  contentType(format: ExportFormat): string {
    return CONTENT_TYPES[format]
  }

  registerWith(registry: PromClientRegistry): void {
    for (const f of this.#families.values()) registry.registerMetric(promClientMetric(f) as never)
    this.#registries.push(registry)
  }

  #ordered(): Family[] {
    if (!this.#sorted) this.#sorted = [...this.#families.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
    return this.#sorted
  }

  collect(): ExportedSample[] {
    const out: ExportedSample[] = []
    for (const f of this.#ordered()) f.collect(out)
    for (const s of this.#sources) out.push(...s.collect())
    return out
  }

  render(format: ExportFormat): string {
    if (format !== 'prometheus' && format !== 'openmetrics') {
      throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: unknown format ${JSON.stringify(format)}; use prometheus or openmetrics`)
    }
    let out = ''
    for (const f of this.#ordered()) out += f.render(format)
    for (const s of this.#sources) out += s.render(format)
    return format === 'openmetrics' ? `${out}# EOF\n` : out
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.#closed = true
  }
}

function withLabel(l: LabelSet, name: string, value: string): LabelSet {
  const rec: Record<string, string> = {}
  for (let i = 0; i < l.names.length; i++) rec[l.names[i]!] = l.values[i]!
  rec[name] = value
  return labelSet(rec)
}

/**
 * Creates a Prometheus exporter: a {@link @entrenar/core!MetricSink} that turns the monitor's batches into
 * per-run gauges (every metric's last value, last step, last step timestamp), counters (steps,
 * points, non-finite values, alerts by level) and a step-latency histogram, rendered in the
 * Prometheus text format 0.0.4 or OpenMetrics 1.0 in a stable order (families by name, series by labels).
 *
 * Families for a prefix `entrenar`: `entrenar_<metric>` (gauge; `loss`, `accuracy`, `learning_rate`,
 * `gradient_norm`, any other name sanitised), `entrenar_last_step`, `entrenar_last_step_timestamp_seconds`,
 * `entrenar_steps_total`, `entrenar_points_total`, `entrenar_non_finite_total`, `entrenar_alerts_total`,
 * `entrenar_step_duration_seconds` (histogram). Every series carries `run_id` and the constant labels.
 *
 * @example
 * ```ts
 * const exporter = createPrometheusExporter({ prefix: 'entrenar', labels: { job_name: 'llama' } })
 * const monitor = await createMonitor({ runId: 'r1', sinks: [exporter] })
 * // GET /metrics → exporter.render('prometheus')
 * ```
 */
export function createPrometheusExporter(options: PrometheusExporterOptions = {}): PrometheusExporter {
  checkOptions('entrenar/serve: createPrometheusExporter', options, CREATE_PROMETHEUS_EXPORTER_OPTIONS)
  return new PromExporter(options)
}

/** The option names createPrometheusExporter accepts (unknown ones are errors). */
const CREATE_PROMETHEUS_EXPORTER_OPTIONS = optionKeys<NonNullable<Parameters<typeof createPrometheusExporter>[0]>>({ prefix: true, labels: true, tagLabels: true, stepBuckets: true, maxSeries: true })
