// Benchmarks of @entrenar/db against DuckDB in the same run, on the same files:
//   1. ingest (bench/ingest.bench.mjs): durable ingest vs the DuckDB appender + CHECKPOINT, encoding vs COPY TO parquet;
//   2. the 1M-row `metric` group-by with a time filter, cold and warm, vs DuckDB over the store's Parquet files;
//   3. a 1%-selective time range over N rows (default 10M), vs DuckDB, beside a 10% range to show
//      that the cost follows the rows selected.
// Usage: npm run bench -w @entrenar/db   (uses dist/: run `npx tsup` in packages/db first)
// Scale: BENCH_ROWS (rows of scenario 3, default 10_000_000); ingest: see bench/ingest.bench.mjs.
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { RecordBatchBuilder } from '@entrenar/core'
import { openStore } from '@entrenar/db'
import { ingestScenarios } from './ingest.bench.mjs'

const RANGE_ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000)
const GROUP_ROWS = 1_000_000
const T0 = 1_700_000_000_000_000
const METRICS = ['loss', 'accuracy', 'learning_rate', 'gradient_norm', 'tokens_per_second', 'grad_scale', 'val_loss', 'lr_warmup']
// ---------------------------------------------------------------- load average (the machine may be shared)
const load = () => loadavg().map((x) => x.toFixed(2)).join(', ')
const loadAtStart = load()
const root = mkdtempSync(join(tmpdir(), 'entrenar-db-bench-'))
const out = []
const fmt = (x, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d })
const mrows = (n) => (n >= 1e6 ? `${fmt(n / 1e6, 0)}M` : `${fmt(n / 1e3, 0)}k`)

/** One 1k-row batch: steps from `first`, every metric in turn (as a training loop logs them). */
function makeBatch(b, first, n) {
  const ids = METRICS.map((m) => b.metricId(m))
  for (let i = 0; i < n; i++) {
    const row = first + i
    const step = Math.floor(row / METRICS.length)
    b.append(ids[row % METRICS.length], Math.sin(row) + 1, step, T0 + row * 10, -2147483648, -2147483648, -1)
  }
  return b.finish()
}

async function median(fn, rounds = 7) {
  const t = []
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now()
    await fn()
    t.push(performance.now() - t0)
  }
  t.sort((a, b) => a - b)
  return t[rounds >> 1]
}

async function fill(dir, rows, segmentRows) {
  const store = await openStore(dir, { segmentRows, sealAfterMs: Number.POSITIVE_INFINITY })
  const b = new RecordBatchBuilder('bench', 100_000)
  for (let first = 0; first < rows; first += 100_000) await store.write(makeBatch(b, first, Math.min(100_000, rows - first)))
  await store.close()
}

// ---------------------------------------------------------------- 1. ingest (bench/ingest.bench.mjs)
// Durable ingest (a 200k-row burst, a sustained run with segments written meanwhile, each flush awaited) vs the
// DuckDB appender, and Parquet encoding behind the WAL vs DuckDB's COPY TO parquet. Scale: BENCH_INGEST_ROWS
// (sustained rows, default 10M), BENCH_SERIAL_ROWS, BENCH_PEER_ROWS, BENCH_ENCODE_ROWS (see that file).
if (process.env.BENCH_SKIP_INGEST !== '1') out.push(...(await ingestScenarios(root)))

// ---------------------------------------------------------------- query scenarios (2, 3): shared helpers
// BENCH_COLD_ROUNDS: fresh-store rounds of the cold figures (default 5).
const COLD_ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? 5)
const mid = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]

// ---------------------------------------------------------------- 2. 1M-row group-by with a time filter
{
  const dir = join(root, 'groupby')
  await fill(dir, GROUP_ROWS, GROUP_ROWS)
  const from = T0 + GROUP_ROWS * 10 * 0.05
  const to = T0 + GROUP_ROWS * 10 * 0.95
  const q = { from, to, aggregate: 'mean' }
  const sql = `SELECT metric, avg(value) FROM read_parquet('${dir}/metrics/**/*.parquet', hive_partitioning = true) WHERE timestamp BETWEEN make_timestamptz(${from}::BIGINT) AND make_timestamptz(${to}::BIGINT) GROUP BY metric ORDER BY metric`
  // Cold, both sides alike: a fresh store (open + first query) and a fresh DuckDB instance per round,
  // alternating, median of COLD_ROUNDS (one round alone is mostly noise on a shared machine).
  const coldOurs = []
  const coldDuck = []
  for (let r = 0; r < COLD_ROUNDS; r++) {
    const c0 = performance.now()
    const s = await openStore(dir)
    await s.query(q)
    coldOurs.push(performance.now() - c0)
    await s.close()
    const d0 = performance.now()
    const d = await DuckDBInstance.create(':memory:')
    const c = await d.connect()
    await c.runAndReadAll(sql)
    coldDuck.push(performance.now() - d0)
    c.closeSync()
    d.closeSync()
  }
  const cold = mid(coldOurs)
  const duckCold = mid(coldDuck)
  const store = await openStore(dir)
  const first = await store.query(q)
  const warm = await median(() => store.query(q), 15)
  const duck = await DuckDBInstance.create(':memory:')
  const conn = await duck.connect()
  const res = await conn.runAndReadAll(sql)
  const duckWarm = await median(() => conn.runAndReadAll(sql), 15)
  const rowsD = res.getRowsJS()
  for (let i = 0; i < rowsD.length; i++) {
    if (Math.abs(rowsD[i][1] - first.series[i].value[0]) > 1e-9) throw new Error(`group-by mismatch on ${rowsD[i][0]}`)
  }
  out.push([`1M-row group-by, time filter: cold (open + first query, median of ${COLD_ROUNDS})`, `${fmt(cold)} ms`, `${fmt(duckCold)} ms`, `${fmt(cold / duckCold, 2)}× DuckDB time`])
  out.push([`1M-row group-by, time filter: warm (median of 15)`, `${fmt(warm, 2)} ms`, `${fmt(duckWarm, 2)} ms`, `${fmt(warm / duckWarm, 2)}× DuckDB time`])
  await store.close()
  conn.closeSync()
  duck.closeSync()
}

// ---------------------------------------------------------------- 3. 1%-selective range over RANGE_ROWS
{
  const dir = join(root, 'range')
  const f0 = performance.now()
  await fill(dir, RANGE_ROWS, 2_000_000)
  const fillMs = performance.now() - f0
  const span = RANGE_ROWS * 10
  const store = await openStore(dir)
  const win = (frac) => [T0 + span * 0.37, T0 + span * 0.37 + span * frac - 1]
  const [a1, b1] = win(0.01)
  const [a10, b10] = win(0.1)
  const rows1 = (await store.range(a1, b1))[0].length
  // First query of a fresh store vs a fresh DuckDB instance, alternating, median of COLD_ROUNDS.
  const firstOurs = []
  const firstDuck = []
  const rangeSql = (a, b) =>
    `SELECT * FROM read_parquet('${dir}/metrics/**/*.parquet', hive_partitioning = true) WHERE timestamp BETWEEN make_timestamptz(${a}::BIGINT) AND make_timestamptz(${b}::BIGINT)`
  for (let r = 0; r < COLD_ROUNDS; r++) {
    const s = await openStore(dir)
    const t0 = performance.now()
    await s.range(a1, b1)
    firstOurs.push(performance.now() - t0)
    await s.close()
    const d = await DuckDBInstance.create(':memory:')
    const c = await d.connect()
    const d0 = performance.now()
    await c.runAndReadAll(rangeSql(a1, b1))
    firstDuck.push(performance.now() - d0)
    c.closeSync()
    d.closeSync()
  }
  const cold1 = mid(firstOurs)
  const warm1 = await median(() => store.range(a1, b1))
  const warm10 = await median(() => store.range(a10, b10), 3)
  const duck = await DuckDBInstance.create(':memory:')
  const conn = await duck.connect()
  const sql = (a, b) =>
    `SELECT * FROM read_parquet('${dir}/metrics/**/*.parquet', hive_partitioning = true) WHERE timestamp BETWEEN make_timestamptz(${a}::BIGINT) AND make_timestamptz(${b}::BIGINT)`
  const dcold = mid(firstDuck)
  const dwarm = await median(() => conn.runAndReadAll(sql(a1, b1)))
  const dcount = (await conn.runAndReadAll(`SELECT count(*) FROM (${sql(a1, b1)})`)).getRowsJS()[0][0]
  if (Number(dcount) !== rows1) throw new Error(`range mismatch: ${rows1} vs DuckDB ${dcount}`)
  out.push([`${mrows(RANGE_ROWS)} rows written (bench fixture)`, `${fmt(fillMs / 1000, 1)} s`, '', ''])
  out.push([`1% range (${fmt(rows1, 0)} of ${mrows(RANGE_ROWS)} rows) as RecordBatch: first query (median of ${COLD_ROUNDS})`, `${fmt(cold1, 1)} ms`, `${fmt(dcold, 1)} ms`, `${fmt(cold1 / dcold, 2)}× DuckDB time`])
  out.push([`1% range: warm (median of 7)`, `${fmt(warm1, 2)} ms`, `${fmt(dwarm, 2)} ms`, `${fmt(warm1 / dwarm, 2)}× DuckDB time`])
  out.push(['10% range: warm (cost follows rows selected)', `${fmt(warm10, 1)} ms`, '', `${fmt(warm10 / warm1, 1)}× the 1% range`])
  await store.close()
  conn.closeSync()
  duck.closeSync()
}

rmSync(root, { recursive: true, force: true })
const w = [0, 1, 2, 3].map((i) => Math.max(...out.map((r) => r[i].length), ['scenario', '@entrenar/db', 'DuckDB', 'ratio'][i].length))
const line = (r) => `| ${r.map((c, i) => c.padEnd(w[i])).join(' | ')} |`
console.log(line(['scenario', '@entrenar/db', 'DuckDB', 'ratio']))
console.log(`|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`)
for (const r of out) console.log(line(r))
console.log(`load average: ${loadAtStart} at the start, ${load()} at the end`)
