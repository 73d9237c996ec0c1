/**
 * DDSketch: a fully mergeable quantile sketch with relative-error guarantees.
 * Masson, Rim & Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with Relative-Error
 * Guarantees", PVLDB 12(12), 2019. Logarithmic mapping with γ = (1 + α) / (1 − α): a value x > 0
 * goes to bucket ⌈log_γ x⌉ and any quantile is returned within relative error α of a true sample
 * value (as long as no bucket was collapsed). Negative values use a mirrored store; values with
 * |x| below {@link MIN_INDEXABLE} count as zero. Each store is dense with at most `maxBins` buckets
 * and collapses its lowest buckets when the range overflows (the paper's "collapsing lowest dense
 * store", as in Datadog's sketches-js), so memory is bounded whatever the stream.
 *
 * Only finite values are accepted; callers count NaN and ±Inf separately.
 */

/** Smallest magnitude mapped to a bucket; anything smaller is counted as zero. */
export const MIN_INDEXABLE = 1e-300

class DenseStore {
  counts: Float64Array
  offset = 0
  minKey = 0
  maxKey = -1
  total = 0
  collapsed = false
  readonly maxBins: number

  constructor(maxBins: number) {
    this.maxBins = maxBins
    this.counts = new Float64Array(maxBins)
  }

  add(key: number, weight: number): void {
    if (this.total === 0) {
      this.offset = key - (this.maxBins >> 1)
      this.minKey = key
      this.maxKey = key
    } else if (key < this.offset || key >= this.offset + this.maxBins) {
      this.#extend(key)
    }
    if (key < this.minKey) this.minKey = key
    if (key > this.maxKey) this.maxKey = key
    const idx = key < this.offset ? 0 : key - this.offset
    this.counts[idx]! += weight
    this.total += weight
  }

  #extend(key: number): void {
    const lo = Math.min(key, this.minKey)
    const hi = Math.max(key, this.maxKey)
    let newOffset: number
    if (hi - lo + 1 <= this.maxBins) {
      newOffset = lo - ((this.maxBins - (hi - lo + 1)) >> 1)
    } else {
      // Collapse the lowest buckets into the new first bucket (higher quantiles stay exact).
      newOffset = hi - this.maxBins + 1
      this.collapsed = true
    }
    if (newOffset === this.offset) return // already the lowest window that keeps maxKey: key joins bucket 0
    const next = new Float64Array(this.maxBins)
    for (let i = 0; i < this.maxBins; i++) {
      const c = this.counts[i]!
      if (c === 0) continue
      const k = i + this.offset
      const j = k < newOffset ? 0 : k - newOffset
      if (j < this.maxBins) next[j]! += c
      else next[this.maxBins - 1]! += c // cannot happen: hi is inside the new window
    }
    this.counts = next
    this.offset = newOffset
    if (this.minKey < newOffset) this.minKey = newOffset
  }

  /** Key holding the rank-th item in ascending key order (0-based). */
  keyAtRank(rank: number): number {
    let seen = 0
    for (let i = 0; i < this.maxBins; i++) {
      seen += this.counts[i]!
      if (seen > rank) return i + this.offset
    }
    return this.maxKey
  }

  /** Key holding the rank-th item in descending key order (0-based). */
  keyAtRankDesc(rank: number): number {
    let seen = 0
    for (let i = this.maxBins - 1; i >= 0; i--) {
      seen += this.counts[i]!
      if (seen > rank) return i + this.offset
    }
    return this.minKey
  }

  mergeFrom(other: DenseStore): void {
    for (let i = 0; i < other.maxBins; i++) {
      const c = other.counts[i]!
      if (c > 0) this.add(i + other.offset, c)
    }
    this.collapsed ||= other.collapsed
  }

  clear(): void {
    this.counts.fill(0)
    this.total = 0
    this.minKey = 0
    this.maxKey = -1
    this.collapsed = false
  }
}

/** Options of {@link DDSketch}. */
export interface DDSketchOptions {
  /** Relative accuracy α. Default 0.01 (1%). */
  readonly relativeAccuracy?: number
  /** Buckets per store (positive and negative). Default 2048: with α = 1% that spans ~1e-9 … 1e9 before collapsing. */
  readonly maxBins?: number
}

/** A DDSketch over finite numbers. `add` is O(1) and allocation-free. */
export class DDSketch {
  readonly relativeAccuracy: number
  readonly #gamma: number
  readonly #invLogGamma: number
  readonly #pos: DenseStore
  readonly #neg: DenseStore
  #zero = 0

  constructor(options: DDSketchOptions = {}) {
    const a = options.relativeAccuracy ?? 0.01
    if (!(a > 0 && a < 1)) throw new RangeError(`relativeAccuracy ${a} must be in (0, 1)`)
    this.relativeAccuracy = a
    this.#gamma = (1 + a) / (1 - a)
    this.#invLogGamma = 1 / Math.log(this.#gamma)
    const bins = options.maxBins ?? 2048
    this.#pos = new DenseStore(bins)
    this.#neg = new DenseStore(bins)
  }

  /** Number of values added. */
  get count(): number {
    return this.#pos.total + this.#neg.total + this.#zero
  }

  /** True when a store collapsed buckets: the lowest quantiles of that sign lost their guarantee. */
  get collapsed(): boolean {
    return this.#pos.collapsed || this.#neg.collapsed
  }

  /** Adds a finite value (callers filter NaN/±Inf). */
  add(x: number): void {
    if (x > MIN_INDEXABLE) this.#pos.add(Math.ceil(Math.log(x) * this.#invLogGamma), 1)
    else if (x < -MIN_INDEXABLE) this.#neg.add(Math.ceil(Math.log(-x) * this.#invLogGamma), 1)
    else this.#zero++
  }

  /** The q-quantile (0 ≤ q ≤ 1) within relative error α; NaN when empty. */
  quantile(q: number): number {
    const n = this.count
    if (n === 0 || !(q >= 0 && q <= 1)) return Number.NaN
    const rank = q * (n - 1)
    const negN = this.#neg.total
    if (rank < negN) return -this.#value(this.#neg.keyAtRankDesc(rank))
    if (rank < negN + this.#zero) return 0
    return this.#value(this.#pos.keyAtRank(rank - negN - this.#zero))
  }

  /** Folds another sketch with the same α into this one (the union of both streams). */
  merge(other: DDSketch): void {
    if (other.relativeAccuracy !== this.relativeAccuracy) {
      throw new RangeError(`cannot merge sketches with relative accuracy ${other.relativeAccuracy} and ${this.relativeAccuracy}`)
    }
    this.#pos.mergeFrom(other.#pos)
    this.#neg.mergeFrom(other.#neg)
    this.#zero += other.#zero
  }

  clear(): void {
    this.#pos.clear()
    this.#neg.clear()
    this.#zero = 0
  }

  /** Representative value of bucket k: 2γ^k / (γ + 1), the point with equal relative error to both bounds. */
  #value(k: number): number {
    return (2 * this.#gamma ** k) / (this.#gamma + 1)
  }
}
