import { fmt, Kind, Rule, type RuleOps, type RuleSettings } from '../engine/rule.js'

/** Options of {@link accuracyDropRule} after defaults. */
export interface AccuracyDropOptions {
  readonly baseline: number | undefined
  readonly maxDrop: number
  readonly relative: boolean
  readonly minSamples: number
}

const ops: RuleOps = {
  describe(r, value, step) {
    const fixed = r.p0 === r.p0
    const base = fixed ? r.p0 : r.s0
    const relative = r.p2 === 1
    const drop = relative ? `${fmt(((base - value) / Math.abs(base)) * 100)} %` : fmt(base - value)
    return `${r.metric} dropped ${drop} at step ${step}: ${fmt(value)} against ${fixed ? 'the baseline' : 'the best so far'} ${fmt(base)} (tolerance ${relative ? `${fmt(r.p1 * 100)} %` : fmt(r.p1)})`
  },
}

/**
 * Accuracy fell more than `maxDrop` (default 5 %, relative) below a baseline: a fixed one (a previous
 * model's accuracy) or the best value seen so far in this run.
 */
export function accuracyDropRule(metric: string, settings: RuleSettings, o: AccuracyDropOptions): Rule {
  return new Rule({ kind: Kind.accuracyDrop, name: 'accuracy_drop', metric, ops, settings, p0: o.baseline ?? Number.NaN, p1: o.maxDrop, p2: o.relative ? 1 : 0, p3: o.minSamples })
}
