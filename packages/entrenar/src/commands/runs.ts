import type { ParquetStore } from '@entrenar/db'
import { type Io, num, paint, table, toJson } from '../io.js'
import { incidentsPath } from '@entrenar/andon'
import { countDriftEventsByRun, driftEventsPath, warnUnreadable } from '../node/drift-log.js'
import { type RemoteStoreFlags, readIncidentLog, withStoreAt } from '../node/store.js'

/** One row of `entrenar runs`. */
export interface RunRow {
  /** Run id. */
  readonly id: string
  /** Run name, when one was given. */
  readonly name?: string
  /** `running`, `finished`, `stopped` or `failed`. */
  readonly status: string
  /** Start, epoch milliseconds. */
  readonly startTimeMs: number
  /** End, epoch milliseconds, once the run ended. */
  readonly endTimeMs?: number
  /** Points in the run's segments. */
  readonly points: number
  /** Distinct metrics. */
  readonly metrics: number
  /** Largest step stored; undefined without points. */
  readonly lastStep: number | undefined
  /** Why the run stopped or failed. */
  readonly reason?: string
  /** Drift events recorded in `<dir>/drift/events.jsonl`. */
  readonly driftEvents: number
  /** Andon incidents recorded in `<dir>/andon/incidents.jsonl`. */
  readonly incidents: number
}

/** How many records of each run a log holds. */
function countByRun(records: readonly { readonly runId?: string }[]): Map<string, number> {
  const n = new Map<string, number>()
  for (const r of records) if (r.runId !== undefined) n.set(r.runId, (n.get(r.runId) ?? 0) + 1)
  return n
}

/**
 * `entrenar runs <dir> [--url URL]`: every run with status, duration, points, last step, drift events and
 * incidents; with `--url` the runs and points come from a server speaking `/v1/store/*`.
 */
export async function runsCommand(dir: string, io: Io, remote: RemoteStoreFlags = {}): Promise<number> {
  const rows = await withStoreAt(dir, { ...remote, token: remote.token ?? io.env.ENTRENAR_TOKEN }, async (store) => {
    // Counted as the file streams by: a long drift log is neither held whole nor kept as events.
    const drift = countDriftEventsByRun(dir)
    const drifts = drift.counts
    const incidentLog = readIncidentLog(dir)
    const incidents = countByRun(incidentLog.events)
    warnUnreadable(io, driftEventsPath(dir), drift.malformed, drift.problems[0])
    warnUnreadable(io, incidentsPath(dir), incidentLog.malformed)
    const byRun = new Map<string, { points: number; metrics: number; lastStep: number }>()
    // A local store answers from its run catalog; a remote one by counting every series.
    const local = 'runSummaries' in store && typeof store.runSummaries === 'function' ? (store as ParquetStore) : undefined
    const [runs, counts] = await Promise.all([store.runs(), local ? local.runSummaries() : store.query({ aggregate: 'count' })])
    if (Array.isArray(counts)) {
      for (const s of counts) byRun.set(s.runId, { points: s.points, metrics: s.metrics, lastStep: s.lastStep ?? Number.NEGATIVE_INFINITY })
    } else for (const s of counts.series) {
      const r = byRun.get(s.runId) ?? { points: 0, metrics: 0, lastStep: Number.NEGATIVE_INFINITY }
      r.points += s.value[0] ?? 0
      r.metrics++
      r.lastStep = Math.max(r.lastStep, s.x[0] ?? Number.NEGATIVE_INFINITY)
      byRun.set(s.runId, r)
    }
    const ids = new Set(runs.map((r) => r.id))
    const out: RunRow[] = runs.map((r) => {
      const c = byRun.get(r.id)
      return {
        id: r.id,
        ...(r.name === undefined ? {} : { name: r.name }),
        status: r.status,
        startTimeMs: r.startTimeMs,
        ...(r.endTimeMs === undefined ? {} : { endTimeMs: r.endTimeMs }),
        points: c?.points ?? 0,
        metrics: c?.metrics ?? 0,
        lastStep: c && Number.isFinite(c.lastStep) ? c.lastStep : undefined,
        ...(r.reason === undefined ? {} : { reason: r.reason }),
        driftEvents: drifts.get(r.id) ?? 0,
        incidents: incidents.get(r.id) ?? 0,
      }
    })
    // Points pushed without run metadata (e.g. over HTTP) still show up.
    for (const [id, c] of byRun) if (!ids.has(id)) out.push({ id, status: 'unknown', startTimeMs: 0, points: c.points, metrics: c.metrics, lastStep: c.lastStep, driftEvents: drifts.get(id) ?? 0, incidents: incidents.get(id) ?? 0 })
    return out
  })
  if (io.json) {
    io.out(toJson({ runs: rows }))
    return 0
  }
  if (rows.length === 0) {
    io.out(`no runs in ${dir}\n`)
    return 0
  }
  const statusColor = (s: string) => (s === 'finished' ? 'green' : s === 'running' ? 'blue' : s === 'stopped' || s === 'failed' ? 'red' : 'gray') as 'green'
  io.out(
    table(
      ['run', 'name', 'status', 'started', 'duration', 'metrics', 'points', 'last step', 'drift', 'incidents'],
      rows.map((r) => [
        r.id,
        r.name ?? '',
        r.status,
        r.startTimeMs ? new Date(r.startTimeMs).toISOString().replace('T', ' ').slice(0, 19) : '-',
        r.endTimeMs ? `${num((r.endTimeMs - r.startTimeMs) / 1000)} s` : '-',
        String(r.metrics),
        String(r.points),
        r.lastStep === undefined ? '-' : String(r.lastStep),
        String(r.driftEvents),
        String(r.incidents),
      ]),
      [0, 1, 2, 3],
    ).replace(/\b(finished|running|stopped|failed)\b/g, (s) => paint(io, statusColor(s), s)),
  )
  for (const r of rows) if (r.reason) io.out(`${r.id}: ${r.reason}\n`)
  return 0
}
