import { NULL_INT32, type Tags } from '@entrenar/core'
import type { Recorder } from './recorder.js'

/** Options of {@link Monitor.metrics}. */
export interface BoundMetricsOptions {
  /** Labels of every row logged through the handle, e.g. `{ split: 'val' }`. Validated once, here. */
  readonly tags?: Tags
  /** Initial epoch of the rows (see {@link BoundMetrics.epoch}). */
  readonly epoch?: number
  /** Initial batch of the rows (see {@link BoundMetrics.batch}). */
  readonly batch?: number
}

/**
 * A fixed list of metrics bound once for the training loop's hot path (as prom-client binds label
 * values with `labels()` and OpenTelemetry binds an instrument once with `createHistogram()`): the
 * names are checked and resolved to ids when the handle is made, so a call costs no name lookup, no
 * object literal and no allocation. Rows, statistics, detectors, the alert policy (a non-finite `loss`
 * stops the line in that very call), batches and sinks see exactly what `monitor.log()` would make of
 * the same values at the same step.
 *
 * @example
 * ```ts
 * const train = monitor.metrics(['loss', 'accuracy'])
 * for (let step = 0; step < steps && !monitor.signal.aborted; step++) {
 *   const r = model.step()
 *   train.log(step, r.loss, r.accuracy) // same rows as monitor.log({ loss: r.loss, accuracy: r.accuracy }, { step })
 * }
 * ```
 */
export interface BoundMetrics {
  /** The metrics, in the order their values are passed. */
  readonly names: readonly string[]
  /** The tags of every row, when given. */
  readonly tags: Tags | undefined
  /**
   * Epoch stored with the following rows; `undefined` stores it as absent. A value that is not an
   * integer in [0, 2^31) goes to `onError` and is stored as absent, as with `log()`.
   */
  epoch: number | undefined
  /** Batch within the epoch stored with the following rows; same rules as {@link BoundMetrics.epoch}. */
  batch: number | undefined
  /**
   * Records one value per metric, in {@link BoundMetrics.names} order, at `step` (a safe integer; steps
   * that go backwards are kept). Passing fewer values logs only those (as a key missing from the
   * object given to `log()`); surplus values go to `onError`. Takes up to eight values (a ninth and later
   * ones are reported and dropped: use {@link BoundMetrics.record} for wider handles). Synchronous, never
   * throws; no allocation per value (bench/alloc.bench.mjs: ~8 B per call, the amortised share of batch
   * hand-offs, once the JIT inlined it into the loop; otherwise JavaScript may box each number passed).
   */
  log(step: number, ...values: number[]): void
  /**
   * Like {@link BoundMetrics.log} with the values in an array, any number of them. With one reused
   * `Float64Array` no value is ever boxed (bench/alloc.bench.mjs: ~8 B per call, batch hand-offs amortised).
   */
  record(step: number, values: ArrayLike<number>): void
}

class BoundMetricsImpl implements BoundMetrics {
  readonly names: readonly string[]
  readonly tags: Tags | undefined
  readonly #ids: Int32Array
  /** The call's valid values and their ids (a value that is not a number is left out). */
  readonly #callIds: Int32Array
  readonly #callVals: Float64Array
  /** The values of a `log()` call, in parameter order. */
  readonly #args = new Float64Array(8)
  readonly #recorder: Recorder
  readonly #tagId: number
  #epoch: number | undefined
  #batch: number | undefined
  #epochStored = NULL_INT32
  #batchStored = NULL_INT32

  constructor(recorder: Recorder, names: readonly string[], ids: readonly number[], tags: Tags | undefined, tagId: number, options: BoundMetricsOptions) {
    this.#recorder = recorder
    this.names = Object.freeze(names.slice())
    this.#ids = Int32Array.from(ids)
    this.#callIds = new Int32Array(ids.length)
    this.#callVals = new Float64Array(ids.length)
    this.tags = tags
    this.#tagId = tagId
    this.epoch = options.epoch
    this.batch = options.batch
  }

  get epoch(): number | undefined {
    return this.#epoch
  }

  set epoch(x: number | undefined) {
    this.#epoch = x
    this.#epochStored = this.#recorder.int(x, 'epoch')
  }

  get batch(): number | undefined {
    return this.#batch
  }

  set batch(x: number | undefined) {
    this.#batch = x
    this.#batchStored = this.#recorder.int(x, 'batch')
  }

  // Up to eight values arrive as parameters, not as a rest array (which is allocated on every call), and
  // are stored straight into a Float64Array, so they are never boxed. The method stays small enough for
  // the JIT to inline it into the training loop. Only `arguments.length` is read (a use of `arguments`
  // as a value would allocate it). A call with a value that is not a number takes the array path.
  log(step: number, v0?: number, v1?: number, v2?: number, v3?: number, v4?: number, v5?: number, v6?: number, v7?: number): void {
    // biome-ignore lint/complexity/noArguments: the count tells a value passed as undefined (reported) from one not passed, without a rest array
    const passed = arguments.length - 1
    const given = Math.min(passed, 8)
    if (
      (given > 0 && typeof v0 !== 'number') ||
      (given > 1 && typeof v1 !== 'number') ||
      (given > 2 && typeof v2 !== 'number') ||
      (given > 3 && typeof v3 !== 'number') ||
      (given > 4 && typeof v4 !== 'number') ||
      (given > 5 && typeof v5 !== 'number') ||
      (given > 6 && typeof v6 !== 'number') ||
      (given > 7 && typeof v7 !== 'number')
    ) {
      this.record(step, [v0, v1, v2, v3, v4, v5, v6, v7].slice(0, given) as number[])
      return
    }
    const a = this.#args
    if (given > 0) a[0] = v0!
    if (given > 1) a[1] = v1!
    if (given > 2) a[2] = v2!
    if (given > 3) a[3] = v3!
    if (given > 4) a[4] = v4!
    if (given > 5) a[5] = v5!
    if (given > 6) a[6] = v6!
    if (given > 7) a[7] = v7!
    this.#logArgs(step, given, passed)
  }

  /** The rest of {@link log}: the first `given` of the `passed` values sit in `#args`. */
  #logArgs(step: number, given: number, passed: number): void {
    const r = this.#recorder
    if (!r.begin(step)) return
    const ids = this.#ids
    if (passed > ids.length) r.surplus(this.names, passed, step)
    else if (passed > given) r.beyondEight(this.names, passed, step)
    r.commit(ids, this.#args, Math.min(given, ids.length), step, this.#epochStored, this.#batchStored, this.#tagId)
  }

  record(step: number, values: ArrayLike<number>): void {
    const r = this.#recorder
    if (!r.begin(step)) return
    const n = r.gather(this.names, this.#ids, values, step, this.#callIds, this.#callVals)
    r.commit(this.#callIds, this.#callVals, n, step, this.#epochStored, this.#batchStored, this.#tagId)
  }
}

/** Makes a handle over metrics already registered with the recorder under `ids` (see `Monitor.metrics`). */
export function createBoundMetrics(recorder: Recorder, names: readonly string[], ids: readonly number[], tags: Tags | undefined, tagId: number, options: BoundMetricsOptions): BoundMetrics {
  return new BoundMetricsImpl(recorder, names, ids, tags, tagId, options)
}
