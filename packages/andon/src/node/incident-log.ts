/** The reader of `<dir>/andon/incidents.jsonl`: streamed in chunks, every line that is not an incident coded and counted. */
import { closeSync, openSync, readSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { EntrenarError, ErrorCodes, type Incident } from '@entrenar/core'
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
export const INCIDENT_LOG_MAX_LINE_BYTES = 1 << 20

const OPTION_KEYS = new Set(['runId', 'maxLineBytes', 'chunkBytes', 'maxProblems'])

function positive(name: string, v: unknown, fallback: number, min: number): number {
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: ${name} must be an integer ≥ ${min}, got ${String(v)}`)
  return v
}

const excerpt = (text: string): string => JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)

interface Settings {
  readonly runId: string | undefined
  readonly maxLineBytes: number
  readonly chunkBytes: number
  readonly maxProblems: number
}

function settings(options: IncidentLogOptions): Settings {
  for (const k of Object.keys(options)) if (!OPTION_KEYS.has(k)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: unknown incident log option ${JSON.stringify(k)}`)
  const runId = options.runId
  if (runId !== undefined && typeof runId !== 'string') throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: runId must be a string, got ${typeof runId}`)
  return {
    runId,
    maxLineBytes: positive('maxLineBytes', options.maxLineBytes, INCIDENT_LOG_MAX_LINE_BYTES, 1),
    chunkBytes: positive('chunkBytes', options.chunkBytes, 64 << 10, 1),
    maxProblems: positive('maxProblems', options.maxProblems, 100, 0),
  }
}

/** The line splitter and decoder both readers drive: chunks in, incidents and coded problems out. */
class LogReader {
  readonly #s: Settings
  readonly #incidents: Incident[] = []
  readonly #problems: IncidentLogProblem[] = []
  readonly #decoder = new TextDecoder()
  #unreadable = 0
  #tooLong = 0
  #bytes = 0
  #maxBuffered = 0
  // The line being assembled across chunks (its parts), and whether it is being skipped as too long.
  #parts: Uint8Array[] = []
  #partBytes = 0
  #skipping = false
  #line = 1
  #lineStart = 0

  constructor(s: Settings) {
    this.#s = s
  }

  #problem(code: IncidentLogProblemCode, reason: string): void {
    this.#unreadable++
    if (code === 'ENTRENAR_ANDON_LINE_TOO_LONG') this.#tooLong++
    if (this.#problems.length < this.#s.maxProblems) this.#problems.push({ code, line: this.#line, offset: this.#lineStart, reason })
  }

  #take(raw: Uint8Array): void {
    const text = this.#decoder.decode(raw)
    if (text.trim() === '') return
    let o: unknown
    try {
      o = JSON.parse(text)
    } catch (e) {
      this.#problem('ENTRENAR_ANDON_LINE_NOT_JSON', `not JSON (${e instanceof Error ? e.message : String(e)}): ${excerpt(text)}`)
      return
    }
    const incident = o !== null && typeof o === 'object' && !Array.isArray(o) ? incidentFromWire(o as Record<string, unknown>) : undefined
    if (incident === undefined) this.#problem('ENTRENAR_ANDON_LINE_NOT_INCIDENT', `not an incident (level, rule and message required): ${excerpt(text)}`)
    else if (this.#s.runId === undefined || incident.runId === this.#s.runId) this.#incidents.push(incident)
  }

  /** The next bytes of the file; `chunk` may be overwritten after the call (partial lines are copied). */
  push(chunk: Uint8Array): void {
    let at = 0
    while (at < chunk.length) {
      const nl = chunk.indexOf(0x0a, at)
      const end = nl < 0 ? chunk.length : nl
      if (!this.#skipping) {
        if (this.#partBytes + (end - at) > this.#s.maxLineBytes) {
          this.#skipping = true
          this.#parts = []
          this.#partBytes = 0
          this.#problem('ENTRENAR_ANDON_LINE_TOO_LONG', `longer than ${this.#s.maxLineBytes} bytes, skipped unread`)
        } else if (nl < 0) {
          // Copied (Buffer#slice would not copy): the caller reads into the same buffer again.
          this.#parts.push(Uint8Array.prototype.slice.call(chunk, at, end))
          this.#partBytes += end - at
        } else {
          const tail = chunk.subarray(at, end)
          this.#take(this.#parts.length === 0 ? tail : Buffer.concat([...this.#parts, tail]))
          this.#parts = []
          this.#partBytes = 0
        }
      }
      if (nl < 0) break
      this.#line++
      this.#lineStart = this.#bytes + nl + 1
      this.#skipping = false
      at = nl + 1
    }
    this.#bytes += chunk.length
    this.#maxBuffered = Math.max(this.#maxBuffered, this.#s.chunkBytes + this.#partBytes)
  }

  /** The end of the file: a last line without a newline (a torn write, or one being appended) is read like any other. */
  end(): IncidentLog {
    if (!this.#skipping && this.#partBytes > 0) this.#take(Buffer.concat(this.#parts))
    this.#parts = []
    this.#partBytes = 0
    return { incidents: this.#incidents, unreadable: this.#unreadable, tooLong: this.#tooLong, problems: this.#problems, bytes: this.#bytes, maxBufferedBytes: this.#maxBuffered }
  }
}

const missing = (e: unknown): boolean => (e as { code?: string }).code === 'ENOENT'

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
  const s = settings(options)
  const reader = new LogReader(s)
  let fh: Awaited<ReturnType<typeof open>>
  try {
    fh = await open(path, 'r')
  } catch (e) {
    if (missing(e)) return reader.end()
    throw e
  }
  try {
    const buf = Buffer.allocUnsafe(s.chunkBytes)
    for (let at = 0; ; ) {
      const { bytesRead } = await fh.read(buf, 0, s.chunkBytes, at)
      if (bytesRead === 0) break
      reader.push(buf.subarray(0, bytesRead))
      at += bytesRead
    }
  } finally {
    await fh.close()
  }
  return reader.end()
}

/**
 * {@link readIncidentLog} for synchronous callers (a command that renders a report): the same reading,
 * limits and problem codes, with blocking reads.
 */
export function readIncidentLogSync(path: string, options: IncidentLogOptions = {}): IncidentLog {
  const s = settings(options)
  const reader = new LogReader(s)
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (e) {
    if (missing(e)) return reader.end()
    throw e
  }
  try {
    const buf = Buffer.allocUnsafe(s.chunkBytes)
    for (let at = 0; ; ) {
      const n = readSync(fd, buf, 0, s.chunkBytes, at)
      if (n === 0) break
      reader.push(buf.subarray(0, n))
      at += n
    }
  } finally {
    closeSync(fd)
  }
  return reader.end()
}
