import { type AlertLevel, type Decision, EntrenarError, ErrorCodes, type MetricStore, type SilenceSpec } from '@entrenar/core'
import { createAndonWithTick } from './andon.js'
import type { AndonConfig, RuleSet } from './types.js'

/** What `backtest` replays and how. */
export interface BacktestOptions {
  /** Run ids to replay (default: every run of `store.runs()`). */
  readonly runs?: readonly string[]
  /** Metrics to replay (default: all). */
  readonly metrics?: readonly string[]
  /**
   * Silences to replay on the stored clock (e.g. `await openSilences(dir).list()`, or specs with
   * absolute `startsAtMs`/`endsAtMs`; a spec without a start covers the run from its beginning).
   * Muted firings carry `silencedBy` and never make the run's stop.
   */
  readonly silences?: readonly SilenceSpec[]
  /** The runs' tags, as labels for silence matchers (default none). */
  readonly tags?: Readonly<Record<string, string>>
}

/** One would-be incident. */
export interface BacktestFiring {
  /** The rule that fired. */
  readonly rule: string
  /** Its level. */
  readonly level: AlertLevel
  /** What the Andon would have decided. */
  readonly decision: Decision
  /** The metric. */
  readonly metric?: string
  /** The step of the stored point that fired it. */
  readonly step?: number
  /** That point's value. */
  readonly value?: number
  /** That point's stored time, epoch milliseconds (the replay runs on stored time). */
  readonly timestampMs: number
  /** The incident message the rule would have written. */
  readonly message: string
  /** Ids of the silences that muted it. */
  readonly silencedBy?: readonly string[]
}

/** The replay of one run. */
export interface BacktestRun {
  /** The stored run replayed. */
  readonly runId: string
  /** Rows replayed. */
  readonly points: number
  /** Every firing, in replay order. */
  readonly firings: readonly BacktestFiring[]
  /** Where the line would have stopped first, if it would. */
  readonly stop?: {
    /** The step of the stop (undefined for a rule without one, e.g. a stall). */
    readonly step: number | undefined
    /** The rule that stopped it. */
    readonly rule: string
    /** Its message. */
    readonly message: string
  }
}

/** How often a rule would have fired. */
export interface BacktestRuleSummary {
  /** Firings over all runs. */
  readonly firings: number
  /** Runs where it fired at least once. */
  readonly runs: number
  /** Runs it would have stopped (it made the first stop). */
  readonly stops: number
  /** Smallest step at which it fired in any run. */
  readonly firstStep: number | undefined
  /** Firings a silence muted. */
  readonly silenced: number
}

/** The answer of {@link backtest}. */
export interface BacktestReport {
  /** One entry per run replayed, in store order. */
  readonly runs: readonly BacktestRun[]
  /** Per rule name: how often and where it fired. */
  readonly byRule: Readonly<Record<string, BacktestRuleSummary>>
}

/** Rules only, or a whole Andon configuration (renacer budgets included). */
export type BacktestRules = RuleSet | Pick<AndonConfig, 'rules' | 'renacer' | 'stopOn' | 'throttleMs'>

const isConfig = (r: BacktestRules): r is Pick<AndonConfig, 'rules' | 'renacer' | 'stopOn' | 'throttleMs'> => 'rules' in r || 'renacer' in r || 'stopOn' in r || 'throttleMs' in r

/**
 * Replays stored runs through a fresh Andon per run and reports when and how often each rule would
 * have fired (the "preview how often this alert would fire" of Kibana, elastic/kibana#72635). Rows go
 * in log order (timestamp, then step); the Andon's clock is the stored timestamp, so throttling and the
 * stall rule (a gap between consecutive rows longer than its timeout) replay faithfully. The replay
 * continues past the first stop so every later firing is counted too; step-count and wall-time budgets
 * replay on the stored clock. Handlers, files, hooks and the step-latency and memory budgets (no
 * stored measurement) are not part of a replay.
 *
 * @example
 * ```ts
 * import { backtest } from '@entrenar/andon'
 * import { openStore } from '@entrenar/db'
 *
 * const store = await openStore('./runs')
 * const report = await backtest({ divergence: { factor: 5 } }, store) // would 5× the best loss have been too eager?
 * for (const [rule, s] of Object.entries(report.byRule)) console.log(`${rule}: ${s.firings} firings in ${s.runs} runs, ${s.stops} stops`)
 * await store.close()
 * ```
 */
export async function backtest(rules: BacktestRules, store: MetricStore, options: BacktestOptions = {}): Promise<BacktestReport> {
  const cfg = isConfig(rules) ? rules : { rules }
  const runIds = options.runs ?? (await store.runs()).map((r) => r.id)
  if (!Array.isArray(runIds) || runIds.some((r) => typeof r !== 'string')) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, 'entrenar/andon: backtest runs must be a list of run ids')
  const out: BacktestRun[] = []
  const byRule: Record<string, { firings: number; runs: number; stops: number; firstStep: number | undefined; silenced: number }> = {}
  for (const runId of runIds) {
    const batches = await store.range(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, { runs: [runId], ...(options.metrics ? { metrics: options.metrics } : {}) })
    // One replay per run: a fresh Andon with the stored clock; no timers, handlers or files.
    // The clock starts at the run's first row, so declared silences without a start cover the run from its beginning.
    let clockMs = 0
    let startUs = Number.POSITIVE_INFINITY
    for (const b of batches) for (let i = 0; i < b.length; i++) if (b.timestampUs[i]! < startUs) startUs = b.timestampUs[i]!
    if (startUs !== Number.POSITIVE_INFINITY) clockMs = startUs / 1000
    const budgets = (cfg.renacer?.budgets ?? []).filter((b) => b.kind === 'steps' || b.kind === 'wall_time')
    const andon = createAndonWithTick({
      ...(cfg.rules ? { rules: { ...cfg.rules, ...(cfg.rules.budgets ? { budgets: cfg.rules.budgets.filter((b) => b.kind === 'steps' || b.kind === 'wall_time') } : {}) } } : {}),
      ...(cfg.renacer ? { renacer: { andon: { ...cfg.renacer.andon, handlers: [] }, budgets } } : {}),
      ...(cfg.stopOn ? { stopOn: cfg.stopOn } : {}),
      ...(cfg.throttleMs === undefined ? {} : { throttleMs: cfg.throttleMs }),
      runId,
      ...(options.silences ? { silences: options.silences } : {}),
      ...(options.tags ? { tags: options.tags } : {}),
      timers: false,
      now: () => clockMs,
    })
    const stallMs = andon.stallTimeoutMs
    const wall = andon.hasWallBudgets
    let points = 0
    let prevMs = Number.NaN
    for (const b of batches) {
      const order = Array.from({ length: b.length }, (_, i) => i)
      order.sort((i, j) => b.timestampUs[i]! - b.timestampUs[j]! || b.step[i]! - b.step[j]! || i - j)
      for (const i of order) {
        const ms = b.timestampUs[i]! / 1000
        if (stallMs !== undefined && prevMs === prevMs && ms - prevMs >= stallMs) {
          // The watchdog would have seen no progress for the whole gap: one tick just before the next row.
          clockMs = prevMs
          andon.tick()
          clockMs = ms
          andon.tick()
        }
        clockMs = ms
        prevMs = ms
        andon.observeValue(b.metricNames[b.metric[i]!]!, b.value[i]!, b.step[i]!)
        if (wall) andon.tick()
        points++
      }
    }
    const history = andon.history()
    const firings: BacktestFiring[] = history.map((h) => ({
      rule: h.rule,
      level: h.level,
      decision: h.decision,
      ...(h.metric === undefined ? {} : { metric: h.metric }),
      ...(h.step === undefined ? {} : { step: h.step }),
      ...(h.value === undefined ? {} : { value: h.value }),
      timestampMs: h.timestampMs,
      message: h.message,
      ...(h.silencedBy === undefined ? {} : { silencedBy: h.silencedBy }),
    }))
    const first = history.find((h) => h.decision === 'stop')
    const seen = new Set<string>()
    for (const f of firings) {
      const s = byRule[f.rule] ?? { firings: 0, runs: 0, stops: 0, firstStep: undefined, silenced: 0 }
      byRule[f.rule] = s
      s.firings++
      if (f.silencedBy !== undefined) s.silenced++
      if (!seen.has(f.rule)) {
        seen.add(f.rule)
        s.runs++
      }
      if (f.step !== undefined && (s.firstStep === undefined || f.step < s.firstStep)) s.firstStep = f.step
    }
    if (first) (byRule[first.rule] as { stops: number }).stops++
    out.push({ runId, points, firings, ...(first ? { stop: { step: first.step, rule: first.rule, message: first.message } } : {}) })
    await andon.close()
  }
  return { runs: out, byRule }
}
