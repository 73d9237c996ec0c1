import type { ColumnChunk, ColumnMetaData, FileMetaData, KeyValue, LogicalType, RowGroup, SchemaElement, Statistics } from 'hyparquet'

/**
 * A Thrift-compact `FileMetaData` parser for the footers this store writes (and the plain layouts
 * other writers share with them): it builds exactly the object `parquetMetadata` of hyparquet builds
 * for the same bytes (same fields, same value types, BigInt for i64), reading each field straight into
 * its place instead of through a generic field map. Anything it does not recognise — an unknown
 * field, a field of an unexpected wire type, a logical or converted type whose statistics it does not
 * convert, encryption, a malformed or truncated footer — makes it return `undefined`, and the caller
 * parses with hyparquet (which also words the error of a damaged footer). It never throws, never
 * loops without consuming bytes and never allocates more entries than the footer has bytes.
 */

/** The parsers of statistics of timestamp columns (as given to hyparquet). */
export interface FooterParsers {
  timestampFromMilliseconds(v: bigint): unknown
  timestampFromMicroseconds(v: bigint): unknown
  timestampFromNanoseconds(v: bigint): unknown
}

// Thrift compact wire types.
const STOP = 0
const TRUE = 1
const FALSE = 2
const BYTE = 3
const I16 = 4
const I32 = 5
const I64 = 6
const DOUBLE = 7
const BINARY = 8
const LIST = 9
const SET = 10
const STRUCT = 12

// The enumerations as hyparquet names them (index = Thrift value).
const PARQUET_TYPES = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY'] as const
const ENCODINGS = ['PLAIN', 'GROUP_VAR_INT', 'PLAIN_DICTIONARY', 'RLE', 'BIT_PACKED', 'DELTA_BINARY_PACKED', 'DELTA_LENGTH_BYTE_ARRAY', 'DELTA_BYTE_ARRAY', 'RLE_DICTIONARY', 'BYTE_STREAM_SPLIT'] as const
const REPETITION = ['REQUIRED', 'OPTIONAL', 'REPEATED'] as const
const CONVERTED = [
  'UTF8',
  'MAP',
  'MAP_KEY_VALUE',
  'LIST',
  'ENUM',
  'DECIMAL',
  'DATE',
  'TIME_MILLIS',
  'TIME_MICROS',
  'TIMESTAMP_MILLIS',
  'TIMESTAMP_MICROS',
  'UINT_8',
  'UINT_16',
  'UINT_32',
  'UINT_64',
  'INT_8',
  'INT_16',
  'INT_32',
  'INT_64',
  'JSON',
  'BSON',
  'INTERVAL',
] as const
const CODECS = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'LZO', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW'] as const
const PAGE_TYPES = ['DATA_PAGE', 'INDEX_PAGE', 'DICTIONARY_PAGE', 'DATA_PAGE_V2'] as const

/** Thrown inside the parser for anything it does not take; caught at the top (one object, no stack trace built). */
const DECLINE = Object.freeze({ declined: true })

const decoder = new TextDecoder()

/** UTF-8 bytes as a string, as `TextDecoder` decodes them; short ASCII (column names, metric names) without it. */
function text(b: Uint8Array): string {
  const n = b.length
  if (n > 64) return decoder.decode(b)
  let s = ''
  for (let i = 0; i < n; i++) {
    const c = b[i]!
    if (c >= 0x80) return decoder.decode(b)
    s += String.fromCharCode(c)
  }
  return s
}

/** Nesting of structures skipped unread (column orders): far beyond what Parquet defines. */
const MAX_SKIP_DEPTH = 16

class Reader {
  readonly b: Uint8Array
  readonly view: DataView
  p: number
  readonly end: number

  constructor(b: Uint8Array, start: number, end: number) {
    this.b = b
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength)
    this.p = start
    this.end = end
  }

  byte(): number {
    if (this.p >= this.end) throw DECLINE
    return this.b[this.p++]!
  }

  /** hyparquet's `readVarInt` (32-bit `|=` arithmetic), declined past five bytes. */
  varint(): number {
    let result = 0
    let shift = 0
    for (;;) {
      const x = this.byte()
      result |= (x & 0x7f) << shift
      if (!(x & 0x80)) return result
      shift += 7
      if (shift > 28) throw DECLINE
    }
  }

  zigzag(): number {
    const z = this.varint()
    return (z >>> 1) ^ -(z & 1)
  }

  /** hyparquet's `readZigZagBigInt`: exact in numbers below 2^49, BigInt arithmetic beyond (at most ten bytes). */
  i64(): bigint {
    let v = 0
    let mul = 1
    const start = this.p
    for (let k = 0; k < 7; k++) {
      const x = this.byte()
      v += (x & 0x7f) * mul
      if (!(x & 0x80)) return BigInt(v % 2 === 1 ? -(v + 1) / 2 : v / 2)
      mul *= 128
    }
    this.p = start
    let r = 0n
    let shift = 0n
    for (let k = 0; k < 10; k++) {
      const x = this.byte()
      r |= BigInt(x & 0x7f) << shift
      if (!(x & 0x80)) return (r >> 1n) ^ -(r & 1n)
      shift += 7n
    }
    throw DECLINE
  }

  binary(): Uint8Array {
    const n = this.varint()
    if (n < 0 || n > this.end - this.p) throw DECLINE
    const out = this.b.subarray(this.p, this.p + n)
    this.p += n
    return out
  }

  string(): string {
    return text(this.binary())
  }

  /** A list header: its element count (at most the bytes left: every element takes one) after checking the element type. */
  list(elem: number): number {
    const h = this.byte()
    let n = h >> 4
    if (n === 15) n = this.varint()
    if ((h & 0x0f) !== elem || n < 0 || n > this.end - this.p) throw DECLINE
    return n
  }

  /** Skips a value of a wire type without building it. */
  skip(type: number, depth = 0): void {
    if (depth > MAX_SKIP_DEPTH) throw DECLINE
    switch (type) {
      case TRUE:
      case FALSE:
        return
      case BYTE:
        this.byte()
        return
      case I16:
      case I32:
        this.varint()
        return
      case I64:
        this.i64()
        return
      case DOUBLE:
        if (this.end - this.p < 8) throw DECLINE
        this.p += 8
        return
      case BINARY:
        this.binary()
        return
      case LIST:
      case SET: {
        const h = this.byte()
        let n = h >> 4
        if (n === 15) n = this.varint()
        if (n < 0 || n > this.end - this.p) throw DECLINE
        for (let i = 0; i < n; i++) this.skip(h & 0x0f, depth + 1)
        return
      }
      case STRUCT:
        for (let fid = 0, h = this.header(0); h >= 0; h = this.header(fid)) {
          fid = h >> 4
          this.skip(h & 15, depth + 1)
        }
        return
      default: // maps are not in Parquet's footer
        throw DECLINE
    }
  }

  /**
   * The next field header of a struct whose previous field id is `last`: `fid * 16 + wire type`, or -1
   * at its end. Field ids below 1 or above 32767 are declined.
   */
  header(last: number): number {
    const h = this.byte()
    const type = h & 0x0f
    if (type === STOP) return -1
    const delta = h >> 4
    const fid = delta ? last + delta : this.zigzag()
    if (fid < 1 || fid > 32767) throw DECLINE
    return fid * 16 + type
  }

  /** A value of an i32 field (wire type I32). */
  i32Of(type: number): number {
    if (type !== I32) throw DECLINE
    return this.zigzag()
  }

  i64Of(type: number): bigint {
    if (type !== I64) throw DECLINE
    return this.i64()
  }

  boolOf(type: number): boolean {
    if (type !== TRUE && type !== FALSE) throw DECLINE
    return type === TRUE
  }

  binaryOf(type: number): Uint8Array {
    if (type !== BINARY) throw DECLINE
    return this.binary()
  }

  structOf(type: number): void {
    if (type !== STRUCT) throw DECLINE
  }
}

/** Fields of a Thrift struct that hyparquet reads as a whole and this parser does not: a struct of no fields. */
function emptyStruct(r: Reader, type: number): void {
  r.structOf(type)
  if (r.header(0) >= 0) throw DECLINE
}

function logicalType(r: Reader, type: number): LogicalType {
  r.structOf(type)
  let out: LogicalType | undefined
  for (let fid = 0, h = r.header(0); h >= 0; h = r.header(fid)) {
    fid = h >> 4
    const t = h & 15
    if (out) throw DECLINE // a union holds one member
    if (fid === 1) {
      emptyStruct(r, t)
      out = { type: 'STRING' }
    } else if (fid === 8) {
      r.structOf(t)
      let utc: boolean | undefined
      let unit: 'MILLIS' | 'MICROS' | 'NANOS' | undefined
      for (let f = 0, hh = r.header(0); hh >= 0; hh = r.header(f)) {
        f = hh >> 4
        const tt = hh & 15
        if (f === 1) utc = r.boolOf(tt)
        else if (f === 2) {
          r.structOf(tt)
          for (let u = 0, hu = r.header(0); hu >= 0; hu = r.header(u)) {
            u = hu >> 4
            if (unit || u > 3) throw DECLINE
            emptyStruct(r, hu & 15)
            unit = u === 1 ? 'MILLIS' : u === 2 ? 'MICROS' : 'NANOS'
          }
          if (!unit) throw DECLINE
        } else throw DECLINE
      }
      if (!unit) throw DECLINE
      out = { type: 'TIMESTAMP', isAdjustedToUTC: utc as boolean, unit }
    } else throw DECLINE
  }
  if (!out) throw DECLINE
  return out
}

function schemaElement(r: Reader): SchemaElement {
  let type: number | undefined
  let typeLength: number | undefined
  let repetition: number | undefined
  let name: string | undefined
  let children: number | undefined
  let converted: number | undefined
  let scale: number | undefined
  let precision: number | undefined
  let fieldId: number | undefined
  let logical: LogicalType | undefined
  for (let fid = 0, h = r.header(0); h >= 0; h = r.header(fid)) {
    fid = h >> 4
    const t = h & 15
    switch (fid) {
      case 1:
        type = r.i32Of(t)
        break
      case 2:
        typeLength = r.i32Of(t)
        break
      case 3:
        repetition = r.i32Of(t)
        break
      case 4:
        name = text(r.binaryOf(t))
        break
      case 5:
        children = r.i32Of(t)
        break
      case 6:
        converted = r.i32Of(t)
        break
      case 7:
        scale = r.i32Of(t)
        break
      case 8:
        precision = r.i32Of(t)
        break
      case 9:
        fieldId = r.i32Of(t)
        break
      case 10:
        logical = logicalType(r, t)
        break
      default:
        throw DECLINE
    }
  }
  return {
    type: type === undefined ? undefined : PARQUET_TYPES[type],
    type_length: typeLength,
    repetition_type: repetition === undefined ? undefined : REPETITION[repetition],
    name,
    num_children: children,
    converted_type: converted === undefined ? undefined : CONVERTED[converted],
    scale,
    precision,
    field_id: fieldId,
    logical_type: logical,
  } as SchemaElement
}

/** hyparquet's `convertMetadata` for the types it covers here; declined for the others. */
function statValue(v: Uint8Array | undefined, el: SchemaElement, parsers: FooterParsers): unknown {
  if (v === undefined) return undefined
  const { type, converted_type: ct, logical_type: lt } = el
  if (type === 'BOOLEAN') return v[0] === 1
  if (type === 'BYTE_ARRAY') return text(v)
  const view = new DataView(v.buffer, v.byteOffset, v.byteLength)
  if (type === 'FLOAT' && v.byteLength === 4) return view.getFloat32(0, true)
  if (type === 'DOUBLE' && v.byteLength === 8) return view.getFloat64(0, true)
  const unsigned = ct?.startsWith('UINT_') || (lt?.type === 'INTEGER' && !lt.isSigned)
  if (type === 'INT32' && v.byteLength === 4 && ct !== 'DECIMAL' && ct !== 'DATE' && !unsigned) return view.getInt32(0, true)
  if (type === 'INT64' && v.byteLength === 8 && ct !== 'DECIMAL' && !unsigned) {
    const x = view.getBigInt64(0, true)
    if (ct === 'TIMESTAMP_MILLIS') return parsers.timestampFromMilliseconds(x)
    if (ct === 'TIMESTAMP_MICROS') return parsers.timestampFromMicroseconds(x)
    if (lt?.type === 'TIMESTAMP') {
      if (lt.unit === 'NANOS') return parsers.timestampFromNanoseconds(x)
      if (lt.unit === 'MICROS') return parsers.timestampFromMicroseconds(x)
      return parsers.timestampFromMilliseconds(x)
    }
    return x
  }
  throw DECLINE
}

function statistics(r: Reader, type: number, el: SchemaElement | undefined, parsers: FooterParsers): Statistics {
  r.structOf(type)
  if (!el) throw DECLINE
  let max: Uint8Array | undefined
  let min: Uint8Array | undefined
  let nullCount: bigint | undefined
  let distinct: bigint | undefined
  let maxValue: Uint8Array | undefined
  let minValue: Uint8Array | undefined
  let maxExact: boolean | undefined
  let minExact: boolean | undefined
  for (let fid = 0, h = r.header(0); h >= 0; h = r.header(fid)) {
    fid = h >> 4
    const t = h & 15
    switch (fid) {
      case 1:
        max = r.binaryOf(t)
        break
      case 2:
        min = r.binaryOf(t)
        break
      case 3:
        nullCount = r.i64Of(t)
        break
      case 4:
        distinct = r.i64Of(t)
        break
      case 5:
        maxValue = r.binaryOf(t)
        break
      case 6:
        minValue = r.binaryOf(t)
        break
      case 7:
        maxExact = r.boolOf(t)
        break
      case 8:
        minExact = r.boolOf(t)
        break
      default:
        throw DECLINE
    }
  }
  return {
    max: statValue(max, el, parsers),
    min: statValue(min, el, parsers),
    null_count: nullCount,
    distinct_count: distinct,
    max_value: statValue(maxValue, el, parsers),
    min_value: statValue(minValue, el, parsers),
    is_max_value_exact: maxExact,
    is_min_value_exact: minExact,
  } as Statistics
}

function columnMetaData(r: Reader, type: number, el: SchemaElement | undefined, parsers: FooterParsers): ColumnMetaData {
  r.structOf(type)
  const m: Record<string, unknown> = {}
  let path: string[] | undefined
  for (let fid = 0, h = r.header(0); h >= 0; h = r.header(fid)) {
    fid = h >> 4
    const t = h & 15
    switch (fid) {
      case 1:
        m.type = PARQUET_TYPES[r.i32Of(t)]
        break
      case 2: {
        if (t !== LIST) throw DECLINE
        const n = r.list(I32)
        const e: (string | undefined)[] = new Array(n)
        for (let i = 0; i < n; i++) e[i] = ENCODINGS[r.zigzag()]
        m.encodings = e
        break
      }
      case 3: {
        if (t !== LIST) throw DECLINE
        const n = r.list(BINARY)
        path = new Array(n)
        for (let i = 0; i < n; i++) path[i] = r.string()
        break
      }
      case 4:
        m.codec = CODECS[r.i32Of(t)]
        break
      case 5:
        m.num_values = r.i64Of(t)
        break
      case 6:
        m.total_uncompressed_size = r.i64Of(t)
        break
      case 7:
        m.total_compressed_size = r.i64Of(t)
        break
      case 9:
        m.data_page_offset = r.i64Of(t)
        break
      case 10:
        m.index_page_offset = r.i64Of(t)
        break
      case 11:
        m.dictionary_page_offset = r.i64Of(t)
        break
      case 12:
        m.statistics = statistics(r, t, el, parsers)
        break
      case 13: {
        if (t !== LIST) throw DECLINE
        const n = r.list(STRUCT)
        const out: { page_type: unknown; encoding: unknown; count: unknown }[] = new Array(n)
        for (let i = 0; i < n; i++) {
          let pageType: number | undefined
          let encoding: number | undefined
          let count: number | undefined
          for (let f = 0, h = r.header(0); h >= 0; h = r.header(f)) {
            f = h >> 4
            const tt = h & 15
            if (f === 1) pageType = r.i32Of(tt)
            else if (f === 2) encoding = r.i32Of(tt)
            else if (f === 3) count = r.i32Of(tt)
            else throw DECLINE
          }
          out[i] = { page_type: pageType === undefined ? undefined : PAGE_TYPES[pageType], encoding: encoding === undefined ? undefined : ENCODINGS[encoding], count }
        }
        m.encoding_stats = out
        break
      }
      case 14:
        m.bloom_filter_offset = r.i64Of(t)
        break
      case 15:
        m.bloom_filter_length = r.i32Of(t)
        break
      default:
        throw DECLINE
    }
  }
  if (!path) throw DECLINE
  m.path_in_schema = path
  return m as unknown as ColumnMetaData
}

function columnChunk(r: Reader, el: SchemaElement | undefined, parsers: FooterParsers): ColumnChunk {
  const c: Record<string, unknown> = {}
  for (let fid = 0, h = r.header(0); h >= 0; h = r.header(fid)) {
    fid = h >> 4
    const t = h & 15
    switch (fid) {
      case 2:
        c.file_offset = r.i64Of(t)
        break
      case 3:
        c.meta_data = columnMetaData(r, t, el, parsers)
        break
      case 4:
        c.offset_index_offset = r.i64Of(t)
        break
      case 5:
        c.offset_index_length = r.i32Of(t)
        break
      case 6:
        c.column_index_offset = r.i64Of(t)
        break
      case 7:
        c.column_index_length = r.i32Of(t)
        break
      default:
        throw DECLINE // file_path (hyparquet refuses to read it), encryption
    }
  }
  return c as unknown as ColumnChunk
}

function rowGroup(r: Reader, columnSchema: readonly SchemaElement[], parsers: FooterParsers): RowGroup {
  const g: Record<string, unknown> = {}
  for (let fid = 0, h = r.header(0); h >= 0; h = r.header(fid)) {
    fid = h >> 4
    const t = h & 15
    switch (fid) {
      case 1: {
        if (t !== LIST) throw DECLINE
        const n = r.list(STRUCT)
        const cols: ColumnChunk[] = new Array(n)
        for (let i = 0; i < n; i++) cols[i] = columnChunk(r, columnSchema[i], parsers)
        g.columns = cols
        break
      }
      case 2:
        g.total_byte_size = r.i64Of(t)
        break
      case 3:
        g.num_rows = r.i64Of(t)
        break
      case 5:
        g.file_offset = r.i64Of(t)
        break
      case 6:
        g.total_compressed_size = r.i64Of(t)
        break
      case 7:
        if (t !== I16) throw DECLINE
        g.ordinal = r.zigzag()
        break
      default:
        throw DECLINE // sorting columns: not written by this store
    }
  }
  if (!g.columns) throw DECLINE
  return g as unknown as RowGroup
}

function keyValue(r: Reader): KeyValue {
  let key: string | undefined
  let value: string | undefined
  for (let fid = 0, h = r.header(0); h >= 0; h = r.header(fid)) {
    fid = h >> 4
    const t = h & 15
    if (fid === 1) key = text(r.binaryOf(t))
    else if (fid === 2) value = decoder.decode(r.binaryOf(t))
    else throw DECLINE
  }
  return { key, value } as KeyValue
}

/**
 * Parses the footer at the end of `tail` (the last bytes of a file, ending with `PAR1`); undefined when
 * the footer is not wholly in `tail` or is anything this parser declines (the caller then uses hyparquet).
 */
export function parseFooter(tail: Uint8Array, parsers: FooterParsers): FileMetaData | undefined {
  const n = tail.byteLength
  if (n < 8) return undefined
  const view = new DataView(tail.buffer, tail.byteOffset, n)
  if (view.getUint32(n - 4, true) !== 0x31524150) return undefined
  const length = view.getUint32(n - 8, true)
  if (length > n - 8) return undefined
  const r = new Reader(tail, n - 8 - length, n - 8)
  try {
    let version: number | undefined
    let schema: SchemaElement[] | undefined
    let columnSchema: SchemaElement[] | undefined
    let numRows: bigint | undefined
    let rowGroups: RowGroup[] | undefined
    let kv: KeyValue[] | undefined
    let createdBy: string | undefined
    for (let fid = 0, h = r.header(0); h >= 0; h = r.header(fid)) {
      fid = h >> 4
      const t = h & 15
      switch (fid) {
        case 1:
          version = r.i32Of(t)
          break
        case 2: {
          if (t !== LIST) throw DECLINE
          const k = r.list(STRUCT)
          schema = new Array(k)
          for (let i = 0; i < k; i++) schema[i] = schemaElement(r)
          columnSchema = schema.filter((e) => e.type)
          break
        }
        case 3:
          numRows = r.i64Of(t)
          break
        case 4: {
          // Statistics are converted by the schema: a footer listing row groups first is left to hyparquet.
          if (t !== LIST || !columnSchema) throw DECLINE
          const k = r.list(STRUCT)
          rowGroups = new Array(k)
          for (let i = 0; i < k; i++) rowGroups[i] = rowGroup(r, columnSchema, parsers)
          break
        }
        case 5: {
          if (t !== LIST) throw DECLINE
          const k = r.list(STRUCT)
          kv = new Array(k)
          for (let i = 0; i < k; i++) kv[i] = keyValue(r)
          break
        }
        case 6:
          createdBy = decoder.decode(r.binaryOf(t))
          break
        case 7:
          r.skip(t) // column orders: hyparquet does not keep them
          break
        default:
          throw DECLINE // encryption
      }
    }
    if (!schema || !rowGroups) return undefined
    // GeoParquet columns are relabelled by hyparquet: left to it.
    if (kv?.some((e) => e.key === 'geo')) return undefined
    return { version, schema, num_rows: numRows, row_groups: rowGroups, key_value_metadata: kv, created_by: createdBy, metadata_length: length } as FileMetaData
  } catch (e) {
    if (e === DECLINE) return undefined
    // A RangeError of a DataView or the like on bytes it did not expect: hyparquet judges them.
    return undefined
  }
}
