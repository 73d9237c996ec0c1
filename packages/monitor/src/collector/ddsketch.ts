/**
 * DDSketch: a fully mergeable quantile sketch with relative-error guarantees.
 * Masson, Rim & Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with Relative-Error
 * Guarantees", PVLDB 12(12), 2019, with γ = (1 + α) / (1 − α): every bucket spans a ratio of at most
 * γ, so any quantile is returned within relative error α of a true sample value (as long as no bucket
 * was collapsed). The index is not ⌈log_γ x⌉ but the paper's fast variant, as Datadog's sketches-java
 * `QuadraticallyInterpolatedMapping`: x = 2^e·(1 + t) is split by its IEEE-754 bits and log₂ x is
 * approximated by L(x) = e + (4t − t²)/3, exact at powers of two, increasing, with dL/d(ln x) between
 * 4/3 and 3/2; buckets ⌈L(x)·m⌉ with m = 3 / (4 ln γ) therefore still span at most γ (≈ 8% more buckets
 * than the logarithmic mapping) and no `Math.log` is computed per value. Negative values use a mirrored store; values with
 * |x| below {@link MIN_INDEXABLE} count as zero. Each store is dense with at most `maxBins` buckets
 * and collapses its lowest buckets when the range overflows (the paper's "collapsing lowest dense
 * store", as in Datadog's sketches-js), so memory is bounded whatever the stream.
 *
 * Only finite values are accepted; callers count NaN and ±Inf separately.
 */

/** Smallest magnitude mapped to a bucket; anything smaller is counted as zero. */
export const MIN_INDEXABLE = 1e-300

/** Index of the high 32-bit word of a double in a `Uint32Array` view of it (the platform's endianness). */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0

// Hot-path note: the bundler turns module-level `const`s into `var`s, which the JIT reads from the module
// context and re-checks on every use; what `add` needs per value (the bit view, the word order, the
// smallest indexable magnitude) therefore lives on the instance or in literals, where the compiled code
// sees it as a fixed field of a known shape.

/** Inverse of the interpolated log₂ (see {@link DDSketch.addWords}) without the power of two: 1 + t = 3 − √(4 − 3f) for the fraction f ∈ [0, 1) of y. */
function significand(y: number): number {
  return 3 - Math.sqrt(4 - 3 * (y - Math.floor(y)))
}

class DenseStore {
  counts: Float64Array
  offset = 0
  total = 0
  collapsed = false
  /** True after this store collapsed: its window then ends at its largest key (until cleared). */
  #topped = false
  readonly maxBins: number
  /** `maxBins` once the store holds values, 0 while it is empty: the fast path's one bound for both tests. */
  #limit = 0

  constructor(maxBins: number) {
    this.maxBins = maxBins
    this.counts = new Float64Array(maxBins)
  }

  // The smallest and largest keys held are not tracked per value: they are the first and last non-empty
  // buckets (after a collapse the lowest keys are merged into bucket 0, which is what the window logic
  // needs of them), found by a scan in the rare calls that move the window.

  add(key: number, weight: number): void {
    // The common case first: a key inside the window of a store that holds values already.
    const i = key - this.offset
    if (i >= 0 && i < this.#limit) {
      this.counts[i]! += weight
      this.total += weight
      return
    }
    this.#addSlow(key, weight)
  }

  #addSlow(key: number, weight: number): void {
    if (this.total === 0) this.offset = key - (this.maxBins >> 1)
    // Below the window of a store that collapsed: its window already ends at the largest key, so the key
    // joins bucket 0 (O(1), however often a stream reaches below the span).
    else if (!(this.#topped && key < this.offset) && (key < this.offset || key >= this.offset + this.maxBins)) this.#extend(key)
    const idx = key < this.offset ? 0 : key - this.offset
    this.counts[idx]! += weight
    this.total += weight
    this.#limit = this.maxBins
  }

  /** Index of the first non-empty bucket (the store holds values). */
  #lowIndex(): number {
    let i = 0
    while (i < this.maxBins - 1 && this.counts[i] === 0) i++
    return i
  }

  /** Index of the last non-empty bucket (the store holds values). */
  #highIndex(): number {
    let i = this.maxBins - 1
    while (i > 0 && this.counts[i] === 0) i--
    return i
  }

  #extend(key: number): void {
    const lo = Math.min(key, this.#lowIndex() + this.offset)
    const hi = Math.max(key, this.#highIndex() + this.offset)
    let newOffset: number
    if (hi - lo + 1 <= this.maxBins) {
      newOffset = lo - ((this.maxBins - (hi - lo + 1)) >> 1)
      this.#topped = false
    } else {
      // Collapse the lowest buckets into the new first bucket (higher quantiles stay exact).
      newOffset = hi - this.maxBins + 1
      this.collapsed = true
      this.#topped = true
    }
    if (newOffset === this.offset) return // already the lowest window that keeps the largest key: key joins bucket 0
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
  }

  /** Key holding the rank-th item in ascending key order (0-based). */
  keyAtRank(rank: number): number {
    let seen = 0
    for (let i = 0; i < this.maxBins; i++) {
      seen += this.counts[i]!
      if (seen > rank) return i + this.offset
    }
    return this.#highIndex() + this.offset
  }

  /** Key holding the rank-th item in descending key order (0-based). */
  keyAtRankDesc(rank: number): number {
    let seen = 0
    for (let i = this.maxBins - 1; i >= 0; i--) {
      seen += this.counts[i]!
      if (seen > rank) return i + this.offset
    }
    return this.#lowIndex() + this.offset
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
    this.#limit = 0
    this.collapsed = false
    this.#topped = false
  }
}

/** Options of {@link DDSketch}. */
export interface DDSketchOptions {
  /** Relative accuracy α. Default 0.01 (1%). */
  readonly relativeAccuracy?: number
  /** Buckets per store (positive and negative). Default 2048: with α = 1% that spans ~16 decades (e.g. 1e-8 … 1e8) before collapsing. */
  readonly maxBins?: number
}

/** A DDSketch over finite numbers. `add` is O(1) and allocation-free. */
export class DDSketch {
  /** The relative accuracy α the sketch was made with: every quantile is within ±α of a true value. */
  readonly relativeAccuracy: number
  /** Buckets per unit of the interpolated log₂ (see {@link DDSketch.addWords}): 3 / (4 ln γ). */
  readonly #multiplier: number
  /** {@link DDSketch.#multiplier} / 3. */
  readonly #multiplier3: number
  /** True when every key fits an int32 (see {@link DDSketch.add}). */
  readonly #intKeys: boolean
  readonly #pos: DenseStore
  readonly #neg: DenseStore
  #zero = 0
  /** One double and a view of its two 32-bit words: the value's bits are read through them. */
  readonly #bits = new Float64Array(1)
  readonly #words = new Uint32Array(this.#bits.buffer)
  /** Index of the high word in {@link DDSketch.#words} (sign, exponent, top 20 bits of the significand). */
  readonly #hi = HI
  readonly #lo = 1 - HI

  constructor(options: DDSketchOptions = {}) {
    const a = options.relativeAccuracy ?? 0.01
    if (!(a > 0 && a < 1)) throw new RangeError(`relativeAccuracy ${a} must be in (0, 1)`)
    this.relativeAccuracy = a
    this.#multiplier = 3 / (4 * Math.log((1 + a) / (1 - a)))
    this.#multiplier3 = this.#multiplier / 3
    // |key| ≤ (1024 + 1075)·m over every double (log₂ of the largest and smallest magnitudes, with margin).
    this.#intKeys = 2100 * this.#multiplier < 2 ** 31
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
    this.#bits[0] = x
    const w = this.#words
    this.addWords(x, w[this.#hi]!, w[this.#lo]!)
  }

  /**
   * Adds a finite value whose IEEE-754 bits the caller has read already: `hi` and `lo` are the high and
   * low 32-bit words of `x` (unsigned). The collector's batched path reads them once per call through
   * one view for every metric; {@link DDSketch.add} is this with the sketch's own view.
   *
   * The key is ⌈L(|x|)·m⌉ with L(x) = e + (4t − t²)/3 for x = 2^e·(1 + t), t ∈ [0, 1), the interpolated
   * log₂ read from the bits (the sign bit is masked off: −x has the bits of x but the sign).
   * `#multiplier3` is m / 3, folded so no division is made per value.
   */
  addWords(x: number, hi: number, lo: number): void {
    const t = (hi & 0xfffff) * 2 ** -20 + lo * 2 ** -52
    const k = Math.ceil((((hi >>> 20) & 0x7ff) - 1023) * this.#multiplier + (4 - t) * t * this.#multiplier3)
    // Keys as int32 when they fit (every α above ~4e-7): integer arithmetic in the stores, and −0 becomes 0.
    // The wide case is its own method, so that the stores' index arithmetic here only ever sees int32
    // keys (a key that may be either makes the JIT compile it as float arithmetic).
    // 1e-300 is MIN_INDEXABLE, written as a literal (see the note on module-level constants above).
    if (!this.#intKeys) this.#addWide(x, k)
    else if (x > 1e-300) this.#pos.add(k | 0, 1)
    else if (x < -1e-300) this.#neg.add(k | 0, 1)
    else this.#zero++
  }

  /** {@link DDSketch.addWords} for a sketch whose keys may not fit an int32 (α below ~4e-7). */
  #addWide(x: number, k: number): void {
    if (x > 1e-300) this.#pos.add(k, 1)
    else if (x < -1e-300) this.#neg.add(k, 1)
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

  /** Empties the sketch (every bucket and the zero count); the relative accuracy stays. */
  clear(): void {
    this.#pos.clear()
    this.#neg.clear()
    this.#zero = 0
  }

  /**
   * Representative value of bucket k, whose values lie in (lo, hi] with hi ≤ γ·lo: the harmonic mean
   * 2·lo·hi / (lo + hi), the point with equal relative error (hi − lo) / (hi + lo) ≤ α to both bounds.
   */
  #value(k: number): number {
    const y1 = (k - 1) / this.#multiplier
    const y2 = k / this.#multiplier
    const e = Math.floor(y1)
    // lo = 2^e·a and hi = 2^e·b; the power of two is applied last, so a bucket near 2^1024 cannot
    // overflow before the mean is taken (the result is capped at the largest double).
    const a = significand(y1)
    const b = significand(y2) * 2 ** (Math.floor(y2) - e)
    return Math.min(2 ** e * ((2 * a * b) / (a + b)), Number.MAX_VALUE)
  }
}
