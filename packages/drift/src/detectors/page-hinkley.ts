import type { ChangeDetector, DetectorSignal, Severity } from '@entrenar/core'
import { checkNumber, configError } from '../util/errors.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Which shifts {@link pageHinkley} watches. */
export type PageHinkleyMode = 'up' | 'down' | 'both'

/** Options of {@link pageHinkley}; defaults as river 0.26 `drift.PageHinkley`. */
export interface PageHinkleyOptions {
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

/** A Page-Hinkley detector; `statistic` is the larger of the watched test statistics (alarm when > λ). */
export interface PageHinkleyDetector extends ChangeDetector {
  /** Direction of the last drift (`up`: the mean rose), undefined before any. */
  readonly direction: 'up' | 'down' | undefined
  /** Running mean since the last reset/drift. */
  readonly mean: number
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

  reset(): void {
    this.#clear()
    this.#statistic = 0
    this.#direction = undefined
  }
}

/**
 * Page-Hinkley test (E. S. Page, "Continuous Inspection Schemes", Biometrika 41, 1954), both
 * directions, as river 0.26 `drift.PageHinkley`: defaults min_instances 30, δ 0.005, λ 50,
 * α 1 − 0.0001, mode `both`. O(1) per update, seven numbers of state. No warning zone. After a drift
 * the detector restarts on the next finite value. For a loss, `mode: 'up'` ignores improvements.
 *
 * @example
 * ```ts
 * const ph = pageHinkley({ mode: 'up' })
 * if (ph.update(loss) === 'drift') console.log('loss shifted', ph.direction)
 * ```
 */
export function pageHinkley(options: PageHinkleyOptions = {}): PageHinkleyDetector {
  checkOptions('entrenar/drift: pageHinkley', options, PAGE_HINKLEY_OPTIONS)
  return new PageHinkley(options)
}

/** The option names pageHinkley accepts (unknown ones are errors). */
const PAGE_HINKLEY_OPTIONS = optionKeys<NonNullable<Parameters<typeof pageHinkley>[0]>>({ minInstances: true, delta: true, threshold: true, alpha: true, mode: true })
