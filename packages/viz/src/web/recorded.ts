/**
 * Incidents and drift change points recorded in a store directory, merged with what a live Andon
 * holds. Pure (no Node): the files are read by `recorded-node.ts`; a server passes the source in
 * `WebDashboardOptions.recorded`.
 */
import type { AlertPolicy, DriftEvent, Incident } from '@entrenar/core'

/** What a store recorded besides points: Andon incidents and detector events, of every run. */
export interface RecordedEvents {
  /** The Andon's incidents, from `<dir>/andon/incidents.jsonl`. */
  readonly incidents: readonly Incident[]
  /** Drift events, from `<dir>/drift/events.jsonl`. */
  readonly driftEvents: readonly DriftEvent[]
}

/** Where recorded events come from: called on each run-list and events request (cache inside). */
export type RecordedEventsSource = () => RecordedEvents | Promise<RecordedEvents>

/** The events the dashboard shows: the live Andon's history first, then recorded incidents it does not hold. */
export interface DashboardEvents extends RecordedEvents {
  /** Length of the live Andon's history (the stream's incident cursor). */
  readonly andonSeen: number
}

const incidentKey = (i: Incident): string => `${i.runId ?? ''}\u0000${i.rule}\u0000${i.metric ?? ''}\u0000${i.step ?? ''}\u0000${i.timestampMs}\u0000${i.level}`

/** The live history and the recorded incidents, without the ones both hold (an Andon writing to the same store). */
export async function dashboardEvents(andon: AlertPolicy | undefined, recorded: RecordedEventsSource | undefined): Promise<DashboardEvents> {
  const live = andon ? andon.history() : []
  if (!recorded) return { incidents: live, driftEvents: [], andonSeen: live.length }
  const r = await recorded()
  const seen = new Set<string>()
  for (const i of live) seen.add(incidentKey(i))
  const incidents: Incident[] = live.slice()
  for (const i of r.incidents) {
    const k = incidentKey(i)
    if (seen.has(k)) continue
    seen.add(k)
    incidents.push(i)
  }
  return { incidents, driftEvents: r.driftEvents, andonSeen: live.length }
}
