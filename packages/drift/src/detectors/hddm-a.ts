import type { ChangeDetector, DetectorSignal, Severity } from '@entrenar/core'
import { checkNumber, configError } from '../util/errors.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Options of {@link hddmA}; defaults as river 0.26 `drift.binary.HDDM_A`. */
export interface HddmAOptions {
  /** Confidence of the drift test. Default 0.001. */
  readonly driftConfidence?: number
  /** Confidence of the warning test. Default 0.005. */
  readonly warningConfidence?: number
  /** Also watch decreases of the mean. Default false. */
  readonly twoSided?: boolean
}

class HddmA implements ChangeDetector {
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

  constructor(o: HddmAOptions) {
    this.#drift = checkNumber('driftConfidence', o.driftConfidence ?? 0.001, 0, 1, { openLo: true, openHi: true })
    this.#warn = checkNumber('warningConfidence', o.warningConfidence ?? 0.005, 0, 1, { openLo: true, openHi: true })
    if (this.#warn < this.#drift) throw configError(`warningConfidence ${this.#warn} must be at least driftConfidence ${this.#drift}`)
    this.#twoSided = o.twoSided ?? false
    this.#logInvDrift = Math.log(1 / this.#drift)
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
 * @example
 * ```ts
 * const d = hddmA()
 * const signal = d.update(1 - batchAccuracy) // an error rate in [0, 1]
 * ```
 */
export function hddmA(options: HddmAOptions = {}): ChangeDetector {
  checkOptions('entrenar/drift: hddmA', options, HDDM_A_OPTIONS)
  return new HddmA(options)
}

/** The option names hddmA accepts (unknown ones are errors). */
const HDDM_A_OPTIONS = optionKeys<NonNullable<Parameters<typeof hddmA>[0]>>({ driftConfidence: true, warningConfidence: true, twoSided: true })
