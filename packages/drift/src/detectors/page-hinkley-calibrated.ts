import type { DetectorSignal, Severity } from '@entrenar/core'
import { SIGNAL_CODES } from './batch.js'
import { checkNumber, configError } from '../util/errors.js'
import { type Calibration, clipFor, clippedNormalSecondMoment, cusumThreshold, robustStart } from './calibration.js'

/** Values per Robbins–Monro step of the running location and scale. */
const BLOCK = 16

/** What the calibrated Page-Hinkley needs beyond {@link Calibration}. */
export interface CalibratedPageHinkleySettings extends Calibration {
  readonly up: boolean
  readonly down: boolean
  /** Design shift in robust σ units (the CUSUM reference is k = shift / 2). */
  readonly shift: number
  /** Horizon of the running location/scale after the warm-up (gain ≥ 1/memory). */
  readonly memory: number
}

/**
 * Page-Hinkley / CUSUM on a robustly standardised, clipped score, threshold from the false-alarm budget.
 *
 * Per value after the warm-up: z = clamp((x − m)/s, −c, c) with c = max(2, shift), u = z/√β (unit
 * variance for Gaussian data), S⁺ = max(0, S⁺ + u − k), S⁻ = max(0, S⁻ − u − k), alarm when a watched S exceeds h. The value
 * is scored with the estimates from before it, then folds into them by Robbins–Monro steps of Huber's
 * location M-estimate and Proposal-2 scale (gain 1/t, floored at 1/memory), taken every 16 values:
 * m += g·s·Σz, s ← s·√(1 + g(Σz²/β − 16)). Multiplying s keeps every scale from 1e-300 to 1e300 representable.
 */
export class CalibratedPageHinkley {
  readonly name = 'page_hinkley'
  readonly #up: boolean
  readonly #down: boolean
  readonly #k: number
  readonly #clip: number
  readonly #beta: number
  readonly #unit: number
  readonly #h: number
  readonly #warmUp: number
  readonly #minGain: number
  readonly #budget: number
  readonly #buf: Float64Array
  readonly #scratch: Float64Array
  readonly #est = new Float64Array(3)
  #fill = 0
  #n = 0
  #t = 0
  // Location = anchor + dm: the running steps are far below an ulp of the anchor when σ ≪ |location|.
  #anchor = 0
  #m = 0
  #s = 0
  #invS = 0
  #sumZ = 0
  #sumZ2 = 0
  #pending = 0
  #warmMean = 0
  #sUp = 0
  #sDown = 0
  #statistic = 0
  #drifted = false
  #direction: 'up' | 'down' | undefined = undefined

  constructor(c: CalibratedPageHinkleySettings) {
    this.#up = c.up
    this.#down = c.down
    const shift = checkNumber('shift', c.shift, 0, 100, { openLo: true })
    this.#k = shift / 2
    this.#clip = clipFor(shift)
    this.#beta = clippedNormalSecondMoment(this.#clip)
    this.#unit = 1 / Math.sqrt(this.#beta)
    this.#warmUp = c.warmUp
    this.#minGain = 1 / checkNumber('memory', c.memory, c.warmUp, 1e12)
    this.#budget = c.falseAlarmsPerMillion
    // Two watched sides alarm independently: each gets twice the run length, so 1/ARL₀ = 1/ARL⁺ + 1/ARL⁻.
    this.#h = cusumThreshold(this.#k, c.up && c.down ? 2 * c.arl0 : c.arl0)
    this.#buf = new Float64Array(c.warmUp)
    this.#scratch = new Float64Array(c.warmUp)
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
  get direction(): 'up' | 'down' | undefined {
    return this.#direction
  }
  /** Robust location after the warm-up; the plain mean of the warm-up values before. */
  get mean(): number {
    return this.#t === 0 ? this.#warmMean : this.#anchor + this.#m
  }
  get threshold(): number {
    return this.#h
  }
  get falseAlarmsPerMillion(): number {
    return this.#budget
  }
  get scale(): number | undefined {
    return this.#t === 0 ? undefined : this.#s
  }
  get warmingUp(): boolean {
    return this.#t === 0
  }

  update(x: number): DetectorSignal {
    if (x - x !== 0) return 'invalid'
    if (this.#drifted) this.#clear()
    this.#n++
    if (this.#t === 0) {
      this.#buf[this.#fill++] = x
      this.#warmMean += (x - this.#warmMean) / this.#fill
      if (this.#fill === this.#warmUp) this.#endWarmUp()
      return 'stable'
    }
    let z = (x - this.#anchor - this.#m) * this.#invS
    const clip = this.#clip
    if (z > clip) z = clip
    else if (z < -clip) z = -clip
    else if (z !== z) z = 0 // ∞·0: only when the scale itself over- or underflowed
    const u = z * this.#unit
    // Only the watched sums move (an unwatched one is never observable), as in updateMany.
    let up = 0
    let down = 0
    if (this.#up) {
      up = Math.max(0, this.#sUp + u - this.#k)
      this.#sUp = up
    }
    if (this.#down) {
      down = Math.max(0, this.#sDown - (u + this.#k))
      this.#sDown = down
    }
    this.#statistic = Math.max(up, down)
    if (this.#statistic > this.#h) {
      this.#drifted = true
      this.#direction = up > down ? 'up' : 'down'
      return 'drift'
    }
    this.#sumZ += z
    this.#sumZ2 += z * z
    if (++this.#pending === BLOCK) this.#refresh()
    return 'stable'
  }

  /**
   * The Robbins–Monro steps of BLOCK values at once (one division and one square root per block
   * instead of per value): m += g·s·Σz, s ← s·√(1 + g·(Σz²/β − BLOCK)), g = max(1/t, 1/memory).
   */
  #refresh(): void {
    this.#t += BLOCK
    const t = this.#t
    const g = Math.max(1 / t, this.#minGain)
    const s = this.#s
    this.#m += g * s * this.#sumZ
    const factor = 1 + g * (this.#sumZ2 / this.#beta - BLOCK)
    const next = s * Math.sqrt(Math.max(factor, 0.25))
    this.#s = Math.min(Math.max(next, 1e-300), 1e300)
    this.#invS = 1 / this.#s
    this.#sumZ = 0
    this.#sumZ2 = 0
    this.#pending = 0
  }

  #endWarmUp(): void {
    robustStart(this.#buf, this.#warmUp, this.#scratch, this.#est, this.#clip, this.#beta)
    const scale = this.#est[1]!
    if (!(scale > 0)) {
      // Every warm-up value was the same: no scale to standardise by; warm up on the next values.
      this.#fill = 0
      this.#warmMean = 0
      return
    }
    this.#anchor = this.#est[0]!
    this.#m = this.#est[2]!
    this.#s = Math.min(Math.max(scale, 1e-300), 1e300)
    this.#invS = 1 / this.#s
    this.#sumZ = 0
    this.#sumZ2 = 0
    this.#pending = 0
    this.#t = this.#warmUp
  }

  #clear(): void {
    this.#n = 0
    this.#t = 0
    this.#fill = 0
    this.#warmMean = 0
    this.#sUp = 0
    this.#sDown = 0
    this.#drifted = false
  }

  /**
   * `update` on each value, with the post-warm-up path as one loop over locals (the state stays in
   * registers; the warm-up, a restart and the block refresh go through the regular methods).
   */
  updateMany(values: ArrayLike<number>, signals?: Uint8Array): number {
    const n = values.length
    if (signals !== undefined && signals.length < n) throw configError(`updateMany: signals has length ${signals.length}, needs ${n}`)
    let drifts = 0
    let i = 0
    const clip = this.#clip
    const unit = this.#unit
    const k = this.#k
    const h = this.#h
    const watchUp = this.#up
    const watchDown = this.#down
    while (i < n) {
      if (this.#t === 0 || this.#drifted) {
        const r = this.update(values[i]!)
        if (r === 'drift') drifts++
        if (signals !== undefined) signals[i] = SIGNAL_CODES[r]
        i++
        continue
      }
      const anchor = this.#anchor
      const beta = this.#beta
      const minGain = this.#minGain
      let m = this.#m
      let sc = this.#s
      let inv = this.#invS
      let t = this.#t
      let sUp = this.#sUp
      let sDown = this.#sDown
      let sumZ = this.#sumZ
      let sumZ2 = this.#sumZ2
      let pending = this.#pending
      let count = 0
      let stat = this.#statistic
      for (; i < n; i++) {
        const x = values[i]!
        if (x - x !== 0) {
          if (signals !== undefined) signals[i] = 3
          continue
        }
        count++
        // inv is finite and non-zero (the scale is kept in [1e-300, 1e300]), so z is never NaN here.
        let z = (x - anchor - m) * inv
        if (z > clip) z = clip
        else if (z < -clip) z = -clip
        const u = z * unit
        // Only the watched sums move (an unwatched one is never observable).
        stat = 0
        if (watchUp) {
          sUp += u - k
          if (sUp < 0) sUp = 0
          stat = sUp
        }
        if (watchDown) {
          sDown -= u + k
          if (sDown < 0) sDown = 0
          if (sDown > stat) stat = sDown
        }
        if (stat > h) {
          this.#drifted = true
          this.#direction = (watchUp ? sUp : 0) > (watchDown ? sDown : 0) ? 'up' : 'down'
          drifts++
          if (signals !== undefined) signals[i] = 2
          i++
          break
        }
        sumZ += z
        sumZ2 += z * z
        if (signals !== undefined) signals[i] = 0
        if (++pending === BLOCK) {
          // #refresh(), on the locals.
          t += BLOCK
          const g = Math.max(1 / t, minGain)
          m += g * sc * sumZ
          sc = Math.min(Math.max(sc * Math.sqrt(Math.max(1 + g * (sumZ2 / beta - BLOCK), 0.25)), 1e-300), 1e300)
          inv = 1 / sc
          sumZ = 0
          sumZ2 = 0
          pending = 0
        }
      }
      this.#n += count
      this.#statistic = stat
      this.#m = m
      this.#s = sc
      this.#invS = inv
      this.#t = t
      this.#sUp = sUp
      this.#sDown = sDown
      this.#sumZ = sumZ
      this.#sumZ2 = sumZ2
      this.#pending = pending
    }
    return drifts
  }

  reset(): void {
    this.#clear()
    this.#statistic = 0
    this.#direction = undefined
  }
}
