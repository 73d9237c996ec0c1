// First render of the web dashboard in Debian's Chromium: 10 runs × 1M points of `loss`, from
// navigation start to the chart drawn (the page's own performance.now() at its first draw: the run
// list, one minmax-last query of the 10 runs at the chart's width, uPlot drawing them). The peer in
// the same run: fetching and decoding the raw points of ONE of those runs through the same API,
// which a dashboard without server-side downsampling must do before it can draw anything.
//
// Usage: npm run build -w @entrenar/core && npm run build -w @entrenar/viz && npm run bench:web -w @entrenar/viz
// Environment: BENCH_RUNS (10), BENCH_POINTS (1000000), BENCH_ROUNDS (5), CHROMIUM_PATH (/usr/bin/chromium),
// BENCH_STORE=memory to use core's in-memory store (the reference semantics, unindexed) instead.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryStore, EntrenarError, RecordBatchBuilder, shapeSeries, validateQuery } from '@entrenar/core'
import { serveHandler } from '@entrenar/core/node'
import { webDashboardHandler } from '@entrenar/viz'
import { chromium } from 'playwright-core'

const RUNS = Number(process.env.BENCH_RUNS ?? 10)
const POINTS = Number(process.env.BENCH_POINTS ?? 1_000_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

// Data: a noisy decaying loss per run, a NaN and a spike in each.
let seed = 7
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0
  return seed / 2 ** 32
}
const step = new Float64Array(POINTS)
const ts = new Float64Array(POINTS)
for (let i = 0; i < POINTS; i++) {
  step[i] = i
  ts[i] = 1.7e15 + i * 1000
}
const runs = []
for (let r = 0; r < RUNS; r++) {
  const value = new Float64Array(POINTS)
  for (let i = 0; i < POINTS; i++) value[i] = (2 + r * 0.1) * Math.exp(-i / (POINTS / 5)) + 0.05 * rand()
  value[Math.floor(POINTS * 0.3)] = Number.NaN
  value[Math.floor(POINTS * 0.6)] = 50
  runs.push({ info: { id: `run-${String(r).padStart(2, '0')}`, name: `lr=${(1e-3 * (r + 1)).toFixed(3)}`, status: 'finished', startTimeMs: 1.7e12 + r, endTimeMs: 1.7e12 + 3.6e6 }, value })
}

/** Lower bound of `x` in ascending `a`. */
function lowerBound(a, x) {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (a[mid] < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * A read-only store over decoded, step-ordered columns that answers with core's reference shaping
 * (`shapeSeries`) after a binary search on the step range: what a Parquet store with a decoded-column
 * cache does. The dashboard cannot tell it from any other MetricStore.
 */
function columnarStore() {
  const refuse = async () => {
    throw new EntrenarError('ENTRENAR_UNSUPPORTED', 'bench store is read-only')
  }
  return {
    async query(q) {
      validateQuery(q)
      const series = []
      for (const r of runs) {
        if (q.runs && !q.runs.includes(r.info.id)) continue
        if (q.metrics && !q.metrics.includes('loss')) continue
        const lo = q.steps ? lowerBound(step, q.steps[0]) : 0
        const hi = q.steps ? lowerBound(step, q.steps[1] + 1) : POINTS
        series.push(shapeSeries(q, { runId: r.info.id, metric: 'loss', step: step.subarray(lo, hi), timestampUs: ts.subarray(lo, hi), value: r.value.subarray(lo, hi) }))
      }
      return { series }
    },
    runs: async () => runs.map((r) => r.info),
    range: refuse,
    write: refuse,
    putRun: refuse,
    flush: refuse,
    close: refuse,
  }
}

async function memoryStore() {
  const store = createMemoryStore()
  for (const r of runs) {
    await store.putRun(r.info)
    const b = new RecordBatchBuilder(r.info.id, POINTS)
    const loss = b.metricId('loss')
    for (let i = 0; i < POINTS; i++) b.append(loss, r.value[i], step[i], ts[i])
    await store.write(b.finish())
  }
  return store
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]

const kind = process.env.BENCH_STORE === 'memory' ? 'memory' : 'columnar'
const store = kind === 'memory' ? await memoryStore() : columnarStore()
const handler = webDashboardHandler({ store })
const server = await serveHandler(handler)

/** Median time of the handler answering one request in Node (no network, no browser). */
async function serverMs(path, body) {
  const times = []
  for (let i = 0; i < ROUNDS + 1; i++) {
    const init = body ? { method: 'POST', headers: { host: '127.0.0.1', 'content-type': 'application/json' }, body: JSON.stringify(body) } : { headers: { host: '127.0.0.1' } }
    const t0 = performance.now()
    const res = await handler(new Request(`http://127.0.0.1${path}`, init))
    await res.arrayBuffer()
    if (i > 0) times.push(performance.now() - t0)
  }
  return median(times)
}
const dir = await mkdtemp(join(tmpdir(), 'entrenar-viz-bench-'))
const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 900 } })
try {
  const first = []
  const stages = []
  const peer = []
  let buckets = 0
  for (let round = 0; round < ROUNDS + 1; round++) {
    const page = await context.newPage()
    await page.goto(`${server.url}/`)
    await page.waitForSelector('body[data-ready="1"] section.chart[data-metric="loss"] canvas', { timeout: 120_000 })
    const ms = Number(await page.getAttribute('body', 'data-first-render-ms'))
    const stage = async (k) => Number(await page.getAttribute('body', `data-t-${k}`))
    stages.push({ script: await stage('script'), overview: await stage('overview'), query: await stage('query'), drawn: ms })
    buckets = Number(await page.locator('section.chart[data-metric="loss"]').getAttribute('data-buckets'))
    const rows = Number(await page.locator('section.chart[data-metric="loss"]').getAttribute('data-rows'))
    if (rows !== RUNS * POINTS) throw new Error(`chart holds ${rows} rows, expected ${RUNS * POINTS}`)
    // Peer: the raw points of one run through the same API, fetched and decoded in the page.
    const raw = await page.evaluate(async (id) => {
      const t0 = performance.now()
      const res = await fetch('v1/store/query', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema_version: 1, runs: [id], metrics: ['loss'] }) })
      const json = await res.json()
      const v = Float64Array.from(json.series[0].value, (x) => (typeof x === 'number' ? x : Number(x)))
      return { ms: performance.now() - t0, n: v.length }
    }, runs[0].info.id)
    if (raw.n !== POINTS) throw new Error(`peer decoded ${raw.n} points`)
    await page.close()
    if (round === 0) continue // warm-up: the first page also compiles the bundle
    first.push(ms)
    peer.push(raw.ms)
  }
  const overviewMs = await serverMs('/api/overview')
  const queryMs = await serverMs('/v1/store/query', { schema_version: 1, runs: runs.map((r) => r.info.id), metrics: ['loss'], bucket: { points: Math.round(buckets / RUNS), mode: 'minmax-last' } })
  const f = median(first)
  const p = median(peer)
  console.log(`web dashboard first render, ${RUNS} runs × ${POINTS.toLocaleString('en')} points (${kind} store), Chromium ${context.browser()?.version() ?? ''}`)
  console.log(`  first render (navigation → chart drawn, ${buckets} buckets): median ${f.toFixed(0)} ms over ${ROUNDS} pages [${first.map((x) => x.toFixed(0)).join(', ')}]`)
  const st = (k) => median(stages.slice(1).map((s) => s[k])).toFixed(0)
  console.log(`  stages (median ms since navigation): script running ${st('script')}, run list ${st('overview')}, buckets received ${st('query')}, drawn ${st('drawn')}`)
  console.log(`  server side (handler in Node, median): run list ${overviewMs.toFixed(0)} ms, minmax-last query of ${RUNS} runs ${queryMs.toFixed(0)} ms`)
  console.log(`  peer: raw fetch + decode of 1 run (${POINTS.toLocaleString('en')} points):        median ${p.toFixed(0)} ms`)
  console.log(`  ratio: all ${RUNS} runs drawn / 1 run fetched raw = ${(f / p).toFixed(2)}×  (budget: first render ≤ 500 ms)`)
} finally {
  await context.close()
  await rm(dir, { recursive: true, force: true })
  await server.close()
}
