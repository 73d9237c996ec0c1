import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { batchFromRows, isEntrenarError, type RecordBatch } from '@entrenar/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { openStore } from '../src/index.js'
import { loadDuckDb } from '../src/sql/duckdb.js'
import { crc32 } from '../src/node/io.js'
import { decodeWal, encodeFrame, WAL_MAGIC } from '../src/wal/codec.js'
import { rows, T0, tempDir } from './helpers/fixtures.js'

const parts = (dir: string, run: string) => readdirSync(join(dir, 'metrics', `run_id=${run}`)).filter((f) => f.endsWith('.parquet'))

describe('write path', () => {
  it('close() while a segment is being written seals every row (regression: rows written during a seal were dropped)', async () => {
    const dir = tempDir('close-seal')
    const s = await openStore(dir, { segmentRows: 2 })
    for (let i = 0; i < 7; i++) await s.write(rows(`r${i}`, 'loss', 0, 1))
    await s.close()
    const t = await openStore(dir)
    expect((await t.query({})).series.map((x) => x.runId)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6'])
    await t.close()
  })

  it('group commit: concurrent flush() calls share fsyncs', async () => {
    const s = await openStore(tempDir('group'), { sealAfterMs: Number.POSITIVE_INFINITY })
    await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      await s.write(rows('r', 'loss', i * 10, i * 10 + 10))
      await s.flush()
    }))
    expect(s.stats().walSyncs).toBeGreaterThan(0)
    expect(s.stats().walSyncs).toBeLessThan(25)
    expect((await s.query({ aggregate: 'count' })).series[0]!.value[0]).toBe(500)
    await s.close()
  })

  it('memory stays bounded by maxBufferBytes whatever the run length', async () => {
    const s = await openStore(tempDir('bounded'), { maxBufferBytes: 256 * 1024, segmentRows: 1_000_000 })
    let peak = 0
    for (let i = 0; i < 60; i++) {
      await s.write(rows('r', 'loss', i * 500, i * 500 + 500))
      peak = Math.max(peak, s.stats().bufferedBytes)
    }
    await s.flush()
    // One batch (500 rows ≈ 44 KB of columns and WAL frame) may land on top of the bound.
    expect(peak).toBeLessThanOrEqual(256 * 1024 + 500 * 100)
    expect(s.stats().segmentsWritten).toBeGreaterThan(2)
    expect((await s.query({ aggregate: 'count' })).series[0]!.value[0]).toBe(30_000)
    await s.close()
  })

  it('rejects bad input with coded errors and keeps earlier rows', async () => {
    const s = await openStore(tempDir('bad'))
    await s.write(rows('r', 'loss', 0, 3))
    const good = rows('r', 'loss', 3, 4)
    await expect(s.write({ ...good, timestampUs: Float64Array.of(Number.NaN) })).rejects.toMatchObject({ code: 'ENTRENAR_WIRE_INVALID' })
    await expect(s.write({ ...good, step: Float64Array.of(2 ** 60) })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_STEP' })
    await expect(s.write({ ...good, runId: '' })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_RUN_ID' })
    await expect(s.putRun({ id: 'x', status: 'bogus' as never, startTimeMs: 0 })).rejects.toMatchObject({ code: 'ENTRENAR_WIRE_INVALID' })
    await expect(s.putRun({ id: 'x', status: 'running', startTimeMs: 0, config: { n: 1n } })).rejects.toMatchObject({ code: 'ENTRENAR_WIRE_INVALID' })
    await expect(openStore(tempDir('cfg'), { segmentRows: -1 })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    expect((await s.query({ aggregate: 'count' })).series[0]!.value[0]).toBe(3)
    await s.close()
  })

  it('epoch, batch and tags round-trip through segments; timestamps are kept at microsecond precision', async () => {
    const dir = tempDir('fields')
    const s = await openStore(dir)
    const b = batchFromRows('r', [
      { metric: 'loss', value: -0, step: 1, timestampUs: T0 + 0.25, epoch: 2, batch: 7, tags: { split: 'val', z: 'ü' } },
      { metric: 'loss', value: 1, step: 2, timestampUs: T0 + 1, epoch: null, batch: 0, tags: null },
    ])
    await s.write(b)
    await s.close()
    const t = await openStore(dir)
    const [got] = await t.range(0, Number.MAX_SAFE_INTEGER)
    expect(Array.from(got!.epoch)).toEqual([2, -2147483648])
    expect(Array.from(got!.batch)).toEqual([7, 0])
    expect(Array.from(got!.timestampUs)).toEqual([T0, T0 + 1])
    expect(Object.is(got!.value[0], -0)).toBe(true)
    expect(got!.tagSets[got!.tagIndex[0]!]).toEqual({ split: 'val', z: 'ü' })
    expect(got!.tagIndex[1]).toBe(-1)
    await t.close()
  })
})

describe('reads', () => {
  it('row groups outside the filter are pruned and repeated queries hit the column cache', async () => {
    const dir = tempDir('prune')
    const s = await openStore(dir, { rowGroupRows: 1000 })
    await s.write(rows('r', 'loss', 0, 10_000))
    await s.write(rows('r', 'acc', 0, 10_000))
    await s.close()
    const t = await openStore(dir)
    const q = { runs: ['r'], metrics: ['loss'], steps: [4200, 4300] as [number, number] }
    const first = await t.query(q)
    expect(Array.from(first.series[0]!.x)).toEqual(Array.from({ length: 101 }, (_, i) => 4200 + i))
    // One row group of 'loss' decoded: 1000 rows × (ts, step, value 8 B + metric 4 B).
    expect(t.stats().cacheBytes).toBeLessThan(2 * 1000 * 28 + 1024)
    const before = t.stats().cacheBytes
    await t.query(q)
    expect(t.stats().cacheBytes).toBe(before)
    await t.close()
  })
})

describe('compaction and retention', () => {
  it('compaction merges small segments atomically and answers stay the same', async () => {
    const dir = tempDir('compact')
    const s = await openStore(dir, { segmentRows: 100 })
    for (let i = 0; i < 10; i++) {
      await s.write(rows('r', i % 2 ? 'loss' : 'acc', i * 100, i * 100 + 100, (x) => Math.sin(x)))
      await s.seal()
    }
    const n = parts(dir, 'r').length
    expect(n).toBe(10)
    const q = { runs: ['r'], bucket: { points: 17, mode: 'minmax-last' as const } }
    const before = await s.query(q)
    const report = await s.compact()
    expect(report).toEqual({ merged: n, written: 1, rows: 1000 })
    expect(parts(dir, 'r').length).toBe(1)
    expect(await s.query(q)).toEqual(before)
    await s.close()
    const t = await openStore(dir)
    expect(await t.query(q)).toEqual(before)
    await t.close()
  })

  it('a replaced segment that survived a crash is ignored by readers and deleted by the next compaction', async () => {
    const dir = tempDir('compact-crash')
    const s = await openStore(dir, { segmentRows: 50 })
    for (let i = 0; i < 4; i++) await s.write(rows('r', 'loss', i * 50, i * 50 + 50))
    await s.seal()
    const keep = mkdtempSync(join(dir, '..', 'keep-'))
    const old = parts(dir, 'r')[0]!
    copyFileSync(join(dir, 'metrics', 'run_id=r', old), join(keep, old))
    await s.compact()
    copyFileSync(join(keep, old), join(dir, 'metrics', 'run_id=r', old)) // as if the delete never happened
    const t = await openStore(dir)
    expect((await t.query({ aggregate: 'count' })).series[0]!.value[0]).toBe(200)
    expect((await t.sql('SELECT count(*)::INTEGER FROM metrics')).rows).toEqual([[200]])
    await t.compact()
    expect(parts(dir, 'r')).not.toContain(old)
    await s.close()
    await t.close()
  })

  it('retention deletes segments whose newest row is older than maxAgeDays, and is off by default', async () => {
    const dir = tempDir('retention')
    const s = await openStore(dir)
    const now = Date.now() * 1000
    const old: RecordBatch = batchFromRows('old', [{ metric: 'loss', value: 1, step: 1, timestampUs: now - 40 * 86_400e6, epoch: null, batch: null, tags: null }])
    await s.write(old)
    await s.write(batchFromRows('new', [{ metric: 'loss', value: 1, step: 1, timestampUs: now, epoch: null, batch: null, tags: null }]))
    await s.close()
    const keepAll = await openStore(dir)
    expect((await keepAll.query({})).series.length).toBe(2)
    await keepAll.close()
    const t = await openStore(dir, { retention: { maxAgeDays: 30 } })
    expect((await t.query({})).series.map((x) => x.runId)).toEqual(['new'])
    await t.close()
  })
})

describe('WAL codec', () => {
  it('round-trips any batch bit-exactly (NaN, ±Inf, -0, huge steps, tags)', () => {
    const row = fc.record({
      metric: fc.constantFrom('loss', 'acc', '🚀'),
      value: fc.double(),
      step: fc.maxSafeInteger(),
      timestampUs: fc.integer({ min: 0, max: 2 ** 52 }),
      epoch: fc.option(fc.integer({ min: -1000, max: 1000 })),
      batch: fc.option(fc.integer({ min: 0, max: 1000 })),
      tags: fc.option(fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 })),
    })
    fc.assert(
      fc.property(fc.array(fc.array(row, { maxLength: 20 }), { minLength: 1, maxLength: 4 }), (batches) => {
        const bs = batches.map((r) => batchFromRows('run', r))
        const frames = bs.map((b) => encodeFrame(b, crc32))
        const file = new Uint8Array(WAL_MAGIC.length + frames.reduce((s, f) => s + f.length, 0))
        file.set(WAL_MAGIC)
        let off = WAL_MAGIC.length
        for (const f of frames) {
          file.set(f, off)
          off += f.length
        }
        const scan = decodeWal(file, crc32)
        expect(scan.badOffset).toBeUndefined()
        expect(scan.batches.length).toBe(bs.length)
        scan.batches.forEach((got, i) => {
          const want = bs[i]!
          expect(new Uint8Array(got.value.buffer, got.value.byteOffset, got.value.byteLength)).toEqual(new Uint8Array(want.value.buffer, want.value.byteOffset, want.value.byteLength))
          expect(Array.from(got.step)).toEqual(Array.from(want.step))
          expect(got.tagSets).toEqual(want.tagSets)
          expect(Array.from(got.tagIndex)).toEqual(Array.from(want.tagIndex))
        })
      }),
      { numRuns: 60 },
    )
  })
})

describe('SQL', () => {
  it('without @duckdb/node-api, sql() fails with ENTRENAR_UNSUPPORTED and the install command', async () => {
    try {
      await loadDuckDb('@duckdb/not-installed-package')
      expect.unreachable()
    } catch (e) {
      expect(isEntrenarError(e, 'ENTRENAR_UNSUPPORTED')).toBe(true)
      expect((e as Error).message).toContain('npm install @duckdb/node-api')
    }
  })
})
