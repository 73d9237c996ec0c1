import { checkMetricName, EntrenarError, ErrorCodes } from '@entrenar/core'
import { DDSketch, type DDSketchOptions } from './ddsketch.js'

/**
 * Running statistics of one metric.
 *
 * NaN and ±Inf are counted apart and never folded into `count`, `mean`, `std` or `sum`; ±Inf
 * does move `min`/`max` (as the Rust reference does), NaN does not. `std` is the sample standard
 * deviation (n − 1), 0 below two values. Quantiles come from a DDSketch (relative error ≤ 1%).
 */
export interface MetricStats {
  /** Finite values. */
  readonly count: number
  /** Mean of the finite values (0 before the first one). */
  readonly mean: number
  /** Sample standard deviation of the finite values (n − 1 in the denominator; 0 below two values). */
  readonly std: number
  /** Smallest non-NaN value (may be −Inf); +Inf when there is none. */
  readonly min: number
  /** Largest non-NaN value (may be +Inf); −Inf when there is none. */
  readonly max: number
  /** Sum of the finite values. */
  readonly sum: number
  /** NaN samples (kept out of every other statistic). */
  readonly nanCount: number
  /** +Inf samples. */
  readonly posInfCount: number
  /** −Inf samples. */
  readonly negInfCount: number
  /** Every sample: finite + NaN + ±Inf. */
  readonly samples: number
  /** Median of the finite values, from the DDSketch (±1 % relative error, clamped into [min, max]). */
  readonly p50: number
  /** 90th percentile, as `p50`. */
  readonly p90: number
  /** 99th percentile, as `p50`. */
  readonly p99: number
  /** Last value recorded (NaN and ±Inf included). */
  readonly last: number
}

const INITIAL = 16
/** Slots per metric in the statistics array, and their offsets. */
const STRIDE = 16
const COUNT = 0
const MEAN = 1
const M2 = 2
const SUM = 3
const MIN = 4
const MAX = 5
const NAN = 6
const POS_INF = 7
const NEG_INF = 8
const LAST = 9

/**
 * Per-metric running statistics: Welford's online mean/variance (Welford 1962; Knuth TAOCP vol. 2,
 * §4.2.2), min/max/sum, NaN/Inf counters and a DDSketch per metric. Struct-of-arrays storage keyed
 * by a dense metric id: `recordId` is O(1) and allocation-free. Memory is O(metrics).
 *
 * @example
 * ```ts
 * const c = new MetricsCollector()
 * const loss = c.metricId('loss')
 * c.recordId(loss, 0.7)
 * c.stats('loss')?.mean
 * ```
 */
export class MetricsCollector {
  #names: string[] = []
  #ids = new Map<string, number>()
  /**
   * The running statistics of every metric in one array, {@link STRIDE} slots per metric (count, mean,
   * M2, sum, min, max, NaN, +Inf, −Inf, last): one typed array read per value instead of one per
   * statistic, and a metric's slots share a cache line.
   */
  #s = new Float64Array(INITIAL * STRIDE)
  #sketches: DDSketch[] = []
  readonly #sketchOptions: DDSketchOptions
  /** Index of a double's high 32-bit word in a `Uint32Array` view of it (the platform's endianness). */
  readonly #hi = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0
  readonly #lo = 1 - this.#hi
  /** Values recorded elsewhere and not folded yet (see {@link MetricsCollector.deferTo}): folded before any read or record. */
  #pull: (() => void) | undefined
  /**
   * A 32-bit view of the buffer of the last values given to {@link MetricsCollector.recordColumns}: each
   * value's bits are read in place (no store and reload through a scratch double). Made again only when the
   * values come in another buffer (the monitor's batch columns change once per batch).
   */
  #colWords: Uint32Array<ArrayBufferLike> = new Uint32Array(0)

  /**
   * Lets an owner buffer values and fold them later with {@link MetricsCollector.recordColumns}: `pull` is
   * called before every read (`stats`, `summary`, `sampleCount`, `merge`, `clear`) and every record, and
   * must fold everything buffered, in order, so every observation sees exactly the statistics of the
   * value-by-value path. The monitor uses it to fold from the batch rows it builds anyway.
   * @internal
   */
  deferTo(pull: (() => void) | undefined): void {
    this.#pull = pull
  }

  constructor(options: { sketch?: DDSketchOptions } = {}) {
    this.#sketchOptions = options.sketch ?? {}
  }

  /** Metric names in id order. */
  get metrics(): readonly string[] {
    return this.#names
  }

  /** Id of a metric, registering it on first use. Throws `ENTRENAR_INVALID_METRIC_NAME` for a bad name. */
  metricId(name: string): number {
    const id = this.#ids.get(name)
    if (id !== undefined) return id
    const err = checkMetricName(name)
    if (err) throw err
    return this.#register(name)
  }

  /** Id of a metric already seen, or undefined. */
  idOf(name: string): number | undefined {
    return this.#ids.get(name)
  }

  /** Records one value by metric id (hot path: O(1), no allocation). */
  recordId(id: number, x: number): void {
    if (this.#pull !== undefined) this.#pull()
    // The slot offsets are written as literals here (LAST 9, NAN 6, POS_INF 7, MAX 5, NEG_INF 8, MIN 4,
    // COUNT 0, MEAN 1, M2 2, SUM 3; STRIDE 16): once bundled, a module-level constant is a `var` the JIT
    // loads from the module context and checks at every use, a dozen times per value here.
    const s = this.#s
    const o = id * 16
    s[o + 9] = x
    if (x - x !== 0) {
      // NaN or ±Inf: counted apart, never folded into the mean.
      if (x !== x) s[o + 6]!++
      else if (x > 0) {
        s[o + 7]!++
        s[o + 5] = x
      } else {
        s[o + 8]!++
        s[o + 4] = x
      }
      return
    }
    const n = s[o]! + 1
    s[o] = n
    const m = s[o + 1]!
    const d = x - m
    const mean = m + d / n
    s[o + 1] = mean
    s[o + 2]! += d * (x - mean)
    s[o + 3]! += x
    if (x < s[o + 4]!) s[o + 4] = x
    if (x > s[o + 5]!) s[o + 5] = x
    this.#sketches[id]!.add(x)
  }

  /**
   * Records `count` values, `values[i]` for metric `ids[i]` (the monitor's per-call path: the values
   * stay unboxed in typed arrays instead of crossing a call each), and returns how many were NaN or ±Inf.
   * The same statistics as `recordId` value by value; the loop reads each value's bits in place through a
   * 32-bit view of `values`' buffer (kept while the same buffer comes back) and hands them to the metric's
   * sketch ({@link DDSketch.addWords}), with every field it needs loaded once per call rather than once per value.
   */
  recordIds(ids: Int32Array, values: Float64Array, count: number): number {
    if (this.#pull !== undefined) this.#pull()
    return this.recordColumns(ids, values, 0, count)
  }

  /**
   * Records `values[i]` for metric `ids[i]`, `from ≤ i < to` (rows of buffered columns), and returns how
   * many were NaN or ±Inf: the loop of {@link MetricsCollector.recordIds}, without folding what a
   * {@link MetricsCollector.deferTo} owner buffers (that owner calls it to fold).
   * @internal
   */
  recordColumns(ids: Int32Array, values: Float64Array, from: number, to: number): number {
    // Slot offsets as literals, as in recordId.
    const s = this.#s
    const sketches = this.#sketches
    let words = this.#colWords
    if (words.buffer !== values.buffer) {
      words = new Uint32Array(values.buffer)
      this.#colWords = words
    }
    const base = values.byteOffset >> 2
    const hiWord = base + this.#hi
    const loWord = base + this.#lo
    let nonFinite = 0
    for (let i = from; i < to; i++) {
      const id = ids[i]!
      const x = values[i]!
      const o = id * 16
      s[o + 9] = x
      if (x - x !== 0) {
        nonFinite++
        if (x !== x) s[o + 6]!++
        else if (x > 0) {
          s[o + 7]!++
          s[o + 5] = x
        } else {
          s[o + 8]!++
          s[o + 4] = x
        }
        continue
      }
      const n = s[o]! + 1
      s[o] = n
      const m = s[o + 1]!
      const d = x - m
      const mean = m + d / n
      s[o + 1] = mean
      s[o + 2]! += d * (x - mean)
      s[o + 3]! += x
      if (x < s[o + 4]!) s[o + 4] = x
      if (x > s[o + 5]!) s[o + 5] = x
      sketches[id]!.addWords(x, words[hiWord + 2 * i]!, words[loWord + 2 * i]!)
    }
    return nonFinite
  }

  /** Records one value by name (registers the metric on first use). */
  record(name: string, x: number): void {
    if (typeof x !== 'number') throw new EntrenarError(ErrorCodes.INVALID_VALUE, `entrenar/monitor: value of ${name} is a ${typeof x}, not a number`)
    this.recordId(this.metricId(name), x)
  }

  /** Every sample of a metric (finite + NaN + ±Inf); 0 when never recorded. */
  sampleCount(name: string): number {
    if (this.#pull !== undefined) this.#pull()
    const id = this.#ids.get(name)
    return id === undefined ? 0 : this.#samples(id)
  }

  /** Statistics of one metric, or undefined when never recorded. */
  stats(name: string): MetricStats | undefined {
    if (this.#pull !== undefined) this.#pull()
    const id = this.#ids.get(name)
    return id === undefined ? undefined : this.#stats(id)
  }

  /** Statistics of every metric with at least one sample, keyed by name, in registration order
   * (a metric registered ahead, e.g. for its detectors, appears once it is measured). */
  summary(): Record<string, MetricStats> {
    if (this.#pull !== undefined) this.#pull()
    const out: Record<string, MetricStats> = {}
    // Defined, not assigned: a metric named `__proto__` is an own key like any other (an assignment would
    // set the object's prototype instead and the metric would vanish from the summary).
    for (let id = 0; id < this.#names.length; id++) {
      if (this.#samples(id) > 0) Object.defineProperty(out, this.#names[id]!, { value: this.#stats(id), enumerable: true, writable: true, configurable: true })
    }
    return out
  }

  /**
   * Folds another collector into this one (Chan, Golub & LeVeque 1979 for the pairwise variance;
   * sketch merge per DDSketch). Used to combine the collectors of several workers.
   */
  merge(other: MetricsCollector): void {
    if (this.#pull !== undefined) this.#pull()
    if (other.#pull !== undefined) other.#pull()
    for (let j = 0; j < other.#names.length; j++) {
      const id = this.metricId(other.#names[j]!)
      const s = this.#s
      const t = other.#s
      const o = id * STRIDE
      const p = j * STRIDE
      const na = s[o + COUNT]!
      const nb = t[p + COUNT]!
      if (nb > 0) {
        const n = na + nb
        const d = t[p + MEAN]! - s[o + MEAN]!
        s[o + MEAN] = s[o + MEAN]! + (d * nb) / n
        s[o + M2] = s[o + M2]! + t[p + M2]! + (d * d * na * nb) / n
        s[o + COUNT] = n
        s[o + SUM]! += t[p + SUM]!
        this.#sketches[id]!.merge(other.#sketches[j]!)
      }
      if (t[p + MIN]! < s[o + MIN]!) s[o + MIN] = t[p + MIN]!
      if (t[p + MAX]! > s[o + MAX]!) s[o + MAX] = t[p + MAX]!
      s[o + NAN]! += t[p + NAN]!
      s[o + POS_INF]! += t[p + POS_INF]!
      s[o + NEG_INF]! += t[p + NEG_INF]!
      if (other.#samples(j) > 0) s[o + LAST] = t[p + LAST]!
    }
  }

  /** Forgets every value (metric ids stay valid). */
  clear(): void {
    if (this.#pull !== undefined) this.#pull()
    for (let id = 0; id < this.#names.length; id++) this.#reset(id)
  }

  #samples(id: number): number {
    const s = this.#s
    const o = id * STRIDE
    return s[o + COUNT]! + s[o + NAN]! + s[o + POS_INF]! + s[o + NEG_INF]!
  }

  #stats(id: number): MetricStats {
    const s = this.#s
    const o = id * STRIDE
    const n = s[o + COUNT]!
    const min = s[o + MIN]!
    const max = s[o + MAX]!
    const sk = this.#sketches[id]!
    // A true quantile lies in [min, max]; the sketch's ±1% estimate is clamped into that range.
    const q = (p: number) => Math.min(Math.max(sk.quantile(p), min), max)
    const samples = this.#samples(id)
    return {
      count: n,
      mean: n > 0 ? s[o + MEAN]! : 0,
      std: n > 1 ? Math.sqrt(s[o + M2]! / (n - 1)) : 0,
      min,
      max,
      sum: s[o + SUM]!,
      nanCount: s[o + NAN]!,
      posInfCount: s[o + POS_INF]!,
      negInfCount: s[o + NEG_INF]!,
      samples,
      p50: q(0.5),
      p90: q(0.9),
      p99: q(0.99),
      last: samples > 0 ? s[o + LAST]! : Number.NaN,
    }
  }

  #register(name: string): number {
    const id = this.#names.length
    if ((id + 1) * STRIDE > this.#s.length) {
      const grown = new Float64Array(this.#s.length * 2)
      grown.set(this.#s)
      this.#s = grown
    }
    this.#names.push(name)
    this.#ids.set(name, id)
    this.#sketches.push(new DDSketch(this.#sketchOptions))
    this.#reset(id)
    return id
  }

  #reset(id: number): void {
    const s = this.#s
    const o = id * STRIDE
    s.fill(0, o, o + STRIDE)
    s[o + MIN] = Number.POSITIVE_INFINITY
    s[o + MAX] = Number.NEGATIVE_INFINITY
    s[o + LAST] = Number.NaN
    this.#sketches[id]?.clear()
  }
}
