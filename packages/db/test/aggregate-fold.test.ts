import { type Aggregate, batchFromRows, createMemoryStore, type MetricQuery, type RecordRow } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { openStore } from '../src/index.js'
import { prng, T0, tempDir } from './helpers/fixtures.js'

/**
 * Aggregates over ordered segments fold the rows as they are read (no copy of the values): the
 * answers must equal the in-memory reference bit for bit, NaN, ±Inf, filters and tags included.
 */
describe('aggregates over ordered segments', () => {
  it('equal the in-memory reference exactly, for every aggregate, with time, step and tag filters', async () => {
    const rnd = prng(7)
    const mem = createMemoryStore()
    const dir = tempDir('fold')
    const s = await openStore(dir, { rowGroupRows: 64, segmentRows: 300, cacheDir: false })
    for (const run of ['a', 'b', 'c']) {
      for (let chunk = 0; chunk < 6; chunk++) {
        const rows: Omit<RecordRow, 'runId'>[] = []
        for (let k = 0; k < 200; k++) {
          const step = chunk * 200 + k
          for (const metric of ['loss', 'acc', 'lr']) {
            const r = rnd()
            // Values of very different magnitudes (rounding order matters), NaN and ±Inf.
            const value = r < 0.02 ? Number.NaN : r < 0.03 ? Number.POSITIVE_INFINITY : r < 0.035 ? Number.NEGATIVE_INFINITY : (rnd() - 0.3) * 10 ** Math.floor(rnd() * 12 - 4)
            rows.push({ metric, step, value, timestampUs: T0 + step * 1000 + Math.floor(rnd() * 500), epoch: null, batch: null, tags: step % 7 === 0 ? { phase: 'eval' } : null })
          }
        }
        const b = batchFromRows(run, rows)
        await mem.write(b)
        await s.write(b)
      }
    }
    await s.seal()
    await s.compact({ minSegments: 1 })
    const aggs: Aggregate[] = ['sum', 'mean', 'std', 'count', 'min', 'max', 'first', 'last', 'p50', 'p99']
    const filters: MetricQuery[] = [
      {},
      { from: T0 + 150_000, to: T0 + 1_010_000 },
      { steps: [33, 777] },
      { from: T0 + 100_000, steps: [0, 900], tags: { phase: 'eval' } },
      { runs: ['b'], metrics: ['acc', 'lr'], to: T0 + 600_000 },
      { from: T0 + 5_000_000 },
    ]
    for (const f of filters) {
      for (const aggregate of aggs) {
        const q: MetricQuery = { ...f, aggregate }
        const want = await mem.query(q)
        const got = await s.query(q)
        expect(got.series.map((x) => x.runId + x.metric)).toEqual(want.series.map((x) => x.runId + x.metric))
        for (let i = 0; i < want.series.length; i++) {
          const [w, g] = [want.series[i]!, got.series[i]!]
          for (const k of ['x', 'value', 'count', 'nanCount'] as const) {
            expect(Array.from(g[k] ?? []).map((v) => Object.is(v, -0) ? '-0' : v), `${JSON.stringify(q)} ${w.runId}/${w.metric} ${k}`).toEqual(Array.from(w[k] ?? []).map((v) => Object.is(v, -0) ? '-0' : v))
          }
        }
        // Warm (cached columns) answers the same.
        expect(await s.query(q)).toEqual(got)
      }
    }
    await s.close()
  })

  it('equal the reference for series of uneven lengths folded side by side, whole and partial row groups mixed', async () => {
    const rnd = prng(11)
    const mem = createMemoryStore()
    const dir = tempDir('fold-lanes')
    const s = await openStore(dir, { rowGroupRows: 50, segmentRows: 5000, cacheDir: false })
    // Seven metrics (three at a time, then one left over), each with its own length, some all NaN or ±Inf.
    // Their timestamps never decrease, except m6's.
    const metrics = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']
    const rows: Omit<RecordRow, 'runId'>[] = []
    metrics.forEach((metric, k) => {
      const len = 37 + k * 61
      for (let step = 0; step < len; step++) {
        const r = rnd()
        const value = k === 5 ? (r < 0.5 ? Number.NaN : Number.POSITIVE_INFINITY) : r < 0.05 ? Number.NaN : r < 0.07 ? Number.NEGATIVE_INFINITY : (rnd() - 0.5) * 10 ** Math.floor(rnd() * 10 - 3)
        // m6's clock goes back and forth (steps still increase): no bisection on its timestamps.
        const at = k === 6 ? (step * 37) % len : step
        rows.push({ metric, step, value, timestampUs: T0 + at * 1000, epoch: null, batch: null, tags: null })
      }
    })
    const b = batchFromRows('r', rows)
    await mem.write(b)
    await s.write(b)
    await s.seal()
    const filters: MetricQuery[] = [{}, { from: T0 + 20_000, to: T0 + 300_000 }, { steps: [10, 250] }, { from: T0 + 60_000, steps: [0, 100] }, { metrics: ['m1', 'm3', 'm5', 'm6'], to: T0 + 200_000 }, { metrics: ['m2', 'm4'], from: T0 + 30_000 }]
    for (const f of filters) {
      for (const aggregate of ['sum', 'mean', 'std'] as const) {
        const q: MetricQuery = { ...f, aggregate }
        const want = await mem.query(q)
        for (let round = 0; round < 2; round++) {
          const got = await s.query(q)
          expect(got.series.map((x) => x.metric)).toEqual(want.series.map((x) => x.metric))
          for (let i = 0; i < want.series.length; i++) {
            const [w, g] = [want.series[i]!, got.series[i]!]
            for (const k of ['x', 'value', 'count', 'nanCount'] as const) expect(Array.from(g[k] ?? []), `${JSON.stringify(q)} ${w.metric} ${k}`).toEqual(Array.from(w[k] ?? []))
          }
        }
      }
    }
    await s.close()
  })
})
