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
   * in-control values (independent values from one distribution) it may raise, in [10⁻⁶, 10⁴].
   * Warm-ups count as in-control values: ARL₀ = 10⁶ / falseAlarmsPerMillion − warmUp.
   */
  readonly falseAlarmsPerMillion?: number
  /** Values that set the robust location (median) and scale (MAD) before the test starts. Default 100, in [10, 10⁶]. */
  readonly warmUp?: number
}

/** Validated calibration settings. */
export interface Calibration {
  readonly falseAlarmsPerMillion: number
  readonly warmUp: number
  /** In-control average run length after the warm-up. */
  readonly arl0: number
}

/** Reads a budget alone (detectors calibrated by their own bound need no warm-up). */
export function readBudget(value: number | undefined): number {
  // Below 10⁻⁶ per 10⁶ (one per 10¹² values) no stream could ever check it; the run lengths overflow.
  return checkNumber('falseAlarmsPerMillion', value as number, 1e-6, 1e4)
}

/** Reads the shared options; throws when the budget leaves no run length after the warm-up. */
export function readCalibration(o: CalibrationOptions): Calibration {
  const falseAlarmsPerMillion = readBudget(o.falseAlarmsPerMillion)
  // Two Float64Arrays of warmUp values are allocated: cap them at 16 MB (a spec may come from a config file).
  const warmUp = checkNumber('warmUp', o.warmUp ?? 100, 10, 1e6, { integer: true })
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
      throw configError(`${what}: ${key} cannot be combined with falseAlarmsPerMillion (the calibrated mode derives it from the budget); remove one`, { option: key })
    }
  }
}

/**
 * Robust location and scale of the warm-up `buf[0..n)`: the location is `out[0] + out[2]` (the median
 * as an anchor plus a small correction kept apart, so values like 10⁶ + 10⁻⁹·e, whose noise is a few
 * ulps of the anchor, are centred without the correction being rounded away: x − anchor is exact by
 * Sterbenz's lemma), the scale `out[1]` (0 when every value is the same). Starts from the median and 1.4826·MAD (when more than half
 * the values tie, MAD is 0 and √(π/2)·mean |x − median| stands in), then iterates Huber's location
 * M-estimate with Proposal-2 scale at clip c to its fixed point — the point the running recursion of
 * the calibrated detectors tracks, so the test starts unbiased even on two-valued or skewed data
 * (where the median sits on an atom or away from the centre). Sorts `buf`; `scratch` has length ≥ n.
 */
export function robustStart(buf: Float64Array, n: number, scratch: Float64Array, out: Float64Array, clip: number, beta: number): void {
  const v = n === buf.length ? buf : buf.subarray(0, n)
  v.sort()
  const m = median(v, n)
  let meanAbs = 0
  for (let i = 0; i < n; i++) {
    const d = Math.abs(v[i]! - m)
    scratch[i] = d
    meanAbs += d / n
  }
  const dev = n === scratch.length ? scratch : scratch.subarray(0, n)
  dev.sort()
  const mad = median(dev, n)
  let s = mad > 0 && Number.isFinite(mad) ? 1.482602218505602 * mad : 1.2533141373155003 * meanAbs
  out[0] = m
  out[2] = 0
  if (!(s > 0) || !Number.isFinite(s)) {
    out[1] = Math.max(s, 0)
    return
  }
  const anchor = m
  let dm = 0
  for (let iter = 0; iter < 50; iter++) {
    let sum = 0
    let sq = 0
    for (let i = 0; i < n; i++) {
      let z = (v[i]! - anchor - dm) / s
      if (z > clip) z = clip
      else if (z < -clip) z = -clip
      sum += z
      sq += z * z
    }
    const step = (s * sum) / n
    dm += step
    const next = s * Math.sqrt(sq / n / beta)
    const done = Math.abs(step) <= 1e-9 * s && Math.abs(next - s) <= 1e-9 * s
    s = next > 0 ? next : s
    if (done) break
  }
  out[1] = s
  out[2] = dm
}
function median(v: Float64Array, n: number): number {
  const h = n >> 1
  return n % 2 === 1 ? v[h]! : v[h - 1]! / 2 + v[h]! / 2
}
