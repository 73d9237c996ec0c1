import { crc32c } from '@aws-crypto/crc32c'

/** The mask of TFRecord's CRC-32C (TensorFlow's tsl/lib/hash/crc32c.h `Mask`). */
const MASK_DELTA = 0xa282ead8

/** CRC-32C (Castagnoli, RFC 3720 appendix B.4) of `data`, masked as TFRecord stores it: rotate right by 15, add 0xa282ead8. */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data) >>> 0
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0
}

/** One record of a TFRecord file and the byte offset of its header. */
export interface TfRecord {
  readonly offset: number
  readonly data: Uint8Array
}

/** A stretch of a file that is not a valid record: where it starts, how long it is and why. */
export interface BadRecord {
  readonly offset: number
  readonly bytes: number
  readonly reason: 'corrupt' | 'truncated' | 'oversized'
}

const HEADER = 12
const FOOTER = 4

/** What the bytes at a position are: a whole record that checks, not a record, or too few bytes to tell. */
type Probe = { data: Uint8Array; end: number } | 'corrupt' | 'need' | 'oversized'

/**
 * The record whose header starts at `at` of `buf`, when its length CRC and its data CRC check; `need`
 * when `buf` ends before the record does; `oversized` when its header checks but it is longer than `max`.
 */
function probe(buf: Uint8Array, view: DataView, at: number, max: number): Probe {
  if (buf.length - at < HEADER) return 'need'
  if (maskedCrc32c(buf.subarray(at, at + 8)) !== view.getUint32(at + 8, true)) return 'corrupt'
  const length = view.getBigUint64(at, true)
  if (length > BigInt(max)) return 'oversized'
  const end = at + HEADER + Number(length) + FOOTER
  if (end > buf.length) return 'need'
  const data = buf.subarray(at + HEADER, end - FOOTER)
  if (maskedCrc32c(data) !== view.getUint32(end - FOOTER, true)) return 'corrupt'
  return { data, end }
}

/**
 * Splits a TFRecord stream (records of: uint64 length, masked CRC-32C of the length, data, masked CRC-32C
 * of the data; little-endian) into records, chunk by chunk: it holds at most one incomplete record beyond
 * the current chunk. Both CRCs are checked. A stretch that is not a valid record is reported once with its
 * file offset, and reading resumes at the next offset where a whole record checks (a scan, byte by byte),
 * so records before and after a corruption are all returned, wherever the chunk boundaries fall. A
 * stretch that runs to the end of the stream and starts with a record cut short is `truncated`.
 *
 * A record whose header checks but whose length exceeds `maxRecordBytes` is skipped without being
 * buffered (reported `oversized`) when it follows a valid record or starts the file; while scanning for
 * the next record after a corruption such a header is taken for garbage.
 */
export class TfRecordSplitter {
  #buf: Uint8Array = new Uint8Array(0)
  /** File offset of `#buf[0]`. */
  #base = 0
  #pos = 0
  /** Start of the bad stretch being scanned, or -1. */
  #badStart = -1
  #badTruncated = false
  /** Bytes of an oversized record still to skip. */
  #skip = 0
  #ended = false
  constructor(
    readonly onRecord: (offset: number, data: Uint8Array) => void,
    readonly onBad: (bad: BadRecord) => void,
    readonly maxRecordBytes = 64 << 20,
    readonly meter?: { buffered(bytes: number): void },
    /** File offset of the first byte pushed (a read resumed after an earlier import). */
    start = 0,
  ) {
    this.#base = start
  }

  push(chunk: Uint8Array): void {
    if (this.#ended) throw new Error('TfRecordSplitter: push after end')
    let c = chunk
    if (this.#skip > 0) {
      const n = Math.min(this.#skip, c.length)
      this.#skip -= n
      this.#base += n
      c = c.subarray(n)
      if (c.length === 0) return
    }
    const rest = this.#buf.subarray(this.#pos)
    if (rest.length === 0) {
      this.#buf = c
    } else {
      const joined = new Uint8Array(rest.length + c.length)
      joined.set(rest)
      joined.set(c, rest.length)
      this.#buf = joined
    }
    this.#base += this.#pos
    this.#pos = 0
    this.meter?.buffered(this.#buf.length)
    this.#scan(false)
  }

  /** Ends the stream: whatever could not be read as a record is reported. */
  end(): void {
    if (this.#ended) return
    this.#ended = true
    if (this.#skip > 0) {
      // An oversized record cut short: it was already reported when its header was read.
      this.#skip = 0
      return
    }
    this.#scan(true)
    if (this.#badStart >= 0) this.#flushBad(this.#base + this.#buf.length, this.#badTruncated)
    this.#buf = new Uint8Array(0)
  }

  #flushBad(endOffset: number, truncated: boolean): void {
    this.onBad({ offset: this.#badStart, bytes: endOffset - this.#badStart, reason: truncated ? 'truncated' : 'corrupt' })
    this.#badStart = -1
    this.#badTruncated = false
  }

  #scan(eof: boolean): void {
    const buf = this.#buf
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
    while (this.#pos < buf.length) {
      const at = this.#pos
      const p = probe(buf, view, at, this.maxRecordBytes)
      if (typeof p !== 'string') {
        if (this.#badStart >= 0) this.#flushBad(this.#base + at, false)
        this.onRecord(this.#base + at, p.data)
        this.#pos = p.end
        continue
      }
      if (p === 'need' && !eof) return
      if (p === 'oversized' && this.#badStart < 0) {
        const length = Number(view.getBigUint64(at, true))
        const total = HEADER + length + FOOTER
        this.onBad({ offset: this.#base + at, bytes: total, reason: 'oversized' })
        const inBuf = buf.length - at
        if (total <= inBuf) {
          this.#pos = at + total
          continue
        }
        this.#skip = total - inBuf
        this.#base += buf.length
        this.#buf = new Uint8Array(0)
        this.#pos = 0
        return
      }
      // Not a record here: a bad stretch starts (or goes on); scan the next byte.
      if (this.#badStart < 0) {
        this.#badStart = this.#base + at
        this.#badTruncated = p === 'need'
      }
      this.#pos = at + 1
    }
  }
}

/**
 * Splits a whole TFRecord file held in memory into its records (the streaming {@link TfRecordSplitter}
 * fed one chunk).
 */
export function readTfRecords(buf: Uint8Array): { records: TfRecord[]; bad: BadRecord[] } {
  const records: TfRecord[] = []
  const bad: BadRecord[] = []
  const s = new TfRecordSplitter((offset, data) => records.push({ offset, data }), (b) => bad.push(b), Number.MAX_SAFE_INTEGER)
  s.push(buf)
  s.end()
  return { records, bad }
}

/** Frames `data` as one TFRecord. */
export function frameTfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + data.length + FOOTER)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt(data.length), true)
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true)
  out.set(data, HEADER)
  view.setUint32(HEADER + data.length, maskedCrc32c(data), true)
  return out
}
