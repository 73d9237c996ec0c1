/**
 * The reader of `<dir>/andon/incidents.jsonl`: `@entrenar/core/node`'s JSON-lines reader (streamed in
 * chunks, every unreadable line coded and counted) with the incident decoder.
 */
import { EntrenarError, ErrorCodes, type Incident } from '@entrenar/core'
import { type JsonlDecoder, type JsonlLineProblemCode, type JsonlLog, type JsonlLogOptions, readJsonlLog, readJsonlLogSync, JSONL_LOG_MAX_LINE_BYTES } from '@entrenar/core/node'
import { incidentFromWire } from '../handlers/parse.js'

/** Why a line of an incident log was not read as an incident. */
export type IncidentLogProblemCode = 'ENTRENAR_ANDON_LINE_TOO_LONG' | 'ENTRENAR_ANDON_LINE_NOT_JSON' | 'ENTRENAR_ANDON_LINE_NOT_INCIDENT'

/** One line of an incident log that was not read as an incident. */
export interface IncidentLogProblem {
  /** Why the line was not read: not JSON, JSON but not an incident, or longer than `maxLineBytes`. */
  readonly code: IncidentLogProblemCode
  /** 1-based line number. */
  readonly line: number
  /** Byte offset of the line's first byte. */
  readonly offset: number
  /** What was wrong, with at most a 60-character excerpt of the line. */
  readonly reason: string
}

/** Options of {@link readIncidentLog}; an unknown key is an `ENTRENAR_INVALID_CONFIG` error. */
export interface IncidentLogOptions {
  /** Only this run's incidents (default: every run's). Lines of other runs are neither returned nor problems. */
  readonly runId?: string
  /** A line longer than this many bytes is skipped unread and counted (default {@link INCIDENT_LOG_MAX_LINE_BYTES}). */
  readonly maxLineBytes?: number
  /** Bytes read per read call (default 64 KiB). */
  readonly chunkBytes?: number
  /** How many problems are listed with their line; beyond it they are only counted (default 100). */
  readonly maxProblems?: number
}

/** What {@link readIncidentLog} read. */
export interface IncidentLog {
  /** The incidents, in file order. */
  readonly incidents: Incident[]
  /** Lines that are not an incident: not JSON, JSON but not an incident, or longer than `maxLineBytes` (all counted, listed or not). */
  readonly unreadable: number
  /** How many of the `unreadable` lines were longer than `maxLineBytes`. */
  readonly tooLong: number
  /** The first `maxProblems` unreadable lines, with a code and where they are. */
  readonly problems: readonly IncidentLogProblem[]
  /** Bytes read. */
  readonly bytes: number
  /** The most bytes held at once (a chunk plus an incomplete line): bounded by `chunkBytes + maxLineBytes`, whatever the file size. */
  readonly maxBufferedBytes: number
}

/** Default longest line of an incident log, in bytes (an incident is a few hundred bytes; 1 MiB). */
export const INCIDENT_LOG_MAX_LINE_BYTES = JSONL_LOG_MAX_LINE_BYTES

const OPTION_KEYS = new Set(['runId', 'maxLineBytes', 'chunkBytes', 'maxProblems'])

/** The incident log's names for the problems of core's JSON-lines reader. */
const CODES: Readonly<Record<JsonlLineProblemCode, IncidentLogProblemCode>> = {
  ENTRENAR_JSONL_LINE_TOO_LONG: 'ENTRENAR_ANDON_LINE_TOO_LONG',
  ENTRENAR_JSONL_LINE_NOT_JSON: 'ENTRENAR_ANDON_LINE_NOT_JSON',
  ENTRENAR_JSONL_LINE_INVALID: 'ENTRENAR_ANDON_LINE_NOT_INCIDENT',
}

/** The decoder and reader options of `options` (checked: an unknown key or a bad value is `ENTRENAR_INVALID_CONFIG`). */
function plan(options: IncidentLogOptions): { decoder: JsonlDecoder<Incident>; read: JsonlLogOptions } {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, 'entrenar/andon: incident log options must be an object')
  for (const k of Object.keys(options)) if (!OPTION_KEYS.has(k)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: unknown incident log option ${JSON.stringify(k)}`)
  const { runId, ...read } = options
  if (runId !== undefined && typeof runId !== 'string') throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: runId must be a string, got ${typeof runId}`)
  const decoder: JsonlDecoder<Incident> = {
    decode: incidentFromWire,
    what: 'an incident (level, rule and message required)',
    ...(runId === undefined ? {} : { keep: (i: Incident) => i.runId === runId }),
  }
  return { decoder, read }
}

function asIncidentLog(log: JsonlLog<Incident>): IncidentLog {
  const { records, problems, ...rest } = log
  return { incidents: records, problems: problems.map((p) => ({ ...p, code: CODES[p.code] })), ...rest }
}

/**
 * Reads an incident log (`incidentsPath(dir)`, written by `createAndon({ storeDir })`), streamed in chunks:
 * memory holds one chunk and at most one line of `maxLineBytes`, plus the incidents returned. A missing
 * file reads as empty. Blank lines are ignored; every other line that is not an incident (a torn last
 * line after a crash, a hand edit, a line over `maxLineBytes`) is counted in `unreadable` and, up to
 * `maxProblems`, listed with its code, line and offset, never dropped silently. Bad options are
 * `ENTRENAR_INVALID_CONFIG`; I/O errors other than a missing file are thrown.
 *
 * @example
 * ```ts
 * import { incidentsPath } from '@entrenar/andon'
 * import { readIncidentLog } from '@entrenar/andon/node'
 * const log = await readIncidentLog(incidentsPath('./runs'), { runId: 'r1' })
 * if (log.unreadable > 0) console.warn(`${log.unreadable} unreadable line(s)`, log.problems[0])
 * ```
 */
export async function readIncidentLog(path: string, options: IncidentLogOptions = {}): Promise<IncidentLog> {
  const { decoder, read } = plan(options)
  return asIncidentLog(await readJsonlLog(path, decoder, read))
}

/**
 * {@link readIncidentLog} for synchronous callers (a command that renders a report): the same reading,
 * limits and problem codes, with blocking reads.
 */
export function readIncidentLogSync(path: string, options: IncidentLogOptions = {}): IncidentLog {
  const { decoder, read } = plan(options)
  return asIncidentLog(readJsonlLogSync(path, decoder, read))
}
