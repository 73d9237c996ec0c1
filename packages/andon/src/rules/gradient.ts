import type { AlertLevel } from '@entrenar/core'
import { fmt, Kind, Rule, type RuleOps, type RuleSettings } from '../engine/rule.js'

/** Options of {@link gradientExplosionRule} after defaults. */
export interface GradientExplosionOptions {
  readonly maxNorm: number | undefined
  readonly factor: number | undefined
  readonly minSamples: number
  readonly lrScale: number
  readonly persist: number
  readonly stopLevel: AlertLevel
}

const explosion: RuleOps = {
  describe(r, value, step, stage) {
    const ref = value > r.p0 ? `max_norm ${fmt(r.p0)}` : `${fmt(r.p1)}× its running mean ${fmt(r.s0)}`
    if (stage === 2) return `${r.metric} still exploding at step ${step}: ${fmt(value)} above ${ref} after scaling the learning rate by ${fmt(r.lrScale)}`
    return `${r.metric} exploding at step ${step}: ${fmt(value)} above ${ref}; scaling the learning rate by ${fmt(r.lrScale)}`
  },
}

/**
 * Gradient explosion: the norm is above `maxNorm` or `factor`× its EMA (α = 0.1, as the EMA of
 * entrenar's ENT-066 Andon). Stage 1 acts (the learning-rate hook is called with `lrScale`); when the
 * condition still holds `persist` evaluations later, stage 2 escalates to `stopLevel` (stops by default).
 */
export function gradientExplosionRule(metric: string, settings: RuleSettings, o: GradientExplosionOptions): Rule {
  return new Rule({
    kind: Kind.gradientExplosion,
    name: 'gradient_explosion',
    metric,
    ops: explosion,
    settings: { ...settings, action: settings.action ?? 'act' },
    p0: o.maxNorm ?? Number.POSITIVE_INFINITY,
    p1: o.factor ?? Number.NaN,
    p2: o.minSamples,
    p3: o.persist + settings.forCount,
    level2: o.stopLevel,
    action2: undefined,
    lrScale: o.lrScale,
  })
}

const vanishing: RuleOps = {
  describe(r, value, step) {
    return `${r.metric} vanished: ${fmt(value)} below ${fmt(r.p0)} for ${r.forCount} evaluations up to step ${step}`
  },
}

/** Vanishing gradients: the norm stays below `below` (finite values only) for `for` evaluations. */
export function vanishingGradientsRule(metric: string, settings: RuleSettings, below: number): Rule {
  return new Rule({ kind: Kind.vanishing, name: 'vanishing_gradients', metric, ops: vanishing, settings, p0: below })
}
