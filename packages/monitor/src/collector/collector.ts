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
  #count = new Float64Array(INITIAL)
  #mean = new Float64Array(INITIAL)
  #m2 = new Float64Array(INITIAL)
  #min = new Float64Array(INITIAL)
  #max = new Float64Array(INITIAL)
  #sum = new Float64Array(INITIAL)
  #nan = new Float64Array(INITIAL)
  #posInf = new Float64Array(INITIAL)
  #negInf = new Float64Array(INITIAL)
  #last = new Float64Array(INITIAL)
  #sketches: DDSketch[] = []
  readonly #sketchOptions: DDSketchOptions

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
    this.#last[id] = x
    if (x - x !== 0) {
      // NaN or ±Inf: counted apart, never folded into the mean.
      if (x !== x) this.#nan[id]!++
      else if (x > 0) {
        this.#posInf[id]!++
        this.#max[id] = x
      } else {
        this.#negInf[id]!++
        this.#min[id] = x
      }
      return
    }
    const n = this.#count[id]! + 1
    this.#count[id] = n
    const d = x - this.#mean[id]!
    const mean = this.#mean[id]! + d / n
    this.#mean[id] = mean
    this.#m2[id]! += d * (x - mean)
    this.#sum[id]! += x
    if (x < this.#min[id]!) this.#min[id] = x
    if (x > this.#max[id]!) this.#max[id] = x
    this.#sketches[id]!.add(x)
  }

  /**
   * Records `count` values, `values[i]` for metric `ids[i]` (the monitor's per-call path: the values
   * stay unboxed in typed arrays instead of crossing a call each).
   */
  recordIds(ids: Int32Array, values: Float64Array, count: number): void {
    for (let i = 0; i < count; i++) this.recordId(ids[i]!, values[i]!)
  }

  /** Records one value by name (registers the metric on first use). */
  record(name: string, x: number): void {
    if (typeof x !== 'number') throw new EntrenarError(ErrorCodes.INVALID_VALUE, `entrenar/monitor: value of ${name} is a ${typeof x}, not a number`)
    this.recordId(this.metricId(name), x)
  }

  /** Every sample of a metric (finite + NaN + ±Inf); 0 when never recorded. */
  sampleCount(name: string): number {
    const id = this.#ids.get(name)
    return id === undefined ? 0 : this.#samples(id)
  }

  /** Statistics of one metric, or undefined when never recorded. */
  stats(name: string): MetricStats | undefined {
    const id = this.#ids.get(name)
    return id === undefined ? undefined : this.#stats(id)
  }

  /** Statistics of every metric with at least one sample, keyed by name, in registration order
   * (a metric registered ahead, e.g. for its detectors, appears once it is measured). */
  summary(): Record<string, MetricStats> {
    const out: Record<string, MetricStats> = {}
    for (let id = 0; id < this.#names.length; id++) if (this.#samples(id) > 0) out[this.#names[id]!] = this.#stats(id)
    return out
  }

  /**
   * Folds another collector into this one (Chan, Golub & LeVeque 1979 for the pairwise variance;
   * sketch merge per DDSketch). Used to combine the collectors of several workers.
   */
  merge(other: MetricsCollector): void {
    for (let j = 0; j < other.#names.length; j++) {
      const id = this.metricId(other.#names[j]!)
      const na = this.#count[id]!
      const nb = other.#count[j]!
      if (nb > 0) {
        const n = na + nb
        const d = other.#mean[j]! - this.#mean[id]!
        this.#mean[id] = this.#mean[id]! + (d * nb) / n
        this.#m2[id] = this.#m2[id]! + other.#m2[j]! + (d * d * na * nb) / n
        this.#count[id] = n
        this.#sum[id]! += other.#sum[j]!
        this.#sketches[id]!.merge(other.#sketches[j]!)
      }
      if (other.#min[j]! < this.#min[id]!) this.#min[id] = other.#min[j]!
      if (other.#max[j]! > this.#max[id]!) this.#max[id] = other.#max[j]!
      this.#nan[id]! += other.#nan[j]!
      this.#posInf[id]! += other.#posInf[j]!
      this.#negInf[id]! += other.#negInf[j]!
      if (other.#samples(j) > 0) this.#last[id] = other.#last[j]!
    }
  }

  /** Forgets every value (metric ids stay valid). */
  clear(): void {
    for (let id = 0; id < this.#names.length; id++) this.#reset(id)
  }

  #samples(id: number): number {
    return this.#count[id]! + this.#nan[id]! + this.#posInf[id]! + this.#negInf[id]!
  }

  #stats(id: number): MetricStats {
    const n = this.#count[id]!
    const sk = this.#sketches[id]!
    // A true quantile lies in [min, max]; the sketch's ±1% estimate is clamped into that range.
    const q = (p: number) => Math.min(Math.max(sk.quantile(p), this.#min[id]!), this.#max[id]!)
    return {
      count: n,
      mean: n > 0 ? this.#mean[id]! : 0,
      std: n > 1 ? Math.sqrt(this.#m2[id]! / (n - 1)) : 0,
      min: this.#min[id]!,
      max: this.#max[id]!,
      sum: this.#sum[id]!,
      nanCount: this.#nan[id]!,
      posInfCount: this.#posInf[id]!,
      negInfCount: this.#negInf[id]!,
      samples: this.#samples(id),
      p50: q(0.5),
      p90: q(0.9),
      p99: q(0.99),
      last: this.#samples(id) > 0 ? this.#last[id]! : Number.NaN,
    }
  }

  #register(name: string): number {
    const id = this.#names.length
    if (id === this.#count.length) this.#grow()
    this.#names.push(name)
    this.#ids.set(name, id)
    this.#sketches.push(new DDSketch(this.#sketchOptions))
    this.#reset(id)
    return id
  }

  #reset(id: number): void {
    this.#count[id] = 0
    this.#mean[id] = 0
    this.#m2[id] = 0
    this.#sum[id] = 0
    this.#min[id] = Number.POSITIVE_INFINITY
    this.#max[id] = Number.NEGATIVE_INFINITY
    this.#nan[id] = 0
    this.#posInf[id] = 0
    this.#negInf[id] = 0
    this.#last[id] = Number.NaN
    this.#sketches[id]?.clear()
  }

  #grow(): void {
    const grow = (a: Float64Array) => {
      const b = new Float64Array(a.length * 2)
      b.set(a)
      return b
    }
    this.#count = grow(this.#count)
    this.#mean = grow(this.#mean)
    this.#m2 = grow(this.#m2)
    this.#min = grow(this.#min)
    this.#max = grow(this.#max)
    this.#sum = grow(this.#sum)
    this.#nan = grow(this.#nan)
    this.#posInf = grow(this.#posInf)
    this.#negInf = grow(this.#negInf)
    this.#last = grow(this.#last)
  }
}
