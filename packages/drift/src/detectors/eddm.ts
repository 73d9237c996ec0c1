import type { DetectorSignal, Severity } from '@entrenar/core'
import { type BatchDetector, SIGNAL_CODES } from './batch.js'
import { checkNumber, configError } from '../util/errors.js'
import { rejectUnknownKeys } from './calibration.js'

/** Options of {@link eddm}; defaults as river 0.26 `drift.binary.EDDM`. */
export interface EddmOptions {
  /** Values, and errors, needed before an alarm. Default 30. */
  readonly warmStart?: number
  /** Warning when (p' + 2s') / (p'max + 2s'max) < α. Default 0.95. */
  readonly alpha?: number
  /** Drift when the ratio < β. Default 0.9. */
  readonly beta?: number
}

class Eddm implements BatchDetector {
  readonly name = 'eddm'
  readonly #warm: number
  readonly #alpha: number
  readonly #beta: number
  #n = 0
  #errors = 0
  #lastError = 0
  // Welford mean/variance of the distances between consecutive errors.
  #mean = 0
  #m2 = 0
  #max = -1
  #statistic = 1
  #drifted = false
  #warning = false

  constructor(o: EddmOptions) {
    this.#warm = checkNumber('warmStart', o.warmStart ?? 30, 0, 1e12, { integer: true })
    this.#alpha = checkNumber('alpha', o.alpha ?? 0.95, 0, 1, { openLo: true })
    this.#beta = checkNumber('beta', o.beta ?? 0.9, 0, 1, { openLo: true })
    if (this.#alpha < this.#beta) throw configError(`alpha ${this.#alpha} must be at least beta ${this.#beta}`)
  }

  get statistic(): number {
    return this.#statistic
  }
  get severity(): Severity | undefined {
    return undefined
  }
  get samples(): number {
    return this.#n
  }

  update(x: number): DetectorSignal {
    if (x !== 0 && x !== 1) return 'invalid'
    if (this.#drifted) this.#clear()
    const n = ++this.#n
    if (x === 1) {
      const e = ++this.#errors
      const dist = n - this.#lastError
      const d = dist - this.#mean
      this.#mean += d / e
      this.#m2 += d * (dist - this.#mean)
      this.#lastError = n
      if (n > this.#warm) {
        // river's stats.Var uses ddof = 1 (0 for a single distance).
        const s = e > 1 ? Math.sqrt(this.#m2 / (e - 1)) : 0
        const p2s = this.#mean + 2 * s
        if (p2s > this.#max) this.#max = p2s
        else if (e > this.#warm) {
          const level = p2s / this.#max
          this.#statistic = level
          if (level < this.#beta) {
            this.#drifted = true
            this.#warning = false
            return 'drift'
          }
          this.#warning = level < this.#alpha
        }
      }
    }
    // As river, the warning state holds between errors.
    return this.#warning ? 'warning' : 'stable'
  }

  #clear(): void {
    this.#n = 0
    this.#errors = 0
    this.#lastError = 0
    this.#mean = 0
    this.#m2 = 0
    this.#max = -1
    this.#drifted = false
    this.#warning = false
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
    this.#statistic = 1
  }
}

/**
 * EDDM, the Early Drift Detection Method (Baena-García, del Campo-Ávila, Fidalgo, Bifet, Gavaldà &
 * Morales-Bueno, 4th Int. Workshop on Knowledge Discovery from Data Streams, 2006): watches the
 * distance between errors, better than DDM on gradual drift. Input 0/1 (1 = error; other values answer
 * `invalid`). Defaults as river 0.26 `drift.binary.EDDM`: warm start 30, α 0.95, β 0.9 (river's
 * docstring notes these give many false positives; α 0.8 / β 0.75 is its example). `statistic` is the
 * ratio (p' + 2s') / max. O(1).
 *
 * @example
 * ```ts
 * const d = eddm({ alpha: 0.8, beta: 0.75 })
 * if (d.update(prediction === label ? 0 : 1) === 'drift') retrain()
 * ```
 */
export function eddm(options: EddmOptions = {}): BatchDetector {
  if ((options as { falseAlarmsPerMillion?: unknown }).falseAlarmsPerMillion !== undefined) {
    throw configError('eddm has no calibrated mode (its thresholds are normal approximations with no false-alarm bound); use hddmA({ falseAlarmsPerMillion }) for error rates', { option: 'falseAlarmsPerMillion' })
  }
  rejectUnknownKeys('eddm', options, ['warmStart', 'alpha', 'beta'])
  return new Eddm(options)
}
