import { type HealthEvent, type IncidentQuery, levelRank } from '@entrenar/core'
import type { GraphStore } from '../store/graph-store.js'

/**
 * Health events attached to models and runs. Events on a run belong to every model whose `runId`
 * matches, including models registered after the event (the monitor reports incidents while the
 * run trains and registers the model at `close()`).
 */
export class HealthIndex {
  readonly events: HealthEvent[] = []
  readonly #byModel = new Map<string, number[]>()
  readonly #byRun = new Map<string, number[]>()

  add(e: HealthEvent): void {
    // Canonical field order, so exports do not depend on how the event object was written.
    const frozen: HealthEvent = Object.freeze({
      kind: e.kind,
      ...(e.modelId !== undefined ? { modelId: e.modelId } : {}),
      ...(e.runId !== undefined ? { runId: e.runId } : {}),
      level: e.level,
      rule: e.rule,
      message: e.message,
      ...(e.metric !== undefined ? { metric: e.metric } : {}),
      ...(e.step !== undefined ? { step: e.step } : {}),
      ...(e.value !== undefined ? { value: e.value } : {}),
      ...(e.decision !== undefined ? { decision: e.decision } : {}),
      timestampMs: e.timestampMs,
    })
    const i = this.events.length
    this.events.push(frozen)
    if (e.modelId !== undefined) push(this.#byModel, e.modelId, i)
    if (e.runId !== undefined) push(this.#byRun, e.runId, i)
  }

  /** Events of a model and of its run, oldest first (insertion order). */
  of(modelId: string, runId: string | undefined): HealthEvent[] {
    const idx = new Set<number>(this.#byModel.get(modelId) ?? [])
    if (runId !== undefined) for (const i of this.#byRun.get(runId) ?? []) idx.add(i)
    return [...idx].sort((x, y) => x - y).map((i) => this.events[i]!)
  }

  /** Indices of models trained through a matching event, ascending. */
  models(g: GraphStore, q: IncidentQuery): Set<number> {
    const min = levelRank(q.minLevel ?? 'warning')
    const kinds = q.kinds ? new Set(q.kinds) : undefined
    const rules = q.rules ? new Set(q.rules) : undefined
    const runs = new Set<number>()
    const hit = new Set<number>()
    for (const e of this.events) {
      if (levelRank(e.level) < min || (kinds && !kinds.has(e.kind)) || (rules && !rules.has(e.rule))) continue
      if (e.modelId !== undefined) {
        const v = g.indexOf(e.modelId)
        if (v >= 0) hit.add(v)
      }
      if (e.runId !== undefined) {
        const r = g.pool.lookup(e.runId)
        if (r >= 0) runs.add(r)
      }
    }
    if (runs.size > 0) for (let v = 0; v < g.n; v++) if (runs.has(g.runOf[v]!)) hit.add(v)
    return hit
  }
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
