import type { DetectorSignal, Severity } from '@entrenar/core'
import { type BatchDetector, SIGNAL_CODES } from './batch.js'
import { checkNumber, configError } from '../util/errors.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Options of {@link zScoreWindow}. */
export interface ZScoreWindowOptions {
  /** Baseline window length (ring buffer). Default 100. */
  readonly window?: number
  /** Finite values needed before any alarm (entrenar's rule). Default 10. */
  readonly minSamples?: number
  /** |z| at which a value is a `drift` (start of the low band). Default 3. */
  readonly threshold?: number
  /** |z| at which a value is a `warning`; `Infinity` disables warnings. Default `Infinity`. */
  readonly warningThreshold?: number
  /**
   * Floor on σ, relative to max(1, |mean|): σ_used = max(s, minStdRatio · max(1, |mean|)).
   * Lets a constant baseline still alarm (the Rust reference returned z = 0 when σ = 0). Default 1e-6.
   */
  readonly minStdRatio?: number
  /** Restart the baseline after a drift, so one change gives one alarm. Default true. */
  readonly restartOnDrift?: boolean
  /** Which side alarms: `both` (default), `up` (z > 0, e.g. a loss spike) or `down` (z < 0). */
  readonly mode?: 'up' | 'down' | 'both'
}

/** A windowed z-score detector; `statistic` is the signed z of the last value. */
export interface ZScoreWindowDetector extends BatchDetector {
  /** Mean of the baseline window. */
  readonly mean: number
  /** Sample standard deviation (n − 1) of the baseline window, before the floor. */
  readonly std: number
}

class ZScoreWindow implements ZScoreWindowDetector {
  readonly name = 'z_score'
  readonly #ring: Float64Array
  readonly #minSamples: number
  readonly #threshold: number
  readonly #warning: number
  readonly #floor: number
  readonly #restart: boolean
  readonly #sign: number
  #head = 0
  #count = 0
  #mean = 0
  #m2 = 0
  #sinceExact = 0
  #z = 0
  #severity: Severity | undefined = undefined
  #pendingRestart = false

  constructor(o: ZScoreWindowOptions) {
    const window = checkNumber('window', o.window ?? 100, 2, 1e8, { integer: true })
    this.#ring = new Float64Array(window)
    this.#minSamples = checkNumber('minSamples', o.minSamples ?? 10, 2, window, { integer: true })
    this.#threshold = checkNumber('threshold', o.threshold ?? 3, 0, Number.MAX_VALUE, { openLo: true })
    const w = o.warningThreshold ?? Number.POSITIVE_INFINITY
    this.#warning = w === Number.POSITIVE_INFINITY ? w : checkNumber('warningThreshold', w, 0, this.#threshold, { openLo: true })
    this.#floor = checkNumber('minStdRatio', o.minStdRatio ?? 1e-6, 0, 1, { openLo: true })
    this.#restart = o.restartOnDrift ?? true
    const mode = o.mode ?? 'both'
    if (mode !== 'up' && mode !== 'down' && mode !== 'both') throw configError(`mode must be up, down or both, got ${String(mode)}`)
    this.#sign = mode === 'up' ? 1 : mode === 'down' ? -1 : 0
  }

  get statistic(): number {
    return this.#z
  }
  get severity(): Severity | undefined {
    return this.#severity
  }
  get samples(): number {
    return this.#count
  }
  get mean(): number {
    return this.#mean
  }
  get std(): number {
    return this.#count > 1 ? Math.sqrt(Math.max(0, this.#m2 / (this.#count - 1))) : 0
  }

  update(x: number): DetectorSignal {
    if (x - x !== 0) return 'invalid'
    if (this.#pendingRestart) this.#clear()
    let signal: DetectorSignal = 'stable'
    this.#z = 0
    this.#severity = undefined
    // Score against the baseline *before* adding the value (as paiml/entrenar's SlidingWindowBaseline).
    if (this.#count >= this.#minSamples) {
      const s = this.#count > 1 ? Math.sqrt(Math.max(0, this.#m2 / (this.#count - 1))) : 0
      const floor = this.#floor * Math.max(1, Math.abs(this.#mean))
      const z = (x - this.#mean) / Math.max(s, floor)
      this.#z = z
      // One-sided modes look at the watched side only: a = sign · z, or |z| for both.
      const a = this.#sign === 0 ? Math.abs(z) : this.#sign * z
      if (a >= this.#threshold) {
        signal = 'drift'
        // entrenar's bands: low 3–4σ, medium 4–5σ, high ≥ 5σ (paiml/entrenar src/monitor/drift.rs uses ≥).
        this.#severity = a >= 5 ? 'high' : a >= 4 ? 'medium' : 'low'
        if (this.#restart) this.#pendingRestart = true
      } else if (a >= this.#warning) signal = 'warning'
    }
    this.#push(x)
    return signal
  }

  // Sliding-window Welford update: O(1); re-summed exactly once per window length so rounding cannot accumulate,
  // and at once after a catastrophic cancellation.
  #push(x: number): void {
    const ring = this.#ring
    const cap = ring.length
    if (this.#count < cap) {
      ring[(this.#head + this.#count) % cap] = x
      this.#count++
      const d = x - this.#mean
      this.#mean += d / this.#count
      this.#m2 += d * (x - this.#mean)
    } else {
      const old = ring[this.#head]!
      ring[this.#head] = x
      this.#head = this.#head + 1 === cap ? 0 : this.#head + 1
      const oldMean = this.#mean
      this.#mean = oldMean + (x - old) / cap
      const m2 = this.#m2
      this.#m2 = m2 + (x - old) * (x - this.#mean + old - oldMean)
      // Removing the value that carried nearly all of the variance leaves a residue of rounding (≈ ε·m2) that
      // is no longer small next to what remains: when m2 falls by more than 2^20 re-sum exactly. Each such
      // collapse needs a value 2^10 times the spread of the rest, so it stays rare and the update O(1) amortised.
      if (++this.#sinceExact >= cap || this.#m2 < m2 * 2 ** -20) this.#resum()
    }
  }

  #resum(): void {
    const ring = this.#ring
    let mean = 0
    let m2 = 0
    for (let i = 0; i < ring.length; i++) {
      const d = ring[i]! - mean
      mean += d / (i + 1)
      m2 += d * (ring[i]! - mean)
    }
    this.#mean = mean
    this.#m2 = m2
    this.#sinceExact = 0
  }

  #clear(): void {
    this.#head = 0
    this.#count = 0
    this.#mean = 0
    this.#m2 = 0
    this.#sinceExact = 0
    this.#pendingRestart = false
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
    this.#clear()
    this.#z = 0
    this.#severity = undefined
  }
}

/**
 * Windowed z-score (entrenar's baseline detector, redone): each value is scored against the mean and
 * sample σ of the previous `window` values in O(1) (ring buffer + sliding Welford), after `minSamples`.
 * |z| ≥ 3 is a `drift` graded by entrenar's bands (low 3–4σ, medium 4–5σ, high ≥ 5σ). A floor on σ
 * (`minStdRatio`) means a constant baseline still alarms on any real departure — the documented
 * zero-variance rule; an exactly constant stream never alarms. NaN/±Inf answer `invalid` and are not
 * folded into the window. After a drift the baseline restarts on the next value (one change, one alarm).
 *
 * @example
 * ```ts
 * const d = zScoreWindow({ window: 50 })
 * if (d.update(loss) === 'drift') console.log(d.severity, d.statistic)
 * ```
 */
export function zScoreWindow(options: ZScoreWindowOptions = {}): ZScoreWindowDetector {
  checkOptions('entrenar/drift: zScoreWindow', options, Z_SCORE_WINDOW_OPTIONS)
  return new ZScoreWindow(options)
}

/** The option names zScoreWindow accepts (unknown ones are errors). */
const Z_SCORE_WINDOW_OPTIONS = optionKeys<NonNullable<Parameters<typeof zScoreWindow>[0]>>({ window: true, minSamples: true, threshold: true, warningThreshold: true, minStdRatio: true, restartOnDrift: true, mode: true })
