import type { DetectorSignal, Severity } from '@entrenar/core'
import { type BatchDetector, SIGNAL_CODES } from './batch.js'
import { checkNumber, configError } from '../util/errors.js'
import { readBudget, rejectInCalibratedMode, rejectUnknownKeys } from './calibration.js'

/** Options of {@link hddmA}; defaults as river 0.26 `drift.binary.HDDM_A`. */
export interface HddmAOptions {
  /** Confidence of the drift test. Default 0.001. */
  readonly driftConfidence?: number
  /** Confidence of the warning test. Default 0.005. */
  readonly warningConfidence?: number
  /**
   * Calibrated mode: at most this many false drifts per 10⁶ values of a stationary stream in [0, 1].
   * Sets driftConfidence = budget / 10⁶ and warningConfidence = 5× that (river's ratio); see {@link hddmA}.
   */
  readonly falseAlarmsPerMillion?: number
  /** Also watch decreases of the mean. Default false. */
  readonly twoSided?: boolean
}

class HddmA implements BatchDetector {
  readonly name = 'hddm_a'
  readonly #drift: number
  readonly #warn: number
  readonly #twoSided: boolean
  readonly #logInvDrift: number
  // Global mean (z) and the two cut points (x_min tracks increases, x_max decreases), each a mean and a count.
  #zn = 0
  #zm = 0
  #minN = 0
  #minM = 0
  #maxN = 0
  #maxM = 0
  #statistic = 0
  #drifted = false

  readonly #budget: number | undefined

  constructor(o: HddmAOptions, budget?: number) {
    this.#budget = budget
    this.#drift = checkNumber('driftConfidence', o.driftConfidence ?? 0.001, 0, 1, { openLo: true, openHi: true })
    this.#warn = checkNumber('warningConfidence', o.warningConfidence ?? 0.005, 0, 1, { openLo: true, openHi: true })
    if (this.#warn < this.#drift) throw configError(`warningConfidence ${this.#warn} must be at least driftConfidence ${this.#drift}`)
    this.#twoSided = o.twoSided ?? false
    this.#logInvDrift = Math.log(1 / this.#drift)
  }

  get falseAlarmsPerMillion(): number | undefined {
    return this.#budget
  }
  get statistic(): number {
    return this.#statistic
  }
  get severity(): Severity | undefined {
    return undefined
  }
  get samples(): number {
    return this.#zn
  }

  #bound(n: number): number {
    return Math.sqrt((1 / (2 * n)) * this.#logInvDrift)
  }

  // Hoeffding test of a change between the cut point and now (Frías-Blanco et al. 2015, eq. for A-test).
  #exceeds(cutN: number, diff: number, confidence: number): boolean {
    if (cutN === this.#zn) return false
    const m = ((this.#zn - cutN) / cutN) * (1 / this.#zn)
    return diff >= Math.sqrt((m / 2) * Math.log(2 / confidence))
  }

  update(x: number): DetectorSignal {
    if (!(x >= 0 && x <= 1)) return 'invalid'
    if (this.#drifted) this.#clear()
    this.#zn++
    this.#zm += (x - this.#zm) / this.#zn
    if (this.#minN === 0) {
      this.#minN = this.#zn
      this.#minM = this.#zm
    }
    if (this.#maxN === 0) {
      this.#maxN = this.#zn
      this.#maxM = this.#zm
    }
    const epsZ = this.#bound(this.#zn)
    if (this.#minM + this.#bound(this.#minN) >= this.#zm + epsZ) {
      this.#minN = this.#zn
      this.#minM = this.#zm
    }
    if (this.#maxM - this.#bound(this.#maxN) <= this.#zm - epsZ) {
      this.#maxN = this.#zn
      this.#maxM = this.#zm
    }
    const up = this.#zm - this.#minM
    const down = this.#maxM - this.#zm
    this.#statistic = this.#twoSided ? Math.max(up, down) : up
    let signal: DetectorSignal = 'stable'
    if (this.#exceeds(this.#minN, up, this.#drift)) signal = 'drift'
    else if (this.#exceeds(this.#minN, up, this.#warn)) signal = 'warning'
    if (this.#twoSided && signal !== 'drift') {
      if (this.#exceeds(this.#maxN, down, this.#drift)) signal = 'drift'
      else if (this.#exceeds(this.#maxN, down, this.#warn)) signal = 'warning'
    }
    if (signal === 'drift') this.#drifted = true
    return signal
  }

  #clear(): void {
    this.#zn = 0
    this.#zm = 0
    this.#minN = 0
    this.#minM = 0
    this.#maxN = 0
    this.#maxM = 0
    this.#drifted = false
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
    this.#statistic = 0
  }
}

/**
 * HDDM_A, drift detection with Hoeffding's bounds and the moving-average test (Frías-Blanco,
 * del Campo-Ávila, Ramos-Jiménez et al., "Online and non-parametric drift detection methods based on
 * Hoeffding's bounds", IEEE TKDE 27(3):810–823, 2015). Input in [0, 1] (1 = error; other values answer
 * `invalid`). Defaults as river 0.26 `drift.binary.HDDM_A`: drift confidence 0.001, warning 0.005,
 * one-sided. `statistic` is the rise of the mean since the cut point. O(1).
 *
 * **Calibrated mode** (`falseAlarmsPerMillion: 1`): driftConfidence = budget / 10⁶. Hoeffding's
 * inequality holds for any distribution on [0, 1], so each update's test falsely fires with chance
 * ≤ δ and a union bound over updates gives ≤ budget per 10⁶ values (conservative). Inputs stay error
 * indicators or rates in [0, 1]; for other metrics use `pageHinkley` or `adwin` in calibrated mode.
 *
 * @example
 * ```ts
 * const d = hddmA()
 * const signal = d.update(1 - batchAccuracy) // an error rate in [0, 1]
 * ```
 */
export function hddmA(options: HddmAOptions = {}): BatchDetector {
  rejectUnknownKeys('hddmA', options, ['driftConfidence', 'warningConfidence', 'twoSided', 'falseAlarmsPerMillion'])
  if (options.falseAlarmsPerMillion !== undefined) {
    rejectInCalibratedMode('hddmA', options, ['driftConfidence', 'warningConfidence'])
    const budget = readBudget(options.falseAlarmsPerMillion)
    return new HddmA({ ...options, driftConfidence: budget / 1e6, warningConfidence: Math.min(0.5, (5 * budget) / 1e6) }, budget)
  }
  return new HddmA(options)
}
