import type { Andon } from '@entrenar/andon'
import type { Decision, DriftEvent, Incident, RecordBatch } from '@entrenar/core'
import type { RunStop, RunStops } from '@entrenar/serve'

/** {@link RunStops} over one Andon per run, and what it holds. */
export interface AndonRunStops extends RunStops {
  /** Runs with a live Andon (at most `maxRuns`). */
  readonly runs: number
  /**
   * Hands a drift event to the Andon of the run it belongs to (`event.runId`, made at need as a pushed
   * point would make it): its incident is recorded under that run, and a drift its rules stop on stops
   * that run only. Returns that Andon's decision and the incident it recorded, if any.
   */
  observeEvent(event: DriftEvent & { readonly runId: string }): RoutedDecision
  /** Closes every live Andon (and waits for those closed on eviction). */
  close(): Promise<void>
}

/** What a run's Andon made of an event routed to it. */
export interface RoutedDecision {
  readonly decision: Decision
  /** The incident it recorded (none when the rules ignore, throttle or deduplicate the event). */
  readonly incident: Incident | undefined
}

interface Entry {
  readonly andon: Andon
  stop: RunStop | null
}

function stopOfAndon(andon: Andon): RunStop | null {
  const signal = andon.signal
  if (signal.aborted) {
    const r = signal.reason as { message?: unknown; details?: { rule?: unknown; step?: unknown } } | undefined
    const step = r?.details?.step
    return {
      reason: typeof r?.message === 'string' ? r.message : String(r),
      rule: typeof r?.details?.rule === 'string' ? r.details.rule : 'unknown',
      step: typeof step === 'number' ? step : null,
    }
  }
  // A run stopped before this Andon was made (evicted, or before a restart): its incident is in the log.
  const first = andon.history().find((h) => h.decision === 'stop')
  return first ? { reason: first.message, rule: first.rule, step: first.step ?? null } : null
}

/**
 * Gives every run pushed to `entrenar serve` its own stop state: an Andon made by `make(runId)` at the
 * run's first point, fed each value in arrival order, so a non-finite loss stops that run and no other.
 * At most `maxRuns` Andons live; the one idle longest is closed first, so a client inventing run ids
 * cannot grow memory without bound. A stop survives eviction and restarts through the incident log the
 * Andons reload (`<dir>/andon/incidents.jsonl`).
 */
export function andonRunStops(make: (runId: string) => Andon, onError: (e: unknown) => void, maxRuns = 10_000): AndonRunStops {
  const live = new Map<string, Entry>()
  const closing = new Set<Promise<void>>()
  const retire = (andon: Andon) => {
    const p: Promise<void> = andon
      .close()
      .catch(onError)
      .finally(() => closing.delete(p))
    closing.add(p)
  }
  const entryOf = (runId: string): Entry => {
    let e = live.get(runId)
    if (e) {
      live.delete(runId) // re-insert: Map order is recency order
      live.set(runId, e)
      return e
    }
    const andon = make(runId)
    e = { andon, stop: stopOfAndon(andon) }
    live.set(runId, e)
    if (live.size > maxRuns) {
      const oldest = live.keys().next().value!
      retire(live.get(oldest)!.andon)
      live.delete(oldest)
    }
    return e
  }
  return {
    get runs() {
      return live.size
    },
    observe(batch: RecordBatch) {
      if (batch.length === 0) return
      const e = entryOf(batch.runId)
      const { andon } = e
      const names = batch.metricNames
      for (let i = 0; i < batch.length; i++) andon.observeValue(names[batch.metric[i]!]!, batch.value[i]!, batch.step[i]!)
      if (e.stop === null) e.stop = stopOfAndon(andon)
    },
    observeEvent(event) {
      const e = entryOf(event.runId)
      const before = e.andon.history()
      const decision = e.andon.observe(event)
      const after = e.andon.history()
      // One event records at most one incident, as the newest of the history (which may be at its cap).
      const last = after[after.length - 1]
      const incident = last !== undefined && last !== before[before.length - 1] ? last : undefined
      if (e.stop === null) e.stop = stopOfAndon(e.andon)
      return { decision, incident }
    },
    stopOf(runId: string) {
      return live.get(runId)?.stop ?? null
    },
    async close() {
      for (const e of live.values()) retire(e.andon)
      live.clear()
      await Promise.all([...closing])
    },
  }
}
