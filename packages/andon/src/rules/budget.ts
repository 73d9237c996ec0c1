import { fmt, Rule, type RuleSettings, type Stage } from '../engine/rule.js'
import type { Budget } from '../types.js'

const UNITS: Record<Budget['kind'], string> = { step_duration: 'ms', memory: 'bytes', steps: 'steps' }

/** Name of the measured quantity of a budget, recorded as the incident's metric. */
export function budgetMetric(b: Budget): string {
  if (b.kind === 'step_duration') return 'step_duration_ms'
  if (b.kind === 'steps') return 'steps'
  return b.trackingMode === 'rss' ? 'process_rss_bytes' : 'heap_used_bytes'
}

/** The limit of a budget in its unit. */
export function budgetLimit(b: Budget): number {
  return b.kind === 'step_duration' ? b.maxMs : b.kind === 'steps' ? b.maxSteps : b.maxBytes
}

/**
 * A renacer budget: `critical_path.max_duration_ms` → wall time of one step, `memory_usage.max_bytes` →
 * process RSS (`rss`) or V8 heap used (`allocations`), `span_count.max_spans` → number of steps. Equal
 * passes, as renacer's `AssertionEngine` (`actual <= max`). `fail_on_violation` → ERROR (stops), else WARNING.
 */
export class BudgetRule extends Rule {
  readonly budget: Budget
  readonly #limit: number

  constructor(budget: Budget, s: RuleSettings) {
    super('budget', budgetMetric(budget), s)
    this.budget = budget
    this.#limit = budgetLimit(budget)
  }

  test(value: number): Stage {
    return value > this.#limit ? 1 : 0
  }

  describe(value: number, step: number): string {
    const u = UNITS[this.budget.kind]
    return `budget ${this.budget.name} exceeded at step ${step}: ${this.metric} ${fmt(value)} ${u} > ${fmt(this.#limit)} ${u}`
  }
}

/** Stall: no `log()` for `timeoutMs` (the value tested is the idle time in ms). */
export class StallRule extends Rule {
  readonly timeoutMs: number

  constructor(s: RuleSettings, timeoutMs: number) {
    super('stall', undefined, s)
    this.timeoutMs = timeoutMs
  }

  test(idleMs: number): Stage {
    return idleMs >= this.timeoutMs ? 1 : 0
  }

  describe(idleMs: number, step: number): string {
    return `no log() for ${fmt(Math.round(idleMs / 1000))} s after step ${step} (stall timeout ${fmt(this.timeoutMs / 1000)} s)`
  }
}
