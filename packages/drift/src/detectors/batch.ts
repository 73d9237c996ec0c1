import type { ChangeDetector, DetectorSignal } from '@entrenar/core'

/** Codes {@link BatchDetector.updateMany} writes per value: 0 stable, 1 warning, 2 drift, 3 invalid. */
export const SIGNAL_CODES = {
  /** No change. */
  stable: 0,
  /** A change may be starting. */
  warning: 1,
  /** A change was detected (the detector restarted). */
  drift: 2,
  /** The value was not finite (NaN/±Inf): not fed to the statistic. */
  invalid: 3,
} as const satisfies Record<DetectorSignal, number>

/**
 * A change detector that also takes values in batches. `updateMany(values)` is exactly `update` on
 * each value in order, but the loop runs inside the detector's own class: one call site per kind, so
 * V8 keeps it monomorphic and inlines `update` even when one program drives many kinds of detectors
 * (a per-value `d.update(x)` over a mixed array of detectors is a megamorphic call and runs several
 * times slower; see bench/mixed.mjs).
 */
export interface BatchDetector extends ChangeDetector {
  /**
   * Feeds `values` in order; writes each value's signal code ({@link SIGNAL_CODES}) to `signals[i]`
   * when given (length ≥ values.length) and returns how many `drift`s there were.
   */
  updateMany(values: ArrayLike<number>, signals?: Uint8Array): number
}
