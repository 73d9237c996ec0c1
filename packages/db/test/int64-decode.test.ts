import { parquetMetadata, parquetReadObjects } from 'hyparquet'
import { parquetWriteBuffer } from 'hyparquet-writer'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeDoubleChunk, decodeInt64Chunk } from '../src/segment/int64.js'

/** One INT64 column written by hyparquet-writer, decoded by the fast path and by hyparquet (BigInt). */
async function both(values: bigint[], encoding: 'DELTA_BINARY_PACKED' | 'PLAIN', codec: 'SNAPPY' | 'UNCOMPRESSED', pageSize: number) {
  const buf = parquetWriteBuffer({
    columnData: [{ name: 'x', data: BigInt64Array.from(values), type: 'INT64', nullable: false, encoding }],
    codec,
    pageSize,
    rowGroupSize: values.length,
  })
  const md = parquetMetadata(buf)
  const meta = md.row_groups[0]!.columns[0]!.meta_data!
  const fast = decodeInt64Chunk(new Uint8Array(buf), 0, meta, values.length)
  const ref = (await parquetReadObjects({ file: buf, columns: ['x'] })).map((r) => r.x as bigint)
  return { fast, ref }
}

const within = (v: bigint) => v < 2n ** 53n && v > -(2n ** 53n)

describe('INT64 chunks decoded without BigInt', () => {
  it('equal the generic decoder exactly, or decline (undefined) when a value is not exactly a double', async () => {
    const big = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
    const near = fc.bigInt({ min: -(2n ** 53n) - 5n, max: 2n ** 53n + 5n })
    const steps = fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 51n }), fc.array(fc.bigInt({ min: -3n, max: 70_000n }), { maxLength: 400 })).map(([s, d]) => {
      let v = s
      return [s, ...d.map((x) => (v += x))]
    })
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(steps, fc.array(near, { minLength: 1, maxLength: 300 }), fc.array(big, { minLength: 1, maxLength: 50 })),
        fc.constantFrom('DELTA_BINARY_PACKED' as const, 'PLAIN' as const),
        fc.constantFrom('SNAPPY' as const, 'UNCOMPRESSED' as const),
        fc.constantFrom(64, 1 << 20),
        async (values, encoding, codec, pageSize) => {
          const { fast, ref } = await both(values, encoding, codec, pageSize)
          expect(ref).toEqual(values)
          if (fast) {
            expect(values.every(within)).toBe(true)
            expect(Array.from(fast)).toEqual(values.map(Number))
          }
          // The store's own layout (steps, timestamps well inside 2^53) never needs the fallback.
          if (encoding === 'DELTA_BINARY_PACKED' && values.every((v) => v >= 0n && v < 2n ** 51n) && values.every((v, i) => i === 0 || (v >= values[i - 1]! && v - values[i - 1]! < 2n ** 31n))) {
            expect(fast).toBeDefined()
          }
        },
      ),
      { numRuns: 300 },
    )
  }, 120_000)

  it('DOUBLE PLAIN chunks come back bit for bit (NaN, ±Inf, -0), other encodings are declined', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double(), { minLength: 1, maxLength: 400 }),
        fc.constantFrom('SNAPPY' as const, 'UNCOMPRESSED' as const),
        fc.constantFrom(64, 1 << 20),
        async (values, codec, pageSize) => {
          const buf = parquetWriteBuffer({ columnData: [{ name: 'x', data: Float64Array.from(values), type: 'DOUBLE', nullable: false, encoding: 'PLAIN' }], codec, pageSize })
          const meta = parquetMetadata(buf).row_groups[0]!.columns[0]!.meta_data!
          const fast = decodeDoubleChunk(new Uint8Array(buf), 0, meta, values.length)
          expect(fast).toBeDefined()
          expect(Array.from(fast!).every((v, i) => Object.is(v, values[i]))).toBe(true)
          expect(decodeInt64Chunk(new Uint8Array(buf), 0, meta, values.length)).toBeUndefined()
        },
      ),
      { numRuns: 100 },
    )
    const dict = parquetWriteBuffer({ columnData: [{ name: 'x', data: Float64Array.of(1, 1, 1, 2), type: 'DOUBLE', nullable: false }] })
    const meta = parquetMetadata(dict).row_groups[0]!.columns[0]!.meta_data!
    if (meta.dictionary_page_offset !== undefined) expect(decodeDoubleChunk(new Uint8Array(dict), 0, meta, 4)).toBeUndefined()
  }, 120_000)

  it('declines malformed or truncated pages instead of guessing', async () => {
    const values = Array.from({ length: 500 }, (_, i) => BigInt(1_700_000_000_000_000 + i * 1000))
    const buf = parquetWriteBuffer({ columnData: [{ name: 'x', data: BigInt64Array.from(values), type: 'INT64', nullable: false, encoding: 'DELTA_BINARY_PACKED' }], codec: 'UNCOMPRESSED' })
    const meta = parquetMetadata(buf).row_groups[0]!.columns[0]!.meta_data!
    const bytes = new Uint8Array(buf)
    expect(Array.from(decodeInt64Chunk(bytes, 0, meta, 500)!)).toEqual(values.map(Number))
    expect(decodeInt64Chunk(bytes.subarray(0, Number(meta.data_page_offset) + 20), 0, meta, 500)).toBeUndefined()
    expect(decodeInt64Chunk(bytes, 0, meta, 499)).toBeUndefined()
    expect(decodeInt64Chunk(bytes, 0, { ...meta, type: 'INT32' }, 500)).toBeUndefined()
    expect(decodeInt64Chunk(bytes, 0, { ...meta, codec: 'ZSTD' }, 500)).toBeUndefined()
  })

  it('declines a run of equal deltas that crosses 2^53 part-way, and decodes one that stays below', async () => {
    // Equal deltas pack with bit width 0: the range is checked once per run, at its (extreme) end.
    // A first value below 2^52 (its zigzag form must stay below 2^53), then equal steps of 2^43.
    for (const sign of [1n, -1n]) {
      const start = sign * (2n ** 52n - 1000n)
      const values = Array.from({ length: 1000 }, (_, i) => start + sign * BigInt(i) * 2n ** 43n)
      const { fast, ref } = await both(values, 'DELTA_BINARY_PACKED', 'UNCOMPRESSED', 1 << 20)
      expect(ref).toEqual(values)
      expect(values.every(within)).toBe(false)
      expect(fast).toBeUndefined()
      const safe = values.slice(0, 500)
      const ok = await both(safe, 'DELTA_BINARY_PACKED', 'UNCOMPRESSED', 1 << 20)
      expect(safe.every(within)).toBe(true)
      expect(Array.from(ok.fast ?? [])).toEqual(safe.map(Number))
    }
  })
})

