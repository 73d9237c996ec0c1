import { type ColumnMetaData, snappyUncompress } from 'hyparquet'
import { parquetHeader } from 'hyparquet/src/column.js'
import type { CodedStrings } from './read.js'

const decoder = new TextDecoder()

/** A count or size from a page header: a damaged header may hold any Thrift value there. */
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0

/**
 * Decodes a REQUIRED UTF-8 string column chunk of the layout this store writes for `metric` (a PLAIN
 * dictionary page, then v2 data pages of RLE_DICTIONARY indices without nulls or levels, uncompressed
 * or snappy) straight into dictionary ids, without a string per row: the same `names` (in first-use
 * order, each distinct string once) and `ids` as {@link stringColumn} gives for the strings the generic
 * reader decodes. Anything else (another layout, an index past the dictionary, a short page) returns
 * undefined and the caller decodes with the generic reader, which also reports damage.
 * `bytes` are the row group's, from `rgStart`.
 */
export function decodeDictStrings(bytes: Uint8Array, rgStart: number, meta: ColumnMetaData, rows: number): CodedStrings | undefined {
  try {
    if (meta.type !== 'BYTE_ARRAY' || meta.dictionary_page_offset === undefined) return undefined
    if (meta.codec !== 'SNAPPY' && meta.codec !== 'UNCOMPRESSED') return undefined
    const start = Number(meta.dictionary_page_offset) - rgStart
    const end = start + Number(meta.total_compressed_size)
    if (!(start >= 0 && end <= bytes.length)) return undefined
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const reader = { view, offset: start }
    let dict: string[] | undefined
    // Dictionary index → id in `names` (-1: not used yet).
    let remap: Int32Array | undefined
    const names: string[] = []
    const byName = new Map<string, number>()
    const ids = new Uint32Array(rows)
    let o = 0
    while (reader.offset < end && o < rows) {
      const ph = parquetHeader(reader)
      const size = ph.compressed_page_size
      if (!isCount(size) || !isCount(ph.uncompressed_page_size)) return undefined
      const body = bytes.subarray(reader.offset, reader.offset + size)
      if (body.length !== size || reader.offset + size > end) return undefined
      reader.offset += size
      if (ph.type === 'DICTIONARY_PAGE' && ph.dictionary_page_header) {
        if (dict) return undefined
        const h = ph.dictionary_page_header
        if (h.encoding !== 'PLAIN' && h.encoding !== 'PLAIN_DICTIONARY') return undefined
        let page = body
        if (meta.codec === 'SNAPPY') {
          page = new Uint8Array(ph.uncompressed_page_size)
          snappyUncompress(body, page)
        }
        const n = h.num_values
        if (!isCount(n) || n > page.length / 4) return undefined
        const pv = new DataView(page.buffer, page.byteOffset, page.byteLength)
        dict = new Array(n)
        let p = 0
        for (let i = 0; i < n; i++) {
          if (p + 4 > page.length) return undefined
          const len = pv.getUint32(p, true)
          p += 4
          if (len > page.length - p) return undefined
          dict[i] = decoder.decode(page.subarray(p, p + len))
          p += len
        }
        remap = new Int32Array(n).fill(-1)
        continue
      }
      if (ph.type !== 'DATA_PAGE_V2' || !ph.data_page_header_v2 || !dict || !remap) return undefined
      const h = ph.data_page_header_v2
      if (h.num_nulls !== 0 || h.definition_levels_byte_length !== 0 || h.repetition_levels_byte_length !== 0) return undefined
      if (h.encoding !== 'RLE_DICTIONARY' && h.encoding !== 'PLAIN_DICTIONARY') return undefined
      const n = h.num_values
      if (!isCount(n) || o + n > rows) return undefined
      let page = body
      if (h.is_compressed !== false && meta.codec === 'SNAPPY') {
        page = new Uint8Array(ph.uncompressed_page_size)
        snappyUncompress(body, page)
      }
      if (!indices(page, n, ids, o, dict, remap, names, byName)) return undefined
      o += n
    }
    return o === rows ? { names, ids } : undefined
  } catch {
    return undefined
  }
}

/**
 * The bit width byte and RLE/bit-packed hybrid indices of a dictionary data page into
 * `ids[at, at + count)`, mapped to ids in first-use order; false on an index past the dictionary or a short page.
 */
function indices(page: Uint8Array, count: number, ids: Uint32Array, at: number, dict: readonly string[], remap: Int32Array, names: string[], byName: Map<string, number>): boolean {
  if (count === 0) return true
  if (page.length < 1) return false
  const width = page[0]!
  if (width > 32) return false
  const valueBytes = (width + 7) >> 3
  const mask = width === 32 ? 0xffffffff : 2 ** width - 1
  let p = 1
  let k = 0
  const id = (x: number): number => {
    if (x >= dict.length) return -1
    let r = remap[x]!
    if (r < 0) {
      const s = dict[x]!
      r = byName.get(s) ?? -1
      if (r < 0) {
        r = names.length
        names.push(s)
        byName.set(s, r)
      }
      remap[x] = r
    }
    return r
  }
  while (k < count) {
    // Run header: an unsigned varint (at most five bytes).
    let header = 0
    let mul = 1
    for (let b = 0; ; b++) {
      if (p >= page.length || b > 4) return false
      const x = page[p++]!
      header += (x & 0x7f) * mul
      if (x < 0x80) break
      mul *= 128
    }
    if (header % 2 === 0) {
      const run = header / 2
      if (p + valueBytes > page.length) return false
      let v = 0
      for (let b = 0; b < valueBytes; b++) v += page[p++]! * 2 ** (8 * b)
      const r = id(v)
      if (r < 0 || run === 0) return false
      const stop = Math.min(count, k + run)
      ids.fill(r, at + k, at + stop)
      k = stop
    } else {
      const values = ((header - 1) / 2) * 8
      if (values === 0) return false
      const bytesOf = (values * width) / 8
      if (p + bytesOf > page.length) return false
      let acc = 0
      let accBits = 0
      let mul2 = 1
      let q = p
      for (let j = 0; j < values && k < count; j++) {
        while (accBits < width) {
          acc += page[q++]! * mul2
          mul2 *= 256
          accBits += 8
        }
        const x = acc % (mask + 1)
        acc = (acc - x) / (mask + 1)
        mul2 /= mask + 1
        accBits -= width
        const r = id(x)
        if (r < 0) return false
        ids[at + k++] = r
      }
      p += bytesOf
    }
  }
  return true
}
