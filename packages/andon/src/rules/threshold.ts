import { fmt, Rule, type RuleSettings, type Stage } from '../engine/rule.js'

/** A plain bound: fires when the value is above `above` or below `below` (NaN crosses neither). */
export class ThresholdRule extends Rule {
  readonly #above: number
  readonly #below: number

  constructor(name: string, metric: string, s: RuleSettings, above: number | undefined, below: number | undefined) {
    super(name, metric, s)
    this.#above = above ?? Number.POSITIVE_INFINITY
    this.#below = below ?? Number.NEGATIVE_INFINITY
  }

  test(value: number): Stage {
    return value > this.#above || value < this.#below ? 1 : 0
  }

  describe(value: number, step: number): string {
    const bound = value > this.#above ? `above ${fmt(this.#above)}` : `below ${fmt(this.#below)}`
    return `${this.metric} is ${fmt(value)} at step ${step}, ${bound}`
  }
}
