import type { DetectorSignal, Severity } from '@entrenar/core'
import { type BatchDetector, SIGNAL_CODES } from './batch.js'
import { ksPValue, ksStatisticSorted } from '../stats/ks.js'
import { checkNumber, configError } from '../util/errors.js'
import { readBudget, rejectInCalibratedMode, rejectUnknownKeys } from './calibration.js'
import { type Random, seededRandom } from '../util/random.js'

/** Options of {@link kswin}; defaults as river 0.26 `drift.KSWIN`. */
export interface KswinOptions {
  /** Significance of the KS test (α). Default 0.005. */
  readonly alpha?: number
  /** Sliding window length (n). Default 100. */
  readonly windowSize?: number
  /** Length r of the recent sample, and of the sample drawn from the older part. Default 30. */
  readonly statSize?: number
  /** Seed of the sampling (always seeded here: the same stream gives the same alarms). Default 1. */
  readonly seed?: number
  /**
   * Calibrated mode: at most this many false alarms per 10⁶ values of any stationary continuous
   * stream. Sets α = falseAlarmsPerMillion / 10⁶ (replaces `alpha`); see {@link kswin}.
   */
  readonly falseAlarmsPerMillion?: number
}

/** KSWIN; `statistic` is the KS distance D of the last test. */
export interface KswinDetector extends BatchDetector {
  /** The critical D of α (a drift needs D at or above it, and above 0.1). */
  readonly threshold: number
  /** The budget in calibrated mode, undefined in river mode. */
  readonly falseAlarmsPerMillion: number | undefined
  /** p-value of the last test (1 before the window first fills). */
  readonly pValue: number
}

// r is small (30): an insertion sort beats TypedArray#sort, whose call overhead dominated an update.
function insertionSort(a: Float64Array): void {
  for (let i = 1; i < a.length; i++) {
    const v = a[i]!
    let j = i - 1
    while (j >= 0 && a[j]! > v) {
      a[j + 1] = a[j]!
      j--
    }
    a[j + 1] = v
  }
}

class Kswin implements KswinDetector {
  readonly name = 'kswin'
  readonly #alpha: number
  readonly #seed: number
  readonly #ring: Float64Array
  readonly #r: number
  readonly #perm: Int32Array
  readonly #older: Float64Array
  readonly #recent: Float64Array
  readonly #keep: Float64Array
  readonly #scratch: Float64Array
  // Smallest D (a multiple of 1/r) whose exact p-value is ≤ α: the test becomes one comparison.
  readonly #critical: number
  #rng: Random
  #head = 0
  #count = 0
  #statistic = 0
  #pValue = 1
  #pValueFresh = true
  #pendingRestart = false
  readonly #budget: number | undefined

  constructor(o: KswinOptions, budget?: number) {
    this.#budget = budget
    this.#alpha = checkNumber('alpha', o.alpha ?? 0.005, 0, 1, { openLo: true, openHi: true })
    const n = checkNumber('windowSize', o.windowSize ?? 100, 2, 1e7, { integer: true })
    const r = checkNumber('statSize', o.statSize ?? 30, 1, n, { integer: true })
    if (2 * r > n) throw configError(`statSize ${r} must be at most half of windowSize ${n}`, { statSize: r, windowSize: n })
    this.#seed = checkNumber('seed', o.seed ?? 1, 0, 2 ** 32 - 1, { integer: true })
    this.#rng = seededRandom(this.#seed)
    this.#ring = new Float64Array(n)
    this.#r = r
    this.#perm = new Int32Array(n - r)
    for (let i = 0; i < this.#perm.length; i++) this.#perm[i] = i
    this.#older = new Float64Array(r)
    this.#recent = new Float64Array(r)
    this.#keep = new Float64Array(r)
    this.#scratch = new Float64Array(r + 1)
    let k = 1
    while (k <= r && ksPValue(k / r, r, r, this.#scratch).pValue > this.#alpha) k++
    this.#critical = k / r
  }

  get falseAlarmsPerMillion(): number | undefined {
    return this.#budget
  }
  get threshold(): number {
    return this.#critical
  }
  get statistic(): number {
    return this.#statistic
  }
  get severity(): Severity | undefined {
    return undefined
  }
  get samples(): number {
    return this.#count
  }
  get pValue(): number {
    // Computed on demand: the alarm rule only needs D against the precomputed critical value.
    if (!this.#pValueFresh) {
      this.#pValue = ksPValue(this.#statistic, this.#r, this.#r, this.#scratch).pValue
      this.#pValueFresh = true
    }
    return this.#pValue
  }

  update(x: number): DetectorSignal {
    if (x - x !== 0) return 'invalid'
    const ring = this.#ring
    const n = ring.length
    const r = this.#r
    if (this.#pendingRestart) {
      // Raab et al. keep the newest r values as the start of the next concept.
      for (let k = 0; k < r; k++) this.#keep[k] = ring[(this.#head + n - r + k) % n]!
      for (let k = 0; k < r; k++) ring[k] = this.#keep[k]!
      this.#head = 0
      this.#count = r
      this.#pendingRestart = false
    }
    if (this.#count < n) {
      ring[(this.#head + this.#count) % n] = x
      this.#count++
    } else {
      ring[this.#head] = x
      this.#head = this.#head + 1 === n ? 0 : this.#head + 1
    }
    if (this.#count < n) return 'stable'
    // r draws without replacement from the oldest n − r values (partial Fisher–Yates; the permutation
    // array is reused, which keeps every subset equally likely).
    const perm = this.#perm
    const older = this.#older
    const head = this.#head
    for (let k = 0; k < r; k++) {
      const j = k + this.#rng.int(perm.length - k)
      const t = perm[k]!
      perm[k] = perm[j]!
      perm[j] = t
      const at = head + perm[k]!
      older[k] = ring[at >= n ? at - n : at]!
    }
    const recent = this.#recent
    for (let k = 0; k < r; k++) {
      const at = head + n - r + k
      recent[k] = ring[at >= n ? at - n : at]!
    }
    insertionSort(older)
    insertionSort(recent)
    const d = ksStatisticSorted(older, r, recent, r)
    this.#statistic = d
    this.#pValueFresh = false
    // River's rule: p ≤ α and D > 0.1 (p ≤ α ⇔ D ≥ the critical D, the exact p-value being monotone in D).
    if (d >= this.#critical - 1e-12 && d > 0.1) {
      this.#pendingRestart = true
      return 'drift'
    }
    return 'stable'
  }

  updateMany(values: ArrayLike<number>, signals?: Uint8Array): number {
    // Per-class copy on purpose: this call site of update() only ever sees this class (monomorphic, inlined).
    let drifts = 0
    const n = values.length
    if (signals === undefined) {
      for (let i = 0; i < n; i++) if (this.update(values[i]!) === 'drift') drifts++
      return drifts
    }
    if (signals.length < n) throw configError(`updateMany: signals has length ${signals.length}, needs ${n}`)
    for (let i = 0; i < n; i++) {
      const s = this.update(values[i]!)
      if (s === 'drift') drifts++
      signals[i] = SIGNAL_CODES[s]
    }
    return drifts
  }

  reset(): void {
    this.#rng = seededRandom(this.#seed)
    for (let i = 0; i < this.#perm.length; i++) this.#perm[i] = i
    this.#head = 0
    this.#count = 0
    this.#statistic = 0
    this.#pValue = 1
    this.#pValueFresh = true
    this.#pendingRestart = false
  }
}

/**
 * KSWIN, Kolmogorov–Smirnov windowing (Raab, Heusinger & Schleif, "Reactive Soft Prototype Computing
 * for Concept Drift Streams", Neurocomputing 2020); defaults as river 0.26 `drift.KSWIN`: α 0.005,
 * window 100, stat size 30, plus a seed (river's default seed is None; here sampling is always
 * seeded). Each update with a full window compares r values drawn from the older part with the newest
 * r by the exact two-sample KS test (D against the critical D of α, computed once; `pValue` on
 * demand): O(r log r) per update, bounded by the window, and no allocation. Drift when p ≤ α and D > 0.1. After a drift the newest r values start the next window.
 *
 * **Calibrated mode** (`falseAlarmsPerMillion: 1`): α = budget / 10⁶. The test is rank-based, so it is
 * scale- and shape-free without a warm-up, and its exact p-value bounds each update's false-alarm
 * chance by α for any continuous stationary stream (the older sample is a random draw from an
 * exchangeable window); a union bound over updates gives ≤ budget per 10⁶ (conservative: consecutive
 * tests overlap). Ties (quantised data) make the exact p-value conservative, never liberal. With the
 * default stat size 30 a budget of 1 needs D ≥ 0.63 (p ≤ 10⁻⁶): only large changes are seen; raise
 * `statSize` (and `windowSize`) for smaller ones.
 *
 * @example
 * ```ts
 * const d = kswin({ seed: 42 })
 * if (d.update(x) === 'drift') console.log('D =', d.statistic, 'p =', d.pValue)
 * ```
 */
export function kswin(options: KswinOptions = {}): KswinDetector {
  rejectUnknownKeys('kswin', options, ['alpha', 'windowSize', 'statSize', 'seed', 'falseAlarmsPerMillion'])
  if (options.falseAlarmsPerMillion !== undefined) {
    rejectInCalibratedMode('kswin', options, ['alpha'])
    const budget = readBudget(options.falseAlarmsPerMillion)
    return new Kswin({ ...options, alpha: budget / 1e6 }, budget)
  }
  return new Kswin(options)
}
