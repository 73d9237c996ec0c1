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
  readonly reason: 'corrupt' | 'truncated'
}

const HEADER = 12
const FOOTER = 4

/** The record whose header starts at `at`, when its length CRC, its bounds and its data CRC all check; else why not. */
function recordAt(buf: Uint8Array, view: DataView, at: number): { data: Uint8Array; end: number } | 'corrupt' | 'truncated' {
  if (buf.length - at < HEADER) return 'truncated'
  if (maskedCrc32c(buf.subarray(at, at + 8)) !== view.getUint32(at + 8, true)) return 'corrupt'
  const length = view.getBigUint64(at, true)
  const end = BigInt(at + HEADER) + length + BigInt(FOOTER)
  if (end > BigInt(buf.length)) return 'truncated'
  const data = buf.subarray(at + HEADER, at + HEADER + Number(length))
  if (maskedCrc32c(data) !== view.getUint32(at + HEADER + data.length, true)) return 'corrupt'
  return { data, end: Number(end) }
}

/**
 * Splits a TFRecord file (records of: uint64 length, masked CRC-32C of the length, data, masked CRC-32C
 * of the data; little-endian) into its records. Both CRCs are checked. A stretch that is not a valid
 * record is reported once with its offset, and reading resumes at the next offset where a record checks
 * (a scan, byte by byte), so records before and after a corruption are all returned.
 */
export function readTfRecords(buf: Uint8Array): { records: TfRecord[]; bad: BadRecord[] } {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const records: TfRecord[] = []
  const bad: BadRecord[] = []
  let at = 0
  while (at < buf.length) {
    const r = recordAt(buf, view, at)
    if (typeof r !== 'string') {
      records.push({ offset: at, data: r.data })
      at = r.end
      continue
    }
    let next = at + 1
    while (next < buf.length && typeof recordAt(buf, view, next) === 'string') next++
    // A stretch running to the end of the file whose header checks (or is cut short) is a truncated write.
    bad.push({ offset: at, bytes: next - at, reason: next >= buf.length && r === 'truncated' ? 'truncated' : 'corrupt' })
    at = next
  }
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
