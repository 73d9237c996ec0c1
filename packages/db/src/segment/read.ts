import { EntrenarError, ErrorCodes, NULL_INT32, type Tags } from '@entrenar/core'
import { type AsyncBuffer, type DecodedArray, type FileMetaData, parquetMetadata, parquetMetadataAsync, parquetRead, type SchemaElement } from 'hyparquet'
import { type FooterParsers, parseFooter } from './footer.js'
import { decodeDictStrings } from './dict.js'
import { decodeDoubleChunk, decodeInt64Chunk } from './int64.js'
import { KV_FORMAT, KV_REPLACES, KV_ROW_GROUPS } from './schema.js'

/** Pruning statistics and byte range of one row group. */
export interface RowGroupInfo {
  readonly index: number
  readonly rowStart: number
  readonly rows: number
  readonly tsMin: number
  readonly tsMax: number
  readonly stepMin: number
  readonly stepMax: number
  /** Smallest and largest metric name, when the writer recorded them. */
  readonly metricMin?: string
  readonly metricMax?: string
  readonly byteStart: number
  readonly byteEnd: number
  /** CRC-32 of `[byteStart, byteEnd)` when written by this store. */
  readonly crc?: number
  /** Columns whose every value in this row group is null (statistics `null_count` = rows): nothing to decode. */
  readonly allNull: ReadonlySet<string>
}

/** An opened segment: its footer, row-group statistics and what it replaces. */
export interface SegmentInfo {
  readonly path: string
  readonly name: string
  readonly runId: string
  readonly size: number
  readonly rows: number
  readonly rowGroups: readonly RowGroupInfo[]
  readonly replaces: readonly string[]
  /** Footer with the timestamp column relabelled as plain INT64 so hyparquet returns raw integers. */
  readonly readMetadata: FileMetaData
  /** Multiplier from the stored timestamp unit to microseconds. */
  readonly tsScale: number
  readonly columns: ReadonlySet<string>
  /** Top-level REQUIRED INT64 columns (after relabelling the timestamp). */
  readonly requiredInt64: ReadonlySet<string>
  /** Top-level REQUIRED DOUBLE columns. */
  readonly requiredDouble: ReadonlySet<string>
  /** Written by this store (its format key is in the footer): its metric statistics are exact, never truncated. */
  readonly own: boolean
  /** Bytes of the serialized footer (a measure of what the opened footer holds in memory). */
  readonly footerBytes: number
}

/** The byte-level seam the reader needs: a file's size and ranged reads. */
export interface ReadSeam {
  size(path: string): Promise<number | undefined>
  readRange(path: string, start: number, end: number): Promise<ArrayBuffer>
  crc32(bytes: Uint8Array): number
}

const corrupt = (path: string, msg: string, cause?: unknown): EntrenarError =>
  new EntrenarError(ErrorCodes.DB_CORRUPT, `entrenar/db: segment ${path} ${msg}`, { cause, details: { path } })

function fileBuffer(seam: ReadSeam, path: string, size: number, cached?: { start: number; bytes: Uint8Array }): AsyncBuffer {
  return {
    byteLength: size,
    slice(start: number, end = size) {
      if (cached && start >= cached.start && end <= cached.start + cached.bytes.byteLength) {
        const o = cached.bytes.byteOffset - cached.start
        return cached.bytes.buffer.slice(o + start, o + end) as ArrayBuffer
      }
      return seam.readRange(path, start, end)
    },
  }
}

const toNum = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : v instanceof Date ? v.getTime() * 1000 : Number.NaN)

/** Bytes read from the end of a segment to find its footer (this store's footers are a few KiB). */
const FOOTER_FETCH = 64 * 1024

/** Timestamp statistics as numbers of microseconds. */
const PARSERS: FooterParsers = {
  timestampFromMicroseconds: (v: bigint) => Number(v),
  timestampFromMilliseconds: (v: bigint) => Number(v) * 1000,
  timestampFromNanoseconds: (v: bigint) => Number(v / 1000n),
}

/**
 * A segment's footer: one read of its last {@link FOOTER_FETCH} bytes, parsed by the dedicated parser
 * (this store's layout) or, for anything that parser declines, by hyparquet, which also reads a footer
 * larger than that first read and words the error of a damaged one.
 */
async function readFooter(seam: ReadSeam, path: string, size: number): Promise<FileMetaData> {
  const start = Math.max(0, size - FOOTER_FETCH)
  const tail = new Uint8Array(await seam.readRange(path, start, size))
  const fast = parseFooter(tail, PARSERS)
  if (fast) return fast
  const n = tail.byteLength
  const whole = n >= 8 && tail[n - 4] === 0x50 && tail[n - 3] === 0x41 && tail[n - 2] === 0x52 && tail[n - 1] === 0x31 && new DataView(tail.buffer, tail.byteOffset, n).getUint32(n - 8, true) + 8 <= n
  if (whole || start === 0) return parquetMetadata(tail, { parsers: PARSERS as never })
  // The tail read that should hold the footer: hyparquet's default (512 KiB) would read a third of a
  // typical segment to parse a footer of a few KiB; a larger footer costs one more read.
  return parquetMetadataAsync(fileBuffer(seam, path, size, { start, bytes: tail }), { initialFetchSize: FOOTER_FETCH, parsers: PARSERS as never })
}

/** Reads a segment's footer and row-group statistics; a damaged footer is `ENTRENAR_DB_CORRUPT`. */
export async function openSegment(seam: ReadSeam, path: string, name: string, runId: string): Promise<SegmentInfo> {
  const size = await seam.size(path)
  if (size === undefined) throw new EntrenarError(ErrorCodes.NOT_FOUND, `entrenar/db: segment ${path} vanished`)
  if (size < 12) throw corrupt(path, `of ${size} bytes is too short for a Parquet footer`)
  let md: FileMetaData
  try {
    md = await readFooter(seam, path, size)
  } catch (e) {
    throw corrupt(path, `footer is unreadable: ${e instanceof Error ? e.message : String(e)}`, e)
  }
  const kv = new Map((md.key_value_metadata ?? []).map((k) => [k.key, k.value ?? '']))
  let crcs: [number, number, number][] | undefined
  let replaces: string[] = []
  try {
    if (kv.has(KV_ROW_GROUPS)) crcs = JSON.parse(kv.get(KV_ROW_GROUPS)!) as [number, number, number][]
    if (kv.has(KV_REPLACES)) replaces = JSON.parse(kv.get(KV_REPLACES)!) as string[]
  } catch (e) {
    throw corrupt(path, 'has unreadable entrenar metadata', e)
  }
  if (crcs && crcs.length !== md.row_groups.length) throw corrupt(path, `lists ${crcs.length} row-group checksums for ${md.row_groups.length} row groups`)
  const tsEl = md.schema.find((s) => s.name === 'timestamp')
  const unit = tsEl?.logical_type?.type === 'TIMESTAMP' ? tsEl.logical_type.unit : tsEl?.converted_type === 'TIMESTAMP_MILLIS' ? 'MILLIS' : 'MICROS'
  const tsScale = unit === 'MILLIS' ? 1000 : unit === 'NANOS' ? 0.001 : 1
  const schema: SchemaElement[] = md.schema.map((s) => (s.name === 'timestamp' ? { name: s.name, type: s.type, repetition_type: s.repetition_type } : s))
  const readMetadata: FileMetaData = { ...md, schema }
  const columns = new Set(md.schema.slice(1).map((s) => s.name))
  for (const need of ['timestamp', 'step', 'metric', 'value']) if (!columns.has(need)) throw corrupt(path, `has no ${need} column`)
  let rowStart = 0
  const rowGroups: RowGroupInfo[] = md.row_groups.map((rg, index) => {
    const col = (name: string) => rg.columns.find((c) => c.meta_data?.path_in_schema[0] === name)?.meta_data
    const stat = (name: string) => col(name)?.statistics
    const ts = stat('timestamp')
    const st = stat('step')
    const me = stat('metric')
    let byteStart = Number.POSITIVE_INFINITY
    let byteEnd = 0
    for (const c of rg.columns) {
      const m = c.meta_data
      if (!m) continue
      const s = Number(m.dictionary_page_offset ?? m.data_page_offset)
      byteStart = Math.min(byteStart, s)
      byteEnd = Math.max(byteEnd, s + Number(m.total_compressed_size))
    }
    const rows = Number(rg.num_rows)
    const crc = crcs?.[index]
    const allNull = new Set<string>()
    for (const c of rg.columns) {
      const m = c.meta_data
      if (m?.statistics?.null_count !== undefined && Number(m.statistics.null_count) === rows && rows > 0) allNull.add(m.path_in_schema[0]!)
    }
    const info: RowGroupInfo = {
      index,
      rowStart,
      rows,
      tsMin: ts?.min_value === undefined ? Number.NEGATIVE_INFINITY : toNum(ts.min_value),
      tsMax: ts?.max_value === undefined ? Number.POSITIVE_INFINITY : toNum(ts.max_value),
      stepMin: st?.min_value === undefined ? Number.NEGATIVE_INFINITY : toNum(st.min_value),
      stepMax: st?.max_value === undefined ? Number.POSITIVE_INFINITY : toNum(st.max_value),
      ...(typeof me?.min_value === 'string' && typeof me.max_value === 'string' ? { metricMin: me.min_value, metricMax: me.max_value } : {}),
      byteStart: crc ? crc[0] : byteStart,
      byteEnd: crc ? crc[1] : byteEnd,
      ...(crc ? { crc: crc[2] } : {}),
      allNull,
    }
    if (!(info.byteEnd <= size)) throw corrupt(path, `row group ${index} ends at byte ${info.byteEnd} past the file size ${size}`)
    rowStart += rows
    return info
  })
  const required = (type: string) => new Set(schema.filter((s) => s.type === type && s.repetition_type === 'REQUIRED' && !s.num_children).map((s) => s.name))
  const requiredInt64 = required('INT64')
  const requiredDouble = required('DOUBLE')
  return { path, name, runId, size, rows: Number(md.num_rows), rowGroups, replaces, readMetadata, tsScale, columns, requiredInt64, requiredDouble, own: kv.has(KV_FORMAT), footerBytes: Number(md.metadata_length) || 0 }
}

/**
 * Raw decoded chunks of the requested columns of one row group. `preread` holds the row group's
 * bytes `[byteStart, byteEnd)` when the caller read them already (several row groups in one read);
 * they are checked like bytes read here. With `coded`, a `metric` chunk of this store's layout is
 * decoded straight to dictionary ids and put there instead (no string per row).
 */
export async function readRowGroup(
  seam: ReadSeam,
  seg: SegmentInfo,
  rg: RowGroupInfo,
  columns: readonly string[],
  preread?: Uint8Array,
  coded?: Map<string, CodedStrings>,
): Promise<Map<string, DecodedArray[]>> {
  let bytes: Uint8Array
  try {
    bytes = preread ?? new Uint8Array(await seam.readRange(seg.path, rg.byteStart, rg.byteEnd))
  } catch (e) {
    throw corrupt(seg.path, `row group ${rg.index} is unreadable`, e)
  }
  if (bytes.byteLength !== rg.byteEnd - rg.byteStart) throw corrupt(seg.path, `row group ${rg.index}: read ${bytes.byteLength} of ${rg.byteEnd - rg.byteStart} bytes`)
  if (rg.crc !== undefined) {
    const got = seam.crc32(bytes)
    if (got !== rg.crc) throw corrupt(seg.path, `row group ${rg.index} CRC ${got} differs from ${rg.crc} over ${bytes.byteLength} bytes`)
  }
  const out = new Map<string, { start: number; data: DecodedArray }[]>()
  // Steps and timestamps of the layout this store writes decode without BigInt; others go through hyparquet.
  const generic: string[] = []
  for (const c of columns) {
    if (!seg.columns.has(c)) continue
    if (coded && c === 'metric') {
      const meta = columnMeta(seg, rg, c)
      const strings = meta ? decodeDictStrings(bytes, rg.byteStart, meta, rg.rows) : undefined
      if (strings) {
        coded.set(c, strings)
        continue
      }
    }
    const fast = (FAST_INT64.has(c) && seg.requiredInt64.has(c)) || (c === 'value' && seg.requiredDouble.has(c)) ? fastChunk(seg, rg, c, bytes) : undefined
    if (fast) out.set(c, [{ start: rg.rowStart, data: fast }])
    else generic.push(c)
  }
  try {
    if (generic.length > 0) {
      await parquetRead({
      file: fileBuffer(seam, seg.path, seg.size, { start: rg.byteStart, bytes }),
      metadata: seg.readMetadata,
      columns: generic,
      rowStart: rg.rowStart,
      rowEnd: rg.rowStart + rg.rows,
      onChunk: (c) => {
        let list = out.get(c.columnName)
        if (!list) {
          list = []
          out.set(c.columnName, list)
        }
        list.push({ start: c.rowStart, data: c.columnData })
      },
    })
    }
  } catch (e) {
    throw corrupt(seg.path, `row group ${rg.index} does not decode: ${e instanceof Error ? e.message : String(e)}`, e)
  }
  const result = new Map<string, DecodedArray[]>()
  for (const [k, list] of out) {
    list.sort((a, b) => a.start - b.start)
    let rows = 0
    for (const x of list) rows += x.data.length
    if (rows !== rg.rows) throw corrupt(seg.path, `row group ${rg.index} column ${k} decoded ${rows} of ${rg.rows} rows`)
    result.set(
      k,
      list.map((x) => x.data),
    )
  }
  return result
}

const FAST_INT64 = new Set(['timestamp', 'step'])

/** The footer's metadata of a top-level column chunk of a row group. */
function columnMeta(seg: SegmentInfo, rg: RowGroupInfo, column: string) {
  return seg.readMetadata.row_groups[rg.index]?.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === column)?.meta_data
}

function fastChunk(seg: SegmentInfo, rg: RowGroupInfo, column: string, bytes: Uint8Array): Float64Array | undefined {
  const meta = columnMeta(seg, rg, column)
  if (!meta) return undefined
  return meta.type === 'DOUBLE' ? decodeDoubleChunk(bytes, rg.byteStart, meta, rg.rows) : decodeInt64Chunk(bytes, rg.byteStart, meta, rg.rows)
}

/**
 * INT64 chunks as float64 (exact for |x| ≤ 2^53), times `scale`. Reads BigInt64Array through an Int32 view: no BigInt boxing.
 * A single Float64Array chunk (from {@link decodeInt64Chunk}, owned by the caller) is scaled in place and returned.
 */
export function int64Column(chunks: readonly DecodedArray[] | undefined, n: number, scale = 1): Float64Array {
  if (chunks?.length === 1 && chunks[0] instanceof Float64Array && chunks[0].length === n) {
    const c = chunks[0]
    if (scale !== 1) for (let i = 0; i < n; i++) c[i] = c[i]! * scale
    return c
  }
  const out = new Float64Array(n)
  if (!chunks) return out
  let o = 0
  for (const c of chunks) {
    if (c instanceof BigInt64Array) {
      const w = new Int32Array(c.buffer, c.byteOffset, c.length * 2)
      for (let i = 0; i < c.length; i++) out[o++] = (w[2 * i + 1]! * 4294967296 + (w[2 * i]! >>> 0)) * scale
    } else {
      for (let i = 0; i < c.length; i++) out[o++] = toNum(c[i]) * scale
    }
  }
  return out
}

/** DOUBLE chunks as one Float64Array. */
export function doubleColumn(chunks: readonly DecodedArray[] | undefined, n: number): Float64Array {
  if (chunks?.length === 1 && chunks[0] instanceof Float64Array) return chunks[0]
  const out = new Float64Array(n)
  let o = 0
  for (const c of chunks ?? []) {
    if (c instanceof Float64Array) {
      out.set(c, o)
      o += c.length
    } else for (let i = 0; i < c.length; i++) out[o++] = Number(c[i])
  }
  return out
}

/** Nullable INT32 chunks as Int32Array with {@link NULL_INT32} for null. */
export function nullableIntColumn(chunks: readonly DecodedArray[] | undefined, n: number): Int32Array {
  const out = new Int32Array(n).fill(NULL_INT32)
  let o = 0
  for (const c of chunks ?? []) {
    for (let i = 0; i < c.length; i++) {
      const v = c[i]
      out[o++] = v === null || v === undefined ? NULL_INT32 : Number(v)
    }
  }
  return out
}

/** A dictionary-coded string column: distinct strings and one id per row. */
export interface CodedStrings {
  readonly names: readonly string[]
  readonly ids: Uint32Array
}

/** Strings to dictionary ids. Consecutive equal references (dictionary pages, sorted metrics) skip the map lookup. */
export function stringColumn(chunks: readonly DecodedArray[] | undefined, n: number): CodedStrings {
  const names: string[] = []
  const map = new Map<string, number>()
  const ids = new Uint32Array(n)
  let o = 0
  let prev: unknown
  let prevId = 0
  for (const c of chunks ?? []) {
    for (let i = 0; i < c.length; i++) {
      const v = c[i]
      if (v !== prev) {
        const s = String(v)
        let id = map.get(s)
        if (id === undefined) {
          id = names.length
          names.push(s)
          map.set(s, id)
        }
        prev = v
        prevId = id
      }
      ids[o++] = prevId
    }
  }
  return { names, ids }
}

/** A tags column: distinct tag sets and one id per row (-1 for none). */
export interface CodedTags {
  readonly sets: readonly Tags[]
  readonly ids: Int32Array
}

/** JSON tag strings to tag-set ids; each distinct string is parsed once. */
export function tagColumn(chunks: readonly DecodedArray[] | undefined, n: number, path: string): CodedTags {
  const sets: Tags[] = []
  const map = new Map<string, number>()
  const ids = new Int32Array(n).fill(-1)
  let o = 0
  for (const c of chunks ?? []) {
    for (let i = 0; i < c.length; i++) {
      const v = c[i]
      if (v === null || v === undefined) {
        o++
        continue
      }
      const s = String(v)
      let id = map.get(s)
      if (id === undefined) {
        let parsed: unknown
        try {
          parsed = JSON.parse(s)
        } catch (e) {
          throw corrupt(path, `holds tags that are not JSON: ${s.slice(0, 40)}`, e)
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw corrupt(path, `holds tags that are not an object: ${s.slice(0, 40)}`)
        id = sets.length
        sets.push(Object.freeze(Object.fromEntries(Object.entries(parsed).map(([k, x]) => [k, String(x)]))))
        map.set(s, id)
      }
      ids[o++] = id
    }
  }
  return { sets, ids }
}
