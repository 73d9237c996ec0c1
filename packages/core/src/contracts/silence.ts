/**
 * Silences, as Prometheus Alertmanager's silence model: a set of label matchers and a time window;
 * an alert whose labels match every matcher while the silence is active is muted (recorded with the
 * silence ids, but not notified and not allowed to stop or pause the line; see the Andon's README for
 * the rule that protects CRITICAL stops).
 *
 * Labels of an alert: `rule`, `level`, `metric`, `run` and the run's tags; a label the alert does not
 * carry matches as the empty string (as in Alertmanager).
 */

/** Matcher operators, as Alertmanager: equal, not equal, regex match, regex non-match (regexes are anchored). */
export type SilenceMatchOp = '=' | '!=' | '=~' | '!~'

/** Operators in their canonical order. */
export const SILENCE_MATCH_OPS: readonly SilenceMatchOp[] = ['=', '!=', '=~', '!~']

/** One label matcher, e.g. `{ name: 'rule', op: '=', value: 'divergence' }` (amtool: `rule="divergence"`). */
export interface SilenceMatcher {
  /** Label name: `rule`, `level`, `metric`, `run`, or a run tag. */
  readonly name: string
  /** How `value` is compared with the label. */
  readonly op: SilenceMatchOp
  /** The value, or for `=~` / `!~` a regular expression matched against the whole label value. */
  readonly value: string
}

/** `pending` (not started yet), `active` (muting), `expired` (ended, or expired early). */
export type SilenceState = 'pending' | 'active' | 'expired'

/** What a caller gives to create a silence. Times are epoch milliseconds on the policy's clock. */
export interface SilenceSpec {
  /** Id (default: a random UUID). Adding an id that exists and has not expired replaces that silence. */
  readonly id?: string
  /** At least one; all must match. At least one must not match the empty string (Alertmanager's rule). */
  readonly matchers: readonly SilenceMatcher[]
  /** Start (default: now). */
  readonly startsAtMs?: number
  /** End; give exactly one of `endsAtMs` and `durationMs`. */
  readonly endsAtMs?: number
  /** Length from the start (amtool's `--duration`). */
  readonly durationMs?: number
  /** Who created it (required, as Alertmanager). */
  readonly createdBy: string
  /** Why (required, as Alertmanager). */
  readonly comment: string
  /**
   * Lets the silence mute CRITICAL alerts (a NaN stop among them). Only honoured together with a
   * `rule = "<name>"` equality matcher naming the rule, so no silence hides a critical stop by accident.
   */
  readonly muteCritical?: boolean
}

/** A stored silence with its state at the time it was read. */
export interface Silence {
  /** Silence id (a UUID unless one was given). */
  readonly id: string
  /** Every matcher must match an alert for the silence to mute it. */
  readonly matchers: readonly SilenceMatcher[]
  /** Start, epoch milliseconds. */
  readonly startsAtMs: number
  /** End, epoch milliseconds (earlier than planned once expired early). */
  readonly endsAtMs: number
  /** Who created it. */
  readonly createdBy: string
  /** Why it exists. */
  readonly comment: string
  /** Whether it may mute CRITICAL alerts (the non-finite stop); needs a `rule` matcher. */
  readonly muteCritical: boolean
  /** Last change (creation or early expiry). */
  readonly updatedAtMs: number
  /** Where it is in its life at the time of reading. */
  readonly state: SilenceState
}

/** The silence API of a policy (the Andon), in process or remote (`silenceContract`). */
export interface SilenceService {
  /** Validates and stores a silence; resolves once it is durable. Bad input → `ENTRENAR_INVALID_CONFIG`. */
  add(spec: SilenceSpec): Promise<Silence>
  /** Every silence (pending, active, and expired within the retention), oldest first. */
  list(): Promise<readonly Silence[]>
  /** Ends a silence now (a pending one never starts). Unknown id → `ENTRENAR_NOT_FOUND`; an expired one is returned unchanged. */
  expire(id: string): Promise<Silence>
}
