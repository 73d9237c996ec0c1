import type { DetectorSignal, Severity } from '@entrenar/core'
import { configError } from '../util/errors.js'
import { SIGNAL_CODES } from './batch.js'
import { clippedNormalSecondMoment, robustStart } from './calibration.js'

/** The river-mode ADWIN the calibrated one drives (structural, so this file does not import the class). */
export interface AdwinCore {
  update(x: number): DetectorSignal
  reset(): void
  readonly statistic: number
  readonly width: number
  readonly mean: number
  readonly variance: number
}

/** Clip of the standardised value before it is mapped onto [0, 1] (ADWIN's bound needs bounded values). */
const ADWIN_CLIP = 3
const ADWIN_BETA = clippedNormalSecondMoment(ADWIN_CLIP)

/**
 * ADWIN on robustly standardised values mapped onto [0, 1]: u = (clamp((x − m)/s, −3, 3) + 3) / 6,
 * m and s the robust start of a warm-up (median/MAD refined to Huber's estimate). ADWIN's cut bound holds for any distribution on
 * [0, 1], so δ = budget·clock/10⁶ bounds the false cuts per 10⁶ values by the budget whatever the
 * scale, offset or shape of the data. After a drift the warm-up starts again.
 */
export class CalibratedAdwin {
  readonly name = 'adwin'
  readonly #core: AdwinCore
  readonly #warmUp: number
  readonly #budget: number
  readonly #buf: Float64Array
  readonly #scratch: Float64Array
  readonly #est = new Float64Array(3)
  #fill = 0
  #n = 0
  #m = 0
  #dm = 0
  #scale = 0
  #warm = true
  #drifted = false
  #statistic = 0

  constructor(core: AdwinCore, warmUp: number, budget: number) {
    this.#core = core
    this.#warmUp = warmUp
    this.#budget = budget
    this.#buf = new Float64Array(warmUp)
    this.#scratch = new Float64Array(warmUp)
  }

  get statistic(): number {
    return this.#statistic
  }
  get severity(): Severity | undefined {
    return undefined
  }
  /** Finite values since creation, reset or the last drift (warm-up included). */
  get samples(): number {
    return this.#n
  }
  get width(): number {
    return this.#core.width
  }
  /** Window mean in the data's units (from the clipped scores, so a mean beyond ±3σ of the warm-up reads as ±3σ). */
  get mean(): number {
    return this.#warm ? Number.NaN : this.#m + this.#dm + this.#scale * (6 * this.#core.mean - ADWIN_CLIP)
  }
  /** Window variance in the data's units (from the clipped scores). */
  get variance(): number {
    return this.#warm ? Number.NaN : 36 * this.#scale * this.#scale * this.#core.variance
  }
  /** A cut needs |μ₀ − μ₁| / ε_cut above 1. */
  get threshold(): number {
    return 1
  }
  get falseAlarmsPerMillion(): number {
    return this.#budget
  }
  get scale(): number | undefined {
    return this.#warm ? undefined : this.#scale
  }
  get warmingUp(): boolean {
    return this.#warm
  }

  update(x: number): DetectorSignal {
    if (x - x !== 0) return 'invalid'
    if (this.#drifted) this.#clear()
    this.#n++
    if (this.#warm) {
      this.#buf[this.#fill++] = x
      if (this.#fill === this.#warmUp) {
        robustStart(this.#buf, this.#warmUp, this.#scratch, this.#est, ADWIN_CLIP, ADWIN_BETA)
        const scale = this.#est[1]!
        if (scale > 0) {
          this.#m = this.#est[0]!
          this.#dm = this.#est[2]!
          this.#scale = scale
          this.#warm = false
        } else this.#fill = 0 // all equal: no scale yet, warm up on the next values
      }
      return 'stable'
    }
    let z = (x - this.#m - this.#dm) / this.#scale
    if (z > ADWIN_CLIP) z = ADWIN_CLIP
    else if (z < -ADWIN_CLIP) z = -ADWIN_CLIP
    else if (z !== z) z = 0
    const s = this.#core.update((z + ADWIN_CLIP) / (2 * ADWIN_CLIP))
    this.#statistic = this.#core.statistic
    if (s === 'drift') this.#drifted = true
    return s
  }

  #clear(): void {
    this.#core.reset()
    this.#n = 0
    this.#fill = 0
    this.#warm = true
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
