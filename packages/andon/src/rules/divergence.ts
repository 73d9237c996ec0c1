import { fmt, Rule, type RuleSettings, type Stage } from '../engine/rule.js'

/** Options of {@link DivergenceRule} after defaults. */
export interface DivergenceOptions {
  readonly threshold: number | undefined
  readonly factor: number | undefined
  readonly mode: 'min' | 'max'
  readonly minSamples: number
}

/**
 * Divergence: worse than an absolute threshold (Lightning's `divergence_threshold`: "stop as soon as the
 * monitored quantity is worse than this") or worse than k× the best value so far. For a `min` metric the
 * factor bound is `best + (k − 1)·|best|`, which is k·best for a positive loss and stays meaningful for a
 * negative one. Non-finite values never update the best; +Inf crosses the bound (inhibition by the
 * non-finite rule keeps it from doubling the alert).
 */
export class DivergenceRule extends Rule {
  readonly #o: DivergenceOptions
  #best = Number.NaN
  #n = 0

  constructor(metric: string, s: RuleSettings, o: DivergenceOptions) {
    super('divergence', metric, s)
    this.#o = o
  }

  test(value: number): Stage {
    const o = this.#o
    const min = o.mode === 'min'
    let hit = false
    if (o.threshold !== undefined) hit = min ? value > o.threshold : value < o.threshold
    if (!hit && o.factor !== undefined && this.#n >= o.minSamples) {
      const margin = (o.factor - 1) * Math.abs(this.#best)
      hit = min ? value > this.#best + margin : value < this.#best - margin
    }
    if (value - value === 0) {
      this.#n++
      if (this.#n === 1 || (min ? value < this.#best : value > this.#best)) this.#best = value
    }
    return hit ? 1 : 0
  }

  describe(value: number, step: number): string {
    const o = this.#o
    const worse = o.mode === 'min' ? 'above' : 'below'
    if (o.threshold !== undefined && (o.mode === 'min' ? value > o.threshold : value < o.threshold)) {
      return `${this.metric} diverged: ${fmt(value)} at step ${step} is ${worse} the threshold ${fmt(o.threshold)}`
    }
    return `${this.metric} diverged: ${fmt(value)} at step ${step} is ${worse} ${fmt(o.factor ?? 1)}× the best ${fmt(this.#best)}`
  }

  protected override clearStats(): void {
    this.#best = Number.NaN
    this.#n = 0
  }
}
