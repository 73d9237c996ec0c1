import { fmt, Kind, Rule, type RuleOps, type RuleSettings } from '../engine/rule.js'

const ops: RuleOps = {
  describe(r, value, step) {
    const n = r.forCount > 1 ? ` (${r.forCount} consecutive non-finite values)` : ''
    return `${r.metric} became ${fmt(value)} at step ${step}${n}`
  },
}

/**
 * NaN or ±Inf (Lightning `EarlyStopping(check_finite=True)`, Keras `TerminateOnNaN`). With `for` = M it
 * fires after M consecutive non-finite values (the "M consecutive NaNs" of Lightning's `FixNANinGrad`).
 */
export function nonFiniteRule(metric: string, settings: RuleSettings): Rule {
  return new Rule({ kind: Kind.nonFinite, name: 'non_finite', metric, ops, settings })
}
