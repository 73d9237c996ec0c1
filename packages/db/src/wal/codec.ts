import type { RecordBatch, Tags } from '@entrenar/core'

/** First 8 bytes of every WAL file. */
export const WAL_MAGIC = new TextEncoder().encode('ENTRWAL1')
/** Marks the start of a frame of the first format (columns as raw bytes): `EWAF` little-endian. Still read. */
const FRAME_MAGIC_V1 = 0x46415745
/** Marks the start of a frame of the columnar format (constant / delta-run / raw columns): `EWA2` little-endian. */
const FRAME_MAGIC = 0x32415745
/** Frame header: magic, payload length, CRC-32 of the payload. */
export const FRAME_HEADER = 12
/** Bytes per row of a raw frame: 3 × f64 + 4 × 32-bit columns (the most a frame's columns take). */
export const WAL_ROW_BYTES = 3 * 8 + 4 * 4
/**
 * Most rows in one frame (2^26: 2.7 GB of decoded columns). A frame's size says nothing about its row
 * count (constant and stride columns take a few bytes for any number of rows), so replay bounds the count
 * by this instead, and {@link encodeFrames} splits a larger batch into several frames.
 */
export const MAX_FRAME_ROWS = 2 ** 26

const enc = new TextEncoder()
const dec = new TextDecoder()

/** How a column is stored in a frame (its first byte). */
const RAW = 0
const CONST = 1
const DELTA_RUNS = 2

/** Deltas below 2^52 in magnitude keep their zigzag form below 2^53: exact in a double. */
const MAX_DELTA = 2 ** 52
const MAX_EXACT = 2 ** 53

type Column = Float64Array | Uint32Array | Int32Array

interface Plan {
  readonly kind: number
  readonly bytes: number
}

const varintLen = (x: number): number => (x < 128 ? 1 : x < 16384 ? 2 : x < 2097152 ? 3 : x < 268435456 ? 4 : Math.ceil(Math.log2(x + 1) / 7))
const zigzag = (d: number): number => (d >= 0 ? d * 2 : -d * 2 - 1)

/**
 * Chooses how to store a column: constant (every value bit-identical), runs of equal deltas (integers
 * only: a step or timestamp stride, a metric cycle, an epoch that rarely changes), or raw bytes.
 * Float columns take the delta form only when every value is an integer (not -0) within ±2^53 and every
 * delta within ±2^52, so decoding rebuilds the same bits.
 */
function plan(col: Column, width: 4 | 8): Plan {
  const n = col.length
  const raw = 1 + n * width
  if (n === 0) return { kind: RAW, bytes: 1 }
  const float = width === 8
  const bits = float ? new Uint32Array(col.buffer, col.byteOffset, n * 2) : undefined
  let constant = true
  if (bits) {
    const lo = bits[0]!
    const hi = bits[1]!
    for (let i = 1; i < n && constant; i++) if (bits[2 * i] !== lo || bits[2 * i + 1] !== hi) constant = false
  } else {
    const v0 = col[0]!
    for (let i = 1; i < n && constant; i++) if (col[i] !== v0) constant = false
  }
  if (constant) return { kind: CONST, bytes: 1 + width }
  if (float) {
    for (let i = 0; i < n; i++) {
      const v = col[i]!
      if (!Number.isInteger(v) || Math.abs(v) > MAX_EXACT || (v === 0 && 1 / v < 0)) return { kind: RAW, bytes: raw }
    }
  }
  let size = 1 + width
  let prev = col[0]!
  let d = Number.NaN
  let run = 0
  for (let i = 1; i < n; i++) {
    const v = col[i]!
    const di = v - prev
    prev = v
    if (di === d) {
      run++
      continue
    }
    if (float && Math.abs(di) >= MAX_DELTA) return { kind: RAW, bytes: raw }
    if (run > 0) size += varintLen(zigzag(d)) + varintLen(run)
    if (size >= raw) return { kind: RAW, bytes: raw }
    d = di
    run = 1
  }
  if (run > 0) size += varintLen(zigzag(d)) + varintLen(run)
  return size < raw ? { kind: DELTA_RUNS, bytes: size } : { kind: RAW, bytes: raw }
}

function putVarint(out: Uint8Array, pos: number, x: number): number {
  while (x >= 128) {
    const low = x % 128
    out[pos++] = low | 0x80
    x = (x - low) / 128
  }
  out[pos++] = x
  return pos
}

/** Writes a planned column at `pos`; returns the position after it. */
function putColumn(out: Uint8Array, view: DataView, pos: number, col: Column, width: 4 | 8, p: Plan): number {
  out[pos++] = p.kind
  const n = col.length
  if (p.kind === RAW) {
    out.set(new Uint8Array(col.buffer, col.byteOffset, n * width), pos)
    return pos + n * width
  }
  const first = (): void => {
    if (width === 8) view.setFloat64(pos, col[0]!, true)
    else if (col instanceof Uint32Array) view.setUint32(pos, col[0]!, true)
    else view.setInt32(pos, col[0]!, true)
    pos += width
  }
  if (p.kind === CONST) {
    if (width === 8) out.set(new Uint8Array(col.buffer, col.byteOffset, 8), pos) // the bits, NaN payload included
    else first()
    return width === 8 ? pos + 8 : pos
  }
  first()
  let prev = col[0]!
  let d = Number.NaN
  let run = 0
  for (let i = 1; i < n; i++) {
    const v = col[i]!
    const di = v - prev
    prev = v
    if (di === d) {
      run++
      continue
    }
    if (run > 0) pos = putVarint(out, putVarint(out, pos, zigzag(d)), run)
    d = di
    run = 1
  }
  if (run > 0) pos = putVarint(out, putVarint(out, pos, zigzag(d)), run)
  return pos
}

const COLUMNS = [
  ['timestampUs', 8],
  ['step', 8],
  ['value', 8],
  ['metric', 4],
  ['epoch', 4],
  ['batch', 4],
  ['tagIndex', 4],
] as const

/**
 * Encodes a batch as one CRC-framed WAL record:
 * `[magic u32][payload length u32][crc32(payload) u32]` then the payload
 * `[header length u32][header JSON]` and the columns `timestampUs, step, value` (f64) and
 * `metric, epoch, batch, tagIndex` (32-bit), each `[kind u8]` then: raw little-endian values (kind 0),
 * one value (kind 1), or the first value and `(zigzag varint delta, varint count)` runs of the n−1
 * deltas (kind 2). A training loop's columns are mostly strides and constants, so a frame takes about
 * 9–10 bytes per row (the values) instead of 40; NaN payloads, -0 and ±Inf survive exactly.
 */
export function encodeFrame(batch: RecordBatch, crc32: (b: Uint8Array) => number): Uint8Array {
  const header = enc.encode(JSON.stringify({ r: batch.runId, n: batch.length, m: batch.metricNames, t: batch.tagSets }))
  const plans = COLUMNS.map(([name, width]) => plan(batch[name], width))
  let payloadLen = 4 + header.length
  for (const p of plans) payloadLen += p.bytes
  const out = new Uint8Array(FRAME_HEADER + payloadLen)
  const view = new DataView(out.buffer)
  view.setUint32(0, FRAME_MAGIC, true)
  view.setUint32(4, payloadLen, true)
  view.setUint32(FRAME_HEADER, header.length, true)
  out.set(header, FRAME_HEADER + 4)
  let pos = FRAME_HEADER + 4 + header.length
  for (let c = 0; c < COLUMNS.length; c++) {
    const [name, width] = COLUMNS[c]!
    pos = putColumn(out, view, pos, batch[name], width, plans[c]!)
  }
  if (pos !== out.length) throw new Error(`entrenar/db: WAL frame size ${pos} differs from its plan ${out.length}`)
  view.setUint32(8, crc32(out.subarray(FRAME_HEADER)), true)
  return out
}

/** Encodes a batch as frames of at most `maxRows` rows each (one frame unless the batch is larger). */
export function encodeFrames(batch: RecordBatch, crc32: (b: Uint8Array) => number, maxRows = MAX_FRAME_ROWS): Uint8Array[] {
  if (batch.length <= maxRows) return [encodeFrame(batch, crc32)]
  const out: Uint8Array[] = []
  for (let lo = 0; lo < batch.length; lo += maxRows) {
    const hi = Math.min(batch.length, lo + maxRows)
    out.push(
      encodeFrame(
        {
          ...batch,
          length: hi - lo,
          timestampUs: batch.timestampUs.subarray(lo, hi),
          step: batch.step.subarray(lo, hi),
          value: batch.value.subarray(lo, hi),
          metric: batch.metric.subarray(lo, hi),
          epoch: batch.epoch.subarray(lo, hi),
          batch: batch.batch.subarray(lo, hi),
          tagIndex: batch.tagIndex.subarray(lo, hi),
        },
        crc32,
      ),
    )
  }
  return out
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
    const magic = view.getUint32(off, true)
    if (magic !== FRAME_MAGIC && magic !== FRAME_MAGIC_V1) return { batches, badOffset: off, reason: 'frame magic mismatch' }
    const len = view.getUint32(off + 4, true)
    const crc = view.getUint32(off + 8, true)
    const start = off + FRAME_HEADER
    if (start + len > bytes.length) return { batches, badOffset: off, reason: `frame of ${len} bytes extends ${start + len - bytes.length} bytes past the end` }
    const payload = bytes.subarray(start, start + len)
    if (crc32(payload) !== crc) return { batches, badOffset: off, reason: `frame CRC mismatch over ${len} bytes` }
    try {
      batches.push(magic === FRAME_MAGIC ? decodeColumnar(payload) : decodePayload(payload))
    } catch (e) {
      return { batches, badOffset: off, reason: `frame payload unreadable: ${e instanceof Error ? e.message : String(e)}` }
    }
    off = start + len
  }
  return { batches }
}

/** Decodes a columnar (`EWA2`) payload; any inconsistency throws (the caller reports the frame as unreadable). */
function decodeColumnar(payload: Uint8Array): RecordBatch {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  const hlen = view.getUint32(0, true)
  if (4 + hlen > payload.length) throw new Error(`header of ${hlen} bytes exceeds the payload`)
  const header = JSON.parse(dec.decode(payload.subarray(4, 4 + hlen))) as { r: string; n: number; m: string[]; t: Tags[] }
  const n = header.n
  // Not bounded by the payload's size: constant and stride columns hold any number of rows in a few bytes.
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_FRAME_ROWS) throw new Error(`row count ${n} is impossible (at most ${MAX_FRAME_ROWS} rows a frame)`)
  let pos = 4 + hlen
  const need = (k: number): void => {
    if (pos + k > payload.length) throw new Error(`column data ends ${pos + k - payload.length} bytes past the payload`)
  }
  const varint = (): number => {
    let x = 0
    let scale = 1
    for (;;) {
      need(1)
      const b = payload[pos++]!
      x += (b & 0x7f) * scale
      if (b < 128) return x
      scale *= 128
      if (scale > 2 ** 56) throw new Error('varint too long')
    }
  }
  const column = <T extends Column>(make: (k: number) => T, width: 4 | 8, read: (at: number) => number): T => {
    need(1)
    const kind = payload[pos++]!
    const col = make(n)
    if (kind === RAW) {
      need(n * width)
      new Uint8Array(col.buffer).set(payload.subarray(pos, pos + n * width))
      pos += n * width
      return col
    }
    if (kind !== CONST && kind !== DELTA_RUNS) throw new Error(`unknown column kind ${kind}`)
    need(width)
    if (kind === CONST) {
      if (n > 0) {
        const bytes = payload.subarray(pos, pos + width)
        const u8 = new Uint8Array(col.buffer)
        for (let i = 0; i < n; i++) u8.set(bytes, i * width)
      }
      pos += width
      return col
    }
    let v = read(pos)
    pos += width
    if (n === 0) throw new Error('delta runs in an empty column')
    col[0] = v
    let i = 1
    while (i < n) {
      const z = varint()
      const d = z % 2 === 0 ? z / 2 : -(z + 1) / 2
      const run = varint()
      if (run < 1 || i + run > n) throw new Error(`a run of ${run} deltas overflows ${n} rows`)
      for (const end = i + run; i < end; i++) {
        v += d
        col[i] = v
      }
    }
    return col
  }
  const f64 = () => column((k) => new Float64Array(k), 8, (at) => view.getFloat64(at, true))
  const u32 = () => column((k) => new Uint32Array(k), 4, (at) => view.getUint32(at, true))
  const i32 = () => column((k) => new Int32Array(k), 4, (at) => view.getInt32(at, true))
  const timestampUs = f64()
  const step = f64()
  const value = f64()
  const metric = u32()
  const epoch = i32()
  const batch = i32()
  const tagIndex = i32()
  if (pos !== payload.length) throw new Error(`${payload.length - pos} bytes follow the last column`)
  return { runId: header.r, length: n, metricNames: header.m, tagSets: header.t, timestampUs, step, value, metric, epoch, batch, tagIndex }
}

/** Decodes a first-format (`EWAF`, raw columns) payload. */
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
