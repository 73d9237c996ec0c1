// `entrenar store copy` between the two stores, against a Parquet-to-Parquet copy of the same store as the peer,
// in the same run: a generated store (BENCH_RUNS runs × 20 metrics × BENCH_STEPS steps, seed 1) copied
// Parquet → ClickHouse, ClickHouse → Parquet and Parquet → Parquet, each by the built CLI in a process of its
// own, then the Parquet → ClickHouse copy again (nothing to write). Every copy's summary must count every point.
// Usage: node bench/store-copy.bench.mjs (after `npm run build`; needs clickhouse-server).
// BENCH_RUNS (default 100), BENCH_STEPS (default 1000), BENCH_ROUNDS (default 2).
import { execFileSync, spawn } from 'node:child_process'
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateStore } from 'entrenar'

const RUNS = Number(process.env.BENCH_RUNS ?? 100)
const STEPS = Number(process.env.BENCH_STEPS ?? 1000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const bin = fileURLToPath(new URL('../bin/entrenar.js', import.meta.url))
const fmt = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d })
const binary = ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server'].find((p) => {
  try {
    accessSync(p, constants.X_OK)
    return true
  } catch {
    return false
  }
})
if (!binary) {
  console.log('clickhouse-server is not installed (apt-get install clickhouse-server)')
  process.exit(0)
}
const root = mkdtempSync(join(tmpdir(), 'entrenar-copy-bench-'))
const port = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
const ch = join(root, 'ch')
for (const d of ['data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(ch, d), { recursive: true })
const [http, tcp] = [await port(), await port()]
writeFileSync(
  join(ch, 'config.xml'),
  `<?xml version="1.0"?><yandex><logger><level>warning</level><console>1</console></logger><http_port>${http}</http_port><tcp_port>${tcp}</tcp_port><listen_host>127.0.0.1</listen_host><path>${ch}/data/</path><tmp_path>${ch}/tmp/</tmp_path><user_files_path>${ch}/user_files/</user_files_path><format_schema_path>${ch}/format_schemas/</format_schema_path><mark_cache_size>268435456</mark_cache_size><users_config>users.xml</users_config><default_profile>default</default_profile><default_database>default</default_database><timezone>UTC</timezone></yandex>`,
)
writeFileSync(
  join(ch, 'users.xml'),
  '<?xml version="1.0"?><yandex><profiles><default></default></profiles><users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users><quotas><default></default></quotas></yandex>',
)
const server = spawn(binary, [`--config-file=${join(ch, 'config.xml')}`], { cwd: ch, stdio: 'ignore' })
for (;;) {
  try {
    if ((await fetch(`http://127.0.0.1:${http}/?query=SELECT%201`)).ok) break
  } catch {}
  await new Promise((r) => setTimeout(r, 100))
}

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
  const load = loadavg()
  const p2p = copy(src, join(root, `p2p-${r}`))
  const p2c = copy(src, db)
  const c2p = copy(db, join(root, `c2p-${r}`))
  const again = copy(src, db)
  if (again.written !== 0) throw new Error(`the second copy wrote ${again.written} points`)
  const rate = (x) => gen.points / (x.ms / 1000)
  lines.push(
    `| ${r + 1} (${load.map((x) => fmt(x, 2)).join(' ')}) | ${fmt(rate(p2p))} | ${fmt(rate(p2c))} (${fmt(rate(p2c) / rate(p2p), 2)}×) | ${fmt(rate(c2p))} (${fmt(rate(c2p) / rate(p2p), 2)}×) | ${fmt(again.ms / 1000, 1)} s |`,
  )
}
server.kill('SIGTERM')
await new Promise((r) => server.once('exit', r))
rmSync(root, { recursive: true, force: true })
console.log(`${fmt(gen.points)} points, ${RUNS} runs × 20 metrics; points/s of a whole copy (process start to summary), ratio to Parquet → Parquet`)
console.log('| round (load 1/5/15 min) | Parquet → Parquet | Parquet → ClickHouse | ClickHouse → Parquet | again, nothing to write |')
console.log('|---|---|---|---|---|')
for (const l of lines) console.log(l)
