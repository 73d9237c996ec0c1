/** Reads the events recorded in a store directory (the Node side of `recorded.ts`). */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { readIncidentLog } from '@entrenar/andon/node'
import { alertEventFromWire, type DriftEvent, type Incident } from '@entrenar/core'
import { readJsonlLog } from '@entrenar/core/node'
import type { RecordedEvents, RecordedEventsSource } from './recorded.js'

function driftOf(o: Readonly<Record<string, unknown>>): DriftEvent | undefined {
  const e = alertEventFromWire(o)
  return e?.kind === 'drift' ? e : undefined
}

/** Reads `path` again only when its size or modification time changed; a missing file reads as `empty`. */
function cached<T>(path: string, read: () => Promise<T>, empty: T): () => Promise<T> {
  let stamp = ''
  let value = empty
  return async () => {
    let now: string
    try {
      const s = await stat(path)
      now = `${s.size}|${s.mtimeMs}`
    } catch {
      return empty
    }
    if (now === stamp) return value
    value = await read()
    stamp = now
    return value
  }
}

/** What a line of the drift log must be, for the problems of unreadable lines. */
const DRIFT_LINE = 'a drift event (kind "drift", metric, step, detector, signal, statistic and timestamp_ms required)'

/** A process warning for the unreadable lines of a log (count, first line, code), emitted each time the file changed. */
function warnUnreadable(path: string, unreadable: number, first: { readonly line: number; readonly code: string; readonly reason: string } | undefined, fallbackCode: string): void {
  if (unreadable === 0) return
  const where = first === undefined ? '' : ` (first: line ${first.line}, ${first.code}: ${first.reason})`
  process.emitWarning(`entrenar/viz: ${unreadable} unreadable line(s) in ${path} not shown${where}`, { code: first?.code ?? fallbackCode })
}

/** The drift log through core's JSON-lines reader (streamed, lines capped: the file is never held whole). */
async function driftLog(path: string): Promise<readonly DriftEvent[]> {
  const log = await readJsonlLog(path, { decode: driftOf, what: DRIFT_LINE })
  warnUnreadable(path, log.unreadable, log.problems[0], 'ENTRENAR_JSONL_LINE_INVALID')
  return log.records
}

/** The incident log through the Andon's reader (streamed, lines capped); unreadable lines are reported as a process warning each time the file changed. */
async function incidentLog(path: string): Promise<readonly Incident[]> {
  const log = await readIncidentLog(path)
  warnUnreadable(path, log.unreadable, log.problems[0], 'ENTRENAR_ANDON_LINE_NOT_INCIDENT')
  return log.incidents
}

/**
 * The events recorded in a store directory: `<dir>/andon/incidents.jsonl` (the Andon's incidents)
 * and `<dir>/drift/events.jsonl` (the detectors' change points). Missing files read as empty; a
 * file is read again only when it changed. Both are streamed in chunks with lines capped (incidents by
 * `@entrenar/andon/node`'s `readIncidentLog`, drift events by `@entrenar/core/node`'s `readJsonlLog`), so
 * neither file is ever held whole in memory; their unreadable lines (a torn last line, a hand edit, a
 * line over 1 MiB) are not shown and are reported as a process warning with their count, first line and code.
 */
export function recordedEventsOf(dir: string): RecordedEventsSource {
  const incidentsFile = join(dir, 'andon', 'incidents.jsonl')
  const driftFile = join(dir, 'drift', 'events.jsonl')
  const incidents = cached(incidentsFile, () => incidentLog(incidentsFile), [])
  const drift = cached(driftFile, () => driftLog(driftFile), [])
  return async (): Promise<RecordedEvents> => {
    const [i, d] = await Promise.all([incidents(), drift()])
    return { incidents: i, driftEvents: d }
  }
}
