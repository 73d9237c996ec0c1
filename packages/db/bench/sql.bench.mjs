// What the read-only SQL path costs per statement, against DuckDB used directly on the same files in the
// same run: `store.sql()` opens a fresh connection, creates the `metrics` view, parses and classifies the
// text, prepares and streams with the row cap; the peer keeps one connection and one view and runs the text.
// Usage: node bench/sql.bench.mjs   (uses dist/: run `npx tsup` in packages/db first)
// Scale: BENCH_SQL_ROWS (default 200_000), BENCH_SQL_ROUNDS (default 41).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { RecordBatchBuilder } from '@entrenar/core'
import { openStore } from '@entrenar/db'

const ROWS = Number(process.env.BENCH_SQL_ROWS ?? 200_000)
const ROUNDS = Number(process.env.BENCH_SQL_ROUNDS ?? 41)
const T0 = 1_700_000_000_000_000
const root = mkdtempSync(join(tmpdir(), 'entrenar-db-sqlbench-'))
const METRICS = ['loss', 'accuracy', 'learning_rate', 'gradient_norm']
const QUERIES = {
  'group-by over all rows': 'SELECT metric, count(*), avg(value) FROM metrics GROUP BY metric ORDER BY metric',
  'one row (SELECT 1)': 'SELECT 1',
  'last 100 steps of loss': "SELECT step, value FROM metrics WHERE metric = 'loss' ORDER BY step DESC LIMIT 100",
}

async function median(fn) {
  const t = []
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now()
    await fn()
    t.push(performance.now() - t0)
  }
  t.sort((a, b) => a - b)
  return t[Math.floor(t.length / 2)]
}

try {
  const store = await openStore(root, { threads: false })
  const b = new RecordBatchBuilder('bench')
  const ids = METRICS.map((m) => b.metricId(m))
  for (let i = 0; i < ROWS; i++) b.append(ids[i % METRICS.length], Math.sin(i), Math.floor(i / METRICS.length), T0 + i * 10, -2147483648, -2147483648, -1)
  await store.write(b.finish())
  await store.seal()
  await store.sql('SELECT 1') // engine loaded
  const duck = await (await DuckDBInstance.create(':memory:')).connect()
  await duck.run(`CREATE VIEW metrics AS SELECT * FROM read_parquet('${root}/metrics/*/*.parquet', hive_partitioning = true)`)
  const { loadavg } = await import('node:os')
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(', ')}; ${ROWS} rows; median of ${ROUNDS}`)
  console.log('| statement | store.sql() (read-only path) | DuckDB, one connection | ratio |')
  console.log('|---|---|---|---|')
  for (const [name, text] of Object.entries(QUERIES)) {
    const ours = await median(() => store.sql(text))
    const peer = await median(() => duck.runAndReadAll(text).then((r) => r.getRowsJS()))
    console.log(`| ${name} | ${ours.toFixed(2)} ms | ${peer.toFixed(2)} ms | ${(ours / peer).toFixed(2)}× |`)
  }
  console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(', ')}`)
  duck.closeSync()
  await store.close()
} finally {
  rmSync(root, { recursive: true, force: true })
}
