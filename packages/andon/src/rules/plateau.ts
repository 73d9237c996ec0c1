import { fmt, Rule, type RuleSettings, type Stage } from '../engine/rule.js'

/** Options of {@link PlateauRule} after defaults. */
export interface PlateauOptions {
  readonly minDelta: number
  readonly patienceSteps: number
  readonly mode: 'min' | 'max'
}

/**
 * Plateau: no improvement of at least `minDelta` over the best for `patienceSteps` steps (Lightning's
 * `EarlyStopping` min_delta/patience, counted in steps as entrenar's ENT-066 stall rule of 1000 steps).
 * The condition holds for the whole plateau; the engine records one incident per plateau.
 */
export class PlateauRule extends Rule {
  readonly #o: PlateauOptions
  #best = Number.NaN
  #bestStep = Number.NaN

  constructor(metric: string, s: RuleSettings, o: PlateauOptions) {
    super('plateau', metric, s)
    this.#o = o
  }

  test(value: number, step: number): Stage {
    if (value - value === 0) {
      const improved = this.#o.mode === 'min' ? value < this.#best - this.#o.minDelta : value > this.#best + this.#o.minDelta
      if (this.#bestStep !== this.#bestStep || improved) {
        this.#best = value
        this.#bestStep = step
        return 0
      }
    }
    return step - this.#bestStep >= this.#o.patienceSteps ? 1 : 0
  }

  describe(_value: number, step: number): string {
    return `${this.metric} has not improved by ${fmt(this.#o.minDelta)} for ${fmt(step - this.#bestStep)} steps (best ${fmt(this.#best)} at step ${this.#bestStep}, now step ${step})`
  }

  protected override clearStats(): void {
    this.#best = Number.NaN
    this.#bestStep = Number.NaN
  }
}
