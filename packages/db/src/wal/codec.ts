import type { RecordBatch, Tags } from '@entrenar/core'

/** First 8 bytes of every WAL file. */
export const WAL_MAGIC = new TextEncoder().encode('ENTRWAL1')
/** Marks the start of a frame: `EWAF` little-endian. */
const FRAME_MAGIC = 0x46415745
/** Frame header: magic, payload length, CRC-32 of the payload. */
export const FRAME_HEADER = 12
/** Bytes per row in a frame: 3 × f64 + 4 × 32-bit columns. */
export const WAL_ROW_BYTES = 3 * 8 + 4 * 4

const enc = new TextEncoder()
const dec = new TextDecoder()

/**
 * Encodes a batch as one CRC-framed WAL record:
 * `[magic u32][payload length u32][crc32(payload) u32]` then the payload
 * `[header length u32][header JSON][pad to 8][timestampUs f64…][step f64…][value f64…][metric u32…][epoch i32…][batch i32…][tagIndex i32…]`.
 * The columns are copied as raw little-endian bytes, so NaN payloads, -0 and ±Inf survive exactly.
 */
export function encodeFrame(batch: RecordBatch, crc32: (b: Uint8Array) => number): Uint8Array {
  const n = batch.length
  const header = enc.encode(JSON.stringify({ r: batch.runId, n, m: batch.metricNames, t: batch.tagSets }))
  const headerEnd = 4 + header.length
  const colStart = (headerEnd + 7) & ~7
  const payloadLen = colStart + n * WAL_ROW_BYTES
  const out = new Uint8Array(FRAME_HEADER + payloadLen + 4) // slack so the payload starts 8-aligned relative to itself
  const payload = out.subarray(FRAME_HEADER, FRAME_HEADER + payloadLen)
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  view.setUint32(0, header.length, true)
  payload.set(header, 4)
  let off = colStart
  const put = (col: Float64Array | Uint32Array | Int32Array): void => {
    payload.set(new Uint8Array(col.buffer, col.byteOffset, col.byteLength), off)
    off += col.byteLength
  }
  put(batch.timestampUs)
  put(batch.step)
  put(batch.value)
  put(batch.metric)
  put(batch.epoch)
  put(batch.batch)
  put(batch.tagIndex)
  const head = new DataView(out.buffer, 0, FRAME_HEADER)
  head.setUint32(0, FRAME_MAGIC, true)
  head.setUint32(4, payloadLen, true)
  head.setUint32(8, crc32(payload), true)
  return out.subarray(0, FRAME_HEADER + payloadLen)
}

/** The outcome of reading a WAL file: the intact frames and, if any, where and why it stopped. */
export interface WalScan {
  readonly batches: RecordBatch[]
  /** Byte offset of the first damaged or truncated frame; undefined when the whole file is intact. */
  readonly badOffset?: number
  readonly reason?: string
}

/** Reads every intact frame of a WAL file; stops at the first torn or corrupt one (a crash mid-append). */
export function decodeWal(bytes: Uint8Array, crc32: (b: Uint8Array) => number): WalScan {
  const batches: RecordBatch[] = []
  if (bytes.length < WAL_MAGIC.length || WAL_MAGIC.some((b, i) => bytes[i] !== b)) {
    return bytes.length === 0 ? { batches } : { batches, badOffset: 0, reason: 'missing WAL magic' }
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let off = WAL_MAGIC.length
  while (off < bytes.length) {
    if (off + FRAME_HEADER > bytes.length) return { batches, badOffset: off, reason: `frame header of ${bytes.length - off} bytes is truncated` }
    if (view.getUint32(off, true) !== FRAME_MAGIC) return { batches, badOffset: off, reason: 'frame magic mismatch' }
    const len = view.getUint32(off + 4, true)
    const crc = view.getUint32(off + 8, true)
    const start = off + FRAME_HEADER
    if (start + len > bytes.length) return { batches, badOffset: off, reason: `frame of ${len} bytes extends ${start + len - bytes.length} bytes past the end` }
    const payload = bytes.subarray(start, start + len)
    if (crc32(payload) !== crc) return { batches, badOffset: off, reason: `frame CRC mismatch over ${len} bytes` }
    try {
      batches.push(decodePayload(payload))
    } catch (e) {
      return { batches, badOffset: off, reason: `frame payload unreadable: ${e instanceof Error ? e.message : String(e)}` }
    }
    off = start + len
  }
  return { batches }
}

function decodePayload(payload: Uint8Array): RecordBatch {
  // Copy to an 8-aligned buffer so typed-array views are legal.
  const own = new Uint8Array(payload.length)
  own.set(payload)
  const view = new DataView(own.buffer)
  const hlen = view.getUint32(0, true)
  const header = JSON.parse(dec.decode(own.subarray(4, 4 + hlen))) as { r: string; n: number; m: string[]; t: Tags[] }
  const n = header.n
  let off = (4 + hlen + 7) & ~7
  if (off + n * WAL_ROW_BYTES !== own.length) throw new Error(`payload of ${own.length} bytes does not hold ${n} rows`)
  const f64 = (): Float64Array => {
    const a = new Float64Array(own.buffer, off, n)
    off += n * 8
    return a
  }
  const u32 = (): Uint32Array => {
    const a = new Uint32Array(own.buffer, off, n)
    off += n * 4
    return a
  }
  const i32 = (): Int32Array => {
    const a = new Int32Array(own.buffer, off, n)
    off += n * 4
    return a
  }
  const timestampUs = f64()
  const step = f64()
  const value = f64()
  const metric = u32()
  const epoch = i32()
  const batch = i32()
  const tagIndex = i32()
  return { runId: header.r, length: n, metricNames: header.m, tagSets: header.t, timestampUs, step, value, metric, epoch, batch, tagIndex }
}
