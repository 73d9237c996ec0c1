import {
  type AlertPolicy,
  type ChangeDetector,
  checkMetricName,
  checkTags,
  createDefaultPolicy,
  createMemoryStore,
  type DriftEvent,
  EntrenarError,
  ErrorCodes,
  type Incident,
  type MetricSink,
  type MetricStore,
  NULL_INT32,
  type RunInfo,
  type RunStatus,
  type Tags,
  toEntrenarError,
} from '@entrenar/core'
import type { MetricStats, MetricsCollector } from '../collector/collector.js'
import type { SystemMetricsOptions, SystemSampler } from '../system/sampler.js'
import { type BoundMetrics, type BoundMetricsOptions, createBoundMetrics } from './bound.js'
import { createRowClock, defaultClockUs } from './clock.js'
import { Recorder, thrown } from './recorder.js'
import { hostFacts } from './host.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Where a point sits in training. */
export interface LogMeta {
  /** Global step (x-axis). Default: one more than the previous `log()` call's step. */
  readonly step?: number
  /** Epoch, stored with the rows; an integer ≥ 0 (anything else is reported to `onError` and stored as absent). */
  readonly epoch?: number
  /** Batch index within the epoch, stored with the rows; same rules as `epoch`. */
  readonly batch?: number
  /** Labels; reuse the same object for repeated tags (it is cached by identity). */
  readonly tags?: Tags
}

/** Options of {@link createMonitor}. */
export interface MonitorOptions {
  /** Run id. Default: a time-based id. */
  readonly runId?: string
  /** Human-readable run name, stored in the run metadata (the run id stays the key). */
  readonly name?: string
  /** Hyper-parameters and configuration, stored with the run. */
  readonly config?: Readonly<Record<string, unknown>>
  /** Where points are stored. Default: a new in-memory store. A store passed in is flushed by `close()` but
   * stays open (its owner may share it between runs); a store the monitor created is closed with it. */
  readonly store?: MetricStore
  /** Further sinks (dashboards, exporters); each gets every batch off the hot path. */
  readonly sinks?: readonly MetricSink[]
  /** Change detectors per metric; a non-stable signal becomes a {@link DriftEvent} for the policy. */
  readonly detectors?: Readonly<Record<string, readonly ChangeDetector[]>>
  /** Decides continue / warn / pause / stop. Default: stop on a non-finite `loss`. */
  readonly andon?: AlertPolicy
  /** Receives every error of the recording path (bad input, sink failures). Default: a line on stderr per error code. */
  readonly onError?: (error: EntrenarError) => void
  /** Rows per batch handed to the sinks. Default 4096. */
  readonly batchRows?: number
  /**
   * Rows buffered before a synchronous hand-off, for loops that never yield to the event loop (≈60 bytes
   * a row: the default 262 144 rows keep the buffer near 16 MiB). Default 262 144.
   */
  readonly maxPendingRows?: number
  /**
   * Bound of the monitor's buffer whatever the run length, in rows of column space (≈40 bytes a row): the
   * rows waiting plus the batches handed to the sinks whose `write` has not settled. When the sinks fall
   * this far behind (a store that drains slower than the loop logs), the rows of further calls are not
   * stored until they catch up: the statistics, the Andon and the detectors still see every value, the
   * rows are counted ({@link MonitorBacklog.droppedRows}) and `onError` gets one `ENTRENAR_SINK_FAILED`
   * per episode. A loop that awaits {@link Monitor.gate} never gets there: the gate holds it while more
   * than half of this is waiting. Default max(1 048 576, 4 × maxPendingRows), at least maxPendingRows.
   */
  readonly maxBufferedRows?: number
  /** Hand the pending rows to the sinks at least this often. Default 1000 ms. */
  readonly flushIntervalMs?: number
  /**
   * Wall clock in microseconds. Default `Date.now() * 1000` (the cheapest source measured; see the README's
   * Performance section). Readings are kept non-decreasing: one behind the last repeats the last.
   */
  readonly clockUs?: () => number
  /**
   * Read the clock once every N `log()` calls (object or handle form); the rows of the calls in between
   * carry the last reading, which is also refreshed whenever the event loop turns. Precision trade-off:
   * a row's timestamp lags its true time by at most the duration of the N − 1 calls before it; it is
   * never in the future and timestamps never decrease. Worth it when steps take microseconds (one clock
   * read costs ~50–60 ns on virtualised hosts); with steps of a millisecond or more, keep 1. Default 1.
   */
  readonly clockEvery?: number
  /**
   * System metrics (CPU, memory, event-loop lag, GC, GPU) logged under `sys/` at the current step, or
   * `false`. Default `{ intervalMs: 10_000 }`. Node only; ignored elsewhere.
   */
  readonly system?: SystemMetricsOptions | false
  /** Called once by `close()` with the run's final state (e.g. to register a lineage node or write a report). */
  readonly onClose?: (final: MonitorSummary) => void | Promise<void>
}

/** The monitor's view of a run. */
export interface MonitorSummary {
  /** The run. */
  readonly runId: string
  /** `stopped` once the line was stopped, else `finished` after `close()`, else `running`. */
  readonly status: RunStatus
  /** Why the line stopped, when it did. */
  readonly reason?: string
  /** Step of the latest accepted `log()` (−1 before the first). */
  readonly lastStep: number
  /** Statistics per metric name: count, mean, std, min, max, quantiles, NaN and ±Inf counts, last. */
  readonly metrics: Readonly<Record<string, MetricStats>>
  /** The incidents of the run's policy (`andon.history()`). */
  readonly incidents: readonly Incident[]
  /** Every non-stable detector signal of the run, oldest first. */
  readonly driftEvents: readonly DriftEvent[]
}

/** What the monitor holds for its sinks (see {@link MonitorOptions.maxBufferedRows}). */
export interface MonitorBacklog {
  /** Rows logged and not yet handed to the sinks. */
  readonly pendingRows: number
  /** Column space, in rows, of the batches handed to the sinks whose writes have not settled. */
  readonly inFlightRows: number
  /** The most `pendingRows + inFlightRows` has been (≤ `limitRows`). */
  readonly peakRows: number
  /** The bound: {@link MonitorOptions.maxBufferedRows}. */
  readonly limitRows: number
  /** Rows not stored because the sinks fell behind by `limitRows` (their values were counted and observed). */
  readonly droppedRows: number
}

/** A monitored run. See {@link createMonitor}. */
export interface Monitor {
  /** The run this monitor records (given, or generated from the time). */
  readonly runId: string
  /** Aborts when the line is stopped (non-finite loss, an Andon rule, `stop()`); `reason` is an EntrenarError. */
  readonly signal: AbortSignal
  /** Records values at one step. Synchronous, no allocation per value in steady state (bench/alloc.bench.mjs), never throws. */
  log(values: Readonly<Record<string, number>>, meta?: LogMeta): void
  /**
   * Binds a fixed list of metrics for the hot path: `handle.log(step, v0, v1, …)` records the same rows,
   * statistics, drift events and stop decisions as `log({ [names[0]]: v0, … }, { step, epoch, batch, tags })`
   * without a name lookup or an object per call. Names and tags are checked here: an empty list, a
   * repeated name, a bad name or bad tags throw a coded `EntrenarError` (configuration fails fast).
   */
  metrics(names: readonly string[], options?: BoundMetricsOptions): BoundMetrics
  /**
   * Resolves at once unless the Andon paused the run or the sinks fell behind (more than half of
   * `maxBufferedRows` waiting): then once the Andon resumes and the sinks caught up. Awaiting it in the
   * loop is the back-pressure that keeps every row stored whatever the store's speed.
   */
  gate(): Promise<void>
  /** What the monitor holds for its sinks now, and how many rows it could not store. */
  backlog(): MonitorBacklog
  /** Stops the line by hand. */
  stop(reason: string): void
  /** The run so far: per-metric statistics, incidents, drift events, status. Synchronous. */
  summary(): MonitorSummary
  /** True once at least one sample of the metric was recorded ("measured, not inferred"). */
  isMeasured(metric: string): boolean
  /** Samples of a metric, NaN and ±Inf included. */
  sampleCount(metric: string): number
  /** The collector behind the summary. */
  readonly collector: MetricsCollector
  /** Every point logged so far is durable in the store and handed to every sink. */
  flush(): Promise<void>
  /** Flushes, records the run's end, closes the sinks and the store. Idempotent. */
  close(): Promise<void>
}

function defaultOnError(): (e: EntrenarError) => void {
  const seen = new Set<string>()
  return (e) => {
    if (seen.has(e.code)) return
    seen.add(e.code)
    console.error(`${e.message} [${e.code}] (further ${e.code} errors of this run are not printed)`)
  }
}

class MonitorImpl implements Monitor {
  readonly runId: string
  readonly #opts: MonitorOptions
  readonly #store: MetricStore
  readonly #ownsStore: boolean
  readonly #sinks: MetricSink[]
  readonly #andon: AlertPolicy
  readonly #onError: (e: EntrenarError) => void
  readonly #rec: Recorder
  readonly #own = new AbortController()
  readonly signal: AbortSignal
  #pending = new Set<Promise<void>>()
  readonly #maxPendingRows: number
  readonly #maxBufferedRows: number
  #peakRows = 0
  #timer: ReturnType<typeof setInterval> | undefined
  #scheduled = false
  #closing: Promise<void> | undefined
  #run: RunInfo
  #system: SystemSampler | undefined

  constructor(opts: MonitorOptions, runId: string, run: RunInfo) {
    this.#opts = opts
    this.runId = runId
    this.#run = run
    this.#ownsStore = opts.store === undefined
    this.#store = opts.store ?? createMemoryStore()
    this.#sinks = [this.#store, ...(opts.sinks ?? [])]
    this.#andon = opts.andon ?? createDefaultPolicy({ runId })
    this.#onError = opts.onError ?? defaultOnError()
    const batchRows = opts.batchRows ?? 4096
    this.#maxPendingRows = Math.max(batchRows, opts.maxPendingRows ?? 262_144)
    this.#maxBufferedRows = Math.max(this.#maxPendingRows, opts.maxBufferedRows ?? Math.max(1_048_576, 4 * this.#maxPendingRows))
    this.#rec = new Recorder({
      runId,
      batchRows,
      andon: this.#andon,
      clock: createRowClock(opts.clockUs ?? defaultClockUs, opts.clockEvery ?? 1),
      report: (e) => this.#report(e),
      // The built-in policy acts on non-finite values only: finite ones need not cross the call.
      observeFinite: opts.andon !== undefined,
      // A loop that never yields must not grow the buffer without bound: hand off synchronously then.
      onFull: (rows) => (rows >= this.#maxPendingRows ? this.#handOff() : this.#schedule()),
      maxBufferedRows: this.#maxBufferedRows,
      onDrop: (rows, step) => {
        this.#notePeak()
        this.#report(
          new EntrenarError(
            ErrorCodes.SINK_FAILED,
            `entrenar/monitor: the sinks fall behind by ${this.#maxBufferedRows} rows (maxBufferedRows); from step ${step} on, rows are not stored until they catch up (statistics and the Andon still see every value; await monitor.gate() in the loop to wait for them instead)`,
            { details: { runId, step, droppedRows: rows, maxBufferedRows: this.#maxBufferedRows } },
          ),
        )
      },
    })
    this.signal = AbortSignal.any([this.#own.signal, this.#andon.signal])
    for (const [metric, list] of Object.entries(opts.detectors ?? {})) {
      const err = checkMetricName(metric)
      if (err) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/monitor: detectors key: ${err.message}`)
      this.#rec.watch(metric, list)
    }
    const interval = opts.flushIntervalMs ?? 1000
    this.#timer = setInterval(() => {
      this.#rec.clock.invalidate() // the loop yielded: time has passed since the cached reading
      this.#handOff()
    }, interval)
    // The timer must never keep a finished training process alive.
    ;(this.#timer as { unref?: () => void }).unref?.()
  }

  get collector(): MetricsCollector {
    return this.#rec.collector
  }

  /** Records the run as started in the store and starts the system sampler. */
  async start(system: SystemSampler | undefined): Promise<void> {
    await this.#store.putRun(this.#run)
    this.#system = system
    const rec = this.#rec
    system?.start(
      (values) => {
        rec.clock.invalidate() // a timer fired: the loop yielded, so the cached reading is stale
        rec.record(values, Math.max(0, rec.lastStep), NULL_INT32, NULL_INT32, -1)
      },
      (e) => this.#report(e),
    )
  }

  log(values: Readonly<Record<string, number>>, meta?: LogMeta): void {
    const rec = this.#rec
    // Never throws: user code on the path (a getter of `meta`, a policy, a detector) is caught and reported.
    try {
      if (typeof values !== 'object' || values === null) {
        this.#report(new EntrenarError(ErrorCodes.INVALID_VALUE, `entrenar/monitor: log() takes an object of numbers, got ${values === null ? 'null' : `a ${typeof values}`}; nothing was recorded`))
        return
      }
      const step = meta?.step ?? rec.lastStep + 1
      if (!rec.begin(step)) return
      const epoch = rec.int(meta?.epoch, 'epoch')
      const batch = rec.int(meta?.batch, 'batch')
      const tagId = meta?.tags === undefined ? -1 : rec.tagId(meta.tags)
      rec.record(values, step, epoch, batch, tagId)
    } catch (e) {
      this.#report(thrown(e, 'entrenar/monitor: log() was interrupted by an exception'))
    }
  }

  metrics(names: readonly string[], options: BoundMetricsOptions = {}): BoundMetrics {
    if (!Array.isArray(names) || names.length === 0) {
      throw new EntrenarError(ErrorCodes.INVALID_CONFIG, 'entrenar/monitor: metrics() needs a non-empty array of metric names')
    }
    if (new Set(names).size !== names.length) {
      throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/monitor: metrics() names must be distinct: ${names.join(', ')}`)
    }
    for (const name of names) {
      const err = checkMetricName(name)
      if (err) throw err
    }
    const err = checkTags(options.tags)
    if (err) throw err
    const rec = this.#rec
    const ids = names.map((name) => rec.collector.idOf(name) ?? rec.register(name))
    const tagId = options.tags === undefined ? -1 : rec.tagId(options.tags)
    return createBoundMetrics(rec, names, ids, options.tags, tagId, options)
  }

  /** Asks for a hand-off at the next microtask: the sinks see the rows as soon as the loop yields (awaits anything). */
  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    queueMicrotask(() => {
      this.#scheduled = false
      this.#rec.clock.invalidate()
      this.#handOff()
    })
  }

  /**
   * Moves every pending row into one batch and gives it to every sink. A sink's `write` is called at
   * once (its synchronous part runs now, in call order); its promise is tracked for `flush()` and its
   * failure goes to `onError`.
   */
  #handOff(): void {
    const builder = this.#rec.builder
    if (builder.length === 0) return
    const batch = this.#rec.detach()
    // The batch views the builder's columns: their whole capacity stays held until every sink settled.
    const rows = builder.capacityOf(batch)
    const rec = this.#rec
    rec.inFlightRows += rows
    this.#notePeak()
    // Every sink is done with the batch once its write settled (MetricSink contract): then the arrays are
    // reused. Each write settles straight into a countdown (one promise hop, not catch → all → then), so
    // the arrays come back after the loop's next yield and steady-state logging allocates no new columns.
    let left = this.#sinks.length
    let settle!: () => void
    const done = new Promise<void>((resolve) => {
      settle = resolve
    })
    const one = () => {
      if (--left > 0) return
      this.#notePeak()
      rec.inFlightRows -= rows
      builder.recycle(batch)
      this.#pending.delete(done)
      settle()
    }
    const failed = (e: unknown) => {
      this.#report(toEntrenarError(e, ErrorCodes.SINK_FAILED, 'entrenar/monitor: sink write failed'))
      one()
    }
    this.#pending.add(done)
    for (const sink of this.#sinks) {
      try {
        sink.write(batch).then(one, failed)
      } catch (e) {
        failed(e)
      }
    }
  }

  #report(e: EntrenarError): void {
    try {
      this.#onError(e)
    } catch {
      // an onError that throws must not reach the training loop either
    }
  }

  async gate(): Promise<void> {
    await this.#andon.gate?.()
    const rec = this.#rec
    // Back-pressure: wait for the sinks while more than half of the buffer is waiting for them.
    while (rec.builder.length + rec.inFlightRows > this.#maxBufferedRows / 2 && !rec.closed) {
      if (rec.builder.length > 0) this.#handOff()
      if (this.#pending.size === 0) break
      await Promise.race(this.#pending)
    }
  }

  backlog(): MonitorBacklog {
    this.#notePeak()
    const rec = this.#rec
    return {
      pendingRows: rec.builder.length,
      inFlightRows: rec.inFlightRows,
      peakRows: this.#peakRows,
      limitRows: this.#maxBufferedRows,
      droppedRows: rec.droppedRows,
    }
  }

  /** The held rows only grow between hand-offs and settles, so noting them there (and at a drop or a query) finds the peak. */
  #notePeak(): void {
    const held = this.#rec.builder.length + this.#rec.inFlightRows
    if (held > this.#peakRows) this.#peakRows = held
  }

  stop(reason: string): void {
    if (!this.#own.signal.aborted) this.#own.abort(new EntrenarError(ErrorCodes.STOPPED, `entrenar/monitor: ${reason}`))
  }

  summary(): MonitorSummary {
    const reason = this.signal.aborted ? String((this.signal.reason as Error | undefined)?.message ?? this.signal.reason) : undefined
    return {
      runId: this.runId,
      status: this.signal.aborted ? 'stopped' : this.#rec.closed ? 'finished' : 'running',
      ...(reason === undefined ? {} : { reason }),
      lastStep: this.#rec.lastStep,
      metrics: this.collector.summary(),
      incidents: this.#andon.history(),
      driftEvents: this.#rec.driftEvents.slice(),
    }
  }

  isMeasured(metric: string): boolean {
    return this.collector.sampleCount(metric) > 0
  }

  sampleCount(metric: string): number {
    return this.collector.sampleCount(metric)
  }

  async flush(): Promise<void> {
    this.#handOff()
    await Promise.all(this.#pending)
    await Promise.all(
      this.#sinks.map((s) => s.flush().catch((e: unknown) => this.#report(toEntrenarError(e, ErrorCodes.SINK_FAILED, 'entrenar/monitor: sink flush failed')))),
    )
  }

  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    clearInterval(this.#timer)
    this.#system?.stop()
    await this.flush()
    this.#rec.closed = true
    const final = this.summary()
    this.#run = { ...this.#run, status: final.status, endTimeMs: Date.now(), ...(final.reason === undefined ? {} : { reason: final.reason }) }
    await this.#store.putRun(this.#run).catch((e: unknown) => this.#report(toEntrenarError(e, ErrorCodes.SINK_FAILED, 'entrenar/monitor: recording the run end failed')))
    // The policy drains its handlers (webhooks, incident files) and runs pending stop hooks.
    await this.#andon.close?.().catch((e: unknown) => this.#report(toEntrenarError(e, ErrorCodes.SINK_FAILED, 'entrenar/monitor: closing the alert policy failed')))
    try {
      await this.#opts.onClose?.(final)
    } catch (e) {
      this.#report(toEntrenarError(e, ErrorCodes.SINK_FAILED, 'entrenar/monitor: onClose failed'))
    }
    for (const s of this.#sinks) {
      if (s === this.#store && !this.#ownsStore) continue
      await s.close().catch((e: unknown) => this.#report(toEntrenarError(e, ErrorCodes.SINK_FAILED, 'entrenar/monitor: sink close failed')))
    }
  }
}

/**
 * Starts monitoring a run: records its metadata in the store and returns the {@link Monitor}.
 * Configuration errors throw `ENTRENAR_INVALID_CONFIG` / `ENTRENAR_INVALID_RUN_ID` here, before training starts.
 *
 * @example
 * ```ts
 * const monitor = await createMonitor({ runId: 'iris-1', config: { lr: 0.1 } })
 * for (let step = 0; step < 100 && !monitor.signal.aborted; step++) monitor.log({ loss: train() }, { step })
 * await monitor.close()
 * ```
 */
export async function createMonitor(options: MonitorOptions = {}): Promise<Monitor> {
  checkOptions('entrenar/monitor: createMonitor', options, CREATE_MONITOR_OPTIONS, { alertPolicy: 'andon', policy: 'andon', sink: 'sinks', detector: 'detectors' })
  const runId = options.runId ?? `run-${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 6)}`
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is rejected
  if (typeof runId !== 'string' || runId.length === 0 || runId.length > 200 || /[\u0000-\u001f\u007f]/.test(runId)) {
    throw new EntrenarError(ErrorCodes.INVALID_RUN_ID, `entrenar/monitor: run id ${JSON.stringify(runId)} must be 1–200 printable characters`)
  }
  if (options.batchRows !== undefined && !(Number.isInteger(options.batchRows) && options.batchRows > 0)) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/monitor: batchRows ${options.batchRows} must be a positive integer`)
  }
  if (options.clockEvery !== undefined && !(Number.isInteger(options.clockEvery) && options.clockEvery > 0)) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/monitor: clockEvery ${options.clockEvery} must be a positive integer`)
  }
  for (const key of ['maxPendingRows', 'maxBufferedRows'] as const) {
    const v = options[key]
    if (v !== undefined && !(Number.isSafeInteger(v) && v > 0)) {
      throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/monitor: ${key} ${v} must be a positive integer`)
    }
  }
  if (options.flushIntervalMs !== undefined && !(options.flushIntervalMs > 0)) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/monitor: flushIntervalMs ${options.flushIntervalMs} must be > 0`)
  }
  const facts = await hostFacts()
  const run: RunInfo = {
    id: runId,
    status: 'running',
    startTimeMs: Date.now(),
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.config === undefined ? {} : { config: options.config }),
    ...facts,
  }
  const monitor = new MonitorImpl(options, runId, run)
  let sampler: SystemSampler | undefined
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string'
  if (options.system !== false && isNode) {
    const { systemMetrics } = await import('../system/sampler.js')
    sampler = systemMetrics(options.system ?? {})
  }
  await monitor.start(sampler)
  return monitor
}

/** The option names createMonitor accepts (unknown ones are errors). */
const CREATE_MONITOR_OPTIONS = optionKeys<NonNullable<Parameters<typeof createMonitor>[0]>>({ runId: true, name: true, config: true, store: true, sinks: true, detectors: true, andon: true, onError: true, batchRows: true, maxPendingRows: true, maxBufferedRows: true, flushIntervalMs: true, clockUs: true, clockEvery: true, system: true, onClose: true })
