// The "1000 runs" figures of docs/performance.md, against DuckDB reading the same Parquet files and run
// JSON in the same run (ratios, not absolute times: the machine is shared).
// Usage: npx tsup (in packages/db and packages/entrenar), then
//   node packages/entrenar/bin/entrenar.js generate /tmp/runs1000 --runs 1000 --metrics 20 --steps 10000 --seed 1
//   node packages/entrenar/bench/runs1000.bench.mjs /tmp/runs1000
// BENCH_ROUNDS (default 7) rounds per figure, median reported; BENCH_OLD=1 adds the pre-catalog way (count every row).
import { execFileSync } from 'node:child_process'
import { loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { openStore } from '@entrenar/db'

const dir = resolve(process.argv[2] ?? '')
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const cli = join(import.meta.dirname, '..', 'bin', 'entrenar.js')
const load = () => loadavg().map((x) => x.toFixed(2)).join(', ')

async function median(fn, rounds = ROUNDS) {
  const t = []
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now()
    await fn()
    t.push(performance.now() - t0)
  }
  t.sort((a, b) => a - b)
  return t[Math.floor(t.length / 2)]
}
const proc = (args) => () => execFileSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 })
const ms = (x) => `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms`
const row = (name, ours, peer) => console.log(`| ${name} | ${ms(ours)} | ${ms(peer)} | ${(ours / peer).toFixed(2)}× |`)

console.log(`store ${dir}; load average at start: ${load()}; median of ${ROUNDS}`)
const duckScript = join(import.meta.dirname, 'duck-runs.mjs')
// Cold: a new process each time (the page cache stays warm: dropping it needs root).
const node = await median(proc(['-e', '']))
console.log(`node start alone: ${ms(node)}`)
console.log('| path | Entrenar | DuckDB (same files) | ratio |')
console.log('|---|---|---|---|')
proc([cli, '--json', 'runs', dir])() // brings the run catalog up to date once
row('`entrenar runs <dir>` (new process)', await median(proc([cli, '--json', 'runs', dir])), await median(proc([duckScript, dir])))

const store = await openStore(dir, { onCorrupt: () => {} })
const duck = await (await DuckDBInstance.create(':memory:')).connect()
await duck.run(`CREATE VIEW metrics AS SELECT * FROM read_parquet('${dir}/metrics/*/*.parquet', hive_partitioning = true)`)
const table = async () => {
  const [runs, sums] = await Promise.all([store.runs(), store.runSummaries()])
  return runs.length + sums.length
}
const duckTable = async () => {
  const runs = await duck.runAndReadAll(`SELECT * FROM read_json_auto('${dir}/runs/*.json')`)
  const counts = await duck.runAndReadAll('SELECT run_id, count(*), count(DISTINCT metric), max(step) FROM metrics GROUP BY run_id')
  return runs.getRowsJS().length + counts.getRowsJS().length
}
row('run table, warm (runs() + runSummaries() in one process)', await median(table), await median(duckTable))
if (process.env.BENCH_OLD === '1') {
  // Decodes every row group (several GiB of RSS at 200M points): opt-in.
  const oldWay = async () => (await Promise.all([store.runs(), store.query({ aggregate: 'count' })]))[1].series.length
  row('run table by counting every row (before the catalog)', await median(oldWay, 3), await median(duckTable, 3))
}
// First query of a freshly opened store (footers and columns not cached) vs a fresh DuckDB instance.
const first = async (q) => {
  const s = await openStore(dir, { onCorrupt: () => {}, recoverWal: false })
  try {
    return (await s.query(q)).series.length
  } finally {
    await s.close()
  }
}
const duckFirst = async (sql) => {
  const c = await (await DuckDBInstance.create(':memory:')).connect()
  const n = (await c.runAndReadAll(sql.replace('FROM metrics', `FROM read_parquet('${dir}/metrics/*/*.parquet', hive_partitioning = true)`))).getRowsJS().length
  c.closeSync()
  return n
}
row('one metric (loss) across all runs, first query', await median(() => first({ metrics: ['loss'] }), 3), await median(() => duckFirst("SELECT run_id, step, value FROM metrics WHERE metric = 'loss'"), 3))
row("all of one run's metrics (run-500), first query", await median(() => first({ runs: ['run-500'] }), 3), await median(() => duckFirst("SELECT metric, step, value FROM metrics WHERE run_id = 'run-500'"), 3))
const loss = async () => (await store.query({ metrics: ['loss'] })).series.length
const duckLoss = async () => (await duck.runAndReadAll("SELECT run_id, step, value FROM metrics WHERE metric = 'loss'")).getRowsJS().length
row('one metric (loss) across all runs, warm', await median(loss, 3), await median(duckLoss, 3))
const one = async () => (await store.query({ runs: ['run-500'] })).series.length
const duckOne = async () => (await duck.runAndReadAll("SELECT metric, step, value FROM metrics WHERE run_id = 'run-500'")).getRowsJS().length
row("all of one run's metrics (run-500), warm", await median(one), await median(duckOne))
// A dashboard server calls warm() at start: footers open in the background, then the first chart.
const warmFirst = async (q) => {
  const s = await openStore(dir, { onCorrupt: () => {}, recoverWal: false })
  try {
    const w = await s.warm()
    if (!w.complete) throw new Error('warm-up stopped early')
    const t0 = performance.now()
    const n = (await s.query(q)).series.length
    return { n, ms: performance.now() - t0 }
  } finally {
    await s.close()
  }
}
{
  const t = []
  for (let r = 0; r < 3; r++) t.push((await warmFirst({ metrics: ['loss'] })).ms)
  t.sort((a, b) => a - b)
  row('one metric (loss) across all runs, first query after warm() (server start)', t[1], await median(() => duckFirst("SELECT run_id, step, value FROM metrics WHERE metric = 'loss'"), 3))
  const w0 = performance.now()
  const s = await openStore(dir, { onCorrupt: () => {}, recoverWal: false })
  const rep = await s.warm()
  console.log(`warm(): ${rep.segments} footers (${(rep.footerBytes / 1048576).toFixed(1)} MiB serialized) in ${ms(performance.now() - w0)} after open`)
  await s.close()
}
// A store this process may not write (readOnly) whose catalog an older version wrote: metric figures are
// decoded on the first open only; the next open takes them from the per-user cache (BENCH_READONLY=1).
if (process.env.BENCH_READONLY === '1') {
  const { mkdtempSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const cacheDir = mkdtempSync(join(tmpdir(), 'entrenar-ro-cache-'))
  const roSummaries = async () => {
    const s = await openStore(dir, { onCorrupt: () => {}, readOnly: true, cacheDir })
    const t0 = performance.now()
    await s.metricSummaries()
    const out = { ms: performance.now() - t0, decoded: s.stats().catalogSegmentsDecoded }
    await s.close()
    return out
  }
  const first = await roSummaries()
  const next = await roSummaries()
  const duckSum = await median(() => duck.runAndReadAll('SELECT run_id, metric, count(*), count(*) FILTER (WHERE isnan(value)), max(step) FROM metrics GROUP BY ALL'), 3)
  row(`read-only open, metricSummaries(): first open (${first.decoded} segments decoded)`, first.ms, duckSum)
  row(`read-only open, metricSummaries(): next open (${next.decoded} decoded, per-user cache)`, next.ms, duckSum)
}
console.log(`load average at end: ${load()}`)
duck.closeSync()
await store.close()
