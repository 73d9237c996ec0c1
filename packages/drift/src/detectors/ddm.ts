import type { DetectorSignal, Severity } from '@entrenar/core'
import { type BatchDetector, SIGNAL_CODES } from './batch.js'
import { checkNumber, configError } from '../util/errors.js'
import { rejectUnknownKeys } from './calibration.js'

/** Options of {@link ddm}; defaults as river 0.26 `drift.binary.DDM`. */
export interface DdmOptions {
  /** Values needed before a warning or drift. Default 30. */
  readonly warmStart?: number
  /** Warning when p + s > p_min + w · s_min. Default 2. */
  readonly warningThreshold?: number
  /** Drift when p + s > p_min + d · s_min. Default 3. */
  readonly driftThreshold?: number
}

/** DDM; `statistic` is (p + s − p_min) / s_min, compared with the thresholds (2 and 3). */
export interface DdmDetector extends BatchDetector {
  /** Error rate since the last reset/drift. */
  readonly errorRate: number
}

class Ddm implements DdmDetector {
  readonly name = 'ddm'
  readonly #warm: number
  readonly #warn: number
  readonly #drift: number
  #n = 0
  #p = 0
  #pMin = Number.POSITIVE_INFINITY
  #sMin = Number.POSITIVE_INFINITY
  #psMin = Number.POSITIVE_INFINITY
  #statistic = 0
  #drifted = false

  constructor(o: DdmOptions) {
    this.#warm = checkNumber('warmStart', o.warmStart ?? 30, 0, 1e12, { integer: true })
    this.#warn = checkNumber('warningThreshold', o.warningThreshold ?? 2, 0, 1e6, { openLo: true })
    this.#drift = checkNumber('driftThreshold', o.driftThreshold ?? 3, 0, 1e6, { openLo: true })
    if (this.#drift < this.#warn) throw configError(`driftThreshold ${this.#drift} must be at least warningThreshold ${this.#warn}`)
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
  get errorRate(): number {
    return this.#p
  }

  update(x: number): DetectorSignal {
    // An error indicator or error rate in [0, 1]; anything else is reported, not folded in.
    if (!(x >= 0 && x <= 1)) return 'invalid'
    if (this.#drifted) this.#clear()
    const n = ++this.#n
    this.#p += (x - this.#p) / n
    const p = this.#p
    // Binomial standard deviation of the error rate (Gama et al. 2004).
    const s = Math.sqrt((p * (1 - p)) / n)
    if (n <= this.#warm) return 'stable'
    if (p + s <= this.#psMin) {
      this.#pMin = p
      this.#sMin = s
      this.#psMin = p + s
    }
    this.#statistic = this.#sMin > 0 ? (p + s - this.#pMin) / this.#sMin : p + s > this.#psMin ? Number.POSITIVE_INFINITY : 0
    if (p + s > this.#pMin + this.#drift * this.#sMin) {
      this.#drifted = true
      return 'drift'
    }
    return p + s > this.#pMin + this.#warn * this.#sMin ? 'warning' : 'stable'
  }

  #clear(): void {
    this.#n = 0
    this.#p = 0
    this.#pMin = Number.POSITIVE_INFINITY
    this.#sMin = Number.POSITIVE_INFINITY
    this.#psMin = Number.POSITIVE_INFINITY
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
 * DDM, the Drift Detection Method (Gama, Medas, Castillo & Rodrigues, "Learning with Drift Detection",
 * SBIA 2004, pp. 286–295), for a stream of errors (1 = error, 0 = correct; any rate in [0, 1] is
 * accepted, other values answer `invalid`). Defaults as river 0.26 `drift.binary.DDM`: warm start 30,
 * warning 2, drift 3. O(1). Watches increases of the error rate only. Restarts after a drift.
 *
 * @example
 * ```ts
 * const d = ddm()
 * const signal = d.update(prediction === label ? 0 : 1)
 * ```
 */
export function ddm(options: DdmOptions = {}): DdmDetector {
  if ((options as { falseAlarmsPerMillion?: unknown }).falseAlarmsPerMillion !== undefined) {
    throw configError('ddm has no calibrated mode (its thresholds are normal approximations with no false-alarm bound); use hddmA({ falseAlarmsPerMillion }) for error rates', { option: 'falseAlarmsPerMillion' })
  }
  rejectUnknownKeys('ddm', options, ['warmStart', 'warningThreshold', 'driftThreshold'])
  return new Ddm(options)
}
