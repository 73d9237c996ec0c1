import type { FileMetaData } from 'hyparquet'
import { parquetHeader } from 'hyparquet/src/column.js'
import { decompressPage } from 'hyparquet/src/datapage.js'
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js'
import type { Utf8Column } from '../store/string-table.js'
import { decodeUtf8, hashBytes } from '../store/utf8.js'

/** A decompressed page: its value bytes (levels stripped), how many values, and their encoding. */
interface Page {
  readonly bytes: Uint8Array
  readonly count: number
  readonly encoding: string
}

/**
 * The pages of a REQUIRED column of the given physical type (uncompressed or snappy, no nulls), or
 * undefined when the column is laid out otherwise: the caller then uses hyparquet's generic reader.
 * Bypassing the generic reader skips its read plan, its per-page level decoding and its re-copies.
 */
function columnPages(file: ArrayBuffer, metadata: FileMetaData, column: string, type: 'BYTE_ARRAY' | 'INT32' | 'DOUBLE'): { dictionary?: Page; pages: Page[] } | undefined {
  const element = metadata.schema.find((s) => s.name === column)
  if (element?.type !== type || element.repetition_type !== 'REQUIRED') return undefined
  const pages: Page[] = []
  let dictionary: Page | undefined
  let total = 0
  for (const group of metadata.row_groups) {
    const chunk = group.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === column)?.meta_data
    if (!chunk || (chunk.codec !== 'UNCOMPRESSED' && chunk.codec !== 'SNAPPY')) return undefined
    const start = Number(chunk.dictionary_page_offset ?? chunk.data_page_offset)
    const size = Number(chunk.total_compressed_size)
    if (start < 0 || start + size > file.byteLength) return undefined
    const reader = { view: new DataView(file, start, size), offset: 0 }
    let values = 0
    while (values < Number(chunk.num_values)) {
      const header = parquetHeader(reader)
      if (reader.offset + header.compressed_page_size > size) return undefined
      const compressed = new Uint8Array(file, start + reader.offset, header.compressed_page_size)
      reader.offset += header.compressed_page_size
      if (header.type === 'DICTIONARY_PAGE' && header.dictionary_page_header) {
        // One dictionary for the whole column (a second row group would bring its own: generic path).
        if (dictionary || values > 0 || total > 0) return undefined
        dictionary = { bytes: decompressPage(compressed, header.uncompressed_page_size, chunk.codec, undefined), count: header.dictionary_page_header.num_values, encoding: 'PLAIN' }
      } else if (header.type === 'DATA_PAGE' && header.data_page_header) {
        const bytes = decompressPage(compressed, header.uncompressed_page_size, chunk.codec, undefined)
        pages.push({ bytes, count: header.data_page_header.num_values, encoding: header.data_page_header.encoding })
        values += header.data_page_header.num_values
      } else if (header.type === 'DATA_PAGE_V2' && header.data_page_header_v2?.num_nulls === 0) {
        const v2 = header.data_page_header_v2
        const levels = v2.definition_levels_byte_length + v2.repetition_levels_byte_length
        let bytes: Uint8Array = compressed.subarray(levels)
        if (v2.is_compressed) bytes = decompressPage(bytes, header.uncompressed_page_size - levels, chunk.codec, undefined)
        pages.push({ bytes, count: v2.num_values, encoding: v2.encoding })
        values += v2.num_values
      } else {
        return undefined
      }
    }
    total += values
  }
  if (total !== Number(metadata.num_rows)) return undefined
  return dictionary ? { dictionary, pages } : { pages }
}

/** The PLAIN pages of a column without a dictionary, or undefined. */
function plainPages(file: ArrayBuffer, metadata: FileMetaData, column: string, type: 'BYTE_ARRAY' | 'INT32' | 'DOUBLE'): Page[] | undefined {
  const c = columnPages(file, metadata, column, type)
  return c && !c.dictionary && c.pages.every((p) => p.encoding === 'PLAIN') ? c.pages : undefined
}

/** PLAIN-encoded strings of a dictionary page. */
function plainStrings(page: Page): string[] | undefined {
  const view = new DataView(page.bytes.buffer, page.bytes.byteOffset, page.bytes.byteLength)
  const out: string[] = []
  let off = 0
  for (let i = 0; i < page.count; i++) {
    if (off + 4 > page.bytes.length) return undefined
    const len = view.getUint32(off, true)
    if (off + 4 + len > page.bytes.length) return undefined
    out.push(decodeUtf8(page.bytes, off + 4, off + 4 + len))
    off += 4 + len
  }
  return out
}

/**
 * Reads a REQUIRED, dictionary-encoded string column (e.g. `change_type`) as its dictionary and one
 * code per row, without materialising a string per row. Undefined when laid out otherwise.
 */
export function readDictionaryCodes(file: ArrayBuffer, metadata: FileMetaData, column: string): { dictionary: string[]; codes: Uint8Array } | undefined {
  const c = columnPages(file, metadata, column, 'BYTE_ARRAY')
  if (!c?.dictionary) return undefined
  const dictionary = plainStrings(c.dictionary)
  // Codes fit a byte (the six change types; a larger dictionary takes the generic path).
  if (!dictionary || dictionary.length > 256) return undefined
  const codes = new Uint8Array(Number(metadata.num_rows))
  let n = 0
  for (const page of c.pages) {
    if (page.encoding !== 'RLE_DICTIONARY' && page.encoding !== 'PLAIN_DICTIONARY') return undefined
    if (page.count === 0) continue
    const view = new DataView(page.bytes.buffer, page.bytes.byteOffset, page.bytes.byteLength)
    const reader = { view, offset: 1 }
    const out = codes.subarray(n, n + page.count)
    readRleBitPackedHybrid(reader, view.getUint8(0), out, page.bytes.length - 1)
    n += page.count
  }
  for (let i = 0; i < n; i++) if (codes[i]! >= dictionary.length) return undefined
  return n === codes.length ? { dictionary, codes } : undefined
}

/**
 * Reads a REQUIRED, PLAIN-encoded INT32 or DOUBLE column as one typed array: a view into the file
 * when the column is one suitably aligned page (no copy at all), else one block copy per page
 * (Parquet is little-endian, as every platform JavaScript runs on). Undefined when the column is
 * laid out otherwise.
 */
export function readPlainTyped(file: ArrayBuffer, metadata: FileMetaData, column: string, type: 'INT32'): Int32Array | undefined
export function readPlainTyped(file: ArrayBuffer, metadata: FileMetaData, column: string, type: 'DOUBLE'): Float64Array | undefined
export function readPlainTyped(file: ArrayBuffer, metadata: FileMetaData, column: string, type: 'INT32' | 'DOUBLE'): Int32Array | Float64Array | undefined {
  const pages = plainPages(file, metadata, column, type)
  if (!pages) return undefined
  const width = type === 'INT32' ? 4 : 8
  const make = type === 'INT32' ? Int32Array : Float64Array
  const rows = Number(metadata.num_rows)
  const only = pages.length === 1 ? pages[0]! : undefined
  if (only && only.count === rows && only.bytes.length >= rows * width && only.bytes.buffer === file && only.bytes.byteOffset % width === 0) {
    return new make(file, only.bytes.byteOffset, rows)
  }
  const out = new make(rows)
  const bytes = new Uint8Array(out.buffer)
  let n = 0
  for (const { bytes: page, count } of pages) {
    if (n + count > rows || page.length < count * width) return undefined
    bytes.set(page.subarray(0, count * width), n * width)
    n += count
  }
  return n === rows ? out : undefined
}

/**
 * Reads a REQUIRED, PLAIN-encoded string column as UTF-8 bytes without creating one string per
 * value: the page is kept as it lies in the file (a PLAIN page already is length-prefixed values) and
 * each value's start and FNV-1a hash ({@link hashBytes}) are recorded in one scan. The string table
 * keeps the bytes and decodes a value when asked for it, so loading 1M model ids allocates no 1M
 * string objects. Undefined when the column is laid out otherwise.
 */
export function readPlainUtf8(file: ArrayBuffer, metadata: FileMetaData, column: string): Utf8Column | undefined {
  const pages = plainPages(file, metadata, column, 'BYTE_ARRAY')
  if (!pages) return undefined
  const rows = Number(metadata.num_rows)
  let size = 0
  for (const p of pages) size += p.bytes.length
  // One page (the usual layout) is used where it lies in the file; several are joined in one buffer.
  const bytes = pages.length === 1 ? pages[0]!.bytes : new Uint8Array(size)
  const starts = new Int32Array(rows + 1)
  const hashes = new Uint32Array(rows)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let off = 0
  let n = 0
  for (const { bytes: page, count } of pages) {
    if (bytes !== page) bytes.set(page, off)
    const end = off + page.length
    for (let i = 0; i < count; i++) {
      if (off + 4 > end) return undefined
      const len = view.getUint32(off, true)
      if (off + 4 + len > end) return undefined
      starts[n] = off
      hashes[n++] = hashBytes(bytes, off + 4, off + 4 + len)
      off += 4 + len
    }
    // Values must fill the page exactly, so the next page's first value follows the last one.
    if (off !== end) return undefined
  }
  starts[n] = off
  return n === rows ? { bytes, starts, hashes } : undefined
}

const encoder = new TextEncoder()

/**
 * UTF-8 bytes of many strings as views into one buffer (one encoder call instead of one per
 * string), for hyparquet-writer's BYTE_ARRAY columns.
 */
export function encodeStrings(strings: readonly string[]): Uint8Array[] {
  const joined = strings.join('')
  const bytes = encoder.encode(joined)
  const out: Uint8Array[] = new Array(strings.length)
  if (bytes.length === joined.length) {
    let off = 0
    for (let i = 0; i < strings.length; i++) {
      const len = strings[i]!.length
      out[i] = bytes.subarray(off, off + len)
      off += len
    }
    return out
  }
  for (let i = 0; i < strings.length; i++) out[i] = encoder.encode(strings[i]!)
  return out
}
