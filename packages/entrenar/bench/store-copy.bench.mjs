// `entrenar store copy` between the two stores, against a Parquet-to-Parquet copy of the same store as the peer,
// in the same run: a generated store (BENCH_RUNS runs × 20 metrics × BENCH_STEPS steps, seed 1) copied
// Parquet → ClickHouse, ClickHouse → Parquet and Parquet → Parquet, each by the built CLI in a process of its
// own, then the Parquet → ClickHouse copy again (nothing to write). Every copy's summary must count every point.
// Usage: node bench/store-copy.bench.mjs (after `npm run build`; needs clickhouse-server).
// BENCH_RUNS (default 100), BENCH_STEPS (default 1000), BENCH_ROUNDS (default 2).
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateStore } from 'entrenar'
import { fmt, load, startClickHouse } from '../../db-clickhouse/bench/clickhouse.mjs'

const RUNS = Number(process.env.BENCH_RUNS ?? 100)
const STEPS = Number(process.env.BENCH_STEPS ?? 1000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const bin = fileURLToPath(new URL('../bin/entrenar.js', import.meta.url))
const server = await startClickHouse('entrenar-copy-bench-')
const { http, root } = server

const src = join(root, 'src')
const gen = await generateStore(src, { runs: RUNS, metrics: 20, steps: STEPS, seed: 1 })
const copy = (from, to) => {
  const t0 = performance.now()
  const s = JSON.parse(execFileSync(process.execPath, [bin, '--json', 'store', 'copy', from, to], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))
  if (s.points !== gen.points) throw new Error(`copy ${from} → ${to}: ${s.points} points, the store has ${gen.points}`)
  return { ms: performance.now() - t0, written: s.written }
}
const lines = []
for (let r = 0; r < ROUNDS; r++) {
  const db = `clickhouse://127.0.0.1:${http}/copy${r}`
  const loaded = load()
  const p2p = copy(src, join(root, `p2p-${r}`))
  const p2c = copy(src, db)
  const c2p = copy(db, join(root, `c2p-${r}`))
  const again = copy(src, db)
  if (again.written !== 0) throw new Error(`the second copy wrote ${again.written} points`)
  const rate = (x) => gen.points / (x.ms / 1000)
  lines.push(
    `| ${r + 1} (${loaded}) | ${fmt(rate(p2p), 0)} | ${fmt(rate(p2c), 0)} (${fmt(rate(p2c) / rate(p2p), 2)}×) | ${fmt(rate(c2p), 0)} (${fmt(rate(c2p) / rate(p2p), 2)}×) | ${fmt(again.ms / 1000, 1)} s |`,
  )
}
await server.stop()
console.log(`${fmt(gen.points, 0)} points, ${RUNS} runs × 20 metrics; points/s of a whole copy (process start to summary), ratio to Parquet → Parquet`)
console.log('| round (load 1/5/15 min) | Parquet → Parquet | Parquet → ClickHouse | ClickHouse → Parquet | again, nothing to write |')
console.log('|---|---|---|---|---|')
for (const l of lines) console.log(l)
