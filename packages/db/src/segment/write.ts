import type { ColumnChunk, Encoding, FileMetaData, KeyValue, ParquetType, RowGroup, Statistics } from 'hyparquet'
import { ByteWriter } from 'hyparquet-writer'
import { writePageHeader } from 'hyparquet-writer/src/datapage.js'
import { deltaBinaryPack } from 'hyparquet-writer/src/delta.js'
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js'
import { writeMetadata } from 'hyparquet-writer/src/metadata.js'
import { NULL_INT32 } from '@entrenar/core'
import type { SortedRows } from './rows.js'
import { KV_FORMAT, KV_REPLACES, KV_ROW_GROUPS, markTimestamp, segmentSchema } from './schema.js'

/** Options of {@link encodeSegment}. */
export interface SegmentWriteOptions {
  /** Rows per row group (the unit of pruning and of the decoded-column cache). */
  readonly rowGroupRows: number
  /** Segment file names this segment replaces (compaction). */
  readonly replaces?: readonly string[]
  readonly crc32: (b: Uint8Array) => number
  /** A buffer to write into when it is large enough (an earlier segment's, handed back): no fresh allocation. */
  readonly buffer?: ArrayBuffer
}

const utf8 = new TextEncoder()
/**
 * The fast delta path: |x| < 2^51 (its zigzag form stays below 2^53) and a row group's span ≤ 2^44 keep
 * every delta and packed word exact in a double.
 */
const SAFE_VALUE = 2 ** 51
const SAFE_SPAN = 2 ** 44
const INT64_MIN = -(2 ** 63)

/**
 * Encodes sorted rows as one Parquet file (DESIGN §4 schema) and returns its bytes, column by column
 * straight from the typed arrays (no per-value boxing). Per row group and column, one DATA_PAGE_V2,
 * uncompressed (the values are doubles that do not compress; the other columns are tiny once encoded):
 * - `timestamp`, `step` (INT64) and the non-null `epoch`, `batch` (INT32): DELTA_BINARY_PACKED (a
 *   constant stride costs a few bytes per 128 values);
 * - `run_id`: a one-entry dictionary, its indices one RLE run; `metric` (rows are sorted by metric): a
 *   dictionary of the row group's names, indices in RLE runs; `tags`: a dictionary of the row group's tag sets;
 * - `value`: PLAIN, copied as bytes (NaN payloads, -0 and ±Inf kept).
 * Statistics (min/max, null count) on `timestamp`, `step`, `metric`, `epoch`, `batch` and `tags`, none on
 * `value` and `run_id` (a full pass that prunes nothing we query). The footer's key-value metadata holds a
 * CRC-32 of each row group's bytes, checked on read, so a flipped bit in a data page is reported as
 * `ENTRENAR_DB_CORRUPT` instead of returning wrong values. Between row groups the encoder yields to the
 * event loop, so encoding on the calling thread (no worker) keeps serving writes and flushes.
 */
export async function encodeSegment(rows: SortedRows, options: SegmentWriteOptions): Promise<Uint8Array> {
  const n = rows.length
  const rgRows = Math.max(1, Math.floor(options.rowGroupRows))
  const need = Math.max(1024, n * 12 + 4096)
  const w = new ByteWriter(options.buffer && options.buffer.byteLength >= need ? 0 : need)
  if (options.buffer && options.buffer.byteLength >= need) {
    w.buffer = options.buffer
    w.view = new DataView(options.buffer)
  }
  w.appendUint32(0x31524150) // PAR1
  const metricBytes = rows.metricNames.map((m) => utf8.encode(m))
  const tagBytes = rows.tagJson.map((t) => utf8.encode(t))
  const runIdBytes = utf8.encode(rows.runId)
  const rowGroups: RowGroup[] = []
  const groups: [number, number, number][] = []
  const scratch = new Scratch(Math.min(n, rgRows))
  for (let lo = 0; lo < n; lo += rgRows) {
    const hi = Math.min(n, lo + rgRows)
    const start = w.offset
    const columns: ColumnChunk[] = [
      int64Column(w, 'timestamp', rows.timestampUs, lo, hi),
      constantDictColumn(w, 'run_id', runIdBytes, hi - lo),
      int64Column(w, 'step', rows.step, lo, hi),
      int32Column(w, 'epoch', rows.epoch, lo, hi, scratch),
      int32Column(w, 'batch', rows.batch, lo, hi, scratch),
      dictColumn(w, 'metric', rows.metric, metricBytes, lo, hi, false, scratch),
      doubleColumn(w, 'value', rows.value, lo, hi),
      dictColumn(w, 'tags', rows.tagIndex, tagBytes, lo, hi, true, scratch),
    ]
    let size = 0n
    for (const c of columns) size += c.meta_data!.total_uncompressed_size
    rowGroups.push({ columns, total_byte_size: size, num_rows: BigInt(hi - lo), file_offset: BigInt(start), total_compressed_size: BigInt(w.offset - start) })
    groups.push([start, w.offset, options.crc32(new Uint8Array(w.buffer, start, w.offset - start))])
    if (hi < n) await yieldNow()
  }
  const schema = segmentSchema()
  markTimestamp(schema)
  const kv: KeyValue[] = [
    { key: KV_FORMAT, value: '1' },
    { key: KV_ROW_GROUPS, value: JSON.stringify(groups) },
  ]
  if (options.replaces?.length) kv.push({ key: KV_REPLACES, value: JSON.stringify(options.replaces) })
  const metadata = { version: 2, created_by: 'entrenar-db', schema, num_rows: BigInt(n), row_groups: rowGroups, key_value_metadata: kv } as unknown as FileMetaData
  writeMetadata(w, metadata, Number.POSITIVE_INFINITY)
  w.appendUint32(0x31524150)
  return w.getBytes()
}

const yieldNow = (): Promise<void> => new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)))

/** Reusable per-row-group buffers (definition levels, non-null values, dictionary indices). */
class Scratch {
  levels: Uint8Array
  ints: Int32Array
  constructor(n: number) {
    this.levels = new Uint8Array(n)
    this.ints = new Int32Array(n)
  }
  fit(n: number): void {
    if (this.levels.length < n) {
      this.levels = new Uint8Array(n)
      this.ints = new Int32Array(n)
    }
  }
}

interface PageParts {
  readonly encoding: Encoding
  readonly values: number
  readonly nulls: number
  readonly rows: number
  /** Definition levels (RLE/bit-packed, no length prefix) or empty. */
  readonly levels: Uint8Array
  readonly body: Uint8Array
}

/** Writes one column chunk: an optional PLAIN dictionary page, then one DATA_PAGE_V2. */
function chunk(w: ByteWriter, name: string, type: ParquetType, page: PageParts, statistics: Statistics | undefined, dictionary?: { count: number; bytes: Uint8Array }): ColumnChunk {
  const start = w.offset
  let dictOffset: bigint | undefined
  if (dictionary) {
    dictOffset = BigInt(w.offset)
    writePageHeader(w, {
      type: 'DICTIONARY_PAGE',
      uncompressed_page_size: dictionary.bytes.length,
      compressed_page_size: dictionary.bytes.length,
      dictionary_page_header: { num_values: dictionary.count, encoding: 'PLAIN' },
    })
    w.appendBytes(dictionary.bytes)
  }
  const dataOffset = BigInt(w.offset)
  const size = page.levels.length + page.body.length
  writePageHeader(w, {
    type: 'DATA_PAGE_V2',
    uncompressed_page_size: size,
    compressed_page_size: size,
    data_page_header_v2: {
      num_values: page.values,
      num_nulls: page.nulls,
      num_rows: page.rows,
      encoding: page.encoding,
      definition_levels_byte_length: page.levels.length,
      repetition_levels_byte_length: 0,
      is_compressed: false,
    },
  })
  w.appendBytes(page.levels)
  w.appendBytes(page.body)
  const total = BigInt(w.offset - start)
  const encodings: Encoding[] = dictionary ? ['PLAIN', page.encoding] : [page.encoding]
  return {
    file_offset: BigInt(start),
    meta_data: {
      type,
      encodings,
      path_in_schema: [name],
      codec: 'UNCOMPRESSED',
      num_values: BigInt(page.values),
      total_uncompressed_size: total,
      total_compressed_size: total,
      data_page_offset: dataOffset,
      ...(dictOffset !== undefined ? { dictionary_page_offset: dictOffset } : {}),
      ...(statistics ? { statistics } : {}),
      encoding_stats: [
        ...(dictionary ? [{ page_type: 'DICTIONARY_PAGE' as const, encoding: 'PLAIN' as const, count: 1 }] : []),
        { page_type: 'DATA_PAGE_V2' as const, encoding: page.encoding, count: 1 },
      ],
    },
  } as ColumnChunk
}

const NO_LEVELS = new Uint8Array(0)

/** INT64 from whole numbers held as doubles (timestamps in µs, steps). */
function int64Column(w: ByteWriter, name: string, col: Float64Array, lo: number, hi: number): ColumnChunk {
  let min = col[lo]!
  let max = min
  let whole = true
  for (let i = lo; i < hi; i++) {
    const v = col[i]!
    if (v < min) min = v
    else if (v > max) max = v
    if (v !== Math.floor(v)) whole = false
  }
  if (!whole || !Number.isFinite(min) || !Number.isFinite(max)) {
    for (let i = lo; i < hi; i++) if (!Number.isInteger(col[i]!)) throw new RangeError(`entrenar/db: column ${name} holds ${col[i]}, not an integer`)
  }
  const body = new ByteWriter(Math.max(64, (hi - lo) >> 2))
  if (min >= -SAFE_VALUE && max <= SAFE_VALUE && max - min <= SAFE_SPAN) deltaPackSafe(body, col, lo, hi)
  else {
    if (min < INT64_MIN || max >= -INT64_MIN) throw new RangeError(`entrenar/db: column ${name} holds ${min < INT64_MIN ? min : max}, outside INT64`)
    const big = new BigInt64Array(hi - lo)
    for (let i = lo; i < hi; i++) big[i - lo] = BigInt(col[i]!)
    deltaBinaryPack(body, big, 'INT64')
  }
  const page = { encoding: 'DELTA_BINARY_PACKED' as const, values: hi - lo, nulls: 0, rows: hi - lo, levels: NO_LEVELS, body: body.getBytes() }
  return chunk(w, name, 'INT64', page, { min_value: BigInt(min), max_value: BigInt(max), null_count: 0n })
}

/** Nullable INT32 ({@link NULL_INT32} is null): definition levels, then the non-null values delta-packed. */
function int32Column(w: ByteWriter, name: string, col: Int32Array, lo: number, hi: number, s: Scratch): ColumnChunk {
  const n = hi - lo
  let nulls = 0
  for (let i = lo; i < hi; i++) if (col[i] === NULL_INT32) nulls++
  if (nulls === n) {
    // Every row null (a loop that logs no epoch or batch): one RLE run of level 0, no values.
    const lv = new ByteWriter(16)
    lv.appendVarInt(n * 2)
    lv.appendUint8(0)
    return chunk(w, name, 'INT32', { encoding: 'PLAIN', values: n, nulls: n, rows: n, levels: lv.getBytes(), body: NO_LEVELS }, { null_count: BigInt(n) })
  }
  s.fit(n)
  const levels = s.levels
  const vals = s.ints
  let k = 0
  let min = 0
  let max = 0
  for (let i = lo; i < hi; i++) {
    const v = col[i]!
    if (v === NULL_INT32) {
      levels[i - lo] = 0
      continue
    }
    levels[i - lo] = 1
    if (k === 0 || v < min) min = v
    if (k === 0 || v > max) max = v
    vals[k++] = v
  }
  const lv = new ByteWriter(64)
  hybrid(lv, levels, n, 1)
  const body = new ByteWriter(Math.max(64, k >> 1))
  if (k > 0) deltaBinaryPack(body, vals.slice(0, k), 'INT32')
  const page = { encoding: (k > 0 ? 'DELTA_BINARY_PACKED' : 'PLAIN') as Encoding, values: n, nulls: n - k, rows: n, levels: lv.getBytes(), body: body.getBytes() }
  return chunk(w, name, 'INT32', page, k > 0 ? { min_value: min, max_value: max, null_count: BigInt(n - k) } : { null_count: BigInt(n) })
}

/** DOUBLE PLAIN: the column's bytes as they are (little-endian hosts; the WAL makes the same assumption). */
function doubleColumn(w: ByteWriter, name: string, col: Float64Array, lo: number, hi: number): ColumnChunk {
  const body = new Uint8Array(col.buffer, col.byteOffset + lo * 8, (hi - lo) * 8)
  return chunk(w, name, 'DOUBLE', { encoding: 'PLAIN', values: hi - lo, nulls: 0, rows: hi - lo, levels: NO_LEVELS, body }, undefined)
}

/** A required string column with one value in every row (`run_id`): a one-entry dictionary and one RLE run. */
function constantDictColumn(w: ByteWriter, name: string, value: Uint8Array, n: number): ColumnChunk {
  const dict = new ByteWriter(value.length + 4)
  dict.appendUint32(value.length)
  dict.appendBytes(value)
  const body = new ByteWriter(16)
  body.appendUint8(0) // bit width 0: every index is 0
  body.appendVarInt(n << 1) // one RLE run of n zeros (no value bytes at width 0)
  return chunk(w, name, 'BYTE_ARRAY', { encoding: 'RLE_DICTIONARY', values: n, nulls: 0, rows: n, levels: NO_LEVELS, body: body.getBytes() }, undefined, {
    count: 1,
    bytes: dict.getBytes(),
  })
}

/**
 * A string column given as indices into `strings` (a negative index is null when `nullable`): a
 * dictionary of the strings this row group uses (in first-use order), indices RLE/bit-packed.
 */
function dictColumn(w: ByteWriter, name: string, ids: Uint32Array | Int32Array, strings: readonly Uint8Array[], lo: number, hi: number, nullable: boolean, s: Scratch): ColumnChunk {
  const n = hi - lo
  s.fit(n)
  const local = new Int32Array(strings.length).fill(-1)
  const used: number[] = []
  const idx = s.ints
  const levels = s.levels
  let k = 0
  let prev = -2
  let prevLocal = -1
  for (let i = lo; i < hi; i++) {
    const id = ids[i]! | 0
    if (id < 0) {
      levels[i - lo] = 0
      continue
    }
    levels[i - lo] = 1
    if (id !== prev) {
      prev = id
      prevLocal = local[id]!
      if (prevLocal < 0) {
        prevLocal = used.length
        local[id] = prevLocal
        used.push(id)
      }
    }
    idx[k++] = prevLocal
  }
  if (!nullable && k < n) throw new RangeError(`entrenar/db: column ${name} has a missing value`)
  const lv = new ByteWriter(64)
  if (nullable) hybrid(lv, levels, n, 1)
  const levelBytes = nullable ? lv.getBytes() : NO_LEVELS
  if (k === 0) {
    // Every row null: no dictionary, an empty PLAIN page.
    return chunk(w, name, 'BYTE_ARRAY', { encoding: 'PLAIN', values: n, nulls: n, rows: n, levels: levelBytes, body: NO_LEVELS }, { null_count: BigInt(n) })
  }
  let dictSize = 0
  for (const u of used) dictSize += 4 + strings[u]!.length
  const dict = new ByteWriter(dictSize + 8)
  let min = strings[used[0]!]!
  let max = min
  for (const u of used) {
    const b = strings[u]!
    dict.appendUint32(b.length)
    dict.appendBytes(b)
    if (compareBytes(b, min) < 0) min = b
    if (compareBytes(b, max) > 0) max = b
  }
  const bitWidth = used.length <= 1 ? 0 : 32 - Math.clz32(used.length - 1)
  const body = new ByteWriter(64)
  body.appendUint8(bitWidth)
  hybrid(body, idx, k, bitWidth)
  const stats: Statistics = { min_value: min as unknown as string, max_value: max as unknown as string, null_count: BigInt(n - k) }
  return chunk(w, name, 'BYTE_ARRAY', { encoding: 'RLE_DICTIONARY', values: n, nulls: n - k, rows: n, levels: levelBytes, body: body.getBytes() }, stats, {
    count: used.length,
    bytes: dict.getBytes(),
  })
}

/**
 * The RLE/bit-packed hybrid of `values[0, n)`: plain RLE runs when the values come in runs (definition
 * levels, dictionary indices of rows sorted by metric), else the general encoder (bit-packed groups).
 */
function hybrid(w: ByteWriter, values: Uint8Array | Int32Array, n: number, bitWidth: number): void {
  let runs = n > 0 ? 1 : 0
  for (let i = 1; i < n; i++) if (values[i] !== values[i - 1]) runs++
  if (runs * 8 > n) {
    writeRleBitPackedHybrid(w, values.subarray(0, n), bitWidth)
    return
  }
  const valueBytes = (bitWidth + 7) >> 3
  let i = 0
  while (i < n) {
    const v = values[i]!
    let j = i + 1
    while (j < n && values[j] === v) j++
    w.appendVarInt((j - i) * 2)
    for (let b = 0; b < valueBytes; b++) w.appendUint8((v >>> (8 * b)) & 0xff)
    i = j
  }
}

/** Unsigned lexicographic order of byte strings (the Parquet order of BYTE_ARRAY statistics). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const len = Math.min(a.length, b.length)
  for (let i = 0; i < len; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

const BLOCK = 128
const MINI = 32

/**
 * DELTA_BINARY_PACKED of integers held as doubles, |x| < 2^51 and max − min ≤ 2^44 (so deltas, adjusted
 * deltas < 2^45 and the bit accumulator < 2^53 are exact): blocks of 128 values in 4 miniblocks of 32.
 */
function deltaPackSafe(w: ByteWriter, col: Float64Array, lo: number, hi: number): void {
  const count = hi - lo
  w.appendVarInt(BLOCK)
  w.appendVarInt(BLOCK / MINI)
  w.appendVarInt(count)
  appendZigZag(w, col[lo]!)
  const deltas = new Float64Array(BLOCK)
  const widths = new Uint8Array(BLOCK / MINI)
  let i = lo + 1
  while (i < hi) {
    const end = Math.min(i + BLOCK, hi)
    const len = end - i
    let minDelta = Number.POSITIVE_INFINITY
    let constant = true
    const first = col[i]! - col[i - 1]!
    for (let j = 0; j < len; j++) {
      const d = col[i + j]! - col[i + j - 1]!
      deltas[j] = d
      if (d < minDelta) minDelta = d
      if (d !== first) constant = false
    }
    appendZigZag(w, minDelta)
    if (constant) {
      w.appendUint32(0) // four zero-width miniblocks, no payload
      i = end
      continue
    }
    const minis = Math.ceil(len / MINI)
    for (let m = 0; m < BLOCK / MINI; m++) {
      let maxAdj = 0
      if (m < minis) {
        const a = m * MINI
        const b = Math.min(a + MINI, len)
        for (let j = a; j < b; j++) {
          const adj = deltas[j]! - minDelta
          if (adj > maxAdj) maxAdj = adj
        }
      }
      widths[m] = maxAdj === 0 ? 0 : bitLength(maxAdj)
    }
    w.ensure(4)
    for (let m = 0; m < BLOCK / MINI; m++) w.appendUint8(widths[m]!)
    for (let m = 0; m < minis; m++) {
      const width = widths[m]!
      if (width === 0) continue
      const a = m * MINI
      w.ensure(width * 4)
      const out = new Uint8Array(w.buffer)
      const before = w.index
      let pos = before
      // LSB-first bit packing of 32 values (padding past the block's end packs zeros).
      let acc = 0
      let bits = 0
      for (let j = 0; j < MINI; j++) {
        const v = a + j < len ? deltas[a + j]! - minDelta : 0
        // acc < 2^7 before the add and v < 2^45: the sum stays below 2^53, exact.
        acc += v * 2 ** bits
        bits += width
        while (bits >= 8) {
          const byte = acc % 256
          out[pos++] = byte
          acc = (acc - byte) / 256
          bits -= 8
        }
      }
      if (bits > 0) out[pos++] = acc
      w.offset += pos - before
      w.index = pos
    }
    i = end
  }
}

/** Bits needed for a positive integer below 2^53. */
function bitLength(x: number): number {
  if (x < 4294967296) return 32 - Math.clz32(x)
  return 32 + (32 - Math.clz32(Math.floor(x / 4294967296)))
}

/** Zigzag varint of an integer with |x| < 2^52 (its zigzag form < 2^53, exact as a double). */
function appendZigZag(w: ByteWriter, x: number): void {
  let z = x >= 0 ? x * 2 : -x * 2 - 1
  while (z >= 128) {
    const low = z % 128
    w.appendUint8(low | 0x80)
    z = (z - low) / 128
  }
  w.appendUint8(z)
}
