import { EntrenarError, ErrorCodes } from './errors.js'

/** Marks an absent epoch or batch in the `Int32Array` columns (the Parquet columns are nullable). */
export const NULL_INT32 = -2147483648

/** Longest metric name accepted, in UTF-16 code units. */
export const MAX_METRIC_NAME_LENGTH = 256

/** A flat set of string labels attached to a point, e.g. `{ split: 'val', expert: '3' }`. */
export type Tags = Readonly<Record<string, string>>

/**
 * One batch of points of one run, column by column (Arrow-like): row `i` is
 * `(timestampUs[i], step[i], epoch[i], batch[i], metricNames[metric[i]], value[i], tagSets[tagIndex[i]])`.
 *
 * Invariants: every column has `length` entries; `metric[i] < metricNames.length`;
 * `tagIndex[i]` is `-1` (no tags) or `< tagSets.length`; `step` holds integers with
 * `|step| ≤ 2^53 − 1`; `epoch`/`batch` use {@link NULL_INT32} for "absent"; `value` may hold
 * NaN and ±Infinity, which are data and are kept as they are.
 */
export interface RecordBatch {
  /** The run every row belongs to. */
  readonly runId: string
  /** Number of rows. */
  readonly length: number
  /** Dictionary of metric names referenced by {@link RecordBatch.metric}. */
  readonly metricNames: readonly string[]
  /** Metric of each row, as an index into {@link RecordBatch.metricNames}. */
  readonly metric: Uint32Array
  /** Value of each row (NaN and ±Inf allowed). */
  readonly value: Float64Array
  /** Global step of each row: the x-axis. Out-of-order steps are kept. */
  readonly step: Float64Array
  /** Wall clock of each row at `log()`, microseconds since the Unix epoch (UTC). */
  readonly timestampUs: Float64Array
  /** Epoch of each row, or {@link NULL_INT32}. */
  readonly epoch: Int32Array
  /** Batch within the epoch, or {@link NULL_INT32}. */
  readonly batch: Int32Array
  /** Dictionary of tag sets referenced by {@link RecordBatch.tagIndex}. */
  readonly tagSets: readonly Tags[]
  /** Tag set of each row: `-1` for none, else an index into {@link RecordBatch.tagSets}. */
  readonly tagIndex: Int32Array
}

/** One row of a batch as an object: for tests and small tools, never for a hot path. */
export interface RecordRow {
  /** The run the row belongs to. */
  readonly runId: string
  /** Metric name. */
  readonly metric: string
  /** The value (NaN and ±Inf are data). */
  readonly value: number
  /** Training step (a safe integer). */
  readonly step: number
  /** When it was logged, epoch microseconds. */
  readonly timestampUs: number
  /** Epoch, or null when not given. */
  readonly epoch: number | null
  /** Batch index, or null when not given. */
  readonly batch: number | null
  /** Labels of the row, or null. */
  readonly tags: Tags | null
}

/**
 * Checks a metric name: non-empty, at most {@link MAX_METRIC_NAME_LENGTH} code units, no control
 * characters. Returns an error (not thrown) so hot paths can report instead of throwing.
 */
export function checkMetricName(name: unknown): EntrenarError | undefined {
  if (typeof name !== 'string' || name.length === 0) {
    return new EntrenarError(ErrorCodes.INVALID_METRIC_NAME, 'entrenar/core: metric name must be a non-empty string')
  }
  if (name.length > MAX_METRIC_NAME_LENGTH) {
    return new EntrenarError(
      ErrorCodes.INVALID_METRIC_NAME,
      `entrenar/core: metric name of ${name.length} characters exceeds ${MAX_METRIC_NAME_LENGTH}`,
    )
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) {
    return new EntrenarError(ErrorCodes.INVALID_METRIC_NAME, `entrenar/core: metric name ${JSON.stringify(name)} contains control characters`)
  }
  return undefined
}

/** Checks tags: a plain object whose values are all strings. */
export function checkTags(tags: unknown): EntrenarError | undefined {
  if (tags === undefined || tags === null) return undefined
  if (typeof tags !== 'object' || Array.isArray(tags)) {
    return new EntrenarError(ErrorCodes.INVALID_TAGS, 'entrenar/core: tags must be an object of strings')
  }
  for (const [k, v] of Object.entries(tags)) {
    if (typeof v !== 'string') {
      return new EntrenarError(ErrorCodes.INVALID_TAGS, `entrenar/core: tag ${JSON.stringify(k)} has a ${typeof v} value; tags are strings`)
    }
  }
  return undefined
}

/** Checks a step: an integer with magnitude at most 2^53 − 1. */
export function checkStep(step: unknown): EntrenarError | undefined {
  if (typeof step !== 'number' || !Number.isSafeInteger(step)) {
    return new EntrenarError(ErrorCodes.INVALID_STEP, `entrenar/core: step ${String(step)} is not a safe integer`)
  }
  return undefined
}

/**
 * Grows a batch column by column with amortised O(1) appends and no per-row allocation.
 * Used by the monitor (double-buffered) and by stores to assemble query results.
 */
interface Columns {
  metric: Uint32Array
  value: Float64Array
  step: Float64Array
  ts: Float64Array
  epoch: Int32Array
  batch: Int32Array
  tagIndex: Int32Array
  /** Capacity in rows. */
  cap: number
  /** value, step then ts, `cap` rows each: the three columns above are views of it. */
  f64: Float64Array
  /** metric, epoch, batch then tagIndex, `cap` rows each: the four columns above are views of it. */
  i32: Int32Array
}

/**
 * The columns of `cap` rows. The seven columns live in two arrays, one of doubles and one of int32, so
 * that {@link RecordBatchBuilder.appendRows} (the monitor's per-step path) writes a row through two typed
 * arrays instead of seven: every typed array a call touches costs the JIT a few loads and checks once the
 * columns are swapped by detach/recycle and no longer constant. The metric column is a `Uint32Array` view
 * of the first quarter of the int32 array (ids are below 2^31, so both read the same).
 */
function allocColumns(cap: number): Columns {
  const f64 = new Float64Array(3 * cap)
  const i32 = new Int32Array(4 * cap)
  return {
    metric: new Uint32Array(i32.buffer, 0, cap),
    value: f64.subarray(0, cap),
    step: f64.subarray(cap, 2 * cap),
    ts: f64.subarray(2 * cap, 3 * cap),
    epoch: i32.subarray(cap, 2 * cap),
    batch: i32.subarray(2 * cap, 3 * cap),
    tagIndex: i32.subarray(3 * cap, 4 * cap),
    cap,
    f64,
    i32,
  }
}

/**
 * Grows a batch column by column with amortised O(1) appends and no per-row allocation.
 * Used by the monitor (with {@link RecordBatchBuilder.detach} and {@link RecordBatchBuilder.recycle},
 * so steady-state logging allocates no typed arrays) and by stores to assemble query results.
 */
export class RecordBatchBuilder {
  /** The run of every row this builder appends. */
  readonly runId: string
  #n = 0
  #c: Columns
  #free: Columns[] = []
  #lent = new WeakMap<RecordBatch, Columns>()
  #names: string[] = []
  #nameIds = new Map<string, number>()
  #tagSets: Tags[] = []
  #tagIds = new Map<string, number>()
  /**
   * Rows `#runStart` to `#n` (the current run) share the timestamp, epoch, batch and tag set held in
   * `#run`; those four columns are written for the whole run when it ends (a call of
   * {@link RecordBatchBuilder.appendRows} with other values, any other append, finish, detach). A loop
   * logs step after step at one epoch, batch and tag set, and with `clockEvery` at one timestamp for
   * many calls: {@link RecordBatchBuilder.appendRows} then writes three columns per row instead of seven.
   * `#run` is a typed array so that storing the values never boxes a number; NaN at first (no run).
   */
  #runStart = 0
  readonly #run = new Float64Array([Number.NaN, Number.NaN, Number.NaN, Number.NaN])

  constructor(runId: string, capacity = 1024) {
    this.runId = runId
    this.#c = allocColumns(Math.max(1, capacity))
  }

  /** Rows appended since the last {@link RecordBatchBuilder.finish} or {@link RecordBatchBuilder.detach}. */
  get length(): number {
    return this.#n
  }

  /**
   * The metric ids and values of the rows appended so far: rows `0` to `length − 1` of the two arrays
   * returned (their later slots are unspecified). Views of the builder's own columns, not copies: valid
   * until the next append, {@link RecordBatchBuilder.finish} or {@link RecordBatchBuilder.detach}. Lets
   * the monitor fold its statistics from the rows it already buffers instead of once more per value.
   */
  pendingColumns(): {
    /** Each row's metric id (see {@link RecordBatchBuilder.metricId}). */
    readonly metric: Int32Array
    /** Each row's value, NaN and ±Inf as logged. */
    readonly value: Float64Array
  } {
    const c = this.#c
    return { metric: c.i32, value: c.f64 }
  }

  /** Dictionary id of a metric name (added on first use). */
  metricId(name: string): number {
    let id = this.#nameIds.get(name)
    if (id === undefined) {
      id = this.#names.length
      this.#names.push(name)
      this.#nameIds.set(name, id)
    }
    return id
  }

  /** Dictionary id of a tag set (deduplicated by content), or -1 for none. */
  tagSetId(tags: Tags | null | undefined): number {
    if (!tags) return -1
    const keys = Object.keys(tags)
    if (keys.length === 0) return -1
    keys.sort()
    const key = JSON.stringify(keys.map((k) => [k, tags[k]]))
    let id = this.#tagIds.get(key)
    if (id === undefined) {
      id = this.#tagSets.length
      this.#tagSets.push(Object.freeze({ ...tags }))
      this.#tagIds.set(key, id)
    }
    return id
  }

  /** Appends one row; `metricId`/`tagId` come from {@link RecordBatchBuilder.metricId}/{@link RecordBatchBuilder.tagSetId}. */
  append(metricId: number, value: number, step: number, timestampUs: number, epoch = NULL_INT32, batch = NULL_INT32, tagId = -1): void {
    let c = this.#c
    if (this.#n === c.cap) c = this.#grow()
    this.#endRun()
    const i = this.#n++
    this.#runStart = this.#n
    c.metric[i] = metricId
    c.value[i] = value
    c.step[i] = step
    c.ts[i] = timestampUs
    c.epoch[i] = epoch
    c.batch[i] = batch
    c.tagIndex[i] = tagId
  }

  /**
   * Appends `n` rows that share step, timestamp, epoch, batch and tags: row `i` is metric `metricIds[i]`
   * with `values[i]` (one logged step of several metrics), at step `at[0]` and timestamp `at[1]` (µs). The
   * same rows as `n` calls of {@link RecordBatchBuilder.append}, with the columns looked up once; step and
   * timestamp come in a typed array so that no number is boxed when the call is not inlined (the hot path).
   */
  appendRows(metricIds: Int32Array, values: Float64Array, n: number, at: Float64Array, epoch = NULL_INT32, batch = NULL_INT32, tagId = -1): void {
    let c = this.#c
    while (this.#n + n > c.cap) c = this.#grow()
    const at0 = this.#n
    const ts = at[1]!
    const run = this.#run
    // Same timestamp, epoch, batch and tags as the rows before: the run goes on (kept small: the JIT
    // inlines this method into the monitor's per-call path only while its bytecode is small).
    if (ts !== run[0] || epoch !== run[1] || batch !== run[2] || tagId !== run[3] || ts === 0) this.#nextRun(ts, epoch, batch, tagId)
    this.#n = at0 + n
    const step = at[0]!
    // A plain loop: TypedArray#fill is a builtin call, dearer than a few stores for the handful of rows of a
    // step. Metric, value and step are written here; the other four columns when the run ends.
    const { f64, i32, cap } = c
    for (let i = 0, j = at0; i < n; i++, j++) {
      i32[j] = metricIds[i]!
      f64[j] = values[i]!
      f64[cap + j] = step
    }
  }

  /** Starts a run of rows with these values unless they are the current run's (a timestamp of ±0 is told apart from ∓0). */
  #nextRun(ts: number, epoch: number, batch: number, tagId: number): void {
    const run = this.#run
    if (ts === run[0] && epoch === run[1] && batch === run[2] && tagId === run[3] && 1 / ts === 1 / run[0]!) return
    this.#endRun()
    run[0] = ts
    run[1] = epoch
    run[2] = batch
    run[3] = tagId
  }

  /** Writes the run's timestamp, epoch, batch and tag set into its rows; the next run starts at the end. */
  #endRun(): void {
    const from = this.#runStart
    const to = this.#n
    this.#runStart = to
    if (to === from) return
    const { ts, epoch, batch, tagIndex } = this.#c
    const run = this.#run
    const t = run[0]!
    const e = run[1]!
    const b = run[2]!
    const g = run[3]!
    if (to - from < 32) {
      // A short run (a clock read every call that ticks every call): stores, not four builtin calls.
      for (let j = from; j < to; j++) {
        ts[j] = t
        epoch[j] = e
        batch[j] = b
        tagIndex[j] = g
      }
      return
    }
    ts.fill(t, from, to)
    epoch.fill(e, from, to)
    batch.fill(b, from, to)
    tagIndex.fill(g, from, to)
  }

  /** Appends row `i` of another batch, remapping its dictionaries. */
  appendFrom(src: RecordBatch, i: number): void {
    const t = src.tagIndex[i]!
    this.append(
      this.metricId(src.metricNames[src.metric[i]!]!),
      src.value[i]!,
      src.step[i]!,
      src.timestampUs[i]!,
      src.epoch[i]!,
      src.batch[i]!,
      t < 0 ? -1 : this.tagSetId(src.tagSets[t]),
    )
  }

  /** Returns the rows appended so far as a batch that owns its arrays (copied) and starts over; dictionaries are kept. */
  finish(): RecordBatch {
    this.#endRun()
    const n = this.#n
    this.#n = 0
    this.#runStart = 0
    const c = this.#c
    return this.#batch(n, {
      metric: c.metric.slice(0, n),
      value: c.value.slice(0, n),
      step: c.step.slice(0, n),
      ts: c.ts.slice(0, n),
      epoch: c.epoch.slice(0, n),
      batch: c.batch.slice(0, n),
      tagIndex: c.tagIndex.slice(0, n),
    })
  }

  /**
   * Like {@link finish} but without copying: the batch views the builder's arrays, and the builder
   * continues on recycled (or new) arrays. Call {@link recycle} with the batch once nobody reads it
   * any more, so the arrays are reused: allocating fresh typed arrays costs far more than filling them.
   */
  detach(): RecordBatch {
    this.#endRun()
    const n = this.#n
    this.#n = 0
    this.#runStart = 0
    const lent = this.#c
    this.#c = this.#free.pop() ?? allocColumns(lent.cap)
    const b = this.#batch(n, {
      metric: lent.metric.subarray(0, n),
      value: lent.value.subarray(0, n),
      step: lent.step.subarray(0, n),
      ts: lent.ts.subarray(0, n),
      epoch: lent.epoch.subarray(0, n),
      batch: lent.batch.subarray(0, n),
      tagIndex: lent.tagIndex.subarray(0, n),
    })
    this.#lent.set(b, lent)
    return b
  }

  /**
   * Rows of column space a batch made by {@link detach} holds until it is recycled (its capacity, at
   * least its `length`); 0 for any other batch.
   */
  capacityOf(batch: RecordBatch): number {
    return this.#lent.get(batch)?.cap ?? 0
  }

  /** Returns the arrays of a batch made by {@link detach} to the pool. Other batches are ignored. */
  recycle(batch: RecordBatch): void {
    const c = this.#lent.get(batch)
    if (!c) return
    this.#lent.delete(batch)
    if (this.#free.length < 4) this.#free.push(c)
  }

  #batch(n: number, c: Omit<Columns, 'cap' | 'f64' | 'i32'>): RecordBatch {
    return {
      runId: this.runId,
      length: n,
      metricNames: this.#names.slice(),
      metric: c.metric,
      value: c.value,
      step: c.step,
      timestampUs: c.ts,
      epoch: c.epoch,
      batch: c.batch,
      tagSets: this.#tagSets.slice(),
      tagIndex: c.tagIndex,
    }
  }

  #grow(): Columns {
    const old = this.#c
    const next = allocColumns(old.cap * 2)
    next.metric.set(old.metric)
    next.value.set(old.value)
    next.step.set(old.step)
    next.ts.set(old.ts)
    next.epoch.set(old.epoch)
    next.batch.set(old.batch)
    next.tagIndex.set(old.tagIndex)
    this.#c = next
    return next
  }
}

/** Builds a batch from row objects (tests, small tools, the ingest endpoint). Validates every row. */
export function batchFromRows(runId: string, rows: readonly Omit<RecordRow, 'runId'>[]): RecordBatch {
  const b = new RecordBatchBuilder(runId, rows.length)
  for (const r of rows) {
    const err = checkMetricName(r.metric) ?? checkStep(r.step) ?? checkTags(r.tags)
    if (err) throw err
    if (typeof r.value !== 'number') {
      throw new EntrenarError(ErrorCodes.INVALID_VALUE, `entrenar/core: value of ${r.metric} is a ${typeof r.value}, not a number`)
    }
    b.append(b.metricId(r.metric), r.value, r.step, r.timestampUs, r.epoch ?? NULL_INT32, r.batch ?? NULL_INT32, b.tagSetId(r.tags))
  }
  return b.finish()
}

/** Expands a batch into row objects (tests and small tools only). */
export function batchToRows(batch: RecordBatch): RecordRow[] {
  const rows: RecordRow[] = []
  for (let i = 0; i < batch.length; i++) {
    const e = batch.epoch[i]!
    const bt = batch.batch[i]!
    const t = batch.tagIndex[i]!
    rows.push({
      runId: batch.runId,
      metric: batch.metricNames[batch.metric[i]!]!,
      value: batch.value[i]!,
      step: batch.step[i]!,
      timestampUs: batch.timestampUs[i]!,
      epoch: e === NULL_INT32 ? null : e,
      batch: bt === NULL_INT32 ? null : bt,
      tags: t < 0 ? null : batch.tagSets[t]!,
    })
  }
  return rows
}

/** An empty batch of a run. */
export function emptyBatch(runId: string): RecordBatch {
  return new RecordBatchBuilder(runId, 1).finish()
}
