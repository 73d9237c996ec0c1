import { fmt, Kind, Rule, type RuleOps, type RuleSettings } from '../engine/rule.js'

const ops: RuleOps = {
  describe(r, value, step) {
    return `${r.metric} is ${fmt(value)} at step ${step}, ${value > r.p0 ? `above ${fmt(r.p0)}` : `below ${fmt(r.p1)}`}`
  },
}

/** A plain bound: fires when the value is above `above` or below `below` (NaN crosses neither). */
export function thresholdRule(name: string, metric: string, settings: RuleSettings, above: number | undefined, below: number | undefined): Rule {
  return new Rule({ kind: Kind.threshold, name, metric, ops, settings, p0: above ?? Number.POSITIVE_INFINITY, p1: below ?? Number.NEGATIVE_INFINITY })
}
