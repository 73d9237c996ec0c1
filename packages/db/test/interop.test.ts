import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { batchFromRows, createHttpClient, createHttpHandler, metricStoreContract, type RecordRow } from '@entrenar/core'
import { serveHandler } from '@entrenar/core/node'
import { describe, expect, it } from 'vitest'
import { openStore } from '../src/index.js'
import { prng, T0, tempDir } from './helpers/fixtures.js'

const close = (a: number, b: number) => Object.is(a, b) || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b))

describe('interop with DuckDB', () => {
  it('DuckDB reads the store and returns the same counts and aggregates as the typed query (randomised data)', async () => {
    const rand = prng(20261126)
    const dir = tempDir('interop')
    const store = await openStore(dir, { segmentRows: 1500, rowGroupRows: 512 })
    const metrics = ['loss', 'accuracy', 'learning_rate', 'gradient_norm']
    for (const run of ['run-a', 'run-b', 'run/c']) {
      for (let chunk = 0; chunk < 8; chunk++) {
        const rows: Omit<RecordRow, 'runId'>[] = []
        for (let i = 0; i < 400; i++) {
          const step = Math.floor(rand() * 5000)
          const r = rand()
          const value = r < 0.01 ? Number.NaN : r < 0.015 ? Number.POSITIVE_INFINITY : (rand() - 0.3) * 100
          rows.push({
            metric: metrics[Math.floor(rand() * metrics.length)]!,
            value,
            step,
            timestampUs: T0 + step * 1000 + Math.floor(rand() * 1000),
            epoch: rand() < 0.5 ? null : Math.floor(step / 1000),
            batch: null,
            tags: rand() < 0.3 ? { split: 'val' } : null,
          })
        }
        await store.write(batchFromRows(run, rows))
      }
    }
    await store.flush()
    const from = T0 + 1_000_000
    const to = T0 + 3_500_000
    const sql = await store.sql(`
      SELECT run_id, metric, count(*)::DOUBLE AS n,
        avg(value) FILTER (WHERE isfinite(value)) AS mean,
        sum(value) FILTER (WHERE isfinite(value)) AS total,
        min(value) FILTER (WHERE NOT isnan(value)) AS lo,
        max(value) FILTER (WHERE NOT isnan(value)) AS hi,
        max(step)::DOUBLE AS last_step
      FROM metrics WHERE epoch_us(timestamp) BETWEEN ${from} AND ${to}
      GROUP BY ALL ORDER BY run_id, metric`)
    expect(sql.columns).toEqual(['run_id', 'metric', 'n', 'mean', 'total', 'lo', 'hi', 'last_step'])
    expect(sql.rows.length).toBe(12)
    const typed = async (aggregate: 'count' | 'mean' | 'sum' | 'min' | 'max') => (await store.query({ from, to, aggregate })).series
    const [n, mean, total, lo, hi] = await Promise.all((['count', 'mean', 'sum', 'min', 'max'] as const).map(typed))
    expect(n!.map((s) => [s.runId, s.metric])).toEqual(sql.rows.map((r) => [r[0], r[1]]))
    sql.rows.forEach((r, i) => {
      expect(n![i]!.value[0]).toBe(r[2])
      expect(close(mean![i]!.value[0]!, r[3] as number), `mean ${r[0]}/${r[1]}`).toBe(true)
      expect(close(total![i]!.value[0]!, r[4] as number), `sum ${r[0]}/${r[1]}`).toBe(true)
      expect(lo![i]!.value[0]).toBe(r[5])
      expect(hi![i]!.value[0]).toBe(r[6])
      expect(n![i]!.x[0]).toBe(r[7])
    })
    // The typed query over the tags column agrees with DuckDB's json_extract.
    const val = await store.sql(`SELECT count(*)::DOUBLE FROM metrics WHERE json_extract_string(tags, '$.split') = 'val'`)
    const typedVal = (await store.query({ tags: { split: 'val' }, aggregate: 'count' })).series.reduce((s, x) => s + x.value[0]!, 0)
    expect(typedVal).toBe(val.rows[0]![0])
    await store.close()
  }, 30_000)

  it('hyparquet reads a file DuckDB wrote with the same schema', async () => {
    const dir = tempDir('duckwrote')
    const store = await openStore(dir)
    // The store's sql() is read-only, so the file is written by a DuckDB of the test's own.
    const { DuckDBInstance } = await import('@duckdb/node-api')
    const duck = await (await DuckDBInstance.create(':memory:')).connect()
    const target = join(dir, 'metrics', 'run_id=duck', 'part-duckdb-0.parquet')
    mkdirSync(join(dir, 'metrics', 'run_id=duck'), { recursive: true })
    await duck.run(`
      COPY (
        SELECT make_timestamptz(${T0}::BIGINT + i * 1000) AS timestamp, 'duck' AS run_id, i::BIGINT AS step,
          CASE WHEN i % 3 = 0 THEN NULL ELSE (i // 100)::INTEGER END AS epoch, NULL::INTEGER AS batch,
          CASE WHEN i % 2 = 0 THEN 'loss' ELSE 'accuracy' END AS metric,
          CASE WHEN i = 7 THEN 'NaN'::DOUBLE WHEN i = 9 THEN '-inf'::DOUBLE ELSE i * 0.5 END AS value,
          CASE WHEN i % 5 = 0 THEN '{"split":"val"}' ELSE NULL END AS tags
        FROM range(0, 3000) t(i)
      ) TO '${target}' (FORMAT parquet, ROW_GROUP_SIZE 1024)`)
    duck.closeSync()
    const s = (await store.query({ runs: ['duck'], metrics: ['accuracy'] })).series[0]!
    expect(s.x.length).toBe(1500)
    expect(Array.from(s.x.subarray(0, 5))).toEqual([1, 3, 5, 7, 9])
    expect(Array.from(s.value.subarray(0, 5))).toEqual([0.5, 1.5, 2.5, Number.NaN, Number.NEGATIVE_INFINITY])
    expect(Array.from(s.timestampUs!.subarray(0, 2))).toEqual([T0 + 1000, T0 + 3000])
    const [b] = await store.range(T0, T0 + 10_000, { runs: ['duck'] })
    expect(Array.from(b!.epoch.subarray(0, 4))).toEqual([-2147483648, 0, 0, -2147483648])
    expect(b!.tagSets[b!.tagIndex[0]!]).toEqual({ split: 'val' })
    const viaDuck = await store.sql(`SELECT metric, count(*)::DOUBLE, sum(value) FILTER (WHERE isfinite(value)) FROM metrics GROUP BY metric ORDER BY metric`)
    const typed = await store.query({ runs: ['duck'], aggregate: 'sum' })
    expect(typed.series.map((x) => [x.metric, x.value[0]])).toEqual(viaDuck.rows.map((r) => [r[0], r[2]]))
    await store.close()
  }, 30_000)

  it('sql() works over HTTP through the generic store contract', async () => {
    const store = await openStore(tempDir('sqlhttp'))
    const server = await serveHandler(createHttpHandler(metricStoreContract, store))
    try {
      const client = createHttpClient(metricStoreContract, server.url)
      await client.write(batchFromRows('r', [{ metric: 'loss', value: 0.5, step: 1, timestampUs: T0, epoch: null, batch: null, tags: null }]))
      await client.flush()
      const r = await client.sql!('SELECT run_id, metric, count(*)::INTEGER AS n FROM metrics GROUP BY ALL')
      expect(r.rows).toEqual([['r', 'loss', 1]])
      await expect(client.sql!('SELECT * FROM nope')).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_QUERY' })
    } finally {
      await server.close()
      await store.close()
    }
  }, 30_000)
})
