import { fmt, Kind, Rule, type RuleOps, type RuleSettings } from '../engine/rule.js'
import type { Budget } from '../types.js'

const UNITS: Record<Budget['kind'], string> = { step_duration: 'ms', memory: 'bytes', steps: 'steps', wall_time: 'ms' }

/** Name of the measured quantity of a budget, recorded as the incident's metric. */
export function budgetMetric(b: Budget): string {
  if (b.kind === 'step_duration') return 'step_duration_ms'
  if (b.kind === 'steps') return 'steps'
  if (b.kind === 'wall_time') return 'wall_time_ms'
  return b.trackingMode === 'rss' ? 'process_rss_bytes' : 'heap_used_bytes'
}

/** The limit of a budget in its unit. */
export function budgetLimit(b: Budget): number {
  return b.kind === 'step_duration' || b.kind === 'wall_time' ? b.maxMs : b.kind === 'steps' ? b.maxSteps : b.maxBytes
}

const budgetOps: RuleOps = {
  describe(r, value, step) {
    const b = r.budget as Budget
    const u = UNITS[b.kind]
    return `budget ${b.name} exceeded at step ${step}: ${r.metric} ${fmt(value)} ${u} > ${fmt(r.p0)} ${u}`
  },
}

/**
 * A renacer budget: `critical_path.max_duration_ms` → wall time of one step, `memory_usage.max_bytes` →
 * process RSS (`rss`) or V8 heap used (`allocations`), `span_count.max_spans` → number of steps; our own
 * `wall_time` budget (`[[andon.budget]]`) → time since the first `log()`, checked by the watchdog. Equal
 * passes, as renacer's `AssertionEngine` (`actual <= max`). `fail_on_violation` → ERROR (stops), else WARNING.
 */
export function budgetRule(budget: Budget, settings: RuleSettings): Rule {
  return new Rule({ kind: Kind.budget, name: 'budget', metric: budgetMetric(budget), ops: budgetOps, settings, p0: budgetLimit(budget), budget })
}

const stallOps: RuleOps = {
  describe(r, idleMs, step) {
    return `no log() for ${fmt(Math.round(idleMs / 1000))} s after step ${step} (stall timeout ${fmt(r.p0 / 1000)} s)`
  },
}

/** Stall: no `log()` for `timeoutMs` (the value tested is the idle time in ms). */
export function stallRule(settings: RuleSettings, timeoutMs: number): Rule {
  return new Rule({ kind: Kind.stall, name: 'stall', metric: undefined, ops: stallOps, settings, p0: timeoutMs })
}
