import { fmt, Kind, Rule, type RuleOps, type RuleSettings } from '../engine/rule.js'

/** Options of {@link plateauRule} after defaults. */
export interface PlateauOptions {
  readonly minDelta: number
  readonly patienceSteps: number
  readonly mode: 'min' | 'max'
}

const ops: RuleOps = {
  describe(r, _value, step) {
    return `${r.metric} has not improved by ${fmt(r.p0)} for ${fmt(step - r.s3)} steps (best ${fmt(r.p3 * r.s0)} at step ${r.s3}, now step ${step})`
  },
}

/**
 * Plateau: no improvement of at least `minDelta` over the best for `patienceSteps` steps (Lightning's
 * `EarlyStopping` min_delta/patience, counted in steps as entrenar's ENT-066 stall rule of 1000 steps).
 * The condition holds for the whole plateau; the engine records one incident per plateau.
 */
export function plateauRule(metric: string, settings: RuleSettings, o: PlateauOptions): Rule {
  return new Rule({ kind: Kind.plateau, name: 'plateau', metric, ops, settings, p0: o.minDelta, p1: o.patienceSteps, p3: o.mode === 'min' ? 1 : -1 })
}
