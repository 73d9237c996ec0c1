// The ClickHouse store against the Parquet store of @entrenar/db and DuckDB, in the same run on the same rows:
//   1. acknowledged ingest (write() resolved / flush() resolved) in batches of BENCH_BATCH rows; DuckDB: an
//      appender into a table of a database file, flushed per batch, CHECKPOINT at the end;
//   2. the per-series `mean` over every row (a group-by of runs × metrics); DuckDB: the same GROUP BY;
//   3. a 100-run comparison: minmax-last downsampling of `loss` to 800 points per run; DuckDB: the same
//      buckets (equal step width per series), min, max and the last value, in SQL.
// Results are checked against each other (row counts, per-series means, bucket counts) before timings count.
// Usage: npm run bench -w @entrenar/db-clickhouse (uses dist/ of core, db and db-clickhouse; needs clickhouse-server).
// Scale: BENCH_ROWS (default 1_000_000), BENCH_BATCH (default 10_000), BENCH_ROUNDS (default 1: repeat the
// whole comparison, each round on fresh stores, to see the spread on a loaded machine).
import { mkdirSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { openStore } from '@entrenar/db'
import { openClickHouseStore } from '@entrenar/db-clickhouse'
import { benchBatches, fmt, METRICS, RUNS, startClickHouse } from './clickhouse.mjs'

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000)
const BATCH = Number(process.env.BENCH_BATCH ?? 10_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1)
const server = await startClickHouse('entrenar-ch-bench-')
const { url, root } = server
const batches = benchBatches(ROWS, BATCH)

async function time(fn) {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}
async function median(fn, rounds = 5) {
  const t = []
  for (let r = 0; r < rounds; r++) t.push(await time(fn))
  return t.sort((a, b) => a - b)[Math.floor(rounds / 2)]
}

const rows = batches.length * BATCH

/** The same three scenarios in DuckDB, on a table of a database file holding the same rows. */
async function duckdb(dir) {
  const duck = await DuckDBInstance.create(join(dir, 'bench.duckdb'))
  const conn = await duck.connect()
  await conn.run('CREATE TABLE metrics (run_id VARCHAR, metric VARCHAR, step BIGINT, timestamp_us BIGINT, value DOUBLE)')
  const ingest = await time(async () => {
    const app = await conn.createAppender('metrics')
    for (const b of batches) {
      for (let r = 0; r < b.length; r++) {
        app.appendVarchar(b.runId)
        app.appendVarchar(b.metricNames[b.metric[r]])
        app.appendBigInt(BigInt(b.step[r]))
        app.appendBigInt(BigInt(b.timestampUs[r]))
        app.appendDouble(b.value[r])
        app.endRow()
      }
      app.flushSync()
    }
    app.closeSync()
    await conn.run('CHECKPOINT')
  })
  const groupSql = 'SELECT run_id, metric, avg(value) FILTER (WHERE isfinite(value)) AS mean FROM metrics GROUP BY run_id, metric ORDER BY run_id, metric'
  const compareSql = `WITH s AS (SELECT run_id, step, value, min(step) OVER w AS lo, max(step) OVER w AS hi FROM metrics WHERE metric = 'loss' WINDOW w AS (PARTITION BY run_id))
    SELECT run_id, least(799, floor((step - lo) / ((hi - lo + 1) / 800))) AS k, max(step), arg_max(value, step), min(value), max(value), count(*)
    FROM s GROUP BY run_id, k ORDER BY run_id, k`
  const groupBy = await median(() => conn.runAndReadAll(groupSql))
  const compare = await median(() => conn.runAndReadAll(compareSql))
  const means = (await conn.runAndReadAll(groupSql)).getRowsJS()
  const buckets = (await conn.runAndReadAll(compareSql)).getRowsJS().length
  const count = Number((await conn.runAndReadAll('SELECT count(*) FROM metrics')).getRowsJS()[0][0])
  conn.closeSync()
  duck.closeSync()
  return { name: 'duckdb', ingest, groupBy, compare, count, means: means.map((r) => r[2]), buckets }
}

const table = []
for (let round = 0; round < ROUNDS; round++) {
  const dir = join(root, `round-${round}`)
  mkdirSync(dir)
  const parquet = await openStore(join(dir, 'parquet'))
  const clickhouse = await openClickHouseStore({ url, database: `bench${round}` })
  const results = []
  for (const [name, store] of [
    ['parquet', parquet],
    ['clickhouse', clickhouse],
  ]) {
    const ingest = await time(async () => {
      for (const b of batches) await store.write(b)
      await store.flush()
    })
    const groupBy = await median(() => store.query({ aggregate: 'mean' }))
    const compare = await median(() => store.query({ metrics: ['loss'], bucket: { points: 800, mode: 'minmax-last' } }))
    const count = (await store.query({ aggregate: 'count' })).series.reduce((a, s) => a + s.value[0], 0)
    const means = (await store.query({ aggregate: 'mean' })).series.map((s) => s.value[0])
    const buckets = (await store.query({ metrics: ['loss'], bucket: { points: 800, mode: 'minmax-last' } })).series.reduce((a, s) => a + s.x.length, 0)
    results.push({ name, ingest, groupBy, compare, count, means, buckets })
  }
  await parquet.close()
  await clickhouse.close()
  results.push(await duckdb(dir))
  // The three engines must agree before their timings mean anything.
  for (const r of results) {
    if (r.count !== rows) throw new Error(`${r.name}: ${r.count} rows read back, ${rows} written`)
    if (r.buckets !== results[0].buckets) throw new Error(`${r.name}: ${r.buckets} minmax-last buckets, ${results[0].name} ${results[0].buckets}`)
    if (r.means.length !== results[0].means.length || r.means.some((m, i) => Math.abs(m - results[0].means[i]) > 1e-9)) throw new Error(`${r.name}: per-series means differ from ${results[0].name}`)
  }
  table.push({ load: loadavg(), results })
}
await server.stop()

console.log(`${fmt(rows, 0)} rows, ${RUNS} runs × ${METRICS.length} metrics, batches of ${fmt(BATCH, 0)}, ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}`)
console.log('| round (load 1/5/15 min) | scenario | Parquet store | ClickHouse store | DuckDB | ClickHouse / Parquet | ClickHouse / DuckDB |')
console.log('|---|---|---|---|---|---|---|')
for (const [i, { load, results }] of table.entries()) {
  const [p, c, d] = results
  const l = `${i + 1} (${load.map((x) => fmt(x, 2)).join(' ')})`
  console.log(`| ${l} | acknowledged ingest, rows/s | ${fmt(rows / (p.ingest / 1000), 0)} | ${fmt(rows / (c.ingest / 1000), 0)} | ${fmt(rows / (d.ingest / 1000), 0)} | ${fmt(p.ingest / c.ingest, 2)}× | ${fmt(d.ingest / c.ingest, 2)}× |`)
  console.log(`| ${l} | mean per series over every row, ms | ${fmt(p.groupBy)} | ${fmt(c.groupBy)} | ${fmt(d.groupBy)} | ${fmt(p.groupBy / c.groupBy, 2)}× speed | ${fmt(d.groupBy / c.groupBy, 2)}× speed |`)
  console.log(`| ${l} | ${RUNS}-run loss comparison (minmax-last 800), ms | ${fmt(p.compare)} | ${fmt(c.compare)} | ${fmt(d.compare)} | ${fmt(p.compare / c.compare, 2)}× speed | ${fmt(d.compare / c.compare, 2)}× speed |`)
}
