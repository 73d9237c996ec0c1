import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Aggregate, batchFromRows, executeQuery, type MetricQuery, type RecordBatch, type RecordRow } from '@entrenar/core'
import fc from 'fast-check'
import { parquetMetadata } from 'hyparquet'
import { describe, expect, it } from 'vitest'
import { openStore } from '../src/index.js'
import { ByteLru } from '../src/store/lru.js'
import { rows, T0, tempDir } from './helpers/fixtures.js'

const segFiles = (dir: string, run: string) =>
  readdirSync(join(dir, 'metrics', `run_id=${run}`))
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => join(dir, 'metrics', `run_id=${run}`, f))

/** Overwrites the middle of a file's data pages, keeping its size and footer: any read of a row group now fails its CRC. */
function damageData(path: string): void {
  const b = readFileSync(path)
  for (let i = 8; i < b.length / 2; i++) b[i] = b[i]! ^ 0x5a
  writeFileSync(path, b)
}

describe('column cache: scan resistance', () => {
  it('a repeated read larger than the cache keeps the part that fits (plain LRU would hit nothing)', () => {
    const lru = new ByteLru<number>(10)
    const pass = () => {
      lru.newEpoch()
      let hits = 0
      for (let k = 0; k < 15; k++) {
        if (lru.get(`k${k}`) !== undefined) hits++
        else lru.set(`k${k}`, k, 1)
      }
      return hits
    }
    expect(pass()).toBe(0)
    expect(pass()).toBe(10)
    expect(pass()).toBe(10)
    expect(lru.bytes).toBe(10)
  })

  it("a new read evicts older reads' entries, never its own", () => {
    const lru = new ByteLru<number>(4)
    lru.newEpoch()
    for (let k = 0; k < 4; k++) expect(lru.set(`a${k}`, k, 1)).toBe(true)
    lru.newEpoch()
    expect(lru.get('a3')).toBe(3) // touched by this read: protected
    for (let k = 0; k < 3; k++) expect(lru.set(`b${k}`, k, 1)).toBe(true)
    expect(lru.set('b3', 3, 1)).toBe(false) // only this read's entries are left
    expect(lru.get('a3')).toBe(3)
    expect(['a0', 'a1', 'a2'].map((k) => lru.get(k))).toEqual([undefined, undefined, undefined])
    expect(lru.bytes).toBe(4)
    expect(lru.set('huge', 0, 5)).toBe(false)
  })
})

describe('metric-filtered queries cache the rows they select', () => {
  // rowGroupRows 1500 over metrics a, b, c × 1000 steps (sorted by metric): both row groups hold b and another metric.
  async function fixture(runs: number) {
    const dir = tempDir('pieces')
    const s = await openStore(dir, { rowGroupRows: 1500 })
    const written: RecordBatch[] = []
    for (let r = 0; r < runs; r++) {
      for (const m of ['a', 'b', 'c']) {
        const b = rows(`run-${r}`, m, 0, 1000, (x) => Math.sin(x + r) * (m === 'b' ? 3 : 1))
        written.push(b)
        await s.write(b)
      }
    }
    await s.close()
    return { dir, written }
  }

  it('caches only the wanted metric of mixed row groups, and answers again from the cache alone', async () => {
    const { dir, written } = await fixture(4)
    const t = await openStore(dir)
    const q: MetricQuery = { metrics: ['b'] }
    const first = await t.query(q)
    expect(first).toEqual(executeQuery(q, written))
    // 4 runs × 1000 rows of b × (ts, step, value) plus two small directories per row group; whole row
    // groups would be 4 × 3000 rows × 28 B = 336 000 B.
    const bytes = t.stats().cacheBytes
    expect(bytes).toBeGreaterThanOrEqual(4 * 1000 * 24)
    expect(bytes).toBeLessThan(4 * 1000 * 24 + 4 * 2 * 512)
    // Damage every segment's data pages: a query that read a row group now would fail its CRC.
    for (let r = 0; r < 4; r++) for (const f of segFiles(dir, `run-${r}`)) damageData(f)
    expect(await t.query(q)).toEqual(first)
    expect(await t.query({ metrics: ['b'], aggregate: 'mean' })).toEqual(executeQuery({ metrics: ['b'], aggregate: 'mean' }, written))
    expect(t.stats().cacheBytes).toBe(bytes)
    expect(t.problems()).toEqual([])
    await t.close()
  })

  it('a metric absent from a row group decoded before is skipped without reading it', async () => {
    const { dir, written } = await fixture(2)
    // Room for the rows of b (2 × 1000 × 24 B and the directories), not for whole row groups (2 × 3000 × 28 B).
    const t = await openStore(dir, { cacheBytes: 60_000 })
    await t.query({ metrics: ['b'] }) // learns which metrics each row group holds
    for (let r = 0; r < 2; r++) for (const f of segFiles(dir, `run-${r}`)) damageData(f)
    // 'bb' sorts between 'b' and 'c': inside the second row group's min/max statistics, but not in it.
    expect(await t.query({ metrics: ['bb'] })).toEqual(executeQuery({ metrics: ['bb'] }, written))
    expect(t.problems()).toEqual([])
    await t.close()
  })

  it('a cache smaller than the selected rows stays within its bound and answers exactly, cold and warm', async () => {
    const { dir, written } = await fixture(6)
    const t = await openStore(dir, { cacheBytes: 60_000 })
    const q: MetricQuery = { metrics: ['b'], bucket: { points: 50, mode: 'minmax-last' } }
    const want = executeQuery(q, written)
    for (let i = 0; i < 3; i++) {
      expect(await t.query(q)).toEqual(want)
      expect(t.stats().cacheBytes).toBeGreaterThan(0)
      expect(t.stats().cacheBytes).toBeLessThanOrEqual(60_000)
    }
    await t.close()
  })
})

describe('damage found part-way', () => {
  it('query() and range() leave out a segment whose later row group is damaged, never half of it', async () => {
    const dir = tempDir('halfdamaged')
    const w = await openStore(dir, { rowGroupRows: 500 })
    await w.write(rows('r', 'loss', 0, 1000))
    await w.write(rows('ok', 'loss', 0, 10))
    await w.close()
    const [file] = segFiles(dir, 'r')
    const bytes = readFileSync(file!)
    const groups = JSON.parse(parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)).key_value_metadata!.find((k) => k.key === 'entrenar.row_groups')!.value!) as [number, number, number][]
    expect(groups).toHaveLength(2)
    for (let i = groups[1]![0]; i < groups[1]![1]; i++) bytes[i] = bytes[i]! ^ 0x5a
    writeFileSync(file!, bytes)
    const t = await openStore(dir, { onCorrupt: () => {} })
    const got = await t.range(T0 - 1, T0 + 2_000_000)
    expect(got.map((b) => [b.runId, b.length])).toEqual([['ok', 10]])
    expect(t.problems().map((e) => e.code)).toEqual(['ENTRENAR_DB_CORRUPT'])
    expect((await t.query({})).series.map((x) => x.runId)).toEqual(['ok'])
    await t.close()
  })
})

describe('cache invalidation', () => {
  it('warm answers follow new segments, compaction and retention', async () => {
    const dir = tempDir('invalidate')
    const w = await openStore(dir, { rowGroupRows: 700, sealAfterMs: Number.POSITIVE_INFINITY })
    const reader = await openStore(dir, { recoverWal: false })
    const written: RecordBatch[] = []
    const put = async (b: RecordBatch) => {
      written.push(b)
      await w.write(b)
    }
    await put(rows('r', 'a', 0, 1000))
    await put(rows('r', 'b', 0, 1000))
    await w.seal()
    const queries: MetricQuery[] = [{ metrics: ['a'] }, { metrics: ['b'], aggregate: 'mean' }, { aggregate: 'sum' }, { metrics: ['a'], steps: [500, 1500] }]
    const check = async () => {
      for (const q of queries) {
        expect(await reader.query(q)).toEqual(executeQuery(q, written))
        expect(await w.query(q)).toEqual(executeQuery(q, written))
      }
    }
    await check()
    await check() // warm
    // New rows of both metrics in a second segment; a rewrite of step 10 of 'a' with another value.
    await put(rows('r', 'a', 1000, 1600, (s) => -s))
    await put(rows('r', 'b', 900, 1200, (s) => s * 2))
    await w.seal()
    await check()
    const report = await w.compact({ minSegments: 2 })
    expect(report.merged).toBe(2)
    await check()
    await check()
    // Retention deletes every segment (their rows are from 2023): nothing is answered from the cache.
    expect((await w.applyRetention(1)).deletedSegments).toBe(1)
    written.length = 0
    await check()
    await w.close()
    await reader.close()
  })
})

describe('differential: the Parquet store answers as the reference, cold and warm, whatever the row-group layout', () => {
  const aggregates: Aggregate[] = ['mean', 'min', 'max', 'sum', 'count', 'std', 'p50', 'p90', 'p99', 'first', 'last']
  const value = fc.oneof(
    { weight: 8, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0) },
  )
  const row = fc.record({
    run: fc.constantFrom('r1', 'r2', 'r3'),
    metric: fc.constantFrom('a', 'b', 'c', 'd'),
    step: fc.integer({ min: 0, max: 60 }),
    dt: fc.integer({ min: 0, max: 5 }),
    value,
    tag: fc.constantFrom(null, 'x', 'y'),
  })
  const query = fc.record(
    {
      metrics: fc.subarray(['a', 'b', 'c', 'd', 'zz'], { minLength: 1 }),
      runs: fc.subarray(['r1', 'r2', 'r3', 'r9'], { minLength: 1 }),
      steps: fc.tuple(fc.integer({ min: -5, max: 40 }), fc.integer({ min: 0, max: 70 })),
      from: fc.integer({ min: 0, max: 300 }).map((x) => T0 + x),
      aggregate: fc.constantFrom(...aggregates),
      tags: fc.constantFrom({ k: 'x' }, { k: 'y' }),
    },
    { requiredKeys: [] },
  )

  it('typed queries equal executeQuery over the same rows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(row, { minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 3, max: 40 }),
        fc.array(query, { minLength: 1, maxLength: 6 }),
        async (seals, rowGroupRows, queries) => {
          const dir = tempDir('diff')
          const s = await openStore(dir, { rowGroupRows, sealAfterMs: Number.POSITIVE_INFINITY, threads: false })
          const written: RecordBatch[] = []
          for (const seal of seals) {
            const byRun = new Map<string, Omit<RecordRow, 'runId'>[]>()
            for (const r of seal) {
              const list = byRun.get(r.run) ?? []
              list.push({ metric: r.metric, step: r.step, value: r.value, timestampUs: T0 + r.step * 4 + r.dt, epoch: null, batch: null, tags: r.tag ? { k: r.tag } : null })
              byRun.set(r.run, list)
            }
            for (const [run, list] of byRun) {
              const b = batchFromRows(run, list)
              written.push(b)
              await s.write(b)
            }
            await s.seal()
          }
          await s.close()
          const t = await openStore(dir, { recoverWal: false })
          try {
            for (const q of queries) {
              const want = executeQuery(q, written)
              expect(await t.query(q)).toEqual(want) // cold
              expect(await t.query(q)).toEqual(want) // warm
            }
          } finally {
            await t.close()
          }
        },
      ),
      { numRuns: 40 },
    )
  }, 180_000)
})
