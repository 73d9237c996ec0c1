import { checkOptions } from '@entrenar/core'
// Shared pieces of the calibrated detectors: the robust warm-up standardisation and the CUSUM
// threshold from a false-alarm budget. Pure, browser-safe, allocation-free after construction.
import { normalSurvival } from '@entrenar/core/stats'
import { checkNumber, configError } from '../util/errors.js'

/**
 * Clipping level of the standardised value, in robust σ units (Huber's ψ_c): c = max(2, design shift).
 * Bounds the influence of one value on the cumulative sum, so heavy tails (Student t(3)) do not turn
 * single outliers into alarms; at c = 2 the in-control run length of a Gaussian and of a t(3) stream
 * differ by less than 1.5× at a budget of 1 per 10⁶ (adjustment coefficients 1.049 vs 1.024 for
 * k = 0.5), while a 1σ shift still moves the clipped score by ≈ 0.95σ. A design shift above 2σ raises
 * c with it, or the clip would hide the very shift the test is tuned for.
 */
export function clipFor(shift: number): number {
  return Math.max(2, shift)
}

/** β = E[ψ_c(Z)²] for Z ~ N(0, 1): 1 − 2Φ(−c) − 2cφ(c) + 2c²Φ(−c). The scale recursion's fixed point makes the clipped score's second moment β for any shape (Huber's Proposal 2). */
export function clippedNormalSecondMoment(c: number): number {
  const tail = normalSurvival(c)
  const density = Math.exp((-c * c) / 2) / Math.sqrt(2 * Math.PI)
  return 1 - 2 * tail - 2 * c * density + 2 * c * c * tail
}

/**
 * Siegmund's approximation (D. Siegmund, *Sequential Analysis*, Springer 1985, eq. 2.56; Basseville &
 * Nikiforov, *Detection of Abrupt Changes*, 1993, §5.2.2) of the average run length of the one-sided
 * CUSUM S = max(0, S + z − k) with alarm at S > h, for independent z ~ N(μ, 1):
 * ARL ≈ (e^{−2Δb} + 2Δb − 1) / (2Δ²) with Δ = μ − k and b = h + 1.166 (the corrected diffusion
 * approximation; 1.166 = 2·0.583 is the expected overshoot of a Gaussian random walk). Δ = 0 gives b².
 * Page-Hinkley without forgetting (α = 1) is this CUSUM: m_t − min_{s≤t} m_s equals S_t.
 */
export function siegmundArl(k: number, h: number, mu = 0): number {
  const d = mu - k
  const b = h + 1.166
  if (Math.abs(d) < 1e-9) return b * b
  return (Math.exp(-2 * d * b) + 2 * d * b - 1) / (2 * d * d)
}

/** The h ≥ 0 whose in-control (μ = 0) {@link siegmundArl} equals `arl` (bisection; ARL grows with h). */
export function cusumThreshold(k: number, arl: number): number {
  let lo = 0
  let hi = 1
  while (siegmundArl(k, hi) < arl) hi *= 2
  if (siegmundArl(k, lo) >= arl) return 0
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2
    if (siegmundArl(k, mid) < arl) lo = mid
    else hi = mid
  }
  return hi
}

/** Options every calibrated detector shares. */
export interface CalibrationOptions {
  /**
   * Switches the detector to its calibrated mode: the long-run number of false alarms per 10⁶
   * in-control values (independent values from one distribution) it may raise, in (0, 10⁴].
   * Warm-ups count as in-control values: ARL₀ = 10⁶ / falseAlarmsPerMillion − warmUp.
   */
  readonly falseAlarmsPerMillion?: number
  /** Values that set the robust location (median) and scale (MAD) before the test starts. Default 100, ≥ 10. */
  readonly warmUp?: number
}

/** Validated calibration settings. */
export interface Calibration {
  readonly falseAlarmsPerMillion: number
  readonly warmUp: number
  /** In-control average run length after the warm-up. */
  readonly arl0: number
}

/** Reads the shared options; throws when the budget leaves no run length after the warm-up. */
export function readCalibration(o: CalibrationOptions): Calibration {
  const falseAlarmsPerMillion = checkNumber('falseAlarmsPerMillion', o.falseAlarmsPerMillion as number, 0, 1e4, { openLo: true })
  const warmUp = checkNumber('warmUp', o.warmUp ?? 100, 10, 1e7, { integer: true })
  const arl0 = 1e6 / falseAlarmsPerMillion - warmUp
  if (arl0 < warmUp) {
    throw configError(`falseAlarmsPerMillion ${falseAlarmsPerMillion} leaves a run length of ${Math.round(1e6 / falseAlarmsPerMillion)} values, less than twice warmUp ${warmUp}`, {
      option: 'falseAlarmsPerMillion',
      value: String(falseAlarmsPerMillion),
    })
  }
  return { falseAlarmsPerMillion, warmUp, arl0 }
}

/** Throws on an option key outside `allowed` (a typo must not silently select another mode). */
export function rejectUnknownKeys(what: string, o: object, allowed: readonly string[]): void {
  checkOptions(`entrenar/drift: ${what}`, o, allowed)
}

/** Throws when a river-mode option is combined with the calibrated mode, where it has no meaning. */
export function rejectInCalibratedMode(what: string, o: object, keys: readonly string[]): void {
  for (const key of keys) {
    if ((o as Record<string, unknown>)[key] !== undefined) {
      throw configError(`${what}: ${key} is in the data's units and cannot be combined with falseAlarmsPerMillion (the calibrated mode derives it); remove one`, { option: key })
    }
  }
}

/**
 * Robust location and scale of `buf[0..n)` (median and 1.4826·MAD, the Gaussian-consistent MAD).
 * Reorders `buf`. When more than half the values are equal (MAD 0: quantised data) the scale falls
 * back to √(π/2)·mean |x − median|; 0 means every value is the same. Returns the scale; the location
 * is left in `out[0]`.
 */
export function medianMad(buf: Float64Array, n: number, out: Float64Array): number {
  const v = n === buf.length ? buf : buf.subarray(0, n)
  v.sort()
  const med = median(v, n)
  let meanAbs = 0
  for (let i = 0; i < n; i++) {
    const d = Math.abs(v[i]! - med)
    v[i] = d
    meanAbs += d
  }
  v.sort()
  const mad = median(v, n)
  out[0] = med
  if (mad > 0 && Number.isFinite(mad)) return 1.482602218505602 * mad
  return 1.2533141373155003 * (meanAbs / n)
}

function median(v: Float64Array, n: number): number {
  const h = n >> 1
  return n % 2 === 1 ? v[h]! : v[h - 1]! / 2 + v[h]! / 2
}
