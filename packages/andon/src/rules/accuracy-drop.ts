import { fmt, Rule, type RuleSettings, type Stage } from '../engine/rule.js'

/** Options of {@link AccuracyDropRule} after defaults. */
export interface AccuracyDropOptions {
  readonly baseline: number | undefined
  readonly maxDrop: number
  readonly relative: boolean
  readonly minSamples: number
}

/**
 * Accuracy fell more than `maxDrop` (default 5 %, relative) below a baseline: a fixed one (a previous
 * model's accuracy) or the best value seen so far in this run.
 */
export class AccuracyDropRule extends Rule {
  readonly #o: AccuracyDropOptions
  #best = Number.NaN
  #n = 0

  constructor(metric: string, s: RuleSettings, o: AccuracyDropOptions) {
    super('accuracy_drop', metric, s)
    this.#o = o
  }

  #base(): number {
    return this.#o.baseline ?? this.#best
  }

  test(value: number): Stage {
    const o = this.#o
    let hit = false
    if (value - value === 0) {
      if (o.baseline !== undefined || this.#n >= o.minSamples) {
        const base = this.#base()
        const floor = o.relative ? base - o.maxDrop * Math.abs(base) : base - o.maxDrop
        hit = value < floor
      }
      this.#n++
      if (this.#n === 1 || value > this.#best) this.#best = value
    }
    return hit ? 1 : 0
  }

  describe(value: number, step: number): string {
    const base = this.#base()
    const drop = this.#o.relative ? `${fmt(((base - value) / Math.abs(base)) * 100)} %` : fmt(base - value)
    const what = this.#o.baseline === undefined ? 'the best so far' : 'the baseline'
    return `${this.metric} dropped ${drop} at step ${step}: ${fmt(value)} against ${what} ${fmt(base)} (tolerance ${this.#o.relative ? `${fmt(this.#o.maxDrop * 100)} %` : fmt(this.#o.maxDrop)})`
  }

  protected override clearStats(): void {
    this.#best = Number.NaN
    this.#n = 0
  }
}
