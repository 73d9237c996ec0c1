import type { DetectorSignal, Severity } from '@entrenar/core'
import { type BatchDetector, SIGNAL_CODES } from './batch.js'
import { checkNumber, configError } from '../util/errors.js'
import { CalibratedAdwin } from './adwin-calibrated.js'
import { type CalibrationOptions, readCalibration, rejectInCalibratedMode, rejectUnknownKeys } from './calibration.js'

/** Options of {@link adwin}; defaults as river 0.26 `drift.ADWIN`. `falseAlarmsPerMillion` (with `warmUp`) selects the calibrated mode. */
export interface AdwinOptions extends CalibrationOptions {
  /** Confidence of the cut test (δ). Default 0.002. */
  readonly delta?: number
  /** Cuts are checked every `clock` values. Default 32. */
  readonly clock?: number
  /** Buckets per row of the exponential histogram (M). Default 5. */
  readonly maxBuckets?: number
  /** Smallest sub-window either side of a cut. Default 5. */
  readonly minWindowLength?: number
  /** Values needed before the first check. Default 10. */
  readonly gracePeriod?: number
  /**
   * Which changes answer `drift`: `both` (default, as river), `up` (the recent mean rose, e.g. a loss)
   * or `down` (it fell, e.g. an accuracy). The window adapts to every change either way, so an
   * improving metric is followed silently.
   */
  readonly mode?: 'up' | 'down' | 'both'
}

/** ADWIN; `statistic` is the largest |μ₀ − μ₁| / ε_cut of the last check (a cut when > 1). */
export interface AdwinDetector extends BatchDetector {
  /** Values summarised by the current window (also `samples`). */
  readonly width: number
  /** Mean of the current window (ADWIN's estimate). */
  readonly mean: number
  /** Population variance of the current window. */
  readonly variance: number
  /** A cut needs `statistic` above 1. */
  readonly threshold: number
  /** The budget in calibrated mode, undefined in river mode. */
  readonly falseAlarmsPerMillion: number | undefined
}

// Rows of the histogram hold buckets of 2^row values; 64 rows cover any stream a double can count.
const ROWS = 64
// 2^row from a table: V8 compiles `2 ** row` to a pow() call, which doubled the cost of an update.
const SIZE = Float64Array.from({ length: ROWS }, (_, row) => 2 ** row)

class Adwin implements AdwinDetector {
  readonly name = 'adwin'
  readonly #delta: number
  readonly #clock: number
  readonly #m: number
  readonly #minLen: number
  readonly #grace: number
  readonly #up: boolean
  readonly #down: boolean
  // Row r, slot k (k = 0 oldest) lives at r * (M + 1) + k.
  readonly #totals: Float64Array
  readonly #vars: Float64Array
  readonly #counts = new Int32Array(ROWS)
  #rows = 1
  #width = 0
  #total = 0
  #variance = 0
  #tick = 0
  #statistic = 0

  constructor(o: AdwinOptions) {
    this.#delta = checkNumber('delta', o.delta ?? 0.002, 0, 1, { openLo: true, openHi: true })
    this.#clock = checkNumber('clock', o.clock ?? 32, 1, 1e9, { integer: true })
    this.#m = checkNumber('maxBuckets', o.maxBuckets ?? 5, 2, 1000, { integer: true })
    this.#minLen = checkNumber('minWindowLength', o.minWindowLength ?? 5, 1, 1e9, { integer: true })
    this.#grace = checkNumber('gracePeriod', o.gracePeriod ?? 10, 0, 1e12, { integer: true })
    const mode = o.mode ?? 'both'
    if (mode !== 'up' && mode !== 'down' && mode !== 'both') throw configError(`mode must be up, down or both, got ${String(mode)}`)
    this.#up = mode !== 'down'
    this.#down = mode !== 'up'
    this.#totals = new Float64Array(ROWS * (this.#m + 1))
    this.#vars = new Float64Array(ROWS * (this.#m + 1))
  }

  get statistic(): number {
    return this.#statistic
  }
  get severity(): Severity | undefined {
    return undefined
  }
  get samples(): number {
    return this.#width
  }
  get width(): number {
    return this.#width
  }
  get threshold(): number {
    return 1
  }
  get falseAlarmsPerMillion(): undefined {
    return undefined
  }
  get mean(): number {
    return this.#width > 0 ? this.#total / this.#width : 0
  }
  get variance(): number {
    return this.#width > 0 ? this.#variance / this.#width : 0
  }

  update(x: number): DetectorSignal {
    if (x - x !== 0) return 'invalid'
    this.#insert(x)
    if (++this.#tick % this.#clock === 0 && this.#width > this.#grace) return this.#detect() ? 'drift' : 'stable'
    return 'stable'
  }

  #insert(x: number): void {
    const slot = this.#counts[0]!
    this.#totals[slot] = x
    this.#vars[slot] = 0
    this.#counts[0] = slot + 1
    this.#width++
    // Incremental variance of the whole window (Babcock et al., PODS 2003), as river's adwin_c.pyx.
    if (this.#width > 1) {
      const d = x - this.#total / (this.#width - 1)
      this.#variance += ((this.#width - 1) * d * d) / this.#width
    }
    this.#total += x
    this.#compress()
  }

  // Exponential histogram (Datar et al. 2002): when a row holds M + 1 buckets, its two oldest merge
  // into one bucket of the next row; amortised O(1), O(M log W) buckets in all.
  #compress(): void {
    const stride = this.#m + 1
    const t = this.#totals
    const v = this.#vars
    const counts = this.#counts
    for (let row = 0; row < ROWS - 1; row++) {
      if (counts[row] !== stride) return
      const base = row * stride
      const size = SIZE[row]!
      const mu1 = t[base]! / size
      const mu2 = t[base + 1]! / size
      const next = (row + 1) * stride + counts[row + 1]!
      t[next] = t[base]! + t[base + 1]!
      v[next] = v[base]! + v[base + 1]! + (size * size * (mu1 - mu2) * (mu1 - mu2)) / (2 * size)
      counts[row + 1]!++
      if (row + 1 >= this.#rows) this.#rows = row + 2
      for (let k = 2; k < stride; k++) {
        t[base + k - 2] = t[base + k]!
        v[base + k - 2] = v[base + k]!
      }
      counts[row] = stride - 2
    }
  }

  #deleteOldest(): number {
    const stride = this.#m + 1
    const row = this.#rows - 1
    const base = row * stride
    const n = SIZE[row]!
    const u = this.#totals[base]!
    const mu = u / n
    this.#width -= n
    this.#total -= u
    const muW = this.#width > 0 ? this.#total / this.#width : 0
    this.#variance -= this.#vars[base]! + (n * this.#width * (mu - muW) * (mu - muW)) / (n + this.#width)
    if (this.#width === 0 || this.#variance < 0) this.#variance = 0
    const c = --this.#counts[row]!
    for (let k = 0; k < c; k++) {
      this.#totals[base + k] = this.#totals[base + k + 1]!
      this.#vars[base + k] = this.#vars[base + k + 1]!
    }
    if (c === 0 && this.#rows > 1) this.#rows--
    return n
  }

  // ADWIN's cut test (Bifet & Gavaldà, "Learning from Time-Changing Data with Adaptive Windowing",
  // SDM 2007), in river's form: δ' = ln(2 ln W / δ), 1/m = 1/(n₀ − L + 1) + 1/(n₁ − L + 1),
  // ε = √(2 (1/m) σ²_W δ') + (2/3) δ' (1/m); drop the oldest bucket while some cut has |μ₀ − μ₁| > ε.
  // Every bucket is a candidate cut, as in MOA (river's loop skips the newest bucket of each row).
  #detect(): boolean {
    const stride = this.#m + 1
    const minLen = this.#minLen
    const totals = this.#totals
    const counts = this.#counts
    let changed = false
    let alarm = false
    let first = -1
    let again = true
    while (again) {
      again = false
      let best = 0
      if (this.#width < 2 * minLen) break
      const deltaPrime = Math.log((2 * Math.log(this.#width)) / this.#delta)
      const varW = this.#variance / this.#width
      let n0 = 0
      let n1 = this.#width
      let u0 = 0
      let u1 = this.#total
      scan: for (let row = this.#rows - 1; row >= 0; row--) {
        const size = SIZE[row]!
        const count = counts[row]!
        const base = row * stride
        for (let k = 0; k < count; k++) {
          const t = totals[base + k]!
          n0 += size
          n1 -= size
          u0 += t
          u1 -= t
          if (row === 0 && k === count - 1) break scan
          if (n0 < minLen || n1 < minLen) continue
          const mRecip = 1 / (n0 - minLen + 1) + 1 / (n1 - minLen + 1)
          const eps = Math.sqrt(2 * mRecip * varW * deltaPrime) + (2 / 3) * deltaPrime * mRecip
          const signed = u1 / n1 - u0 / n0
          const diff = Math.abs(signed)
          const ratio = diff / eps
          if (ratio > best) best = ratio
          if (diff > eps) {
            changed = true
            if (signed > 0 ? this.#up : this.#down) alarm = true
            again = true
            this.#deleteOldest()
            break scan
          }
        }
      }
      // The statistic reports the evidence of the first scan, before any bucket was dropped.
      if (first < 0) first = best
    }
    this.#statistic = Math.max(first, 0)
    return changed && alarm
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
    this.#counts.fill(0)
    this.#rows = 1
    this.#width = 0
    this.#total = 0
    this.#variance = 0
    this.#tick = 0
    this.#statistic = 0
  }
}

/**
 * ADWIN, adaptive windowing (Bifet & Gavaldà, SDM 2007), over an exponential histogram of buckets;
 * defaults as river 0.26 `drift.ADWIN`: δ 0.002, clock 32, max_buckets 5, min_window_length 5,
 * grace_period 10. Amortised O(log W) per update, no allocation (typed arrays sized once). On a drift
 * the window drops its oldest buckets until no cut is significant; `width` shows what is kept.
 *
 * **Calibrated mode** (`falseAlarmsPerMillion: 1`): the first `warmUp` values (default 100) give a
 * median and 1.4826·MAD; every later value is standardised, clipped at ±3σ and mapped onto [0, 1],
 * and δ = budget · clock / 10⁶. ADWIN's guarantee (Bifet & Gavaldà 2007, Theorem 3.1: under a
 * stationary stream of values in [0, 1] a check cuts falsely with probability ≤ δ) then bounds the
 * false alarms by the budget per 10⁶ values at any scale, offset and shape (conservative: measured far
 * below, docs/detector-quality.md). After a drift the detector warms up again; `mean`/`variance` are
 * in the data's units, from the clipped scores. Same failure modes as the calibrated `pageHinkley`
 * (a change inside the warm-up is the baseline; autocorrelation breaks the bound).
 *
 * @example
 * ```ts
 * const d = adwin()
 * for (const acc of accuracies) if (d.update(acc) === 'drift') console.log('now', d.mean)
 * ```
 */
export function adwin(options: AdwinOptions = {}): AdwinDetector {
  rejectUnknownKeys('adwin', options, ['delta', 'clock', 'maxBuckets', 'minWindowLength', 'gracePeriod', 'mode', 'falseAlarmsPerMillion', 'warmUp'])
  if (options.falseAlarmsPerMillion === undefined) {
    if (options.warmUp !== undefined) throw configError('adwin: warmUp belongs to the calibrated mode; set falseAlarmsPerMillion too', { option: 'warmUp' })
    return new Adwin(options)
  }
  rejectInCalibratedMode('adwin', options, ['delta'])
  const c = readCalibration(options)
  const clock = options.clock ?? 32
  // ADWIN's bound: a check cuts falsely with chance ≤ δ; one check per `clock` values.
  const delta = Math.min(0.5, (c.falseAlarmsPerMillion * clock) / 1e6)
  return new CalibratedAdwin(new Adwin({ ...options, delta }), c.warmUp, c.falseAlarmsPerMillion)
}
