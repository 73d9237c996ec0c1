/**
 * Running mean and variance of one stream: Welford's online update (Welford 1962; Knuth TAOCP vol. 2,
 * §4.2.2), numerically stable where the naive Σx² − n·mean² cancels; two accumulators merge exactly with
 * the pairwise formula of Chan, Golub & LeVeque (1979), so workers or windows can be combined.
 *
 * NaN and ±Inf are counted apart in {@link Welford.nonFinite} and never folded into the mean, as in
 * {@link MetricsCollector}. O(1) memory, `add` allocates nothing. Browser-safe.
 *
 * @example
 * ```ts
 * const w = new Welford()
 * for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) w.add(x)
 * w.mean // 5
 * w.std  // 2.138 (sample, n − 1)
 * ```
 */
export class Welford {
  #n = 0
  #mean = 0
  #m2 = 0
  #nonFinite = 0

  /** Adds one value; NaN and ±Inf are only counted. */
  add(x: number): void {
    if (x - x !== 0) {
      this.#nonFinite++
      return
    }
    const n = ++this.#n
    const d = x - this.#mean
    this.#mean += d / n
    this.#m2 += d * (x - this.#mean)
  }

  /** Finite values added. */
  get count(): number {
    return this.#n
  }

  /** NaN and ±Inf values seen (not in the mean). */
  get nonFinite(): number {
    return this.#nonFinite
  }

  /** Mean of the finite values; 0 when there is none. */
  get mean(): number {
    return this.#mean
  }

  /** Sample variance (n − 1); 0 below two values. */
  get variance(): number {
    return this.#n > 1 ? this.#m2 / (this.#n - 1) : 0
  }

  /** Population variance (n); 0 when empty. */
  get populationVariance(): number {
    return this.#n > 0 ? this.#m2 / this.#n : 0
  }

  /** Sample standard deviation (n − 1); 0 below two values. */
  get std(): number {
    return Math.sqrt(this.variance)
  }

  /** Folds another accumulator into this one: the result is that of the concatenated streams (Chan et al. 1979). */
  merge(other: Welford): void {
    this.#nonFinite += other.#nonFinite
    const nb = other.#n
    if (nb === 0) return
    const na = this.#n
    const n = na + nb
    const d = other.#mean - this.#mean
    this.#mean += (d * nb) / n
    this.#m2 += other.#m2 + (d * d * na * nb) / n
    this.#n = n
  }

  /** Forgets every value. */
  clear(): void {
    this.#n = 0
    this.#mean = 0
    this.#m2 = 0
    this.#nonFinite = 0
  }
}
