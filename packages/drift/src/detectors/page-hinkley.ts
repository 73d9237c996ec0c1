import type { DetectorSignal, Severity } from '@entrenar/core'
import { type BatchDetector, SIGNAL_CODES } from './batch.js'
import { checkNumber, configError } from '../util/errors.js'
import { type CalibrationOptions, readCalibration, rejectInCalibratedMode, rejectUnknownKeys } from './calibration.js'
import { CalibratedPageHinkley } from './page-hinkley-calibrated.js'

/** Which shifts {@link pageHinkley} watches. */
export type PageHinkleyMode = 'up' | 'down' | 'both'

/**
 * Options of {@link pageHinkley}. Without `falseAlarmsPerMillion`: river 0.26 `drift.PageHinkley` and its
 * defaults (`minInstances`, `delta`, `threshold`, `alpha` in the data's units). With it: the calibrated
 * mode (`warmUp`, `shift`, `memory`; the river options are then rejected).
 */
export interface PageHinkleyOptions extends CalibrationOptions {
  /** Calibrated mode: the shift, in robust σ units, the test is tuned to catch fastest (CUSUM reference k = shift/2). Default 1. */
  readonly shift?: number
  /** Calibrated mode: horizon, in values, of the running location and scale after the warm-up. Default 1000. */
  readonly memory?: number
  /** Values needed before an alarm. Default 30. */
  readonly minInstances?: number
  /** Magnitude of change tolerated (δ), in the metric's unit. Default 0.005. */
  readonly delta?: number
  /** Alarm threshold (λ), in unit × samples. Default 50. */
  readonly threshold?: number
  /** Forgetting factor on the cumulative sums. Default 1 − 0.0001. */
  readonly alpha?: number
  /** Default `both`. */
  readonly mode?: PageHinkleyMode
}

/**
 * A Page-Hinkley detector; `statistic` is the larger of the watched test statistics, alarm when it
 * exceeds `threshold` (λ in river mode, in the data's units; h in calibrated mode, in robust σ units).
 */
export interface PageHinkleyDetector extends BatchDetector {
  /** Direction of the last drift (`up`: the mean rose), undefined before any. */
  readonly direction: 'up' | 'down' | undefined
  /** Running mean since the last reset/drift (calibrated mode: the robust location once warmed up). */
  readonly mean: number
  /** The alarm threshold of `statistic`. */
  readonly threshold: number
  /** The false-alarm budget per 10⁶ values (calibrated mode), undefined in river mode. */
  readonly falseAlarmsPerMillion: number | undefined
  /** Calibrated mode: the robust scale the values are divided by, undefined during the warm-up and in river mode. */
  readonly scale: number | undefined
  /** Calibrated mode: true until the warm-up has set the location and scale (always false in river mode). */
  readonly warmingUp: boolean
}

class PageHinkley implements PageHinkleyDetector {
  readonly name = 'page_hinkley'
  readonly #minInstances: number
  readonly #delta: number
  readonly #threshold: number
  readonly #alpha: number
  readonly #up: boolean
  readonly #down: boolean
  #n = 0
  #mean = 0
  #sumUp = 0
  #sumDown = 0
  #minUp = Number.POSITIVE_INFINITY
  #maxDown = -1
  #statistic = 0
  #drifted = false
  #direction: 'up' | 'down' | undefined = undefined

  constructor(o: PageHinkleyOptions) {
    this.#minInstances = checkNumber('minInstances', o.minInstances ?? 30, 1, 1e12, { integer: true })
    this.#delta = checkNumber('delta', o.delta ?? 0.005, 0, Number.MAX_VALUE)
    this.#threshold = checkNumber('threshold', o.threshold ?? 50, 0, Number.MAX_VALUE, { openLo: true })
    this.#alpha = checkNumber('alpha', o.alpha ?? 1 - 0.0001, 0, 1, { openLo: true })
    const mode = o.mode ?? 'both'
    if (mode !== 'up' && mode !== 'down' && mode !== 'both') throw configError(`mode must be up, down or both, got ${String(mode)}`)
    this.#up = mode !== 'down'
    this.#down = mode !== 'up'
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
  get mean(): number {
    return this.#mean
  }
  get threshold(): number {
    return this.#threshold
  }
  get falseAlarmsPerMillion(): undefined {
    return undefined
  }
  get scale(): undefined {
    return undefined
  }
  get warmingUp(): false {
    return false
  }

  update(x: number): DetectorSignal {
    if (x - x !== 0) return 'invalid'
    if (this.#drifted) this.#clear()
    const n = ++this.#n
    this.#mean += (x - this.#mean) / n
    const dev = x - this.#mean
    // Page (1954) cumulative sums with river's forgetting factor α and tolerance δ:
    // m_up = α·m_up + (x − x̄ − δ), alarm when m_up − min(m_up) > λ; symmetric for decreases.
    this.#sumUp = this.#alpha * this.#sumUp + dev - this.#delta
    this.#sumDown = this.#alpha * this.#sumDown + dev + this.#delta
    if (this.#sumUp < this.#minUp) this.#minUp = this.#sumUp
    if (this.#sumDown > this.#maxDown) this.#maxDown = this.#sumDown
    const up = this.#up ? this.#sumUp - this.#minUp : 0
    const down = this.#down ? this.#maxDown - this.#sumDown : 0
    this.#statistic = Math.max(up, down)
    if (n >= this.#minInstances && this.#statistic > this.#threshold) {
      this.#drifted = true
      this.#direction = up > down ? 'up' : 'down'
      return 'drift'
    }
    return 'stable'
  }

  #clear(): void {
    this.#n = 0
    this.#mean = 0
    this.#sumUp = 0
    this.#sumDown = 0
    this.#minUp = Number.POSITIVE_INFINITY
    this.#maxDown = -1
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
    this.#direction = undefined
  }
}

const RIVER_KEYS = ['minInstances', 'delta', 'threshold', 'alpha'] as const
const KEYS = [...RIVER_KEYS, 'mode', 'falseAlarmsPerMillion', 'warmUp', 'shift', 'memory'] as const

/**
 * Page-Hinkley test (E. S. Page, "Continuous Inspection Schemes", Biometrika 41, 1954).
 *
 * **River mode** (no `falseAlarmsPerMillion`): river 0.26 `drift.PageHinkley`, defaults min_instances 30,
 * δ 0.005, λ 50, α 1 − 0.0001, mode `both`. δ and λ are in the data's units, so the false-alarm rate
 * depends on the scale of the data (≈ 0.7 per 1000 values of N(0, 1) noise, none at σ = 10⁻³, constant
 * alarms at σ = 10³).
 *
 * **Calibrated mode** (`falseAlarmsPerMillion: 1`): scale-free, with a false-alarm budget.
 * - The first `warmUp` values (default 100) set a robust location (median) and scale (1.4826·MAD,
 *   falling back to √(π/2)·mean absolute deviation when more than half the values tie). Then every
 *   value is standardised, clipped at ±max(2, shift) (Huber's ψ, so a single outlier of a
 *   heavy-tailed stream moves the sum by at most 2σ) and folded into the location and scale (Huber M-estimate, Proposal-2
 *   scale, Robbins–Monro gain 1/t floored at 1/`memory`), so the estimates keep improving and follow
 *   slow level changes on a horizon of `memory` values (default 1000).
 * - The test is the one-sided CUSUM per watched direction (Page 1954; Page-Hinkley with α = 1) with
 *   reference k = shift/2 (`shift` default 1σ, the shift it detects fastest; Lorden 1971 optimality)
 *   and threshold h from Siegmund's approximation of the in-control average run length
 *   (Siegmund 1985, eq. 2.56): ARL₀ = 10⁶/falseAlarmsPerMillion − warmUp, doubled per side when both
 *   directions are watched. h ≈ 12.0 standardised units at budget 1, mode `up` (12.6 for `both`).
 * - Verified by simulation (`test/calibration.test.ts`, `bench/quality.mjs`, docs/detector-quality.md):
 *   Gaussian and Student-t(3) noise at scales 1e-9 … 1e9 and offsets 0, ±1e6 stay within the budget;
 *   clipping makes the Gaussian rate ≈ 0.4–0.5× the budget (conservative) and t(3) ≈ 0.7–0.8×.
 *   A 1σ shift is caught in a median 25 values (the optimal CUSUM that knows μ and σ: 22).
 * - Failure modes: a change inside the warm-up becomes part of the baseline; a trend during the
 *   warm-up inflates the scale (less sensitive); a stream whose warm-up values are all equal keeps
 *   warming up (an exactly constant stream never alarms); **autocorrelated** values break the budget
 *   (AR(1) with φ = 0.5 triples the variance of sums: expect hundreds of alarms per 10⁶, see
 *   docs/detector-quality.md) — feed averages of blocks longer than the correlation time instead;
 *   strongly skewed noise watched on its long-tail side alarms more often than the budget.
 * - `statistic` is max(S⁺, S⁻) in standardised units, `threshold` is h, `scale`/`mean` the estimates.
 *
 * O(1) per update, no allocation per update (the warm-up buffer is allocated once). After a drift
 * the detector restarts (with a new warm-up) on the next finite value. For a loss, `mode: 'up'`
 * ignores improvements. Unknown option keys, and river options combined with the calibrated mode,
 * fail with `ENTRENAR_INVALID_CONFIG`.
 *
 * @example
 * ```ts
 * const ph = pageHinkley({ mode: 'up', falseAlarmsPerMillion: 1 })
 * if (ph.update(loss) === 'drift') console.log('loss shifted', ph.statistic, '>', ph.threshold)
 * ```
 */
export function pageHinkley(options: PageHinkleyOptions = {}): PageHinkleyDetector {
  rejectUnknownKeys('pageHinkley', options, KEYS)
  if (options.falseAlarmsPerMillion === undefined) {
    for (const key of ['warmUp', 'shift', 'memory'] as const) {
      if (options[key] !== undefined) throw configError(`pageHinkley: ${key} belongs to the calibrated mode; set falseAlarmsPerMillion too`, { option: key })
    }
    return new PageHinkley(options)
  }
  rejectInCalibratedMode('pageHinkley', options, RIVER_KEYS)
  const mode = options.mode ?? 'both'
  if (mode !== 'up' && mode !== 'down' && mode !== 'both') throw configError(`mode must be up, down or both, got ${String(mode)}`)
  const c = readCalibration(options)
  return new CalibratedPageHinkley({ ...c, up: mode !== 'down', down: mode !== 'up', shift: options.shift ?? 1, memory: options.memory ?? 1000 })
}

