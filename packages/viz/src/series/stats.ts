import { aggregate } from '@entrenar/core'

/**
 * What the stats table shows for one series. `mean`, `std` (sample, n−1) and `p99` are over finite
 * values; `min`/`max` over non-NaN values, so ±Inf shows; the semantics are core's `aggregate`.
 */
export interface SeriesStats {
  /** Rows, NaN and ±Inf included. */
  readonly count: number
  /** Mean of the finite values. */
  readonly mean: number
  /** Sample standard deviation (n − 1) of the finite values. */
  readonly std: number
  /** Smallest non-NaN value (−Inf shows). */
  readonly min: number
  /** Largest non-NaN value (+Inf shows). */
  readonly max: number
  /** 99th percentile of the finite values (exact in `seriesStats`, P² estimate in streaming stats). */
  readonly p99: number
  /** The last value as it is (NaN and ±Inf included). */
  readonly last: number
  /** NaN rows. */
  readonly nanCount: number
  /** +Inf rows. */
  readonly posInfCount: number
  /** −Inf rows. */
  readonly negInfCount: number
}

function counts(y: ArrayLike<number>): { nan: number; pos: number; neg: number } {
  let nan = 0
  let pos = 0
  let neg = 0
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!
    if (v - v === 0) continue
    if (v !== v) nan++
    else if (v > 0) pos++
    else neg++
  }
  return { nan, pos, neg }
}

/** Exact statistics of a whole series (sorts a copy for p99: O(n log n); for reports, not live frames). */
export function seriesStats(y: ArrayLike<number>): SeriesStats {
  const c = counts(y)
  return {
    count: y.length,
    mean: aggregate('mean', y),
    std: aggregate('std', y),
    min: aggregate('min', y),
    max: aggregate('max', y),
    p99: aggregate('p99', y),
    last: y.length > 0 ? y[y.length - 1]! : Number.NaN,
    nanCount: c.nan,
    posInfCount: c.pos,
    negInfCount: c.neg,
  }
}

/**
 * Streaming statistics in O(1) per value: Welford (1962) for mean and variance, and the P²
 * algorithm of Jain & Chlamtac ("The P² algorithm for dynamic calculation of quantiles and
 * histograms without storing observations", CACM 1985) for p99 — five markers, no stored values.
 * Exact for up to five finite values; afterwards P² is an estimate (within a fraction of a
 * percentile on smooth distributions).
 */
export interface StreamingStats {
  /** Adds one value (NaN and ±Inf are counted, never folded into mean/std/p99). */
  push(v: number): void
  /** Current statistics (same meaning as {@link seriesStats}). */
  snapshot(): SeriesStats
}

const P = 0.99

/** Creates {@link StreamingStats}. */
export function createStreamingStats(): StreamingStats {
  return new P2Stats()
}

class P2Stats implements StreamingStats {
  #count = 0
  #finite = 0
  #mean = 0
  #m2 = 0
  #min = Number.NaN
  #max = Number.NaN
  #last = Number.NaN
  #nan = 0
  #pos = 0
  #neg = 0
  // P² state for p = 0.99.
  readonly #q = new Float64Array(5)
  readonly #n = new Float64Array(5)
  readonly #np = new Float64Array(5)
  readonly #dn = new Float64Array([0, P / 2, P, (1 + P) / 2, 1])

  /** Adds one value. */
  push(v: number): void {
    this.#count++
    this.#last = v
    if (v !== v) {
      this.#nan++
      return
    }
    if (!(v >= this.#min)) this.#min = v
    if (!(v <= this.#max)) this.#max = v
    if (v - v !== 0) {
      if (v > 0) this.#pos++
      else this.#neg++
      return
    }
    const k = ++this.#finite
    const d = v - this.#mean
    this.#mean += d / k
    this.#m2 += d * (v - this.#mean)
    this.#p2(v, k)
  }

  #p2(v: number, k: number): void {
    const q = this.#q
    const n = this.#n
    if (k <= 5) {
      q[k - 1] = v
      if (k === 5) {
        q.sort()
        for (let i = 0; i < 5; i++) n[i] = i
        this.#np.set([0, 2 * P, 4 * P, 2 + 2 * P, 4]) // desired marker positions, zero-based
      }
      return
    }
    let cell: number
    if (v < q[0]!) {
      q[0] = v
      cell = 0
    } else if (v >= q[4]!) {
      if (v > q[4]!) q[4] = v
      cell = 3
    } else {
      cell = 0
      while (cell < 3 && v >= q[cell + 1]!) cell++
    }
    for (let i = cell + 1; i < 5; i++) n[i]!++
    for (let i = 0; i < 5; i++) this.#np[i]! += this.#dn[i]!
    for (let i = 1; i < 4; i++) {
      const d = this.#np[i]! - n[i]!
      if ((d >= 1 && n[i + 1]! - n[i]! > 1) || (d <= -1 && n[i - 1]! - n[i]! < -1)) {
        const s = d > 0 ? 1 : -1
        // Piecewise-parabolic prediction; fall back to linear when it leaves the bracket.
        const qp =
          q[i]! +
          (s / (n[i + 1]! - n[i - 1]!)) *
            ((n[i]! - n[i - 1]! + s) * ((q[i + 1]! - q[i]!) / (n[i + 1]! - n[i]!)) + (n[i + 1]! - n[i]! - s) * ((q[i]! - q[i - 1]!) / (n[i]! - n[i - 1]!)))
        if (q[i - 1]! < qp && qp < q[i + 1]!) q[i] = qp
        else q[i] = q[i]! + (s * (q[i + s]! - q[i]!)) / (n[i + s]! - n[i]!)
        n[i]! += s
      }
    }
  }

  /** Current statistics (same meaning as {@link seriesStats}). */
  snapshot(): SeriesStats {
    const k = this.#finite
    let p99 = Number.NaN
    if (k > 0 && k <= 5) {
      const sorted = this.#q.slice(0, k).sort()
      const pos = (k - 1) * 0.99
      const lo = Math.floor(pos)
      const hi = Math.min(k - 1, lo + 1)
      p99 = sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
    } else if (k > 5) p99 = this.#q[2]!
    return {
      count: this.#count,
      mean: k > 0 ? this.#mean : Number.NaN,
      std: k > 1 ? Math.sqrt(this.#m2 / (k - 1)) : k === 1 ? 0 : Number.NaN,
      min: this.#min,
      max: this.#max,
      p99,
      last: this.#last,
      nanCount: this.#nan,
      posInfCount: this.#pos,
      negInfCount: this.#neg,
    }
  }
}
