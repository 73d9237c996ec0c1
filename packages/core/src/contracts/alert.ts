import type { DriftEvent } from './detector.js'

/** Alert levels, ordered INFO < WARNING < ERROR < CRITICAL. */
export type AlertLevel = 'info' | 'warning' | 'error' | 'critical'

/** Levels in ascending order. */
export const ALERT_LEVELS: readonly AlertLevel[] = ['info', 'warning', 'error', 'critical']

/** Numeric rank of a level for comparisons (info 0 … critical 3). */
export function levelRank(level: AlertLevel): number {
  return ALERT_LEVELS.indexOf(level)
}

/**
 * What the policy decides for the training loop:
 * `continue`; `warn` (recorded, training goes on); `act` (a user hook ran, e.g. the learning rate was
 * scaled); `pause` (`monitor.gate()` waits until resumed); `stop` (the monitor's signal aborts).
 */
export type Decision = 'continue' | 'warn' | 'act' | 'pause' | 'stop'

/** An alert raised by a rule or by hand. */
export interface Alert {
  /** Severity: `info`, `warning`, `error` or `critical`. */
  readonly level: AlertLevel
  /** Rule that raised it, e.g. `non_finite`, `divergence`, `manual`. */
  readonly rule: string
  /** What happened, in words, with the numbers. */
  readonly message: string
  /** The run it concerns. */
  readonly runId?: string
  /** The metric that triggered it. */
  readonly metric?: string
  /** The step at which it triggered. */
  readonly step?: number
  /** The value that triggered it (NaN and ±Inf kept). */
  readonly value?: number
  /** When it was raised, epoch milliseconds. */
  readonly timestampMs: number
}

/** An alert together with what was decided. Appended to the history. */
export interface Incident extends Alert {
  /** What the policy decided: `continue`, `warn`, `pause` or `stop`. */
  readonly decision: Decision
  /** Ids of the silences that muted it (not notified; a stop or pause became `warn`). Absent when not silenced. */
  readonly silencedBy?: readonly string[]
}

/** Events other than plain values that a policy observes. */
export type AlertEvent =
  | DriftEvent
  | {
      /** A `renacer.toml` budget was exceeded. */
      readonly kind: 'budget'
      /** The budget's name (from `renacer.toml`). */
      readonly budget: string
      /** The measured value. */
      readonly value: number
      /** The budget's limit it exceeded. */
      readonly limit: number
      /** The step at which it was measured. */
      readonly step: number
      /** When, epoch milliseconds. */
      readonly timestampMs: number
    }

/**
 * Decides continue / warn / act / pause / stop (the Andon). The monitor calls `observeValue` for
 * every logged value in the same `log()` call, so a stop takes effect at that very step.
 *
 * Semantics (checked by the `AlertPolicy` conformance suite): `signal` aborts at the first `stop`
 * with an `EntrenarError` (`ENTRENAR_STOPPED`) as reason; `history()` lists incidents in order;
 * `reset()` clears the history and gives a fresh, un-aborted signal.
 */
export interface AlertPolicy {
  /** Hot path: one logged value. Must not allocate when nothing fires. */
  observeValue(metric: string, value: number, step: number): Decision
  /** A detector or budget event. */
  observe(event: AlertEvent): Decision
  /** Raises an alert by hand. */
  trigger(alert: Alert): Decision
  /** Aborts when the policy stops the line. */
  readonly signal: AbortSignal
  /** Every incident so far, oldest first. */
  history(): readonly Incident[]
  /** Clears history and stop state. */
  reset(): void
  /**
   * Resolves at once unless the policy paused the run (decision `pause`); then it resolves when a
   * person resumes the run (CLI, HTTP) or the pause times out. The monitor's `gate()` awaits it.
   */
  gate?(): Promise<void>
  /** True while the policy holds the run paused (decision `pause`, not yet resumed or timed out). */
  readonly paused?: boolean
  /**
   * Lifts a pause (a person resumed the run through the CLI or HTTP): pending `gate()` promises
   * resolve. Returns true when a pause was lifted, false when the run was not paused.
   */
  resume?(): boolean
  /** Stops the policy's timers and waits for pending handler deliveries (webhooks, files). Idempotent. */
  close?(): Promise<void>
}
