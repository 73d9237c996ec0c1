/** `<dir>/drift/events.jsonl`: the drift events of every run of a store directory. */
import { join } from 'node:path'
import type { DriftEvent } from '@entrenar/core'
import { type JsonlDecoder, type JsonlLineProblem, readJsonlLogSync } from '@entrenar/core/node'
import { type Io, paint } from '../io.js'
import { driftEventFromLine, driftEventToLine } from '../events/drift-wire.js'
import { type JsonlAppender, openJsonlAppender, type StoredRecords } from './jsonl.js'

/** `<dir>/drift/events.jsonl`. */
export function driftEventsPath(dir: string): string {
  return join(dir, 'drift', 'events.jsonl')
}

/** What a line of the drift log must be, for the problems of unreadable lines. */
const WHAT = 'a drift event (kind "drift", metric, step, detector, signal, statistic and timestamp_ms required)'

/** The drift events of a log, the count of its unreadable lines and the first of them with a code and line number. */
export interface DriftEventLog extends StoredRecords<DriftEvent> {
  /** The first 100 unreadable lines: `ENTRENAR_JSONL_LINE_NOT_JSON`, `…_INVALID` (not a drift event) or `…_TOO_LONG` (over 1 MiB, skipped unread). */
  readonly problems: readonly JsonlLineProblem[]
}

/**
 * The drift events recorded in `<dir>/drift/events.jsonl` (of one run, when given), in file order, read in
 * chunks by `@entrenar/core/node`'s JSON-lines reader: the file is never held whole in memory, and every
 * unreadable line (a torn last line, a hand edit, a line over 1 MiB) is counted in `malformed`, never fatal.
 */
export function readDriftEvents(dir: string, runId?: string): DriftEventLog {
  return readDriftEventsOf(dir, runId === undefined ? undefined : [runId])
}

/** {@link readDriftEvents} of several runs (every run's when `runs` is undefined): only their events are kept as the file streams by. */
export function readDriftEventsOf(dir: string, runs: readonly string[] | undefined): DriftEventLog {
  const wanted = runs === undefined ? undefined : new Set(runs)
  const decoder: JsonlDecoder<DriftEvent> = { decode: driftEventFromLine, what: WHAT, ...(wanted === undefined ? {} : { keep: (e: DriftEvent) => e.runId !== undefined && wanted.has(e.runId) }) }
  const log = readJsonlLogSync(driftEventsPath(dir), decoder)
  return { events: log.records, malformed: log.unreadable, problems: log.problems }
}

/** How many drift events each run has in `<dir>/drift/events.jsonl`, counted as the file streams by (no event is kept). */
export function countDriftEventsByRun(dir: string): { readonly counts: Map<string, number>; readonly malformed: number; readonly problems: readonly JsonlLineProblem[] } {
  const counts = new Map<string, number>()
  const keep = (e: DriftEvent): boolean => {
    if (e.runId !== undefined) counts.set(e.runId, (counts.get(e.runId) ?? 0) + 1)
    return false
  }
  const log = readJsonlLogSync(driftEventsPath(dir), { decode: driftEventFromLine, what: WHAT, keep })
  return { counts, malformed: log.unreadable, problems: log.problems }
}

/** Warns on stderr that `n` lines of the log at `path` were skipped (with the first one's line number and code, when known). */
export function warnUnreadable(io: Io, path: string, n: number, first?: JsonlLineProblem): void {
  if (n === 0) return
  const where = first === undefined ? '' : ` (first: line ${first.line}, ${first.code})`
  io.err(`${paint(io, 'yellow', 'warning')} ${n} unreadable line(s) in ${path} skipped${where}\n`)
}

/** A durable, non-blocking writer of drift events to `<dir>/drift/events.jsonl`. */
export interface DriftLog {
  append(event: DriftEvent): void
  flush(): Promise<void>
  close(): Promise<void>
}

/** Opens the drift log of a store directory (created on the first event). */
export function openDriftLog(dir: string, onError: (e: unknown) => void): DriftLog {
  const out: JsonlAppender = openJsonlAppender(driftEventsPath(dir), onError)
  return {
    append: (e) => out.append(driftEventToLine(e)),
    flush: () => out.flush(),
    close: () => out.close(),
  }
}
