// The 100-run link's first render from two builds of this package in one session: the peer's page
// (BENCH_BEFORE: the directory of another checkout's built @entrenar/viz, e.g. a clone of the commit
// before a change, after its `npm run build`) and this build's, fresh pages alternated A B B A …, both
// servers over the same open store in this process, the same Chromium. Each page must draw the 100
// runs. Prints the medians (first render, on screen, decoded → drawn, renderer main-thread CPU until
// drawn) with every page's figure, the ratios, and the load average before and after.
// Usage: BENCH_STORE_DIR=<copy of a generated store> BENCH_BEFORE=<dir> node bench/web-first-render-ab.bench.mjs
// Environment: PAIRS (6), CHROMIUM_PATH (/usr/bin/chromium).
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { serveHandler } from '@entrenar/core/node'
import { openStore } from '@entrenar/db'
import { chromium } from 'playwright-core'
import { pathToFileURL } from 'node:url'
import * as B from '@entrenar/viz'

if (!process.env.BENCH_STORE_DIR || !process.env.BENCH_BEFORE) throw new Error('set BENCH_STORE_DIR (a generated store, copied) and BENCH_BEFORE (a built @entrenar/viz to compare with)')
const A = await import(pathToFileURL(join(process.env.BENCH_BEFORE, 'dist/index.js')).href)
const store = await openStore(process.env.BENCH_STORE_DIR)
const ids = (await store.runs()).map((r) => r.id).sort()
const picked = ids.filter((_, i) => i % 10 === 0).slice(0, 100)
const view = `#runs=${picked.map(encodeURIComponent).join(',')}&metrics=loss`
const servers = { before: await serveHandler(A.webDashboardHandler({ store })), now: await serveHandler(B.webDashboardHandler({ store })) }
const dir = await mkdtemp(join(os.tmpdir(), 'dash-ab-'))
const ctx = await chromium.launchPersistentContext(dir, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'], viewport: { width: 1400, height: 900 } })
const PAIRS = Number(process.env.PAIRS ?? 6)
const res = { before: [], now: [] }
const load0 = os.loadavg()[0]
async function one(who, keep) {
  const page = await ctx.newPage()
  const cdp = await ctx.newCDPSession(page)
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' })
  await page.goto(`${servers[who].url}/${view}`)
  await page.waitForSelector('body[data-ready="1"][data-t-painted] section.chart[data-metric="loss"] canvas', { timeout: 120000 })
  const m = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]))
  const t = await page.evaluate(() => ({ drawn: Number(document.body.dataset.firstRenderMs), decoded: Number(document.body.dataset.tQuery), painted: Number(document.body.dataset.tPainted), lines: Number(document.querySelector('section.chart[data-metric="loss"]').dataset.lines) }))
  if (t.lines !== 100) throw new Error(`${who}: ${t.lines} lines`)
  await page.close()
  if (keep) res[who].push({ ...t, draw: t.drawn - t.decoded, cpu: m.ThreadTime * 1000, script: m.ScriptDuration * 1000 })
}
await one('before', false)
await one('now', false)
for (let p = 0; p < PAIRS; p++) {
  const order = p % 2 === 0 ? ['before', 'now'] : ['now', 'before']
  for (const who of order) await one(who, true)
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
const r = (x) => Math.round(x)
console.log(`100-run link, ${PAIRS} pages each, alternated; load ${load0.toFixed(1)} → ${os.loadavg()[0].toFixed(1)} (${new Date().toISOString().slice(11, 19)} UTC)`)
for (const who of ['before', 'now']) {
  const rs = res[who]
  console.log(`  ${who.padEnd(6)} drawn ${r(med(rs.map((x) => x.drawn)))} ms [${rs.map((x) => r(x.drawn)).join(', ')}]; on screen ${r(med(rs.map((x) => x.painted)))}; decoded→drawn ${r(med(rs.map((x) => x.draw)))} [${rs.map((x) => r(x.draw)).join(', ')}]; main-thread CPU ${r(med(rs.map((x) => x.cpu)))} (script ${r(med(rs.map((x) => x.script)))})`)
}
const ratio = (k) => (med(res.now.map((x) => x[k])) / med(res.before.map((x) => x[k]))).toFixed(2)
console.log(`  now / before: drawn ${ratio('drawn')}×, decoded→drawn ${ratio('draw')}×, CPU ${ratio('cpu')}×`)
await ctx.close(); await rm(dir, { recursive: true, force: true }); await servers.before.close(); await servers.now.close(); await store.close()
