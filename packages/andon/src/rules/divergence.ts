import { fmt, Kind, Rule, type RuleOps, type RuleSettings } from '../engine/rule.js'

/** Options of {@link divergenceRule} after defaults. */
export interface DivergenceOptions {
  readonly threshold: number | undefined
  readonly factor: number | undefined
  readonly mode: 'min' | 'max'
  readonly minSamples: number
}

const ops: RuleOps = {
  describe(r, value, step) {
    const sign = r.p3
    const worse = sign === 1 ? 'above' : 'below'
    if (sign * value > r.p0) return `${r.metric} diverged: ${fmt(value)} at step ${step} is ${worse} the threshold ${fmt(sign * r.p0)}`
    return `${r.metric} diverged: ${fmt(value)} at step ${step} is ${worse} ${fmt(r.p1)}× the best ${fmt(sign * r.s0)}`
  },
}

/**
 * Divergence: worse than an absolute threshold (Lightning's `divergence_threshold`: "stop as soon as the
 * monitored quantity is worse than this") or worse than k× the best value so far. For a `min` metric the
 * factor bound is `best + (k − 1)·|best|`, which is k·best for a positive loss and stays meaningful for a
 * negative one; `max` mirrors it. Non-finite values never update the best; +Inf crosses the bound
 * (inhibition by the non-finite rule keeps it from doubling the alert).
 */
export function divergenceRule(metric: string, settings: RuleSettings, o: DivergenceOptions): Rule {
  const sign = o.mode === 'min' ? 1 : -1
  return new Rule({
    kind: Kind.divergence,
    name: 'divergence',
    metric,
    ops,
    settings,
    p0: o.threshold === undefined ? Number.POSITIVE_INFINITY : sign * o.threshold,
    p1: o.factor ?? Number.NaN,
    p2: o.minSamples,
    p3: sign,
  })
}
