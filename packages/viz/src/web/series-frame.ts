/**
 * A compact binary frame for query series (`POST /api/series`): the page draws from it without
 * parsing a number as text. JSON spends ~65 bytes and a parse plus a schema check per bucket (the
 * float union of core's wire format, NaN and ±Inf as strings); here every value is 8 bytes of
 * IEEE 754 and the page reads the columns as `Float64Array` views of the received buffer (zero
 * copies on little-endian machines, which every browser runs on). NaN, ±Inf and −0 travel exactly.
 *
 * Layout (little-endian):
 * ```
 * "ENTB"  u32 version  u32 headerBytes  header (UTF-8 JSON)  zero padding to a multiple of 8
 * then, per series and per column named in its header entry: n float64
 * ```
 * Header: `{ schema_version, series: [{ run_id, metric, n, columns: ["x", "value", …] }] }`, the
 * columns being those the series has, in {@link FRAME_COLUMNS} order. Pure: no DOM, no Node built-ins.
 */
import { EntrenarError, ErrorCodes, SCHEMA_VERSION, type Series } from '@entrenar/core'

/** Media type of a frame. */
export const FRAME_TYPE = 'application/vnd.entrenar.series'

/** Frame format version (independent of the JSON schema version it carries). */
export const FRAME_VERSION = 1

const MAGIC = 0x42544e45 // "ENTB" read as a little-endian u32
const PREFIX = 12

/** Columns a frame may carry, in order: the wire name and the {@link Series} field. */
export const FRAME_COLUMNS = [
  ['x', 'x'],
  ['value', 'value'],
  ['timestamp_us', 'timestampUs'],
  ['min', 'min'],
  ['max', 'max'],
  ['count', 'count'],
  ['nan_count', 'nanCount'],
] as const

type Column = (typeof FRAME_COLUMNS)[number]
type WireName = Column[0]

const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f

const pad8 = (n: number): number => (n + 7) & ~7

function bad(msg: string): never {
  throw new EntrenarError(ErrorCodes.WIRE_INVALID, `entrenar/viz: series frame ${msg}`)
}

/** Encodes series (any query shape: raw, aggregated or minmax-last buckets) into one frame. */
export function encodeSeriesFrame(series: readonly Series[]): Uint8Array<ArrayBuffer> {
  const entries = series.map((s) => {
    const n = s.x.length
    const cols: Column[] = []
    for (const c of FRAME_COLUMNS) {
      const col = s[c[1]]
      if (col === undefined) continue
      if (col.length !== n) bad(`column ${c[0]} of ${JSON.stringify(s.runId)}/${JSON.stringify(s.metric)} has ${col.length} values, x has ${n}`)
      cols.push(c)
    }
    return { s, n, cols }
  })
  const header = new TextEncoder().encode(
    JSON.stringify({ schema_version: SCHEMA_VERSION, series: entries.map((e) => ({ run_id: e.s.runId, metric: e.s.metric, n: e.n, columns: e.cols.map((c) => c[0]) })) }),
  )
  let floats = 0
  for (const e of entries) floats += e.n * e.cols.length
  const start = pad8(PREFIX + header.length)
  const out = new Uint8Array(start + floats * 8)
  const view = new DataView(out.buffer)
  view.setUint32(0, MAGIC, true)
  view.setUint32(4, FRAME_VERSION, true)
  view.setUint32(8, header.length, true)
  out.set(header, PREFIX)
  let at = start
  for (const e of entries) {
    for (const c of e.cols) {
      const col = e.s[c[1]]!
      if (LITTLE_ENDIAN) out.set(new Uint8Array(col.buffer, col.byteOffset, e.n * 8), at)
      else for (let i = 0; i < e.n; i++) view.setFloat64(at + i * 8, col[i]!, true)
      at += e.n * 8
    }
  }
  return out
}

interface HeaderEntry {
  readonly run_id: string
  readonly metric: string
  readonly n: number
  readonly columns: readonly WireName[]
}

function readHeader(bytes: Uint8Array): HeaderEntry[] {
  let h: unknown
  try {
    h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    bad('header is not UTF-8 JSON')
  }
  const o = h as { schema_version?: unknown; series?: unknown }
  if (!o || typeof o !== 'object' || !Array.isArray(o.series)) bad('header has no series list')
  if (o.schema_version !== SCHEMA_VERSION) {
    throw new EntrenarError(ErrorCodes.WIRE_VERSION, `entrenar/viz: series frame schema_version ${String(o.schema_version)} is not ${SCHEMA_VERSION}`)
  }
  const known = new Map<string, number>(FRAME_COLUMNS.map((c, i) => [c[0], i]))
  return o.series.map((e: unknown, i: number) => {
    const s = e as Partial<HeaderEntry>
    if (!s || typeof s !== 'object' || typeof s.run_id !== 'string' || typeof s.metric !== 'string') bad(`series ${i} has no run_id and metric`)
    if (!Number.isInteger(s.n) || (s.n as number) < 0) bad(`series ${i} has a bad length ${String(s.n)}`)
    if (!Array.isArray(s.columns)) bad(`series ${i} has no column list`)
    let prev = -1
    for (const c of s.columns) {
      const k = known.get(c)
      if (k === undefined || k <= prev) bad(`series ${i} names column ${JSON.stringify(c)} out of order or unknown`)
      prev = k
    }
    if (s.columns[0] !== 'x' || s.columns[1] !== 'value') bad(`series ${i} lacks x or value`)
    return s as HeaderEntry
  })
}

/**
 * Decodes a frame. The columns are views of `buffer` (no copy) on little-endian machines, copies
 * otherwise. Throws `ENTRENAR_WIRE_INVALID` on a truncated or malformed frame.
 */
export function decodeSeriesFrame(buffer: ArrayBuffer): Series[] {
  if (Object.prototype.toString.call(buffer) !== '[object ArrayBuffer]') bad(`must be an ArrayBuffer, got ${Object.prototype.toString.call(buffer)}`)
  if (buffer.byteLength < PREFIX) bad(`of ${buffer.byteLength} bytes is shorter than its ${PREFIX}-byte prefix`)
  const view = new DataView(buffer)
  if (view.getUint32(0, true) !== MAGIC) bad('does not start with "ENTB"')
  const version = view.getUint32(4, true)
  if (version !== FRAME_VERSION) throw new EntrenarError(ErrorCodes.WIRE_VERSION, `entrenar/viz: series frame version ${version} is not ${FRAME_VERSION}`)
  const headerBytes = view.getUint32(8, true)
  if (PREFIX + headerBytes > buffer.byteLength) bad(`header of ${headerBytes} bytes runs past the ${buffer.byteLength}-byte frame`)
  const entries = readHeader(new Uint8Array(buffer, PREFIX, headerBytes))
  let at = pad8(PREFIX + headerBytes)
  let need = at
  for (const e of entries) need += e.n * e.columns.length * 8
  if (need !== buffer.byteLength) bad(`holds ${buffer.byteLength} bytes, its header describes ${need}`)
  return entries.map((e) => {
    const s: { -readonly [K in keyof Series]: Series[K] } = { runId: e.run_id, metric: e.metric, x: new Float64Array(0), value: new Float64Array(0) }
    for (const name of e.columns) {
      let col: Float64Array
      if (LITTLE_ENDIAN) col = new Float64Array(buffer, at, e.n)
      else {
        col = new Float64Array(e.n)
        for (let i = 0; i < e.n; i++) col[i] = view.getFloat64(at + i * 8, true)
      }
      s[FRAME_COLUMNS.find((c) => c[0] === name)![1]] = col
      at += e.n * 8
    }
    return s
  })
}
