// First render of the web dashboard in Debian's Chromium: 10 runs × 1M points of `loss`, from
// navigation start to the chart drawn (the page's own performance.now() once uPlot has drawn: the
// run list, one minmax-last query of the 10 runs at the chart's pixel width answered as a binary
// series frame, uPlot drawing them), with the breakdown by stage (Navigation and Resource Timing of
// the page, the handler timed in Node, the renderer main thread's CPU time from CDP).
// Peers in the same run, in the same page: (1) the naive dashboard that ships all points: the raw
// points of ONE run as JSON through the store contract, fetched and decoded; (2) the same 10-run
// buckets as JSON (`/v1/store/query`, the page's previous payload), fetched, parsed and converted.
//
// With BENCH_STORE_DIR=<dir> (a store written by `entrenar generate`, e.g. 1000 runs × 20 metrics × 10,000
// steps), the page is served over that Parquet store (`@entrenar/db`) and opens a link naming BENCH_PICK
// (100) of its runs (every tenth) and `loss`: the run list of every run and the hundred series. The
// process's peak RSS (server, store caches and the Playwright client together) is printed after the
// page also charted two other metrics of those runs.
//
// Usage: (cd packages/core && npx tsup) && (cd packages/viz && npx tsup) && npm run bench:web -w @entrenar/viz
// Environment: BENCH_RUNS (10), BENCH_POINTS (1000000), BENCH_ROUNDS (5), CHROMIUM_PATH (/usr/bin/chromium),
// BENCH_STORE=memory to use core's in-memory store (the reference semantics, unindexed) instead,
// BENCH_STORE_DIR and BENCH_PICK (100) for a generated store (a copy: the dashboard writes its lease there).
import { mkdtemp, rm } from 'node:fs/promises'
import os, { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryStore, EntrenarError, RecordBatchBuilder, shapeSeries, validateQuery } from '@entrenar/core'
import { serveHandler } from '@entrenar/core/node'
import { webDashboardHandler } from '@entrenar/viz'
import { chromium } from 'playwright-core'

const STORE_DIR = process.env.BENCH_STORE_DIR
const PICK = Number(process.env.BENCH_PICK ?? 100)
const RUNS = STORE_DIR ? PICK : Number(process.env.BENCH_RUNS ?? 10)
const POINTS = STORE_DIR ? 0 : Number(process.env.BENCH_POINTS ?? 1_000_000)
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
for (let r = 0; r < (process.env.BENCH_STORE_DIR ? 0 : RUNS); r++) {
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
const ms = (x) => `${Math.round(x)} ms`

const kind = STORE_DIR ? 'parquet' : process.env.BENCH_STORE === 'memory' ? 'memory' : 'columnar'
let opened = 0
const store = STORE_DIR ? await (async () => {
  const { openStore } = await import('@entrenar/db')
  const t0 = performance.now()
  const s = await openStore(STORE_DIR, { onCorrupt: (e) => console.error(`warning: ${e.message}`) })
  opened = performance.now() - t0
  return s
})() : kind === 'memory' ? await memoryStore() : columnarStore()
// The runs a link names: every tenth run of the store (its rows as the chart must count them).
let picked = runs.map((r) => r.info.id)
let pickedRows = RUNS * POINTS
let allRuns = RUNS
if (STORE_DIR) {
  const ids = (await store.runs()).map((r) => r.id).sort()
  allRuns = ids.length
  const every = Math.max(1, Math.floor(ids.length / PICK))
  picked = ids.filter((_, i) => i % every === 0).slice(0, PICK)
  pickedRows = (await store.query({ runs: picked, metrics: ['loss'], aggregate: 'count' })).series.reduce((n, s) => n + s.value[0], 0)
  for (const id of picked) runs.push({ info: { id } })
}
const view = STORE_DIR ? `#runs=${picked.map(encodeURIComponent).join(',')}&metrics=loss` : ''
const handler = webDashboardHandler({ store })
const server = await serveHandler(handler)

/** Median time of one request answered by the handler in Node (no network, no browser), and its body size. */
async function serverMs(path, body) {
  const times = []
  let bytes = 0
  for (let i = 0; i < ROUNDS + 1; i++) {
    const init = body ? { method: 'POST', headers: { host: '127.0.0.1', 'content-type': 'application/json' }, body: JSON.stringify(body) } : { headers: { host: '127.0.0.1' } }
    const t0 = performance.now()
    const res = await handler(new Request(`http://127.0.0.1${path}`, init))
    bytes = (await res.arrayBuffer()).byteLength
    if (!res.ok) throw new Error(`${path} answered ${res.status}`)
    if (i > 0) times.push(performance.now() - t0)
  }
  return { ms: median(times), bytes }
}

/** Median time of the store alone answering `q` in Node. */
async function storeMs(q) {
  const times = []
  for (let i = 0; i < ROUNDS + 1; i++) {
    const t0 = performance.now()
    await store.query(q)
    if (i > 0) times.push(performance.now() - t0)
  }
  return median(times)
}

const dir = await mkdtemp(join(tmpdir(), 'entrenar-viz-bench-'))
const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 900 } })
try {
  const rounds = []
  let rawPoints = 0
  let buckets = 0
  let points = 0
  // Pages alternate between a returning browser (the page left its chart width in a cookie, so the
  // server starts the first view's queries when the page is requested) and a first visit (cookies
  // cleared: the store's pass starts only when the page asks), so both see the same machine load.
  for (let round = 0; round < 2 * ROUNDS + 1; round++) {
    const firstVisit = round % 2 === 0 && round > 0
    if (firstVisit) await context.clearCookies()
    const page = await context.newPage()
    let prefetched = false
    page.on('response', (r) => {
      if (r.url().endsWith('/api/series') && r.headers()['x-entrenar-prefetched'] === '1') prefetched = true
    })
    const cdp = await context.newCDPSession(page)
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' })
    const cpu0 = process.cpuUsage()
    await page.goto(`${server.url}/${view}`)
    await page.waitForSelector('body[data-ready="1"][data-t-painted] section.chart[data-metric="loss"] canvas', { timeout: 120_000 })
    const cpu = process.cpuUsage(cpu0)
    const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]))
    const t = await page.evaluate(() => {
      const d = document.body.dataset
      const nav = performance.getEntriesByType('navigation')[0]
      const res = (name) => performance.getEntriesByType('resource').find((r) => new URL(r.name).pathname.endsWith(name))
      const series = res('/api/series')
      return {
        html: nav.responseEnd,
        parsed: nav.domInteractive,
        scriptLoaded: res('/assets/app.js')?.responseEnd ?? Number.NaN,
        overviewLoaded: res('/api/overview')?.responseEnd ?? Number.NaN,
        overviewStart: res('/api/overview')?.startTime ?? Number.NaN,
        script: Number(d.tScript),
        overview: Number(d.tOverview),
        seriesSent: series?.startTime ?? Number.NaN,
        seriesFirstByte: series?.responseStart ?? Number.NaN,
        seriesLoaded: series?.responseEnd ?? Number.NaN,
        seriesBytes: series?.encodedBodySize ?? Number.NaN,
        decoded: Number(d.tQuery),
        drawn: Number(d.firstRenderMs),
        painted: Number(d.tPainted),
      }
    })
    const chart = page.locator('section.chart[data-metric="loss"]')
    buckets = Number(await chart.getAttribute('data-buckets'))
    points = STORE_DIR ? Number(await page.evaluate(() => document.cookie.match(/entrenar_viz_points=(\d+)/)?.[1])) : Math.round(buckets / RUNS)
    const rows = Number(await chart.getAttribute('data-rows'))
    if (rows !== pickedRows) throw new Error(`chart holds ${rows} rows, expected ${pickedRows}`)
    const lines = Number(await chart.getAttribute('data-lines'))
    if (lines !== RUNS) throw new Error(`chart draws ${lines} runs, expected ${RUNS}`)
    const listed = Number(await page.evaluate(() => document.body.dataset.runs))
    if (listed !== allRuns) throw new Error(`run table lists ${listed} runs, expected ${allRuns}`)
    // Peer 1, the naive dashboard: the raw points of one run through the JSON store contract.
    const raw = await page.evaluate(async (id) => {
      const t0 = performance.now()
      const res = await fetch('v1/store/query', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema_version: 1, runs: [id], metrics: ['loss'] }) })
      const json = await res.json()
      const v = Float64Array.from(json.series[0].value, (x) => (typeof x === 'number' ? x : Number(x)))
      return { ms: performance.now() - t0, n: v.length }
    }, runs[0].info.id)
    if (!STORE_DIR && raw.n !== POINTS) throw new Error(`peer decoded ${raw.n} points`)
    rawPoints = raw.n
    // Peer 2, the same buckets as JSON: fetched, parsed and turned into Float64Arrays (no schema check).
    const json = await page.evaluate(
      async ({ ids, points }) => {
        const t0 = performance.now()
        const res = await fetch('v1/store/query', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema_version: 1, runs: ids, metrics: ['loss'], bucket: { points, mode: 'minmax-last' } }) })
        const text = await res.text()
        const t1 = performance.now()
        const body = JSON.parse(text)
        let n = 0
        for (const s of body.series) {
          for (const k of ['x', 'value', 'min', 'max', 'count', 'nan_count']) Float64Array.from(s[k], (x) => (typeof x === 'number' ? x : Number(x)))
          n += s.x.length
        }
        return { ms: performance.now() - t0, decodeMs: performance.now() - t1, bytes: text.length, n }
      },
      { ids: runs.map((r) => r.info.id), points },
    )
    if (!STORE_DIR && json.n !== buckets) throw new Error(`JSON peer decoded ${json.n} buckets, the chart ${buckets}`)
    await page.close()
    if (round === 0) continue // warm-up: the first page also compiles the bundle and sets the cookie
    if (!STORE_DIR && prefetched === firstVisit) throw new Error(`${firstVisit ? 'first visit' : 'returning browser'} page was ${prefetched ? '' : 'not '}answered by the prefetch`)
    rounds.push({ ...t, firstVisit, mainThreadCpu: metrics.ThreadTime * 1000, scriptCpu: metrics.ScriptDuration * 1000, layoutCpu: (metrics.LayoutDuration + metrics.RecalcStyleDuration) * 1000, nodeCpu: (cpu.user + cpu.system) / 1000, raw: raw.ms, json: json.ms, jsonDecode: json.decodeMs, jsonBytes: json.bytes })
  }
  const q = { runs: picked, metrics: ['loss'], bucket: { points, mode: 'minmax-last' } }
  const overview = await serverMs('/api/overview')
  const frame = await serverMs('/api/series', { schema_version: 1, ...q })
  const jsonQuery = await serverMs('/v1/store/query', { schema_version: 1, ...q })
  const storeOnly = await storeMs(q)
  const visits = rounds.filter((r) => r.firstVisit)
  const returning = rounds.filter((r) => !r.firstVisit)
  const m = (k, rs = returning) => median(rs.map((r) => r[k]))
  const d = (a, b, rs = returning) => median(rs.map((r) => r[a] - r[b]))
  let otherMetrics = ''
  if (STORE_DIR) {
    // The same runs' other metrics (new row groups decoded, the cache bounded), then the peak RSS.
    const page = await context.newPage()
    const t0 = performance.now()
    await page.goto(`${server.url}/${view.replace('metrics=loss', 'metrics=val_loss,accuracy')}`)
    await page.waitForSelector('body[data-ready="1"] section.chart[data-metric="accuracy"] canvas', { timeout: 120_000 })
    await page.waitForFunction(() => document.querySelectorAll('section.chart[data-lines]').length === 2, undefined, { timeout: 120_000 })
    otherMetrics = `${ms(performance.now() - t0)}`
    await page.close()
  }
  const header = STORE_DIR
    ? `${RUNS} of ${allRuns} runs (every ${Math.floor(allRuns / RUNS)}th), their loss: ${pickedRows.toLocaleString('en')} rows (parquet store ${STORE_DIR}, opened in ${ms(opened)}, WAL recovery swept temp files: ${store.recovery.sweptTemps})`
    : `${RUNS} runs × ${POINTS.toLocaleString('en')} points (${kind} store)`
  console.log(`web dashboard first render, ${header}, Chromium ${context.browser()?.version() ?? ''}, ${ROUNDS} fresh pages after a warm-up`)
  console.log(`  first render (navigation → ${buckets.toLocaleString('en')} minmax-last buckets drawn by uPlot), median of ${ROUNDS} pages each:`)
  console.log(`    returning browser (server prefetch): ${ms(m('drawn'))} [${returning.map((r) => Math.round(r.drawn)).join(', ')}]; on screen (next frame painted) ${ms(m('painted'))}`)
  console.log(`    first visit (no prefetch):           ${ms(m('drawn', visits))} [${visits.map((r) => Math.round(r.drawn)).join(', ')}]; on screen ${ms(m('painted', visits))}; series query sent ${ms(m('seriesSent', visits))}, first byte ${ms(m('seriesFirstByte', visits))} [server ${ms(d('seriesFirstByte', 'seriesSent', visits))}]`)
  console.log('  breakdown of the returning browser, median ms since navigation start (stage duration in brackets):')
  console.log(`    HTML received ${ms(m('html'))} · script received ${ms(m('scriptLoaded'))} · script running ${ms(m('script'))} [compile + start ${ms(d('script', 'scriptLoaded'))}]`)
  console.log(`    run list: preload sent ${ms(m('overviewStart'))}, received ${ms(m('overviewLoaded'))}, shown ${ms(m('overview'))}`)
  console.log(`    series query sent ${ms(m('seriesSent'))} · first byte ${ms(m('seriesFirstByte'))} [server ${ms(d('seriesFirstByte', 'seriesSent'))}] · received ${ms(m('seriesLoaded'))} [${(m('seriesBytes') / 1024).toFixed(0)} KiB] · decoded ${ms(m('decoded'))} [${ms(d('decoded', 'seriesLoaded'))}] · drawn ${ms(m('drawn'))} [${ms(d('drawn', 'decoded'))}]`)
  console.log(`    renderer main thread CPU until drawn: ${ms(m('mainThreadCpu'))} (script ${ms(m('scriptCpu'))}, style + layout ${ms(m('layoutCpu'))}); server process CPU: ${ms(m('nodeCpu'))}`)
  console.log(`  handler in Node (median): run list ${ms(overview.ms)} (${(overview.bytes / 1024).toFixed(0)} KiB); series frame ${ms(frame.ms)} (${(frame.bytes / 1024).toFixed(0)} KiB; the store's minmax-last pass over ${pickedRows.toLocaleString('en')} rows alone ${ms(storeOnly)}); same buckets as JSON ${ms(jsonQuery.ms)} (${(jsonQuery.bytes / 1024).toFixed(0)} KiB)`)
  console.log(`  peer 1, all points: raw JSON fetch + decode of 1 run (${rawPoints.toLocaleString('en')} points): median ${ms(m('raw', rounds))} → first render of all ${RUNS} runs / raw fetch of one = ${(m('drawn') / m('raw', rounds)).toFixed(2)}× (first visit ${(m('drawn', visits) / m('raw', rounds)).toFixed(2)}×)`)
  console.log(`  peer 2, same buckets as JSON: fetch + parse + convert ${ms(m('json', rounds))} (parse + convert alone ${ms(m('jsonDecode', rounds))}, ${(m('jsonBytes', rounds) / 1024).toFixed(0)} KiB) vs the binary frame without prefetch, sent → decoded ${ms(d('decoded', 'seriesSent', visits))} = ${(m('json', rounds) / d('decoded', 'seriesSent', visits)).toFixed(2)}× faster`)
  if (STORE_DIR) {
    const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`
    console.log(`  then val_loss and accuracy of the same runs in a new page: ${otherMetrics}; RSS of the process (server, store caches, Playwright client) now ${mib(process.memoryUsage().rss)}, peak ${mib(process.resourceUsage().maxRSS * 1024)} (budget 1 GiB)`)
  }
  const verdict = (x) => (x <= 500 ? 'met' : 'NOT met')
  console.log(`  budget: first render ≤ 500 ms → returning browser ${verdict(m('drawn'))}, first visit ${verdict(m('drawn', visits))} on this machine (load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')})`)
} finally {
  await context.close()
  await rm(dir, { recursive: true, force: true })
  await server.close()
  if (STORE_DIR) await store.close()
}
