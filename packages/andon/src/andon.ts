import { type Alert, type AlertEvent, type AlertLevel, checkTags, type Decision, type DriftEvent, EntrenarError, ErrorCodes, type Incident, levelRank, type Silence, type SilenceSpec } from '@entrenar/core'
import { Dispatcher, toHandler } from './engine/dispatch.js'
import { PauseGate } from './engine/pause.js'
import { Kind, type Rule, type Stage, testRule } from './engine/rule.js'
import { handlersFromSpecs } from './handlers/from-spec.js'
import { jsonlFileHandler } from './handlers/jsonl-file.js'
import { readIncidentLogSync } from './node/incident-log.js'
import { incidentsPath, nodeProbes } from './node/io.js'
import { type CompiledRules, compileRules } from './rules/build.js'
import { DEFAULTS } from './rules/defaults.js'
import { Silences } from './silence/store.js'
import type { AlertAction, AlertHandler, Andon, AndonConfig, AndonStats, MemoryProbes, RuleSet, StopHook } from './types.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Decisions by rank: continue < warn < act < pause < stop (the strongest of one call wins). */
const DECISIONS: readonly Decision[] = ['continue', 'warn', 'act', 'pause', 'stop']
const RANK: Record<Decision, number> = { continue: 0, warn: 1, act: 2, pause: 3, stop: 4 }
const ACTION_RANK: Record<AlertAction, number> = { warn: 1, act: 2, pause: 3, stop: 4 }
/** Metric names kept in the hot-path cache (a training loop logs a handful per step). */
const CACHE = 8

function mergeRules(base: RuleSet | undefined, over: RuleSet | undefined): RuleSet {
  return { ...(base ?? {}), ...(over ?? {}) }
}

function positive(name: string, x: number | undefined, dflt: number): number {
  const v = x ?? dflt
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: ${name} must be a number >= 0, got ${String(v)}`)
  return v
}

/** The run's tags as silence labels (core's tag check: a flat object of strings; `ENTRENAR_INVALID_TAGS`). */
function runTags(tags: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> {
  const bad = checkTags(tags)
  if (bad) throw bad
  return { ...(tags ?? {}) }
}

class AndonImpl implements Andon {
  readonly #runId: string | undefined
  readonly #rules: CompiledRules
  readonly #byMetric = new Map<string, Rule[]>()
  readonly #cacheKeys: string[] = []
  readonly #cacheRules: Rule[][] = []
  readonly #stopOn: Readonly<Record<AlertLevel, boolean>>
  readonly #pauseTimeoutMs: number
  readonly #onPauseTimeout: 'resume' | 'stop'
  readonly #maxHistory: number
  readonly #now: () => number
  readonly #dispatch: Dispatcher
  readonly #stopHooks: StopHook[]
  readonly #onLearningRate: AndonConfig['onLearningRate']
  readonly #onAct: AndonConfig['onAct']
  readonly #probes: MemoryProbes | undefined
  readonly #stepBudgets: Rule[]
  readonly #latencyBudgets: Rule[]
  readonly #memoryBudgets: Rule[]
  readonly #wallBudgets: Rule[]
  readonly #gate = new PauseGate()
  readonly #eventThrottle = new Map<string, { ms: number; step: number }>()
  readonly #heldAt = new Map<string, number>()
  readonly #timer: ReturnType<typeof setInterval> | undefined
  readonly #silences: Silences
  readonly #tags: Readonly<Record<string, string>>
  /** Whether the last `#decide` was muted by a silence (its incident opens no throttle window). */
  #muted = false
  #mutedUntilMs = Number.POSITIVE_INFINITY
  #controller = new AbortController()
  #history: Incident[] = []
  #stopHooksRan = false
  #hookRuns: Promise<void>[] = []
  #closed = false
  // hot-path state
  #evaluations = 0
  #lastStep = Number.NaN
  #steps = 0
  #stepStartMs = Number.NaN
  /** Clock time of the first `log()` (the start of the wall-time budget). */
  #startMs = Number.NaN
  // timer state
  #seenEvaluations = 0
  #lastProgressMs = 0
  // counters
  #inhibited = 0
  #throttled = 0
  #deduplicated = 0
  #dropped = 0
  #silenced = 0
  #silenceRefused = 0

  constructor(config: AndonConfig) {
    const settings = config.renacer?.andon ?? {}
    this.#runId = config.runId
    const throttleMs = positive('throttleMs', config.throttleMs ?? settings.throttleMs, DEFAULTS.throttleMs)
    this.#rules = compileRules(mergeRules(settings.rules, config.rules), throttleMs, config.renacer?.budgets ?? [])
    const stopOn = { info: false, warning: false, error: true, critical: true, ...(settings.stopOn ?? {}), ...(config.stopOn ?? {}) }
    this.#stopOn = stopOn
    this.#pauseTimeoutMs = positive('pauseTimeoutMs', config.pauseTimeoutMs ?? settings.pauseTimeoutMs, DEFAULTS.pauseTimeoutMs)
    this.#onPauseTimeout = config.onPauseTimeout ?? settings.onPauseTimeout ?? 'resume'
    this.#maxHistory = positive('maxHistory', config.maxHistory ?? settings.maxHistory, DEFAULTS.maxHistory)
    this.#now = config.now ?? Date.now
    const onError = config.onError ?? (() => {})
    const handlers: AlertHandler[] = [...handlersFromSpecs(settings.handlers ?? [], config.handlerFiles), ...(config.handlers ?? []).map(toHandler)]
    const evidence = config.storeDir === undefined ? [] : [jsonlFileHandler(incidentsPath(config.storeDir), { fsync: true, name: 'incidents.jsonl' })]
    this.#dispatch = new Dispatcher(handlers, onError, evidence)
    if (config.storeDir !== undefined) this.#reload(incidentsPath(config.storeDir))
    this.#tags = runTags(config.tags)
    this.#silences = new Silences(config.storeDir, {
      now: this.#now,
      ...(config.silenceRetentionMs === undefined ? {} : { retentionMs: config.silenceRetentionMs }),
      onError,
    })
    this.#silences.declare([...(settings.silences ?? []), ...(config.silences ?? [])])
    this.#stopHooks = config.onStop === undefined ? [] : typeof config.onStop === 'function' ? [config.onStop] : [...config.onStop]
    this.#onLearningRate = config.onLearningRate
    this.#onAct = config.onAct
    this.#stepBudgets = this.#rules.budgets.filter((b) => b.budget?.kind === 'steps')
    this.#latencyBudgets = this.#rules.budgets.filter((b) => b.budget?.kind === 'step_duration')
    this.#memoryBudgets = this.#rules.budgets.filter((b) => b.budget?.kind === 'memory')
    this.#wallBudgets = this.#rules.budgets.filter((b) => b.budget?.kind === 'wall_time')
    this.#probes = this.#memoryBudgets.length > 0 ? (config.probes ?? nodeProbes) : config.probes
    const stall = this.#rules.stall
    if (config.timers !== false && (stall !== undefined || this.#memoryBudgets.length > 0 || this.#wallBudgets.length > 0)) {
      const every = Math.max(10, Math.min(stall ? stall.p0 / 4 : 1000, 1000))
      this.#lastProgressMs = this.#now()
      this.#timer = setInterval(() => {
        try {
          this.#tick()
        } catch (e) {
          // A failing probe must never crash the process from a timer.
          this.#dispatch.fail('watchdog', e)
        }
      }, every)
      // The watchdog must never keep a finished process alive.
      ;(this.#timer as { unref?: () => void }).unref?.()
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal
  }

  get paused(): boolean {
    return this.#gate.paused
  }

  // ---- hot path -------------------------------------------------------------------------------

  observeValue(metric: string, value: number, step: number): Decision {
    this.#evaluations++
    let d = step === this.#lastStep ? 0 : this.#onStep(step)
    const rules = this.#rulesOf(metric)
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!
      const c = testRule(r, value, step)
      if (c !== 0) {
        const x = this.#settle(r, c, value, step)
        if (x > d) d = x
      } else if (r.pending !== 0 || r.firedStage !== 0) {
        r.release()
      }
    }
    return DECISIONS[d]!
  }

  /** First value of a new step: step-count and step-latency budgets. */
  #onStep(step: number): number {
    const prev = this.#lastStep
    this.#lastStep = step
    if (this.#steps++ === 0 && this.#wallBudgets.length > 0) this.#startMs = this.#now()
    let d = 0
    for (const r of this.#stepBudgets) d = Math.max(d, this.#check(r, this.#steps, step))
    if (this.#latencyBudgets.length > 0) {
      const t = performance.now()
      const dur = t - this.#stepStartMs
      this.#stepStartMs = t
      if (dur === dur) for (const r of this.#latencyBudgets) d = Math.max(d, this.#check(r, dur, prev))
    }
    return d
  }

  /** Evaluates a rule outside the per-metric lists (budgets, stall). */
  #check(r: Rule, value: number, step: number): number {
    const c = testRule(r, value, step)
    if (c !== 0) return this.#settle(r, c, value, step)
    if (r.pending !== 0 || r.firedStage !== 0) r.release()
    return 0
  }

  /**
   * The rules of a metric. A small cache of the last metric names is scanned first: a training loop
   * logs the same few (internalised) key strings every step, so `===` hits by pointer and beats a Map
   * lookup (hashing) on the hot path.
   */
  #rulesOf(metric: string): Rule[] {
    const keys = this.#cacheKeys
    for (let i = 0; i < keys.length; i++) if (keys[i] === metric) return this.#cacheRules[i]!
    const rules = this.#byMetric.get(metric) ?? this.#bind(metric)
    if (keys.length < CACHE) {
      keys.push(metric)
      this.#cacheRules.push(rules)
    }
    return rules
  }

  /** The rules of a metric seen for the first time (the only allocation per metric). */
  #bind(metric: string): Rule[] {
    const rules: Rule[] = []
    for (const t of this.#rules.templates) if (t.metrics.includes(metric) || t.metrics.includes('*')) rules.push(t.make(metric))
    this.#byMetric.set(metric, rules)
    return rules
  }

  /** `for`, dedup, inhibition and throttling of a rule whose condition holds; returns the decision rank. */
  #settle(r: Rule, c: Stage, value: number, step: number): number {
    r.lastHeldStep = step
    r.cooling = 0
    if (this.#rules.inhibit.length > 0) this.#markHeld(r, step)
    r.pending++
    if (r.pending < r.forCount) return 0
    // One incident per episode; but an episode whose incident was muted fires again once no silence
    // mutes it any more, as Alertmanager notifies an alert still firing when its silence expires.
    if (c <= r.firedStage && (r.mutedUntilMs !== r.mutedUntilMs || this.#stillMuted(r, c))) {
      this.#deduplicated++
      return 0
    }
    if (this.#rules.inhibit.length > 0 && this.#isInhibited(r, step)) {
      this.#inhibited++
      return 0
    }
    const now = this.#now()
    if (r.firedStage === 0 && (now - r.lastFiredMs < r.throttleMs || (r.throttleSteps > 0 && Math.abs(step - r.lastFiredStep) < r.throttleSteps))) {
      r.firedStage = c
      this.#throttled++
      return 0
    }
    r.firedStage = c
    const level = r.levelOf(c)
    const alert: Alert = {
      level,
      rule: r.name,
      message: r.describe(value, step, c),
      ...(this.#runId === undefined ? {} : { runId: this.#runId }),
      ...(r.metric === undefined ? {} : { metric: r.metric }),
      step,
      value,
      timestampMs: now,
    }
    const d = this.#decide(alert, r.actionOf(c), r)
    r.mutedUntilMs = this.#muted ? this.#mutedUntilMs : Number.NaN
    r.mutedVersion = this.#silences.registry.version
    // A muted incident opens no throttle window: when the silence ends, the next episode is notified
    // (Alertmanager's notification log records sent notifications only).
    if (!this.#muted) {
      r.lastFiredMs = now
      r.lastFiredStep = step
    }
    return d
  }

  /** Whether a muted episode is still muted: cheap while its silence runs and the silences did not change. */
  #stillMuted(r: Rule, c: Stage): boolean {
    const now = this.#now()
    const reg = this.#silences.registry
    if (now < r.mutedUntilMs && r.mutedVersion === reg.version) return true
    const alert: Alert = { level: r.levelOf(c), rule: r.name, message: '', ...(this.#runId === undefined ? {} : { runId: this.#runId }), ...(r.metric === undefined ? {} : { metric: r.metric }), timestampMs: now }
    const m = this.#silences.mute(alert, this.#tags)
    r.mutedVersion = reg.version
    r.mutedUntilMs = m.ids.length > 0 ? m.untilMs : Number.NaN
    return m.ids.length > 0
  }

  #markHeld(r: Rule, step: number): void {
    for (const i of this.#rules.inhibit) if (i.source === r.name && i.scope === 'run') this.#heldAt.set(r.name, step)
  }

  #isInhibited(r: Rule, step: number): boolean {
    for (const i of this.#rules.inhibit) {
      if (!i.targets.includes(r.name)) continue
      let held = Number.NaN
      if (i.scope === 'run') held = this.#heldAt.get(i.source) ?? Number.NaN
      else if (r.metric !== undefined) {
        const src = this.#byMetric.get(r.metric)?.find((x) => x.name === i.source)
        if (src) held = src.lastHeldStep
      }
      if (held === held && step >= held && step - held <= i.windowSteps) return true
    }
    return false
  }

  // ---- decisions ------------------------------------------------------------------------------

  #actionOf(level: AlertLevel): AlertAction {
    return this.#stopOn[level] ? 'stop' : 'warn'
  }

  /**
   * Records an alert and carries out its action. An alert muted by a silence is recorded with
   * `silencedBy` and reaches only the evidence file; a stop or pause becomes `warn` (an `act` still runs
   * its hook: a remedy, not a notification). CRITICAL alerts are muted only by a silence that allows it.
   */
  #decide(alert: Alert, action: AlertAction | undefined, rule: Rule | undefined): number {
    let a = action ?? this.#actionOf(alert.level)
    const lr = rule !== undefined && rule.kind === Kind.gradientExplosion
    if (a === 'act' && !(lr ? this.#onLearningRate : this.#onAct)) a = 'warn'
    const mute = this.#silences.mute(alert, this.#tags)
    if (mute.refused.length > 0) this.#silenceRefused++
    const muted = mute.ids.length > 0
    this.#muted = muted
    this.#mutedUntilMs = mute.untilMs
    if (muted) {
      this.#silenced++
      if (a === 'stop' || a === 'pause') a = 'warn'
    }
    const decision = DECISIONS[ACTION_RANK[a]]!
    const incident: Incident = muted ? { ...alert, decision, silencedBy: mute.ids } : { ...alert, decision }
    this.#record(incident)
    if (a === 'act') {
      try {
        if (lr) this.#onLearningRate?.(rule.lrScale, incident)
        else this.#onAct?.(incident)
      } catch (e) {
        this.#dispatch.fail(`act hook of ${alert.rule}`, e)
      }
    } else if (a === 'pause') {
      this.#gate.pause(this.#pauseTimeoutMs, () => this.#pauseTimedOut())
    } else if (a === 'stop') {
      this.#stop(incident)
    }
    this.#dispatch.emit(incident, muted)
    return ACTION_RANK[a]
  }

  /**
   * The incidents already in the store's log become the start of the history: those of this run
   * (a resumed run), or all of them when no run id is set (a server watching the whole store).
   * Unreadable lines are skipped and reported to `onError` with their count and the first one's code;
   * at most `maxHistory` are kept, the oldest counted as dropped.
   */
  #reload(path: string): void {
    let log: ReturnType<typeof readIncidentLogSync>
    try {
      log = readIncidentLogSync(path, this.#runId === undefined ? {} : { runId: this.#runId })
    } catch (e) {
      this.#dispatch.fail('incidents.jsonl reload', e)
      return
    }
    for (const i of log.incidents) this.#record(i)
    if (log.unreadable > 0) {
      const first = log.problems[0]
      const where = first === undefined ? '' : ` (first: line ${first.line}, ${first.code}: ${first.reason})`
      this.#dispatch.fail('incidents.jsonl reload', new EntrenarError(first?.code ?? 'ENTRENAR_ANDON_LINE_NOT_INCIDENT', `${log.unreadable} unreadable line(s) in ${path} skipped${where}`))
    }
  }

  #record(incident: Incident): void {
    this.#history.push(incident)
    if (this.#history.length > this.#maxHistory) {
      this.#history.shift()
      this.#dropped++
    }
  }

  #stop(incident: Incident): void {
    if (this.#controller.signal.aborted) return
    const where = `${incident.metric === undefined ? '' : ` on ${incident.metric}`}${incident.step === undefined ? '' : ` at step ${incident.step}`}`
    const reason = new EntrenarError(ErrorCodes.STOPPED, `entrenar/andon: line stopped by ${incident.rule} (${incident.level})${where}: ${incident.message}`, {
      details: { rule: incident.rule, level: incident.level, metric: incident.metric, step: incident.step, value: incident.value, runId: incident.runId },
    })
    this.#controller.abort(reason)
    this.#gate.resume()
    if (this.#stopHooksRan) return
    this.#stopHooksRan = true
    const hooks = this.#stopHooks.slice()
    this.#hookRuns.push(
      (async () => {
        for (const h of hooks) {
          try {
            await h(incident, reason)
          } catch (e) {
            this.#dispatch.fail('onStop hook', e)
          }
        }
      })(),
    )
  }

  #pauseTimedOut(): void {
    if (!this.#gate.paused) return
    const stop = this.#onPauseTimeout === 'stop'
    const alert: Alert = {
      level: stop ? 'error' : 'info',
      rule: 'pause_timeout',
      message: `pause timed out after ${Math.round(this.#pauseTimeoutMs / 1000)} s; ${stop ? 'stopping' : 'resuming'} the run`,
      ...(this.#runId === undefined ? {} : { runId: this.#runId }),
      ...(this.#lastStep === this.#lastStep ? { step: this.#lastStep } : {}),
      timestampMs: this.#now(),
    }
    this.#gate.resume()
    this.#decide(alert, stop ? 'stop' : 'warn', undefined)
  }

  // ---- timers (stall, memory) -------------------------------------------------------------------

  #tick(): void {
    const now = this.#now()
    const stall = this.#rules.stall
    // Silences another process appended or expired: a muted episode sees the change at its next value.
    this.#silences.refresh()
    if (this.#evaluations !== this.#seenEvaluations || this.#gate.paused || this.#controller.signal.aborted) {
      this.#seenEvaluations = this.#evaluations
      this.#lastProgressMs = now
      if (stall) {
        stall.pending = 0
        stall.firedStage = 0
        stall.cooling = 0
      }
    } else if (stall && this.#evaluations > 0) {
      this.#check(stall, now - this.#lastProgressMs, this.#lastStep)
    }
    if (this.#startMs === this.#startMs && !this.#controller.signal.aborted) {
      for (const r of this.#wallBudgets) this.#check(r, now - this.#startMs, this.#lastStep)
    }
    if (this.#memoryBudgets.length > 0 && this.#probes && !this.#controller.signal.aborted) {
      for (const r of this.#memoryBudgets) {
        const b = r.budget
        const v = b?.kind === 'memory' && b.trackingMode === 'rss' ? this.#probes.rssBytes() : this.#probes.heapUsedBytes()
        this.#check(r, v, this.#lastStep === this.#lastStep ? this.#lastStep : 0)
      }
    }
  }

  /** Runs the watchdog once now (what the timer does); exposed for backtests and tests. */
  tick(): void {
    this.#tick()
  }

  /** True when the watchdog has wall-time budgets to check (backtests tick it per row then). */
  get hasWallBudgets(): boolean {
    return this.#wallBudgets.length > 0
  }

  /** The stall rule's timeout, when the rule is on. */
  get stallTimeoutMs(): number | undefined {
    return this.#rules.stall?.p0
  }

  // ---- events and manual alerts -----------------------------------------------------------------

  observe(event: AlertEvent): Decision {
    this.#evaluations++
    if (event.kind === 'drift') {
      const m = this.#rules.drift
      if (!m || (m.metrics && !m.metrics.has(event.metric))) return 'continue'
      const level = event.signal === 'drift' && event.severity === 'high' ? m.high : m[event.signal]
      if (level === null) return 'continue'
      const key = `drift\0${event.metric}\0${event.detector}\0${event.signal}`
      if (!this.#passEvent(key, event.step, m.throttleMs)) return 'continue'
      const alert: Alert = {
        level,
        rule: 'drift',
        message: driftMessage(event),
        ...((event.runId ?? this.#runId) === undefined ? {} : { runId: (event.runId ?? this.#runId) as string }),
        metric: event.metric,
        step: event.step,
        value: event.statistic,
        timestampMs: event.timestampMs,
      }
      return this.#decideEvent(key, event.step, alert, m.action)
    }
    const budget = this.#rules.budgets.find((b) => b.budget?.name === event.budget)
    const level: AlertLevel = budget ? budget.level : 'warning'
    const key = `budget\0${event.budget}`
    if (!this.#passEvent(key, event.step, 0)) return 'continue'
    const alert: Alert = {
      level,
      rule: 'budget',
      message: `budget ${event.budget} exceeded at step ${event.step}: ${event.value} > ${event.limit}`,
      ...(this.#runId === undefined ? {} : { runId: this.#runId }),
      metric: event.budget,
      step: event.step,
      value: event.value,
      timestampMs: event.timestampMs,
    }
    return this.#decideEvent(key, event.step, alert, undefined)
  }

  /** Dedup (same key, same step) and throttling of discrete events. */
  #passEvent(key: string, step: number, throttleMs: number): boolean {
    const now = this.#now()
    const last = this.#eventThrottle.get(key)
    if (last !== undefined) {
      if (last.step === step) {
        this.#deduplicated++
        return false
      }
      if (now - last.ms < throttleMs) {
        this.#throttled++
        return false
      }
    }
    return true
  }

  /** Decides an event that passed {@link #passEvent}; a muted one dedups its step but opens no throttle window. */
  #decideEvent(key: string, step: number, alert: Alert, action: AlertAction | undefined): Decision {
    const d = this.#decide(alert, action, undefined)
    const last = this.#eventThrottle.get(key)
    this.#eventThrottle.set(key, { ms: this.#muted ? (last?.ms ?? Number.NEGATIVE_INFINITY) : this.#now(), step })
    return DECISIONS[d]!
  }

  trigger(alert: Alert): Decision {
    const a = alert.runId === undefined && this.#runId !== undefined ? { ...alert, runId: this.#runId } : alert
    return DECISIONS[this.#decide(a, undefined, undefined)]!
  }

  // ---- control --------------------------------------------------------------------------------

  gate(): Promise<void> {
    return this.#gate.wait()
  }

  resume(): boolean {
    if (!this.#gate.resume()) return false
    const incident: Incident = {
      level: 'info',
      rule: 'resume',
      message: 'the run was resumed',
      ...(this.#runId === undefined ? {} : { runId: this.#runId }),
      ...(this.#lastStep === this.#lastStep ? { step: this.#lastStep } : {}),
      timestampMs: this.#now(),
      decision: 'continue',
    }
    this.#record(incident)
    this.#dispatch.emit(incident)
    return true
  }

  onStop(hook: StopHook): () => void {
    this.#stopHooks.push(hook)
    return () => {
      const i = this.#stopHooks.indexOf(hook)
      if (i >= 0) this.#stopHooks.splice(i, 1)
    }
  }

  history(): readonly Incident[] {
    return this.#history.slice()
  }

  incidentsAtLeast(level: AlertLevel): readonly Incident[] {
    const min = levelRank(level)
    return this.#history.filter((i) => levelRank(i.level) >= min)
  }

  stats(): AndonStats {
    return {
      evaluations: this.#evaluations,
      incidents: this.#history.length + this.#dropped,
      inhibited: this.#inhibited,
      throttled: this.#throttled,
      deduplicated: this.#deduplicated,
      handlerErrors: this.#dispatch.errors,
      droppedHistory: this.#dropped,
      silenced: this.#silenced,
      silenceRefused: this.#silenceRefused,
    }
  }

  reset(): void {
    this.#history = []
    for (const rules of this.#byMetric.values()) for (const r of rules) r.clear()
    this.#rules.stall?.clear()
    for (const r of this.#rules.budgets) r.clear()
    this.#eventThrottle.clear()
    this.#heldAt.clear()
    this.#gate.resume()
    this.#controller = new AbortController()
    this.#stopHooksRan = false
    this.#evaluations = 0
    this.#seenEvaluations = 0
    this.#lastProgressMs = this.#now()
    this.#lastStep = Number.NaN
    this.#steps = 0
    this.#stepStartMs = Number.NaN
    this.#startMs = Number.NaN
    this.#inhibited = 0
    this.#throttled = 0
    this.#deduplicated = 0
    this.#dropped = 0
    this.#silenced = 0
    this.#silenceRefused = 0
  }

  // ---- silences -------------------------------------------------------------------------------

  addSilence(spec: SilenceSpec): Promise<Silence> {
    return this.#silences.add(spec)
  }

  expireSilence(id: string): Promise<Silence> {
    return this.#silences.expire(id)
  }

  silences(): readonly Silence[] {
    return this.#silences.list()
  }

  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#gate.resume()
    if (this.#closed) return
    this.#closed = true
    await Promise.all(this.#hookRuns)
    await this.#dispatch.close()
    await this.#silences.close()
  }
}

/** The Andon plus its watchdog tick (for backtests). */
export interface AndonWithTick extends Andon {
  tick(): void
  readonly stallTimeoutMs: number | undefined
  readonly hasWallBudgets: boolean
}

/**
 * Creates the Andon: the stop-the-line {@link @entrenar/core!AlertPolicy} of Entrenar. Every logged value goes
 * through the rules in the same `log()` call (allocation-free unless something fires); ERROR and
 * CRITICAL stop by default: `signal` aborts with an `ENTRENAR_STOPPED` reason naming rule, metric and
 * step, `onStop` hooks run once, handlers are notified and the incident is appended to
 * `<storeDir>/andon/incidents.jsonl`. Invalid configuration throws `ENTRENAR_INVALID_CONFIG`.
 *
 * @example
 * ```ts
 * const andon = createAndon({ renacer: loadRenacerConfig('renacer.toml'), runId, storeDir: './runs',
 *   handlers: [consoleHandler()], onLearningRate: (scale) => { lr *= scale } })
 * const monitor = await createMonitor({ runId, andon })
 * ```
 */
export function createAndon(config: AndonConfig = {}): Andon {
  checkOptions('entrenar/andon: createAndon', config, CREATE_ANDON_OPTIONS, ANDON_ALIASES)
  return new AndonImpl(config)
}

/** @internal The Andon with its watchdog exposed (backtests drive stall checks from stored timestamps). */
export function createAndonWithTick(config: AndonConfig): AndonWithTick {
  return new AndonImpl(config)
}

/** Rank of a decision (continue 0 … stop 4), for callers that combine decisions. */
export function decisionRank(d: Decision): number {
  return RANK[d]
}

/** The option names createAndon accepts (unknown ones are errors). */
const CREATE_ANDON_OPTIONS = optionKeys<NonNullable<Parameters<typeof createAndon>[0]>>({ runId: true, storeDir: true, handlerFiles: true, renacer: true, rules: true, stopOn: true, throttleMs: true, pauseTimeoutMs: true, onPauseTimeout: true, handlers: true, onStop: true, onLearningRate: true, onAct: true, onError: true, maxHistory: true, now: true, timers: true, probes: true, tags: true, silences: true, silenceRetentionMs: true })
/** Names users guess for createAndon's options: the rules file is `renacer`, incidents go under `storeDir`. */
const ANDON_ALIASES = { config: 'renacer', renacerConfig: 'renacer', incidents: 'storeDir', incidentsDir: 'storeDir', dir: 'storeDir', alertPolicy: 'rules', policy: 'rules' }

/**
 * `page_hinkley (calibrated: 1 false alarm per 10⁶ values) reports drift on loss at step 420 (standardised
 * statistic 12.31 > threshold 11.96)`; an uncalibrated detector reads `… (statistic 61.2 > threshold 50)`.
 */
function driftMessage(e: DriftEvent): string {
  const budget = e.falseAlarmsPerMillion === undefined ? '' : ` (calibrated: ${e.falseAlarmsPerMillion} false alarm${e.falseAlarmsPerMillion === 1 ? '' : 's'} per 10⁶ values)`
  // A calibrated statistic is in σ units: 4 significant digits say it; an uncalibrated one is shown as is.
  const show = (x: number) => (e.falseAlarmsPerMillion === undefined || !Number.isFinite(x) ? String(x) : String(Number(x.toPrecision(4))))
  const stat = `${e.falseAlarmsPerMillion === undefined ? 'statistic' : 'standardised statistic'} ${show(e.statistic)}${e.threshold === undefined || e.signal !== 'drift' ? '' : ` > threshold ${show(e.threshold)}`}`
  return `${e.detector}${budget} reports ${e.signal}${e.severity ? ` (${e.severity})` : ''} on ${e.metric} at step ${e.step} (${stat})`
}
