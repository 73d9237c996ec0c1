/** Reads the events recorded in a store directory (the Node side of `recorded.ts`). */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { alertEventFromWire, type DriftEvent, floatFromWire, type Incident, type WireFloat } from '@entrenar/core'
import type { RecordedEvents, RecordedEventsSource } from './recorded.js'

const LEVELS: readonly string[] = ['info', 'warning', 'error', 'critical']
const DECISIONS: readonly string[] = ['continue', 'warn', 'act', 'pause', 'stop']
const WIRE_WORDS: readonly string[] = ['NaN', 'Infinity', '-Infinity', '-0']

/** An incident of `<dir>/andon/incidents.jsonl` (core's `IncidentWire`); undefined for a line that is not one. */
function incidentOf(o: Readonly<Record<string, unknown>>): Incident | undefined {
  const { level, rule, message, run_id, metric, step, value, timestamp_ms, decision } = o
  if (typeof level !== 'string' || !LEVELS.includes(level) || typeof rule !== 'string' || typeof message !== 'string') return undefined
  if (decision !== undefined && !(typeof decision === 'string' && DECISIONS.includes(decision))) return undefined
  const wireValue = typeof value === 'number' || (typeof value === 'string' && WIRE_WORDS.includes(value))
  return {
    level: level as Incident['level'],
    rule,
    message,
    ...(typeof run_id === 'string' ? { runId: run_id } : {}),
    ...(typeof metric === 'string' ? { metric } : {}),
    ...(typeof step === 'number' && Number.isSafeInteger(step) ? { step } : {}),
    ...(wireValue ? { value: floatFromWire(value as WireFloat) } : {}),
    timestampMs: typeof timestamp_ms === 'number' ? timestamp_ms : 0,
    decision: (decision ?? 'warn') as Incident['decision'],
  }
}

function driftOf(o: Readonly<Record<string, unknown>>): DriftEvent | undefined {
  const e = alertEventFromWire(o)
  return e?.kind === 'drift' ? e : undefined
}

/** One JSON-lines file, re-read only when its size or modification time changed. */
function cachedLines<T>(path: string, decode: (o: Readonly<Record<string, unknown>>) => T | undefined): () => Promise<{ items: T[]; malformed: number }> {
  let stamp = ''
  let cached = { items: [] as T[], malformed: 0 }
  return async () => {
    let now: string
    try {
      const s = await stat(path)
      now = `${s.size}|${s.mtimeMs}`
    } catch {
      return { items: [], malformed: 0 }
    }
    if (now === stamp) return cached
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
    stamp = now
    cached = { items, malformed }
    return cached
  }
}

/**
 * The events recorded in a store directory: `<dir>/andon/incidents.jsonl` (the Andon's incidents)
 * and `<dir>/drift/events.jsonl` (the detectors' change points). Missing files read as empty;
 * unreadable lines (a torn last line) are skipped; a file is read again only when it changed.
 */
export function recordedEventsOf(dir: string): RecordedEventsSource {
  const incidents = cachedLines(join(dir, 'andon', 'incidents.jsonl'), incidentOf)
  const drift = cachedLines(join(dir, 'drift', 'events.jsonl'), driftOf)
  return async (): Promise<RecordedEvents> => {
    const [i, d] = await Promise.all([incidents(), drift()])
    return { incidents: i.items, driftEvents: d.items }
  }
}
