import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { batchFromRows, NULL_INT32, type RecordRow } from '@entrenar/core'
import fc from 'fast-check'
import { type FileMetaData, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { afterAll, describe, expect, it } from 'vitest'
import { crc32 } from '../src/node/io.js'
import { type SortedRows, sortRows } from '../src/segment/rows.js'
import { encodeSegment } from '../src/segment/write.js'
import { T0, tempDir } from './helpers/fixtures.js'

const dir = tempDir('segment-write')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const METRICS = ['loss', 'acc', 'é', '🚀', 'Z', 'ｚ', 'a/b']
const TAGS: (Record<string, string> | null)[] = [null, { phase: 'train' }, { phase: 'val', host: 'h1' }, { 'ключ': '值' }]

const row = fc.record({
  metric: fc.constantFrom(...METRICS),
  value: fc.oneof(fc.double(), fc.constantFrom(Number.NaN, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY)),
  // Small steps take the fast delta path; huge ones (span beyond 2^44) the 64-bit one.
  step: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.maxSafeInteger()),
  timestampUs: fc.oneof(fc.integer({ min: 0, max: 100_000 }).map((d) => T0 + d * 10), fc.integer({ min: -(2 ** 53), max: 2 ** 53 }), fc.constantFrom(-9.2e18, 9.2e18, -(2 ** 52) - 1, 2 ** 52 + 1, 2 ** 51, -(2 ** 51))),
  epoch: fc.option(fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 })),
  batch: fc.option(fc.integer({ min: 0, max: 1000 })),
  tags: fc.constantFrom(...TAGS),
})

type Obj = Record<string, unknown>

function expected(r: SortedRows, i: number): Obj {
  const e = r.epoch[i]!
  const b = r.batch[i]!
  const t = r.tagIndex[i]!
  return {
    timestamp: BigInt(r.timestampUs[i]!),
    run_id: r.runId,
    step: BigInt(r.step[i]!),
    epoch: e === NULL_INT32 ? null : e,
    batch: b === NULL_INT32 ? null : b,
    metric: r.metricNames[r.metric[i]!],
    value: r.value[i]!,
    tags: t < 0 ? null : r.tagJson[t],
  }
}

const utf8 = (s: string) => Buffer.from(s, 'utf8')

/** Reads every row with hyparquet, the timestamp relabelled as a plain INT64 (as the store's reader does). */
async function readBack(bytes: Uint8Array): Promise<{ objs: Obj[]; meta: FileMetaData }> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  const meta = await parquetMetadataAsync(file, { parsers: { timestampFromMicroseconds: (v: bigint) => v } as never })
  const plain = { ...meta, schema: meta.schema.map((s) => (s.name === 'timestamp' ? { ...s, converted_type: undefined, logical_type: undefined } : s)) }
  const objs = (await parquetReadObjects({ file, metadata: plain })) as Obj[]
  return { objs, meta }
}

describe('segment encoder (Parquet bytes from typed arrays)', () => {
  it('every value reads back exactly, and each row group carries the true min/max and null counts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(row, { maxLength: 40 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 50 }), async (lists, rgRows) => {
        const batches = lists.map((l) => batchFromRows('run/é', l as Omit<RecordRow, 'runId'>[]))
        const sorted = sortRows('run/é', batches)
        const bytes = await encodeSegment(sorted, { rowGroupRows: rgRows, crc32 })
        const { objs, meta } = await readBack(bytes)
        expect(objs.length).toBe(sorted.length)
        for (let i = 0; i < sorted.length; i++) {
          const want = expected(sorted, i)
          const got = objs[i]!
          expect(Object.is(got.value, want.value) || (Number.isNaN(got.value) && Number.isNaN(want.value))).toBe(true)
          expect({ ...got, value: 0 }).toEqual({ ...want, value: 0 })
        }
        // NaN payloads survive: the value bytes are the input's.
        const bits = new Float64Array(objs.map((o) => o.value as number))
        expect(Buffer.from(bits.buffer).equals(Buffer.from(sorted.value.buffer, sorted.value.byteOffset, sorted.value.byteLength))).toBe(true)
        let lo = 0
        for (const rg of meta.row_groups) {
          const hi = lo + Number(rg.num_rows)
          const col = (name: string) => rg.columns.find((c) => c.meta_data!.path_in_schema[0] === name)!.meta_data!
          const span = (f: (i: number) => number) => {
            let a = Number.POSITIVE_INFINITY
            let b = Number.NEGATIVE_INFINITY
            for (let i = lo; i < hi; i++) {
              a = Math.min(a, f(i))
              b = Math.max(b, f(i))
            }
            return [a, b]
          }
          const [t0, t1] = span((i) => sorted.timestampUs[i]!)
          expect(col('timestamp').statistics!.min_value).toBe(BigInt(t0!))
          expect(col('timestamp').statistics!.max_value).toBe(BigInt(t1!))
          const [s0, s1] = span((i) => sorted.step[i]!)
          expect(col('step').statistics!.min_value).toBe(BigInt(s0!))
          expect(col('step').statistics!.max_value).toBe(BigInt(s1!))
          const names = [...new Set(Array.from({ length: hi - lo }, (_, k) => sorted.metricNames[sorted.metric[lo + k]!]!))].sort((a, b) => Buffer.compare(utf8(a), utf8(b)))
          expect(col('metric').statistics!.min_value).toBe(names[0])
          expect(col('metric').statistics!.max_value).toBe(names.at(-1))
          for (const name of ['epoch', 'batch'] as const) {
            const vals = Array.from({ length: hi - lo }, (_, k) => sorted[name][lo + k]!).filter((v) => v !== NULL_INT32)
            const st = col(name).statistics!
            expect(Number(st.null_count)).toBe(hi - lo - vals.length)
            if (vals.length > 0) expect([st.min_value, st.max_value]).toEqual([Math.min(...vals), Math.max(...vals)])
          }
          const tagNulls = Array.from({ length: hi - lo }, (_, k) => sorted.tagIndex[lo + k]!).filter((t) => t < 0).length
          expect(Number(col('tags').statistics!.null_count)).toBe(tagNulls)
          lo = hi
        }
      }),
      { numRuns: 60 },
    )
  })

  it('DuckDB reads the same rows, types and statistics-pruned ranges', async () => {
    const list: Omit<RecordRow, 'runId'>[] = []
    for (let s = 0; s < 3000; s++) {
      for (const [k, metric] of METRICS.entries()) {
        const tags = TAGS[(s + k) % TAGS.length]!
        list.push({ metric, step: s, value: s === 7 ? Number.NaN : s === 8 ? -0 : s === 9 ? Number.NEGATIVE_INFINITY : Math.sin(s + k), timestampUs: T0 + (s * METRICS.length + k) * 10, epoch: s % 5 === 0 ? null : s >> 8, batch: s % 3 === 0 ? null : s, tags })
      }
    }
    const sorted = sortRows('duck', [batchFromRows('duck', list.slice(0, 10_000)), batchFromRows('duck', list.slice(10_000))])
    const path = join(dir, 'duck.parquet')
    writeFileSync(path, await encodeSegment(sorted, { rowGroupRows: 4096, crc32 }))
    const { DuckDBInstance } = await import('@duckdb/node-api')
    const conn = await (await DuckDBInstance.create(':memory:')).connect()
    const rows = (await conn.runAndReadAll(`SELECT epoch_us(timestamp), run_id, step, epoch, batch, metric, value, tags FROM read_parquet('${path}')`)).getRowsJS()
    expect(rows.length).toBe(sorted.length)
    for (let i = 0; i < sorted.length; i += 1) {
      const w = expected(sorted, i)
      const g = rows[i]!
      expect([g[0], g[1], g[2], g[3], g[4], g[5], g[7]]).toEqual([w.timestamp, w.run_id, w.step, w.epoch, w.batch, w.metric, w.tags])
      const v = g[6] as number
      expect(Object.is(v, w.value) || (Number.isNaN(v) && Number.isNaN(w.value))).toBe(true)
    }
    const meta = (await conn.runAndReadAll(`SELECT path_in_schema, stats_min_value, stats_max_value, stats_null_count, compression FROM parquet_metadata('${path}') WHERE row_group_id = 0 ORDER BY column_id`)).getRowsJS()
    expect(meta.map((r) => r[0])).toEqual(['timestamp', 'run_id', 'step', 'epoch', 'batch', 'metric', 'value', 'tags'])
    // Row group 0: the 3000 rows of 'Z' and the first 1096 of 'a/b' (rows sorted by metric).
    expect(meta.find((r) => r[0] === 'metric')!.slice(1, 4)).toEqual(['Z', 'a/b', 0n])
    expect(meta.find((r) => r[0] === 'epoch')![3]).toBe(BigInt(sorted.epoch.subarray(0, 4096).filter((e) => e === NULL_INT32).length))
    // DuckDB prunes by the footer statistics and still answers exactly.
    const n = (await conn.runAndReadAll(`SELECT count(*) FROM read_parquet('${path}') WHERE metric = 'loss' AND step BETWEEN 100 AND 199`)).getRowsJS()[0]![0]
    expect(Number(n)).toBe(100)
    conn.closeSync()
  })
})
