import { type ColumnMetaData, snappyUncompress } from 'hyparquet'
import { parquetHeader } from 'hyparquet/src/column.js'

const LIMIT = 2 ** 53

/**
 * Decodes a REQUIRED INT64 column chunk (steps, timestamps) straight into float64, without the
 * per-value BigInt arithmetic of the generic decoder: the layout this store writes (data pages v1 or
 * v2, DELTA_BINARY_PACKED or PLAIN, snappy or uncompressed, no dictionary). Exact: every value and
 * every delta is an integer below 2^53 in magnitude, checked as it goes; anything else (another
 * layout, a wider delta, a larger value, a malformed page) returns undefined and the caller decodes
 * with the generic reader, which also reports damage. `bytes` are the row group's, from `rgStart`.
 */
export function decodeInt64Chunk(bytes: Uint8Array, rgStart: number, meta: ColumnMetaData, rows: number): Float64Array | undefined {
  return meta.type === 'INT64' ? decodeChunk(bytes, rgStart, meta, rows) : undefined
}

/** A REQUIRED DOUBLE column chunk of PLAIN pages (the store's `value`), bit for bit; undefined for any other layout. */
export function decodeDoubleChunk(bytes: Uint8Array, rgStart: number, meta: ColumnMetaData, rows: number): Float64Array | undefined {
  return meta.type === 'DOUBLE' ? decodeChunk(bytes, rgStart, meta, rows) : undefined
}

function decodeChunk(bytes: Uint8Array, rgStart: number, meta: ColumnMetaData, rows: number): Float64Array | undefined {
  const double = meta.type === 'DOUBLE'
  try {
    if (meta.dictionary_page_offset !== undefined) return undefined
    if (meta.codec !== 'SNAPPY' && meta.codec !== 'UNCOMPRESSED') return undefined
    const start = Number(meta.data_page_offset) - rgStart
    const end = start + Number(meta.total_compressed_size)
    if (!(start >= 0 && end <= bytes.length)) return undefined
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const reader = { view, offset: start }
    const out = new Float64Array(rows)
    let o = 0
    while (reader.offset < end && o < rows) {
      const ph = parquetHeader(reader)
      const body = bytes.subarray(reader.offset, reader.offset + ph.compressed_page_size)
      if (body.length !== ph.compressed_page_size) return undefined
      reader.offset += ph.compressed_page_size
      let n: number
      let encoding: string
      let compressed: boolean
      if (ph.type === 'DATA_PAGE_V2' && ph.data_page_header_v2) {
        const h = ph.data_page_header_v2
        if (h.num_nulls !== 0 || h.definition_levels_byte_length !== 0 || h.repetition_levels_byte_length !== 0) return undefined
        n = h.num_values
        encoding = h.encoding
        compressed = h.is_compressed !== false
      } else if (ph.type === 'DATA_PAGE' && ph.data_page_header) {
        n = ph.data_page_header.num_values
        encoding = ph.data_page_header.encoding
        compressed = true
      } else return undefined
      if (o + n > rows) return undefined
      let page = body
      if (compressed && meta.codec === 'SNAPPY') {
        page = new Uint8Array(ph.uncompressed_page_size)
        snappyUncompress(body, page)
      }
      if (double) {
        if (encoding !== 'PLAIN' || page.length < n * 8) return undefined
        // A byte copy keeps every bit (NaN payloads, -0).
        new Uint8Array(out.buffer, o * 8, n * 8).set(page.subarray(0, n * 8))
      } else if (encoding === 'DELTA_BINARY_PACKED') {
        if (!deltaToFloat64(page, n, out, o)) return undefined
      } else if (encoding === 'PLAIN') {
        if (page.length < n * 8) return undefined
        const pv = new DataView(page.buffer, page.byteOffset, page.byteLength)
        for (let i = 0; i < n; i++) {
          const v = pv.getInt32(i * 8 + 4, true) * 4294967296 + pv.getUint32(i * 8, true)
          if (v >= LIMIT || v <= -LIMIT) return undefined
          out[o + i] = v
        }
      } else return undefined
      o += n
    }
    return o === rows ? out : undefined
  } catch {
    return undefined
  }
}

/** DELTA_BINARY_PACKED into `out[at, at + count)`; false when a value or delta falls outside what float64 holds exactly. */
function deltaToFloat64(page: Uint8Array, count: number, out: Float64Array, at: number): boolean {
  let p = 0
  const varint = (): number => {
    let v = 0
    let mul = 1
    for (;;) {
      if (p >= page.length) throw new Error('truncated varint')
      const b = page[p++]!
      v += (b & 0x7f) * mul
      if (b < 0x80) break
      mul *= 128
      if (mul > LIMIT) throw new Error('varint too large')
    }
    // Exact below 2^53 (each term is exact; a sum at or past 2^53 may have rounded: declined).
    if (v >= LIMIT) throw new Error('varint too large')
    return v
  }
  const zigzag = (): number => {
    const v = varint()
    return v % 2 === 1 ? -(v + 1) / 2 : v / 2
  }
  const blockSize = varint()
  const miniblocks = varint()
  varint() // total count
  let value = zigzag()
  if (count === 0) return true
  if (value >= LIMIT || value <= -LIMIT) return false
  if (!(miniblocks > 0 && blockSize % miniblocks === 0 && (blockSize / miniblocks) % 8 === 0)) return false
  const perMini = blockSize / miniblocks
  out[at] = value
  let k = 1
  while (k < count) {
    const minDelta = zigzag()
    // Below 2^52, so minDelta + bits (bits < 2^32) is exact.
    if (minDelta >= LIMIT / 2 || minDelta <= -LIMIT / 2) return false
    const widthsAt = p
    p += miniblocks
    if (p > page.length) return false
    for (let m = 0; m < miniblocks && k < count; m++) {
      const w = page[widthsAt + m]!
      if (w > 32) return false
      if (w === 0) {
        // A run of equal deltas is monotonic, so its last value is its extreme: one range check after
        // the run stands for one per value (the rows are only used when the whole page decodes).
        const stop = Math.min(count, k + perMini)
        while (k < stop) {
          value += minDelta
          out[at + k++] = value
        }
        if (value >= LIMIT || value <= -LIMIT) return false
        continue
      }
      const bytesOf = (perMini * w) / 8
      const next = p + bytesOf
      const pow = 2 ** w
      let acc = 0
      let accBits = 0
      let mul = 1
      for (let j = 0; j < perMini && k < count; j++) {
        while (accBits < w) {
          if (p >= page.length) return false
          acc += page[p++]! * mul
          mul *= 256
          accBits += 8
        }
        const bits = acc % pow
        acc = (acc - bits) / pow
        mul /= pow
        accBits -= w
        value += minDelta + bits
        if (value >= LIMIT || value <= -LIMIT) return false
        out[at + k++] = value
      }
      p = next
    }
  }
  return true
}
