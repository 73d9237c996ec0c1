import { fmt, Rule, type Stage } from '../engine/rule.js'

/**
 * NaN or ±Inf (Lightning `EarlyStopping(check_finite=True)`, Keras `TerminateOnNaN`). With `for` = M it
 * fires after M consecutive non-finite values (the "M consecutive NaNs" of Lightning's `FixNANinGrad`).
 */
export class NonFiniteRule extends Rule {
  test(value: number): Stage {
    // x − x is 0 for every finite x and NaN for NaN and ±Inf: one subtraction, no call.
    return value - value === 0 ? 0 : 1
  }

  describe(value: number, step: number): string {
    const n = this.forCount > 1 ? ` (${this.forCount} consecutive non-finite values)` : ''
    return `${this.metric} became ${fmt(value)} at step ${step}${n}`
  }
}
