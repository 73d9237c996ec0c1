/** Reads the events recorded in a store directory (the Node side of `recorded.ts`). */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { readIncidentLog } from '@entrenar/andon/node'
import { alertEventFromWire, type DriftEvent, type Incident } from '@entrenar/core'
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

/** The items of a JSON-lines file that `decode` accepts, with the count of lines it did not. */
async function jsonLines<T>(path: string, decode: (o: Readonly<Record<string, unknown>>) => T | undefined): Promise<{ items: T[]; malformed: number }> {
  const text = await readFile(path, 'utf8')
  const items: T[] = []
  let malformed = 0
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    let o: unknown
    try {
      o = JSON.parse(line)
    } catch {
      malformed++
      continue
    }
    const x = o !== null && typeof o === 'object' && !Array.isArray(o) ? decode(o as Record<string, unknown>) : undefined
    if (x === undefined) malformed++
    else items.push(x)
  }
  return { items, malformed }
}

/** The incident log through the Andon's reader (streamed, lines capped); unreadable lines are reported as a process warning each time the file changed. */
async function incidentLog(path: string): Promise<readonly Incident[]> {
  const log = await readIncidentLog(path)
  if (log.unreadable > 0) {
    const first = log.problems[0]
    const where = first === undefined ? '' : ` (first: line ${first.line}, ${first.code}: ${first.reason})`
    process.emitWarning(`entrenar/viz: ${log.unreadable} unreadable line(s) in ${path} not shown${where}`, { code: first?.code ?? 'ENTRENAR_ANDON_LINE_NOT_INCIDENT' })
  }
  return log.incidents
}

/**
 * The events recorded in a store directory: `<dir>/andon/incidents.jsonl` (the Andon's incidents)
 * and `<dir>/drift/events.jsonl` (the detectors' change points). Missing files read as empty; a
 * file is read again only when it changed. Incidents are read by `@entrenar/andon/node`'s
 * `readIncidentLog` (in chunks, lines capped); its unreadable lines (a torn last line, a hand edit)
 * are not shown and are reported as a process warning with their count and code.
 */
export function recordedEventsOf(dir: string): RecordedEventsSource {
  const incidentsFile = join(dir, 'andon', 'incidents.jsonl')
  const driftFile = join(dir, 'drift', 'events.jsonl')
  const incidents = cached(incidentsFile, () => incidentLog(incidentsFile), [])
  const drift = cached(driftFile, async () => (await jsonLines(driftFile, driftOf)).items, [])
  return async (): Promise<RecordedEvents> => {
    const [i, d] = await Promise.all([incidents(), drift()])
    return { incidents: i, driftEvents: d }
  }
}
