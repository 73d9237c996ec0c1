import type { AlertLevel } from '@entrenar/core'
import type { AlertAction } from '../types.js'

/** Condition codes returned by {@link Rule.test}: 0 holds not, 1 fires, 2 escalates (e.g. act → stop). */
export type Stage = 0 | 1 | 2

/** Settings every rule instance carries (resolved from the config with defaults). */
export interface RuleSettings {
  readonly level: AlertLevel
  readonly action: AlertAction | undefined
  readonly forCount: number
  readonly throttleMs: number
  readonly throttleSteps: number
}

/**
 * One rule bound to one metric, with the state of the firing machinery: `pending` counts consecutive
 * evaluations where the condition held (Prometheus `for`), `firedStage` dedups an episode (one
 * incident while the condition keeps holding), `lastFired*` throttle a key (wandb `wait_duration`).
 * Plain fields on a private class: the hot path reads them without indirection.
 */
export abstract class Rule {
  readonly name: string
  readonly metric: string | undefined
  readonly level: AlertLevel
  readonly action: AlertAction | undefined
  readonly forCount: number
  readonly throttleMs: number
  readonly throttleSteps: number
  pending = 0
  firedStage = 0
  lastHeldStep = Number.NaN
  lastFiredMs = Number.NEGATIVE_INFINITY
  lastFiredStep = Number.NaN

  constructor(name: string, metric: string | undefined, s: RuleSettings) {
    this.name = name
    this.metric = metric
    this.level = s.level
    this.action = s.action
    this.forCount = s.forCount
    this.throttleMs = s.throttleMs
    this.throttleSteps = s.throttleSteps
  }

  /** Updates the rule's statistics with one value and tells whether its condition holds. Must not allocate. */
  abstract test(value: number, step: number): Stage

  /** A human message for a firing (called only when an incident is raised). */
  abstract describe(value: number, step: number, stage: Stage): string

  /** Level of a stage (escalations may raise it). */
  levelOf(_stage: Stage): AlertLevel {
    return this.level
  }

  /** Action of a stage (`undefined`: by level). */
  actionOf(_stage: Stage): AlertAction | undefined {
    return this.action
  }

  /** Clears the firing state and the rule's statistics. */
  clear(): void {
    this.pending = 0
    this.firedStage = 0
    this.lastHeldStep = Number.NaN
    this.lastFiredMs = Number.NEGATIVE_INFINITY
    this.lastFiredStep = Number.NaN
    this.clearStats()
  }

  protected clearStats(): void {}
}

/** Formats a number for messages: NaN and ±Inf spelled out, others with up to 6 significant digits. */
export function fmt(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf'
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)))
}
