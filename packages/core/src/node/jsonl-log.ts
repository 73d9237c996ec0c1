/**
 * The reader of JSON-lines logs (incidents, drift events): streamed in chunks with a per-line decoder,
 * memory bounded by one chunk and one line whatever the file size, every unreadable line coded and counted.
 */
import { Buffer } from 'node:buffer'
import { closeSync, openSync, readSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { EntrenarError, ErrorCodes } from '../errors.js'

/** Why a line of a JSON-lines log was not read as a record. */
export type JsonlLineProblemCode = 'ENTRENAR_JSONL_LINE_TOO_LONG' | 'ENTRENAR_JSONL_LINE_NOT_JSON' | 'ENTRENAR_JSONL_LINE_INVALID'

/** One line of a JSON-lines log that was not read as a record. */
export interface JsonlLineProblem {
  /** Why the line was not read: longer than `maxLineBytes`, not JSON, or JSON that the decoder refused (a non-object included). */
  readonly code: JsonlLineProblemCode
  /** 1-based line number. */
  readonly line: number
  /** Byte offset of the line's first byte. */
  readonly offset: number
  /** What was wrong, with at most a 60-character excerpt of the line. */
  readonly reason: string
}

/** How the lines of a log become records: the decoder every line goes through. */
export interface JsonlDecoder<T> {
  /**
   * The record of one line, or `undefined` when the line is not one (counted as `ENTRENAR_JSONL_LINE_INVALID`).
   * It is only given plain objects parsed by `JSON.parse` (a `"__proto__"` key is an own property there,
   * never a prototype); other JSON values (arrays, strings, numbers, `null`) are invalid lines unseen.
   */
  readonly decode: (o: Readonly<Record<string, unknown>>) => T | undefined
  /** What a valid line is, for the problem messages, e.g. `'an incident (level, rule and message required)'`. */
  readonly what: string
  /** Which records are returned (default every one); a record not kept is neither returned nor a problem. */
  readonly keep?: (record: T) => boolean
}

/** Options of {@link readJsonlLog}; an unknown key is an `ENTRENAR_INVALID_CONFIG` error. */
export interface JsonlLogOptions {
  /** A line longer than this many bytes is skipped unread and counted (default {@link JSONL_LOG_MAX_LINE_BYTES}). */
  readonly maxLineBytes?: number
  /** Bytes read per read call (default 64 KiB). */
  readonly chunkBytes?: number
  /** How many problems are listed with their line; beyond it they are only counted (default 100). */
  readonly maxProblems?: number
}

/** What {@link readJsonlLog} read. */
export interface JsonlLog<T> {
  /** The records kept, in file order. */
  readonly records: T[]
  /** Lines that are not a record: too long, not JSON, or refused by the decoder (all counted, listed or not). */
  readonly unreadable: number
  /** How many of the `unreadable` lines were longer than `maxLineBytes`. */
  readonly tooLong: number
  /** The first `maxProblems` unreadable lines, with a code and where they are. */
  readonly problems: readonly JsonlLineProblem[]
  /** Bytes read. */
  readonly bytes: number
  /** The most bytes held at once (a chunk plus an incomplete line): bounded by `chunkBytes + maxLineBytes`, whatever the file size. */
  readonly maxBufferedBytes: number
}

/** Default longest line of a JSON-lines log, in bytes (a record is a few hundred bytes; 1 MiB). */
export const JSONL_LOG_MAX_LINE_BYTES = 1 << 20

const OPTION_KEYS = new Set(['maxLineBytes', 'chunkBytes', 'maxProblems'])

function positive(name: string, v: unknown, fallback: number, min: number): number {
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/core: JSON-lines log option ${name} must be an integer ≥ ${min}, got ${String(v)}`)
  return v
}

const excerpt = (text: string): string => JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)

interface Settings {
  readonly maxLineBytes: number
  readonly chunkBytes: number
  readonly maxProblems: number
}

function settings(options: JsonlLogOptions): Settings {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, 'entrenar/core: JSON-lines log options must be an object')
  for (const k of Object.keys(options)) if (!OPTION_KEYS.has(k)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/core: unknown JSON-lines log option ${JSON.stringify(k)}`)
  return {
    maxLineBytes: positive('maxLineBytes', options.maxLineBytes, JSONL_LOG_MAX_LINE_BYTES, 1),
    chunkBytes: positive('chunkBytes', options.chunkBytes, 64 << 10, 1),
    maxProblems: positive('maxProblems', options.maxProblems, 100, 0),
  }
}

function checkDecoder(d: JsonlDecoder<unknown>): void {
  if (d === null || typeof d !== 'object' || typeof d.decode !== 'function' || typeof d.what !== 'string' || (d.keep !== undefined && typeof d.keep !== 'function')) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, 'entrenar/core: a JSON-lines decoder needs decode (a function), what (a string) and, optionally, keep (a function)')
  }
}

/** The line splitter and decoder both readers drive: chunks in, records and coded problems out. */
class LineReader<T> {
  readonly #s: Settings
  readonly #d: JsonlDecoder<T>
  readonly #records: T[] = []
  readonly #problems: JsonlLineProblem[] = []
  readonly #text = new TextDecoder()
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

  constructor(s: Settings, d: JsonlDecoder<T>) {
    this.#s = s
    this.#d = d
  }

  #problem(code: JsonlLineProblemCode, reason: string): void {
    this.#unreadable++
    if (code === 'ENTRENAR_JSONL_LINE_TOO_LONG') this.#tooLong++
    if (this.#problems.length < this.#s.maxProblems) this.#problems.push({ code, line: this.#line, offset: this.#lineStart, reason })
  }

  #take(raw: Uint8Array): void {
    const text = this.#text.decode(raw)
    // Blank lines (and the `\r` of a CRLF line ending, JSON whitespace) are not records nor problems.
    if (text.trim() === '') return
    let o: unknown
    try {
      o = JSON.parse(text)
    } catch (e) {
      this.#problem('ENTRENAR_JSONL_LINE_NOT_JSON', `not JSON (${e instanceof Error ? e.message : String(e)}): ${excerpt(text)}`)
      return
    }
    let record: T | undefined
    if (o !== null && typeof o === 'object' && !Array.isArray(o)) {
      try {
        record = this.#d.decode(o as Record<string, unknown>)
      } catch (e) {
        // A decoder that throws on a hostile line refuses it: the rest of the log is still read.
        this.#problem('ENTRENAR_JSONL_LINE_INVALID', `not ${this.#d.what} (${e instanceof Error ? e.message : String(e)}): ${excerpt(text)}`)
        return
      }
    }
    if (record === undefined) this.#problem('ENTRENAR_JSONL_LINE_INVALID', `not ${this.#d.what}: ${excerpt(text)}`)
    else if (this.#d.keep === undefined || this.#d.keep(record)) this.#records.push(record)
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
          this.#problem('ENTRENAR_JSONL_LINE_TOO_LONG', `longer than ${this.#s.maxLineBytes} bytes, skipped unread`)
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
  end(): JsonlLog<T> {
    if (!this.#skipping && this.#partBytes > 0) this.#take(Buffer.concat(this.#parts))
    this.#parts = []
    this.#partBytes = 0
    return { records: this.#records, unreadable: this.#unreadable, tooLong: this.#tooLong, problems: this.#problems, bytes: this.#bytes, maxBufferedBytes: this.#maxBuffered }
  }
}

const missing = (e: unknown): boolean => (e as { code?: string }).code === 'ENOENT'

/**
 * Reads a JSON-lines log streamed in chunks, each line through `decoder`: memory holds one chunk and at
 * most one line of `maxLineBytes`, plus the records kept, so a log of any size is read in bounded
 * memory. A missing file reads as empty. Blank lines are ignored and CRLF line endings accepted; every
 * other line that is not a record (a torn last line after a crash, a hand edit, a non-object, a line
 * over `maxLineBytes`, a line the decoder refuses or throws on) is counted in `unreadable` and, up to
 * `maxProblems`, listed with its code, line and offset, never dropped silently and never fatal. Bad
 * options or decoder are `ENTRENAR_INVALID_CONFIG`; I/O errors other than a missing file are thrown.
 *
 * @example
 * ```ts
 * import { alertEventFromWire } from '@entrenar/core'
 * import { readJsonlLog } from '@entrenar/core/node'
 * const log = await readJsonlLog('runs/drift/events.jsonl', { decode: alertEventFromWire, what: 'an alert event' })
 * if (log.unreadable > 0) console.warn(`${log.unreadable} unreadable line(s)`, log.problems[0])
 * ```
 */
export async function readJsonlLog<T>(path: string, decoder: JsonlDecoder<T>, options: JsonlLogOptions = {}): Promise<JsonlLog<T>> {
  checkDecoder(decoder as JsonlDecoder<unknown>)
  const s = settings(options)
  const reader = new LineReader(s, decoder)
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
 * {@link readJsonlLog} for synchronous callers (a command that renders a report): the same reading,
 * limits and problem codes, with blocking reads.
 */
export function readJsonlLogSync<T>(path: string, decoder: JsonlDecoder<T>, options: JsonlLogOptions = {}): JsonlLog<T> {
  checkDecoder(decoder as JsonlDecoder<unknown>)
  const s = settings(options)
  const reader = new LineReader(s, decoder)
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
