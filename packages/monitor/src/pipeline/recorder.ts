import {
  type AlertPolicy,
  type ChangeDetector,
  checkMetricName,
  checkTags,
  type DriftEvent,
  EntrenarError,
  ErrorCodes,
  NULL_INT32,
  type RecordBatch,
  RecordBatchBuilder,
  type Tags,
} from '@entrenar/core'
import { MetricsCollector } from '../collector/collector.js'
import type { RowClock } from './clock.js'

/** What a {@link Recorder} is built from. */
export interface RecorderOptions {
  readonly runId: string
  readonly batchRows: number
  readonly andon: AlertPolicy
  readonly clock: RowClock
  readonly report: (e: EntrenarError) => void
  /** Called at the end of a call that left `rows ≥ batchRows` pending rows (the monitor hands them off). */
  readonly onFull: (rows: number) => void
  /**
   * False when the policy is known to decide `continue` for every finite value whatever the metric (the
   * built-in default policy, which acts on non-finite values only): then only NaN and ±Inf values are
   * passed to `observeValue`. Default true: every value is observed.
   */
  readonly observeFinite?: boolean
  /**
   * Rows of column space the monitor may hold for the sinks: rows waiting in the builder plus batches
   * handed off whose writes have not settled ({@link Recorder.inFlightRows}). The rows of a call that
   * would go beyond are not stored (statistics, policy and detectors still see the values): they are
   * counted in {@link Recorder.droppedRows} and reported through `onDrop`.
   */
  readonly maxBufferedRows: number
  /** Called when a call's rows are not stored because the buffer is full (first of an episode only). */
  readonly onDrop: (rows: number, step: number) => void
}

/** True when one of `vals[0..n)` is NaN or ±Inf. */
function nonFiniteIn(vals: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const v = vals[i]!
    if (v - v !== 0) return true
  }
  return false
}

/** The error for a value that is not a number (shared by `log()` and handles, so both report alike). */
function invalidValue(name: string, step: number, v: unknown): EntrenarError {
  return new EntrenarError(ErrorCodes.INVALID_VALUE, `entrenar/monitor: ${name} at step ${step} is a ${typeof v}, not a number; dropped`)
}

/**
 * A coded error for an exception thrown by user code on the recording path (a getter, a proxy trap, a
 * policy or detector), which must not reach the training loop: `ENTRENAR_INVALID_VALUE` with `what` and the
 * exception's message. Never throws itself (even for an exception whose message cannot be read).
 */
export function thrown(e: unknown, what: string): EntrenarError {
  if (e instanceof EntrenarError) return e
  let message: string
  try {
    message = e instanceof Error ? e.message : String(e)
  } catch {
    message = 'an exception that cannot be shown'
  }
  return new EntrenarError(ErrorCodes.INVALID_VALUE, `${what}: ${message}`, { cause: e })
}

/**
 * The monitor's synchronous recording path, shared by `log()` and the bound handles so both produce
 * the same rows, statistics, drift events and stop decisions: the collector, the pending batch rows, the
 * alert policy's `observeValue` and the per-metric change detectors. Internal (not exported by the
 * package); the monitor owns one and does the hand-off to sinks.
 */
export class Recorder {
  readonly collector = new MetricsCollector()
  readonly builder: RecordBatchBuilder
  readonly clock: RowClock
  readonly driftEvents: DriftEvent[] = []
  /** Step of the last accepted call (-1 before the first). */
  lastStep = -1
  /** Set by the monitor's `close()`: later calls are reported and dropped. */
  closed = false
  readonly report: (e: EntrenarError) => void
  /** Column space (rows) of the batches handed to the sinks whose writes have not settled; kept by the monitor. */
  inFlightRows = 0
  /** Rows not stored because the buffer was full (their values were still counted and observed). */
  droppedRows = 0
  /** True while rows are being dropped (the buffer is full); the next stored row ends the episode. */
  #dropping = false
  readonly #maxBufferedRows: number
  readonly #onDrop: (rows: number, step: number) => void
  readonly #runId: string
  readonly #andon: AlertPolicy
  readonly #batchRows: number
  readonly #onFull: (rows: number) => void
  #detectors: (readonly ChangeDetector[] | undefined)[] = []
  /** True once any metric has detectors (the per-value detector lookup is skipped until then). */
  #watching = false
  readonly #observeFinite: boolean
  #warning = new Set<ChangeDetector>()
  #tagCache = new WeakMap<object, number>()
  /** The values of one `log()` call and their metric ids (as many slots as metrics). */
  #callIds = new Int32Array(16)
  #callVals = new Float64Array(16)
  /** The keys of the previous `log()` call by position and their ids: a loop that logs the same keys in
   * the same order resolves each by an identity compare instead of a map lookup. */
  #keyNames: string[] = []
  #keyIds = new Int32Array(16)
  /** Pending batch rows already folded into the collector (rows `#folded` to `builder.length` are not yet). */
  #folded = 0
  /** Step and timestamp of the rows being appended (a typed array: never a boxed number per call). */
  readonly #at = new Float64Array(2)

  constructor(options: RecorderOptions) {
    this.#runId = options.runId
    this.#andon = options.andon
    this.clock = options.clock
    this.report = options.report
    this.#batchRows = options.batchRows
    this.#onFull = options.onFull
    this.#observeFinite = options.observeFinite ?? true
    this.#maxBufferedRows = options.maxBufferedRows
    this.#onDrop = options.onDrop
    this.builder = new RecordBatchBuilder(options.runId, options.batchRows)
    this.collector.deferTo(() => this.fold())
  }

  /**
   * Folds the pending batch rows not folded yet into the collector, in row order. The per-value path
   * only appends rows; the statistics catch up here, in one tight loop, before anything reads or
   * records through the collector and before the rows leave with {@link Recorder.detach}.
   */
  fold(): void {
    const b = this.builder
    const to = b.length
    const from = this.#folded
    if (to === from) return
    this.#folded = to
    const cols = b.pendingColumns()
    this.collector.recordColumns(cols.metric, cols.value, from, to)
  }

  /** Folds, then hands every pending row over as one batch ({@link RecordBatchBuilder.detach}). */
  detach(): RecordBatch {
    this.fold()
    this.#folded = 0
    return this.builder.detach()
  }

  /** Registers a metric in the collector and the batch dictionary under the same id. */
  register(name: string): number {
    const id = this.collector.metricId(name)
    const bid = this.builder.metricId(name)
    if (bid !== id) throw new EntrenarError(ErrorCodes.INTERNAL, `entrenar/monitor: metric ${name} has collector id ${id} but batch id ${bid}`)
    if (id >= this.#callIds.length) {
      // A call holds each metric at most once. The copy keeps what a `log()` call that registers new
      // metrics has already gathered.
      const ids = new Int32Array(this.#callIds.length * 2)
      const vals = new Float64Array(this.#callVals.length * 2)
      ids.set(this.#callIds)
      vals.set(this.#callVals)
      this.#callIds = ids
      this.#callVals = vals
    }
    return id
  }

  /** Watches a metric with change detectors. */
  watch(name: string, detectors: readonly ChangeDetector[]): void {
    this.#detectors[this.register(name)] = detectors
    this.#watching = true
  }

  /** Starts a call at `step`: false (reported) when closed or the step is not a safe integer. */
  begin(step: number): boolean {
    // The reports are in a method of their own: the JIT inlines this into every call only while its
    // bytecode is small (see the note on inlining at `commit`).
    if (this.closed || !Number.isSafeInteger(step)) return this.#refuse(step)
    this.lastStep = step
    return true
  }

  /** Reports a call that {@link Recorder.begin} refuses; false. */
  #refuse(step: number): false {
    if (this.closed) this.report(new EntrenarError(ErrorCodes.CLOSED, `entrenar/monitor: log() after close() on run ${this.#runId}; the values were dropped`))
    else this.report(new EntrenarError(ErrorCodes.INVALID_STEP, `entrenar/monitor: step ${String(step)} is not a safe integer; the values of this call were dropped`))
    return false
  }

  /**
   * Resolves the names of one `log()` call to ids (registering new ones), then records them as a handle does.
   *
   * A loop logs the same keys in the same order call after call: each key is compared by identity with the
   * previous call's key at its position (no map lookup), and then its value is read at a load site of that
   * position (`values[keyNames[0]]`, `values[keyNames[1]]`, …), never by the for-in variable. Both read the
   * same property; the difference is the JIT's: a read by the for-in variable is compiled as a load by
   * field index, which copies a number field into a new heap number on every read, while a site that
   * always sees one key is compiled as a direct load of that field. The read still happens inside the
   * enumeration, in its order, so getters, keys deleted by a getter and prototype keys behave as in a
   * plain for-in. Positions 8 and later, and any key that differs from the previous call's, take the
   * general read.
   */
  record(values: Readonly<Record<string, number>>, step: number, epoch: number, batch: number, tagId: number): void {
    const keyNames = this.#keyNames
    const keyIds = this.#keyIds
    let callIds = this.#callIds
    let callVals = this.#callVals
    let n = 0
    let k = 0
    // A getter or a proxy trap may throw: the values read before it are kept (committed below), the
    // rest of the call is reported.
    try {
    for (const name in values) {
      let id: number
      let v: unknown
      if (keyNames[k] === name) {
        id = keyIds[k]!
        // One load site per position (see above); keyNames[k] is `name` itself here.
        switch (k) {
          case 0:
            v = values[keyNames[0]!]
            break
          case 1:
            v = values[keyNames[1]!]
            break
          case 2:
            v = values[keyNames[2]!]
            break
          case 3:
            v = values[keyNames[3]!]
            break
          case 4:
            v = values[keyNames[4]!]
            break
          case 5:
            v = values[keyNames[5]!]
            break
          case 6:
            v = values[keyNames[6]!]
            break
          case 7:
            v = values[keyNames[7]!]
            break
          default:
            v = values[name]
        }
      } else {
        const known = this.#idOf(name)
        if (known < 0) {
          k++
          continue
        }
        id = known
        // Registering a metric may have grown the call arrays (their contents were copied).
        callIds = this.#callIds
        callVals = this.#callVals
        if (k < keyIds.length) {
          keyNames[k] = name
          keyIds[k] = id
        }
        v = values[name]
      }
      k++
      if (typeof v !== 'number') {
        this.invalid(name, step, v)
        continue
      }
      callIds[n] = id
      callVals[n++] = v
    }
    } catch (e) {
      this.report(thrown(e, `entrenar/monitor: reading the values of log() at step ${step} threw after ${n} values; the values read before were kept`))
    }
    this.commit(callIds, callVals, n, step, epoch, batch, tagId)
  }

  /** Id of a metric named in a `log()` call, registering it on first use; -1 (reported) for a bad name. */
  #idOf(name: string): number {
    const id = this.collector.idOf(name)
    if (id !== undefined) return id
    const err = checkMetricName(name)
    if (err) {
      this.report(err)
      return -1
    }
    return this.register(name)
  }

  /**
   * Gathers the values of a handle call into `outIds`/`outVals` (a value that is not a number is
   * reported and left out) and returns how many were kept.
   */
  gather(names: readonly string[], ids: Int32Array, values: ArrayLike<number>, step: number, outIds: Int32Array, outVals: Float64Array): number {
    let n = 0
    // Not an array (null), a getter or a proxy trap that throws: reported; the values read before are kept.
    try {
      const length = values.length
      const m = Math.min(length, ids.length)
      for (let i = 0; i < m; i++) {
        const v = values[i]
        if (typeof v !== 'number') {
          this.invalid(names[i]!, step, v)
          continue
        }
        outIds[n] = ids[i]!
        outVals[n++] = v
      }
      if (length > ids.length) this.surplus(names, length, step)
    } catch (e) {
      this.report(thrown(e, `entrenar/monitor: reading the values of handle.record() at step ${step} threw after ${n} values; the values read before were kept`))
    }
    return n
  }

  /** Reports a value that is not a number; it is dropped. */
  invalid(name: string, step: number, v: unknown): void {
    this.report(invalidValue(name, step, v))
  }

  /** Reports a `handle.log()` call with more than eight values (wider handles use `record()`); the rest is dropped. */
  beyondEight(names: readonly string[], given: number, step: number): void {
    this.report(
      new EntrenarError(
        ErrorCodes.INVALID_VALUE,
        `entrenar/monitor: handle.log() takes at most 8 values, got ${given} for ${names.length} bound metrics at step ${step}; values 9 to ${given} were dropped (use handle.record(step, values) for wide handles)`,
      ),
    )
  }

  /** Reports a handle call with more values than bound metrics; the surplus is dropped. */
  surplus(names: readonly string[], given: number, step: number): void {
    this.report(
      new EntrenarError(
        ErrorCodes.INVALID_VALUE,
        `entrenar/monitor: ${given} values for ${names.length} bound metrics (${names.join(', ')}) at step ${step}; the ${given - names.length} surplus values were dropped`,
      ),
    )
  }

  /**
   * Records one call's values (`vals[i]` of metric `ids[i]`, i < n): statistics and batch rows first,
   * each in its own loop so the values stay unboxed in typed arrays, then per value, in the caller's
   * order, the policy (which may stop the line in this very call) and the detectors.
   */
  commit(ids: Int32Array, vals: Float64Array, n: number, step: number, epoch: number, batch: number, tagId: number): void {
    // Kept small so the JIT can inline it into a handle's call: the per-value policy and detector work
    // is in #observe, which a call of finite values only skips under the built-in policy.
    // The clock is read here, not by the callers: a timestamp passed as an argument to a call the JIT did
    // not inline is boxed, a heap number per call. Every call reads it (stored or not), so `clockEvery`
    // counts calls alike whether their rows are stored.
    // Written into #at, not returned: no heap number per call where the JIT does not inline the clock.
    const at = this.#at
    this.clock.stamp(at, 1)
    const b = this.builder
    if (b.length + this.inFlightRows + n <= this.#maxBufferedRows) {
      // The statistics are folded from these rows later (Recorder.fold), before anything reads them.
      at[0] = step
      b.appendRows(ids, vals, n, at, epoch, batch, tagId)
      this.#dropping = false
    } else this.#drop(ids, vals, n, step)
    if (this.#observeFinite || this.#watching || nonFiniteIn(vals, n)) this.#observe(ids, vals, n, step)
    if (b.length >= this.#batchRows) this.#onFull(b.length)
  }

  /** The policy and the detectors, value by value in the caller's order (incidents keep that order). */
  #observe(ids: Int32Array, vals: Float64Array, n: number, step: number): void {
    const names = this.collector.metrics
    const andon = this.#andon
    const detectors = this.#detectors
    for (let i = 0; i < n; i++) {
      const id = ids[i]!
      const v = vals[i]!
      // A policy or detector that throws must not reach the training loop (nor keep the next values from them).
      try {
        if (this.#observeFinite || v - v !== 0) andon.observeValue(names[id]!, v, step)
        if (this.#watching) {
          const dets = detectors[id]
          if (dets !== undefined) this.#detect(dets, names[id]!, v, step)
        }
      } catch (e) {
        this.report(thrown(e, `entrenar/monitor: the alert policy or a detector threw on ${names[id]} at step ${step}`))
      }
    }
  }

  /** The buffer is full: the rows of this call are counted, not stored. */
  #drop(ids: Int32Array, vals: Float64Array, n: number, step: number): void {
    // Not stored, still counted: after the rows before them (recordIds folds those first).
    this.collector.recordIds(ids, vals, n)
    this.droppedRows += n
    if (this.#dropping) return
    this.#dropping = true
    this.#onDrop(n, step)
  }

  /** An epoch or batch as stored: NULL_INT32 when absent; reported and NULL_INT32 when not an int32 ≥ 0. */
  int(x: number | undefined, what: string): number {
    if (x === undefined) return NULL_INT32
    if (Number.isInteger(x) && x >= 0 && x <= 2147483647) return x
    return this.#notInt(x, what)
  }

  /** Reports an epoch or batch that is not an int32 ≥ 0; NULL_INT32 (stored as absent). */
  #notInt(x: unknown, what: string): number {
    this.report(new EntrenarError(ErrorCodes.INVALID_STEP, `entrenar/monitor: ${what} ${String(x)} is not an integer in [0, 2^31); stored as absent`))
    return NULL_INT32
  }

  /** Dictionary id of a tag set, cached by object identity; -1 (reported) for bad tags. */
  tagId(tags: Tags): number {
    const cached = this.#tagCache.get(tags)
    if (cached !== undefined) return cached
    const err = checkTags(tags)
    if (err) {
      this.report(err)
      return -1
    }
    const id = this.builder.tagSetId(tags)
    this.#tagCache.set(tags, id)
    return id
  }

  /**
   * Feeds the metric's detectors. A `drift` is always an event; a `warning` only when it starts (DDM-style
   * detectors answer `warning` on every update inside the warning zone); `invalid` (NaN/±Inf) is not an
   * event: non-finite values are the non-finite rule's business and are counted by the collector.
   */
  #detect(dets: readonly ChangeDetector[], metric: string, v: number, step: number): void {
    for (const d of dets) {
      const s = d.update(v)
      if (s === 'invalid') continue
      const wasWarning = this.#warning.has(d)
      if (s === 'warning') this.#warning.add(d)
      else if (wasWarning) this.#warning.delete(d)
      if (s === 'stable' || (s === 'warning' && wasWarning)) continue
      const event: DriftEvent = {
        kind: 'drift',
        runId: this.#runId,
        metric,
        step,
        detector: d.name,
        signal: s,
        statistic: d.statistic,
        ...(d.severity === undefined ? {} : { severity: d.severity }),
        ...(d.threshold === undefined ? {} : { threshold: d.threshold }),
        ...(d.falseAlarmsPerMillion === undefined ? {} : { falseAlarmsPerMillion: d.falseAlarmsPerMillion }),
        timestampMs: Date.now(),
      }
      this.driftEvents.push(event)
      this.#andon.observe(event)
    }
  }
}
