// The Rust entrenar-store-server against `entrenar serve` (TypeScript, Parquet store of @entrenar/db),
// both as separate processes on loopback, through the same HTTP client (`metricStoreContract`), in one run:
//   1. durable writes: batches of BENCH_BATCH rows, each acknowledged durable (Rust: write, synced before
//      its answer; serve: write + flush, since serve acknowledges a write once queued);
//   2. queries over the written run: raw series, one aggregate, 800-point minmax-last downsampling.
// Printed as ratios (Rust / serve) with the load average, since the machine is shared.
// Usage: npm run bench -w @entrenar/rust  (needs `npm run build`). Scale: BENCH_ROWS (default 200000), BENCH_BATCH (default 1000).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createHttpClient, metricStoreContract, RecordBatchBuilder } from '@entrenar/core'

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000)
const BATCH = Number(process.env.BENCH_BATCH ?? 1000)
const METRICS = ['loss', 'accuracy', 'learning_rate', 'gradient_norm']
const T0 = 1_700_000_000_000_000
const RUST_BIN = fileURLToPath(new URL('../../target/release/entrenar-store-server', import.meta.url))
const ENTRENAR_CLI = fileURLToPath(new URL('../../../packages/entrenar/dist/cli.js', import.meta.url))
const root = mkdtempSync(join(tmpdir(), 'entrenar-store-bench-'))
const fmt = (x, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d })

function start(cmd, args, pick) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH } })
  return new Promise((resolve, reject) => {
    let out = ''
    proc.stdout.setEncoding('utf8').on('data', (d) => {
      out += d
      const url = pick(out)
      if (url) {
        const stop = () =>
          new Promise((r) => {
            proc.once('exit', r)
            proc.kill('SIGTERM')
          })
        resolve({ url, stop })
      }
    })
    proc.once('exit', (code) => reject(new Error(`${cmd} exited with ${code}`)))
  })
}

function batchOf(run, first, n) {
  const b = new RecordBatchBuilder(run, n)
  const ids = METRICS.map((m) => b.metricId(m))
  for (let i = 0; i < n; i++) {
    const row = first + i
    b.append(ids[row % METRICS.length], Math.sin(row) + 1, Math.floor(row / METRICS.length), T0 + row * 10)
  }
  return b.finish()
}

async function median(fn, rounds = 9) {
  const t = []
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now()
    await fn()
    t.push(performance.now() - t0)
  }
  return t.sort((a, b) => a - b)[Math.floor(rounds / 2)]
}

async function measure(name, url, durableWrite) {
  const store = createHttpClient(metricStoreContract, url, { timeoutMs: 120_000 })
  const run = `bench-${name}`
  await store.putRun({ id: run, status: 'running', startTimeMs: Date.now() })
  const batches = []
  for (let first = 0; first < ROWS; first += BATCH) batches.push(batchOf(run, first, Math.min(BATCH, ROWS - first)))
  const t0 = performance.now()
  for (const b of batches) await durableWrite(store, b)
  const writeS = (performance.now() - t0) / 1000
  const q = {
    raw: await median(() => store.query({ runs: [run], metrics: ['loss'] })),
    aggregate: await median(() => store.query({ runs: [run], aggregate: 'p90' })),
    downsample: await median(() => store.query({ runs: [run], metrics: ['loss'], bucket: { points: 800, mode: 'minmax-last' } })),
  }
  const check = (await store.query({ runs: [run], aggregate: 'count' })).series.reduce((a, s) => a + s.value[0], 0)
  if (check !== ROWS) throw new Error(`${name} holds ${check} rows, expected ${ROWS}`)
  return { rowsPerS: ROWS / writeS, q }
}

const load0 = loadavg()[0]
try {
  const rust = await start(RUST_BIN, ['--port', '0', '--data', join(root, 'rust.store')], (out) => out.match(/^(http:\/\/\S+)\n/)?.[1])
  let r
  try {
    r = await measure('rust', rust.url, (s, b) => s.write(b))
  } finally {
    await rust.stop()
  }
  const serve = await start(process.execPath, [ENTRENAR_CLI, 'serve', join(root, 'serve'), '--port', '0', '--no-dashboard', '--json'], (out) => {
    try {
      return JSON.parse(out.split('\n')[0]).url
    } catch {
      return undefined
    }
  })
  let t
  try {
    t = await measure('serve', serve.url, async (s, b) => {
      await s.write(b)
      await s.flush()
    })
  } finally {
    await serve.stop()
  }
  const load1 = loadavg()[0]
  console.log(`Rust entrenar-store-server vs entrenar serve (@entrenar/db), ${fmt(ROWS, 0)} rows in batches of ${fmt(BATCH, 0)}, each acknowledged durable`)
  console.log(`load average (1 min): ${fmt(load0, 2)} before, ${fmt(load1, 2)} after, on ${(await import('node:os')).cpus().length} cores\n`)
  const rows = [
    ['durable writes (rows/s)', r.rowsPerS, t.rowsPerS, r.rowsPerS / t.rowsPerS, 'higher is better'],
    ['query: raw loss series (ms)', r.q.raw, t.q.raw, t.q.raw / r.q.raw, 'serve/Rust'],
    ['query: p90 of every metric (ms)', r.q.aggregate, t.q.aggregate, t.q.aggregate / r.q.aggregate, 'serve/Rust'],
    ['query: 800-point minmax-last (ms)', r.q.downsample, t.q.downsample, t.q.downsample / r.q.downsample, 'serve/Rust'],
  ]
  console.log('| workload | Rust store server | entrenar serve | Rust advantage |')
  console.log('|---|---:|---:|---:|')
  for (const [name, a, b, ratio] of rows) console.log(`| ${name} | ${fmt(a, a > 100 ? 0 : 2)} | ${fmt(b, b > 100 ? 0 : 2)} | ${fmt(ratio, 2)}× |`)
} finally {
  rmSync(root, { recursive: true, force: true })
}
