import type { AlertLevel, AlertPolicy, EntrenarError, Incident, Silence, SilenceSpec } from '@entrenar/core'

/** What a rule does when it fires. `undefined` in a rule means "by level": stop for stopping levels, else warn. */
export type AlertAction = 'warn' | 'act' | 'pause' | 'stop'

/** Fields every rule accepts. */
export interface RuleBase {
  /** Metrics the rule watches; `'*'` watches every metric. */
  readonly metrics?: readonly string[]
  /** Level of the incident. */
  readonly level?: AlertLevel
  /** Action when it fires (default: by level, see {@link AndonConfig.stopOn}). */
  readonly action?: AlertAction
  /** Prometheus-style `for`: the condition must hold this many consecutive evaluations. */
  readonly for?: number
  /** Suppress a new incident of the same rule and metric within this many ms of the last one (wandb `wait_duration`). */
  readonly throttleMs?: number
  /** Suppress a new incident of the same rule and metric within this many steps of the last one. */
  readonly throttleSteps?: number
  /** Prometheus `keep_firing_for`: the episode lasts this many evaluations after the condition stops holding, so a flapping condition raises one incident. */
  readonly keepFiringFor?: number
}

/** A non-finite value (NaN, ±Inf): Lightning's `check_finite`, Keras' `TerminateOnNaN`. */
export interface NonFiniteRule extends RuleBase {
  /** Fire after this many consecutive non-finite values (alias of `for`; default 1: the same step). */
  readonly consecutive?: number
}

/** The value became worse than a threshold or k× the best so far (Lightning's `divergence_threshold`). */
export interface DivergenceRule extends RuleBase {
  /** Absolute bound: worse than this fires (above for `min`, below for `max`). */
  readonly threshold?: number
  /** Fires when the value is worse than `best ± (factor − 1)·|best|` (k× the best for a positive loss). */
  readonly factor?: number
  /** `min` (a loss, default) or `max` (a reward). */
  readonly mode?: 'min' | 'max'
  /** Finite values needed before the factor test applies. */
  readonly minSamples?: number
}

/** Accuracy fell by more than `maxDrop` against a baseline (fixed, or the best seen so far). */
export interface AccuracyDropRule extends RuleBase {
  /** Fixed baseline; default: the best value seen so far. */
  readonly baseline?: number
  /** Largest tolerated drop (default 0.05: 5 %). */
  readonly maxDrop?: number
  /** `maxDrop` relative to the baseline (default true) or in absolute units. */
  readonly relative?: boolean
  /** Finite values needed before the rule applies (when the baseline is the running best). */
  readonly minSamples?: number
}

/** No improvement of at least `minDelta` for `patienceSteps` steps (Lightning's `EarlyStopping` patience/min_delta). */
export interface PlateauRule extends RuleBase {
  /** Smallest change that counts as an improvement, in the metric's units. Default 0. */
  readonly minDelta?: number
  /** Steps without improvement before it fires. Default 1000. */
  readonly patienceSteps?: number
  /** `min` (lower is better, default) or `max`. */
  readonly mode?: 'min' | 'max'
}

/** No `log()` for `timeoutMs`, checked by an unref'd timer (Aim's watcher, prime-rl's heartbeat). */
export interface StallRule extends Omit<RuleBase, 'metrics' | 'for'> {
  /** Milliseconds without a `log()` before it fires. Default 600 000 (10 min). */
  readonly timeoutMs?: number
}

/**
 * Gradient explosion: the norm exceeds `maxNorm` or `factor`× its running mean (EMA, α = 0.1 as
 * entrenar's ENT-066 Andon). First act (the learning-rate hook scales by `lrScale`), then stop when it
 * persists for `persist` more evaluations.
 */
export interface GradientExplosionRule extends RuleBase {
  /** Absolute bound on the norm: above it fires. Default none. */
  readonly maxNorm?: number
  /** Fires when the norm exceeds this multiple of its running mean (EMA). Default 10. */
  readonly factor?: number
  /** Finite values needed before the factor test applies (the EMA warms up). Default 20. */
  readonly minSamples?: number
  /** Scale handed to `onLearningRate` at the first firing (default 0.5). */
  readonly lrScale?: number
  /** Firing evaluations after the act before the stop (default 3). */
  readonly persist?: number
  /** Level of the escalation (default `error`, which stops). */
  readonly stopLevel?: AlertLevel
}

/** Vanishing gradients: the norm stays below `below` for `for` evaluations. */
export interface VanishingGradientsRule extends RuleBase {
  /** The norm counts as vanished below this value. Default 1e-7. */
  readonly below?: number
}

/** A plain bound on a metric (any metric: `learning_rate`, `throughput`, …). */
export interface ThresholdRule extends RuleBase {
  /** Rule name in incidents (default `threshold`). */
  readonly name?: string
  /** Fires when the value is above this bound. */
  readonly above?: number
  /** Fires when the value is below this bound. */
  readonly below?: number
}

/** How detector events (`@entrenar/drift`) map to levels; `null` ignores the signal. */
export interface DriftMapping {
  /** Level of a detector `warning`. Default `info`. */
  readonly warning?: AlertLevel | null
  /** Level of a detector `drift`. Default `warning` (a drift alone never stops). */
  readonly drift?: AlertLevel | null
  /** Level of an `invalid` signal (a non-finite value fed to a detector). Default null: ignored, the non-finite rule handles it. */
  readonly invalid?: AlertLevel | null
  /** Level of a `drift` graded `high` severity (default: as `drift`). */
  readonly high?: AlertLevel | null
  /** Only events of these metrics (default: all). */
  readonly metrics?: readonly string[]
  /** Action when a drift incident fires (default: by level). */
  readonly action?: AlertAction
  /** Suppress a new drift incident of the same detector and metric within this many ms. */
  readonly throttleMs?: number
}

/** A resource budget (from renacer.toml `[[assertion]]`, or by hand). */
export type Budget =
  | {
      /** The time between two `log()` calls (one training step). */
      readonly kind: 'step_duration'
      /** Budget name, shown in incidents. */
      readonly name: string
      /** Longest step, milliseconds. */
      readonly maxMs: number
      /** A violation is an `error` (which stops) when true, a `warning` when false. */
      readonly failOnViolation: boolean
    }
  | {
      /** Memory of the process, sampled by a timer. */
      readonly kind: 'memory'
      /** Budget name, shown in incidents. */
      readonly name: string
      /** Most bytes. */
      readonly maxBytes: number
      /** `rss`: the resident set size; `allocations`: the JavaScript heap in use. */
      readonly trackingMode: 'rss' | 'allocations'
      /** A violation is an `error` (which stops) when true, a `warning` when false. */
      readonly failOnViolation: boolean
    }
  | {
      /** The number of steps of the run. */
      readonly kind: 'steps'
      /** Budget name, shown in incidents. */
      readonly name: string
      /** Most steps. */
      readonly maxSteps: number
      /** A violation is an `error` (which stops) when true, a `warning` when false. */
      readonly failOnViolation: boolean
    }
  | {
      /** The wall time since the first logged value. */
      readonly kind: 'wall_time'
      /** Budget name, shown in incidents. */
      readonly name: string
      /** Longest run, milliseconds. */
      readonly maxMs: number
      /** A violation is an `error` (which stops) when true, a `warning` when false. */
      readonly failOnViolation: boolean
    }

/** The budgets renacer `[[assertion]]`s give (wall-time budgets come from `[[andon.budget]]`). */
export type AssertionBudget = Exclude<Budget, { readonly kind: 'wall_time' }>

/** Alertmanager-style inhibition: while `source` holds (or within `windowSteps` after), `targets` are suppressed. */
export interface InhibitRule {
  /** The rule whose firing inhibits (e.g. `non_finite`). */
  readonly source: string
  /** The rules suppressed meanwhile (e.g. `divergence`). */
  readonly targets: readonly string[]
  /** `metric`: only on the same metric; `run` (default): on any metric of the run. */
  readonly scope?: 'metric' | 'run'
  /** Steps after the source last held during which the targets stay suppressed. Default 0. */
  readonly windowSteps?: number
}

/** The rule set. Omitted entries take the defaults; `false` disables one. */
export interface RuleSet {
  /** NaN/±Inf values. Default: CRITICAL at the same step on losses and gradient norms. */
  readonly nonFinite?: NonFiniteRule | readonly NonFiniteRule[] | false
  /** Divergence from the best value. Default: 10× the best loss held for 3 evaluations. */
  readonly divergence?: DivergenceRule | readonly DivergenceRule[] | false
  /** Accuracy drops. Default: more than 5 % below the best → WARNING. */
  readonly accuracyDrop?: AccuracyDropRule | readonly AccuracyDropRule[] | false
  /** No improvement. Default: 1000 steps on the loss → INFO. */
  readonly plateau?: PlateauRule | readonly PlateauRule[] | false
  /** No `log()` for a while. Default: 10 min → WARNING. */
  readonly stall?: StallRule | false
  /** Exploding gradient norms. Default: 10× the EMA → act (learning rate × 0.5), stop 3 evaluations later. */
  readonly gradientExplosion?: GradientExplosionRule | readonly GradientExplosionRule[] | false
  /** Vanishing gradient norms. Default: below 1e-7 for 10 evaluations → WARNING. */
  readonly vanishingGradients?: VanishingGradientsRule | readonly VanishingGradientsRule[] | false
  /** Plain bounds on any metric. Default none. */
  readonly threshold?: readonly ThresholdRule[]
  /** How detector events become incidents. */
  readonly drift?: DriftMapping | false
  /** Resource budgets (step time, memory, steps, wall time). Default none. */
  readonly budgets?: readonly Budget[]
  /** Inhibitions. Default: a non-finite value suppresses divergence and gradient-explosion alerts for 100 steps. */
  readonly inhibit?: readonly InhibitRule[]
}

/** Receives every recorded incident. Must not block: return a promise for async work. */
export type AlertHandlerFn = (incident: Incident) => void | Promise<void>

/** A handler with a name and an optional drain (webhooks, files). */
export interface AlertHandler {
  /** Handler name, used in error reports. */
  readonly name: string
  /** Delivers one incident; a rejection is counted (`handlerErrors`) and reported to `onError`, never thrown into training. */
  handle(incident: Incident): void | Promise<void>
  /** Waits for pending deliveries and releases resources. */
  close?(): Promise<void>
}

/** Runs once when the line stops (a checkpoint, the final report). */
export type StopHook = (incident: Incident, reason: EntrenarError) => void | Promise<void>

/** Probes of the process for memory budgets (Node's `process.memoryUsage` by default). */
export interface MemoryProbes {
  /** Resident set size of the process, bytes. */
  rssBytes(): number
  /** JavaScript heap in use, bytes. */
  heapUsedBytes(): number
}

/** Options of {@link createAndon}. */
export interface AndonConfig {
  /** Run id recorded in incidents. */
  readonly runId?: string
  /** A store directory: incidents are appended (fsync) to `<storeDir>/andon/incidents.jsonl`. */
  readonly storeDir?: string
  /**
   * Confines the file-writing handlers of `renacer` (`type = "jsonl"`): a relative `path` is relative to
   * `root`, and the file (symbolic links followed; a link at the file itself is refused when writing)
   * must land strictly inside `root` or be one of `allow` (paths an operator gave on the command line);
   * otherwise construction throws `ENTRENAR_INVALID_CONFIG`. Without it, paths are used as given.
   */
  readonly handlerFiles?: {
    /** Directory the files must land in (relative paths resolve against it). */
    readonly root: string
    /** Further files allowed outside `root`. */
    readonly allow?: readonly string[]
  }
  /** A loaded renacer.toml: its `[andon]` tables and `[[assertion]]` budgets (fields given here win). */
  readonly renacer?: {
    /** The `[andon]` settings. */
    readonly andon: AndonSettings
    /** The budgets of the enabled `[[assertion]]`s. */
    readonly budgets: readonly Budget[]
  }
  /** The rules (defaults: see `DEFAULT_RULES`). */
  readonly rules?: RuleSet
  /** Which levels stop when a rule has no explicit action. Default: error and critical (entrenar's `stop_on_error`, `stop_on_critical`). */
  readonly stopOn?: Partial<Record<AlertLevel, boolean>>
  /** Default throttle per rule and metric (default 60 000 ms: wandb's `wait_duration`). */
  readonly throttleMs?: number
  /** A pause ends after this long (default 30 min). */
  readonly pauseTimeoutMs?: number
  /** What a pause timeout does: resume the run (default) or stop it. */
  readonly onPauseTimeout?: 'resume' | 'stop'
  /** Handlers: functions or {@link AlertHandler} objects. */
  readonly handlers?: readonly (AlertHandler | AlertHandlerFn)[]
  /** Hooks run once at the first stop. */
  readonly onStop?: StopHook | readonly StopHook[]
  /** The learning-rate hook of the gradient-explosion rule: multiply the learning rate by `scale`. */
  readonly onLearningRate?: (scale: number, incident: Incident) => void
  /** Hook of rules whose action is `act` (other than the gradient rule's learning-rate hook). */
  readonly onAct?: (incident: Incident) => void
  /** Where handler and hook failures go (default: swallowed after counting). Never thrown into training. */
  readonly onError?: (error: EntrenarError) => void
  /** Largest history kept (oldest dropped first). Default 10 000. */
  readonly maxHistory?: number
  /** Clock in ms (default `Date.now`); backtests replay stored timestamps through it. */
  readonly now?: () => number
  /** Start the stall/memory timer (default true). */
  readonly timers?: boolean
  /** Memory probes (default: Node's process). */
  readonly probes?: MemoryProbes
  /** The run's tags: labels that silence matchers can name besides `rule`, `level`, `metric` and `run`. */
  readonly tags?: Readonly<Record<string, string>>
  /** Silences declared with the configuration (not persisted; renacer.toml `[[andon.silence]]` come first). */
  readonly silences?: readonly SilenceSpec[]
  /** Expired silences are forgotten this long after they end (default 120 h, Alertmanager's `--data.retention`). */
  readonly silenceRetentionMs?: number
}

/** The `[andon]` part of renacer.toml, as {@link AndonConfig} fields. */
export interface AndonSettings {
  /** `[andon.rules.*]`: as {@link AndonConfig.rules}. */
  readonly rules?: RuleSet
  /** `[andon] stop_on`: as {@link AndonConfig.stopOn}. */
  readonly stopOn?: Partial<Record<AlertLevel, boolean>>
  /** `[andon] throttle_ms`: as {@link AndonConfig.throttleMs}. */
  readonly throttleMs?: number
  /** `[andon] pause_timeout_ms`: as {@link AndonConfig.pauseTimeoutMs}. */
  readonly pauseTimeoutMs?: number
  /** `[andon] on_pause_timeout`: as {@link AndonConfig.onPauseTimeout}. */
  readonly onPauseTimeout?: 'resume' | 'stop'
  /** `[andon] max_history`: as {@link AndonConfig.maxHistory}. */
  readonly maxHistory?: number
  /** `[[andon.handler]]` entries. */
  readonly handlers?: readonly HandlerSpec[]
  /** `[[andon.silence]]` entries. */
  readonly silences?: readonly SilenceSpec[]
}

/** A handler declared in renacer.toml (`[[andon.handler]]`); secrets come from environment variables. */
export type HandlerSpec =
  | {
      /** A line per incident on stderr. */
      readonly type: 'console'
      /** Lowest level delivered. */
      readonly minLevel?: AlertLevel
    }
  | {
      /** One JSON line per incident, appended to a file. */
      readonly type: 'jsonl'
      /** The file (confined by {@link AndonConfig.handlerFiles} when set). */
      readonly path: string
      /** Lowest level delivered. */
      readonly minLevel?: AlertLevel
    }
  | {
      /** A JSON POST (`webhook`), or a Slack incoming-webhook message (`slack`). */
      readonly type: 'webhook' | 'slack'
      /** The URL (prefer `urlEnv`: a URL with a secret should not sit in a file). */
      readonly url?: string
      /** Environment variable holding the URL. */
      readonly urlEnv?: string
      /** Lowest level delivered. */
      readonly minLevel?: AlertLevel
      /** Timeout of one attempt, milliseconds. */
      readonly timeoutMs?: number
      /** Attempts after the first on failure. */
      readonly retries?: number
    }
  | {
      /** A PagerDuty Events API v2 trigger. */
      readonly type: 'pagerduty'
      /** Environment variable holding the integration's routing key. */
      readonly routingKeyEnv: string
      /** Events API URL (default PagerDuty's). */
      readonly url?: string
      /** Lowest level delivered. */
      readonly minLevel?: AlertLevel
      /** Timeout of one attempt, milliseconds. */
      readonly timeoutMs?: number
      /** Attempts after the first on failure. */
      readonly retries?: number
    }

/** Counters of what the Andon evaluated and suppressed. */
export interface AndonStats {
  /** Values and events evaluated. */
  readonly evaluations: number
  /** Incidents recorded. */
  readonly incidents: number
  /** Firings suppressed by an inhibition. */
  readonly inhibited: number
  /** Firings suppressed by a throttle. */
  readonly throttled: number
  /** Firings suppressed as a repeat within the same episode or step. */
  readonly deduplicated: number
  /** Handler deliveries that failed. */
  readonly handlerErrors: number
  /** Incidents dropped from the history past `maxHistory` (oldest first). */
  readonly droppedHistory: number
  /** Incidents muted by a silence (recorded with `silencedBy`, not notified, not stopping). */
  readonly silenced: number
  /** CRITICAL alerts that matched a silence which may not mute them (no `muteCritical` + `rule=` matcher): notified and acted on. */
  readonly silenceRefused: number
}

/**
 * The Andon: an {@link AlertPolicy} with rules, handlers, pause/resume and stop hooks.
 */
export interface Andon extends AlertPolicy {
  readonly paused: boolean
  resume(): boolean
  gate(): Promise<void>
  close(): Promise<void>
  /** Registers a stop hook (run once at the first stop); returns a function that removes it. */
  onStop(hook: StopHook): () => void
  /** Counters. */
  stats(): AndonStats
  /** The incidents at or above a level. */
  incidentsAtLeast(level: AlertLevel): readonly Incident[]
  /**
   * Adds (or, by id, replaces) a silence at run time: in effect at once, and persisted in
   * `<storeDir>/andon/silences.jsonl` when the promise resolves. Bad input rejects with `ENTRENAR_INVALID_CONFIG`.
   */
  addSilence(spec: SilenceSpec): Promise<Silence>
  /** Ends a silence now. Unknown id → `ENTRENAR_NOT_FOUND`; an expired one is returned unchanged. */
  expireSilence(id: string): Promise<Silence>
  /** Every silence with its state (pending, active, expired within the retention), oldest start first. */
  silences(): readonly Silence[]
}
