import { createHash } from 'node:crypto'
import { open, stat } from 'node:fs/promises'
import type { PointSink } from './common.js'

/**
 * How much an import holds in memory at once. Every importer reads its files in chunks of `chunkBytes`,
 * keeps at most one incomplete record or line beyond the chunk, and hands points to the store in batches
 * of at most `batchPoints` (plus the points of the record or line that filled the batch).
 */
export interface ImportLimits {
  /** Bytes read from a file per read call (default 1 MiB). */
  readonly chunkBytes: number
  /** Points buffered before they are written to the store (default 65,536). */
  readonly batchPoints: number
  /** A TFRecord longer than this is skipped unread (default 64 MiB; scalar events are tens of bytes). */
  readonly maxRecordBytes: number
  /** A line (or CSV row) longer than this is skipped (default 16 MiB). */
  readonly maxLineBytes: number
}

export const DEFAULT_LIMITS: ImportLimits = { chunkBytes: 1 << 20, batchPoints: 65_536, maxRecordBytes: 64 << 20, maxLineBytes: 16 << 20 }

/** Checks caller-given limits: positive safe integers only (`undefined` keeps the default). */
export function importLimits(partial: Partial<ImportLimits> = {}): ImportLimits {
  const out = { ...DEFAULT_LIMITS }
  for (const [k, v] of Object.entries(partial)) {
    if (!Object.hasOwn(DEFAULT_LIMITS, k)) throw new TypeError(`entrenar import: unknown limit ${JSON.stringify(k)}`)
    if (v === undefined) continue
    if (!Number.isSafeInteger(v) || (v as number) < 1) throw new RangeError(`entrenar import: limit ${k} must be a positive integer, got ${String(v)}`)
    ;(out as Record<string, number>)[k] = v as number
  }
  return out
}

/**
 * What an import read and the most it held at once. `maxBufferedBytes` is the largest byte buffer a
 * reader kept (a chunk plus an incomplete record or line), `maxBufferedPoints` the largest batch of
 * points held before a store write: the figures that show memory stays bounded whatever the input size.
 */
export class ImportMeter {
  bytes = 0
  points = 0
  maxBufferedBytes = 0
  maxBufferedPoints = 0
  readonly startedMs = Date.now()
  #onTick: (() => void) | undefined
  constructor(onTick?: () => void) {
    this.#onTick = onTick
  }
  buffered(bytes: number): void {
    if (bytes > this.maxBufferedBytes) this.maxBufferedBytes = bytes
  }
  batch(points: number): void {
    if (points > this.maxBufferedPoints) this.maxBufferedPoints = points
  }
  read(bytes: number): void {
    this.bytes += bytes
    this.#onTick?.()
  }
}

/**
 * Reads `path` from byte `start` (default 0) in chunks of `chunkBytes`, awaiting `onChunk` for each (so a consumer that
 * writes to a store applies back-pressure). Reads at most `maxBytes` bytes when given. Resolves to the
 * number of bytes read. The consumer returns `false` to stop early.
 */
export async function readChunks(path: string, chunkBytes: number, onChunk: (chunk: Uint8Array) => unknown, meter?: ImportMeter, maxBytes = Number.POSITIVE_INFINITY, start = 0): Promise<number> {
  const fh = await open(path, 'r')
  let total = 0
  try {
    for (;;) {
      const want = Math.min(chunkBytes, maxBytes - total)
      if (want <= 0) break
      const buf = Buffer.allocUnsafe(want)
      const { bytesRead } = await fh.read(buf, 0, want, start + total)
      if (bytesRead === 0) break
      total += bytesRead
      meter?.read(bytesRead)
      // `false` from the consumer: it has read what it needed.
      if ((await onChunk(bytesRead === want ? buf : buf.subarray(0, bytesRead))) === false) break
    }
  } finally {
    await fh.close()
  }
  return total
}

/** The first `n` bytes of a file (fewer when it is shorter). */
export async function readHead(path: string, n: number): Promise<Uint8Array> {
  const fh = await open(path, 'r')
  try {
    const buf = Buffer.alloc(n)
    let got = 0
    while (got < n) {
      const { bytesRead } = await fh.read(buf, got, n - got, null)
      if (bytesRead === 0) break
      got += bytesRead
    }
    return buf.subarray(0, got)
  } finally {
    await fh.close()
  }
}

/**
 * Incremental fingerprint of a source: names and contents of the files a run was read from (SHA-256 of
 * `name \0 byteLength \0 content` per file, so a file streamed in chunks hashes as the same file read whole).
 */
export class Fingerprint {
  readonly #h = createHash('sha256')
  add(name: string, content: Uint8Array | string): this {
    this.#h.update(name).update('\u0000').update(String(typeof content === 'string' ? Buffer.byteLength(content) : content.length)).update('\u0000').update(content)
    return this
  }
  /** Adds a file streamed in chunks; its length is the number of bytes read, so a file that grows while it is hashed is hashed as read. */
  async addFile(name: string, path: string, chunkBytes: number, meter?: ImportMeter): Promise<this> {
    const size = (await stat(path)).size
    this.#h.update(name).update('\u0000').update(String(size)).update('\u0000')
    const got = await readChunks(path, chunkBytes, (c) => void this.#h.update(c), meter, size)
    // A file that shrank between stat and read: mark it so the fingerprint cannot match an intact file.
    if (got !== size) this.#h.update(`\u0000short:${got}`)
    return this
  }
  digest(): string {
    return this.#h.digest('hex')
  }
}

/**
 * Splits bytes into lines at `\n` (a trailing `\r` is left to the caller), across chunk boundaries. A line
 * longer than `maxBytes` is not buffered: it is reported through `onLong` with its number and offset, and
 * skipped up to its end. The last line needs no `\n`.
 */
export class LineSplitter {
  #parts: Uint8Array[] = []
  #partBytes = 0
  #skipping = false
  #line: number
  #offset: number
  #lineStart: number
  readonly #decoder = new TextDecoder()
  constructor(
    readonly maxBytes: number,
    readonly onLine: (text: string, line: number, offset: number, terminated: boolean) => void,
    readonly onLong: (line: number, offset: number) => void,
    readonly meter?: ImportMeter,
    start: { bytes: number; lines: number } = { bytes: 0, lines: 0 },
  ) {
    this.#offset = start.bytes
    this.#lineStart = start.bytes
    this.#line = start.lines
  }
  /** Where the lines ended by a `\n` end: a later read of a grown file resumes there. */
  get committed(): { bytes: number; lines: number } {
    return { bytes: this.#lineStart, lines: this.#line }
  }
  push(chunk: Uint8Array): void {
    let at = 0
    while (at < chunk.length) {
      const nl = chunk.indexOf(10, at)
      const end = nl < 0 ? chunk.length : nl
      if (!this.#skipping) {
        if (this.#partBytes + (end - at) > this.maxBytes) {
          this.#skipping = true
          this.onLong(this.#line + 1, this.#lineStart)
          this.#parts = []
          this.#partBytes = 0
        } else if (nl < 0) {
          // Copied: the reader may hand out its buffer again.
          this.#parts.push(chunk.slice(at, end))
          this.#partBytes += end - at
          this.meter?.buffered(this.#partBytes + chunk.length)
        } else this.#emit(chunk.subarray(at, end))
      }
      if (nl < 0) {
        this.#offset += chunk.length - at
        break
      }
      this.#offset += nl + 1 - at
      this.#line++
      this.#lineStart = this.#offset
      this.#skipping = false
      at = nl + 1
    }
    this.meter?.buffered(chunk.length + this.#partBytes)
  }
  #emit(tail: Uint8Array, terminated = true): void {
    let bytes = tail
    if (this.#parts.length > 0) {
      this.#parts.push(tail)
      bytes = Buffer.concat(this.#parts)
      this.#parts = []
      this.#partBytes = 0
    }
    this.onLine(this.#decoder.decode(bytes), this.#line + 1, this.#lineStart, terminated)
  }
  /** Emits the last line when the input does not end with `\n` (it is not part of {@link committed}). */
  end(): void {
    if (!this.#skipping && this.#partBytes > 0) this.#emit(new Uint8Array(0), false)
  }
}

/**
 * Streams the lines of a file that may still be growing (an MLflow metric log, a W&B history file) from
 * `start`, in chunks of `limits.chunkBytes`. Each line, trimmed (so a `\r\n` ending reads as `\n`) and when
 * not empty, goes to `onLine` with its 1-based number; `sink.drain()` is awaited whenever the sink is full.
 * A line longer than `limits.maxLineBytes` is never buffered: `onLong` gets its number and it is skipped.
 *
 * Resolves to how far the file was read completely: the bytes and lines ended by `\n`, and the points
 * (and NaN/±Inf among them) pushed from them, counted from the start of the file. A last line without
 * `\n` is read (its points reach the sink) but not committed: it may be half written, so the next read
 * of the grown file starts at it again.
 */
export async function readGrowingLines(
  path: string,
  start: ResumePoint,
  limits: ImportLimits,
  meter: ImportMeter | undefined,
  sink: PointSink,
  onLine: (line: string, lineNumber: number) => void,
  onLong: (lineNumber: number) => void,
): Promise<ResumePoint> {
  let lines: [string, number, boolean][] = []
  const splitter = new LineSplitter(limits.maxLineBytes, (text, n, _offset, terminated) => lines.push([text, n, terminated]), onLong, meter, start)
  const p0 = sink.points - start.points
  const n0 = sink.nonFinite - start.nonFinite
  let tail: { points: number; nonFinite: number } | undefined
  const drain = async () => {
    const batch = lines
    lines = []
    for (const [raw, n, terminated] of batch) {
      // Points of a last line without `\n` are not counted as read for good.
      if (!terminated) tail = { points: sink.points, nonFinite: sink.nonFinite }
      const line = raw.trim()
      if (line === '') continue
      onLine(line, n)
      if (sink.full) await sink.drain()
    }
  }
  await readChunks(
    path,
    limits.chunkBytes,
    async (chunk) => {
      splitter.push(chunk)
      await drain()
    },
    meter,
    Number.POSITIVE_INFINITY,
    start.bytes,
  )
  splitter.end()
  await drain()
  return { ...splitter.committed, points: (tail?.points ?? sink.points) - p0, nonFinite: (tail?.nonFinite ?? sink.nonFinite) - n0 }
}

/**
 * A place in a file up to which an earlier import read it completely: whole records (TFRecord) or lines
 * ended by `\n`, with the number of such lines.
 */
export interface ResumePoint {
  readonly bytes: number
  readonly lines: number
  /** Points read from those bytes, and how many of them are NaN or ±Inf. */
  readonly points: number
  readonly nonFinite: number
}

/** The start of a file. */
export const NO_RESUME: ResumePoint = { bytes: 0, lines: 0, points: 0, nonFinite: 0 }

/** What an import records per file so that the next import of a grown file reads only what follows. */
export interface FileState extends ResumePoint {
  /** SHA-256 (hex) of the file's first `bytes` bytes: a file rewritten rather than appended to is read again. */
  readonly sha256: string
}

/** SHA-256 (hex) of the first `bytes` bytes of a file, streamed; undefined when the file is shorter. */
export async function sha256Prefix(path: string, bytes: number, chunkBytes: number): Promise<string | undefined> {
  const h = createHash('sha256')
  let got: number
  try {
    got = await readChunks(path, chunkBytes, (c) => void h.update(c), undefined, bytes)
  } catch {
    return undefined
  }
  return got === bytes ? h.digest('hex') : undefined
}
