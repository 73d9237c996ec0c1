import type { AlertLevel } from '@entrenar/core'
import { fmt, Rule, type RuleSettings, type Stage } from '../engine/rule.js'
import type { AlertAction } from '../types.js'

/** Options of {@link GradientExplosionRule} after defaults. */
export interface GradientExplosionOptions {
  readonly maxNorm: number | undefined
  readonly factor: number | undefined
  readonly minSamples: number
  readonly lrScale: number
  readonly persist: number
  readonly stopLevel: AlertLevel
}

/** EMA smoothing of the gradient norm: α = 0.1, as the EMA of entrenar's ENT-066 TUI Andon. */
const ALPHA = 0.1

/**
 * Gradient explosion: the norm is above `maxNorm` or `factor`× its EMA. Stage 1 acts (the learning-rate
 * hook is called with `lrScale`); when the condition still holds `persist` evaluations later, stage 2
 * escalates to `stopLevel` (stops by default). Exploding values are kept out of the EMA so that the
 * reference does not chase the explosion.
 */
export class GradientExplosionRule extends Rule {
  readonly #o: GradientExplosionOptions
  #ema = 0
  #n = 0
  #held = 0

  constructor(metric: string, s: RuleSettings, o: GradientExplosionOptions) {
    super('gradient_explosion', metric, s)
    this.#o = o
  }

  test(value: number): Stage {
    const o = this.#o
    let hit = o.maxNorm !== undefined && value > o.maxNorm
    if (!hit && o.factor !== undefined && this.#n >= o.minSamples) hit = value > o.factor * this.#ema
    if (!hit) {
      this.#held = 0
      if (value - value === 0) {
        this.#ema = this.#n === 0 ? value : this.#ema + ALPHA * (value - this.#ema)
        this.#n++
      }
      return 0
    }
    this.#held++
    return this.#held >= o.persist + this.forCount ? 2 : 1
  }

  override levelOf(stage: Stage): AlertLevel {
    return stage === 2 ? this.#o.stopLevel : this.level
  }

  override actionOf(stage: Stage): AlertAction | undefined {
    return stage === 2 ? undefined : (this.action ?? 'act')
  }

  /** Scale handed to the learning-rate hook. */
  get lrScale(): number {
    return this.#o.lrScale
  }

  describe(value: number, step: number, stage: Stage): string {
    const o = this.#o
    const ref = o.maxNorm !== undefined && value > o.maxNorm ? `max_norm ${fmt(o.maxNorm)}` : `${fmt(o.factor ?? 0)}× its running mean ${fmt(this.#ema)}`
    if (stage === 2) return `${this.metric} still exploding at step ${step}: ${fmt(value)} above ${ref} after scaling the learning rate by ${fmt(o.lrScale)}`
    return `${this.metric} exploding at step ${step}: ${fmt(value)} above ${ref}; scaling the learning rate by ${fmt(o.lrScale)}`
  }

  protected override clearStats(): void {
    this.#ema = 0
    this.#n = 0
    this.#held = 0
  }
}

/** Vanishing gradients: the norm stays below `below` (finite values only) for `for` evaluations. */
export class VanishingGradientsRule extends Rule {
  readonly #below: number

  constructor(metric: string, s: RuleSettings, below: number) {
    super('vanishing_gradients', metric, s)
    this.#below = below
  }

  test(value: number): Stage {
    return value < this.#below && value > -this.#below ? 1 : 0
  }

  describe(value: number, step: number): string {
    return `${this.metric} vanished: ${fmt(value)} below ${fmt(this.#below)} for ${this.forCount} evaluations up to step ${step}`
  }
}
