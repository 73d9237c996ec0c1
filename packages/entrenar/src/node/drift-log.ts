/** `<dir>/drift/events.jsonl`: the drift events of every run of a store directory. */
import { join } from 'node:path'
import type { DriftEvent } from '@entrenar/core'
import { driftEventFromLine, driftEventToLine } from '../events/drift-wire.js'
import { type JsonlAppender, openJsonlAppender, readRecords, type StoredRecords } from './jsonl.js'

/** `<dir>/drift/events.jsonl`. */
export function driftEventsPath(dir: string): string {
  return join(dir, 'drift', 'events.jsonl')
}

/** The drift events recorded in `<dir>/drift/events.jsonl` (of one run, when given), in file order. */
export function readDriftEvents(dir: string, runId?: string): StoredRecords<DriftEvent> {
  return readRecords(driftEventsPath(dir), driftEventFromLine, runId)
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
