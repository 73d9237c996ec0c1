import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore, type ParquetStore } from '@entrenar/db'
import { serveWebDashboard, type WebDashboardServer } from '@entrenar/viz'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type GenerateSummary, generateStore } from '../src/index.js'
import { tempDir } from './helpers.js'

// A thousand runs, as `entrenar generate` writes them (stopped, diverged, NaN bursts), served by the web
// dashboard over the Parquet store: the run table, picking a hundred runs, their NaN markers. The
// figures of the reference size (157M points) are in bench/ and docs/performance.md, not here.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
const RUNS = 1000

const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 30_000, interval: 50 })

describe.skipIf(!existsSync(CHROMIUM) && process.env.CI !== 'true')('web dashboard over a thousand runs', () => {
  let dir: string
  let summary: GenerateSummary
  let store: ParquetStore
  let server: WebDashboardServer
  let profile: string
  let context: BrowserContext
  let page: Page

  beforeAll(async () => {
    dir = join(tempDir(), 'store')
    summary = await generateStore(dir, { runs: RUNS, metrics: 3, steps: 40, seed: 5 })
    store = await openStore(dir)
    server = await serveWebDashboard(store, { storeDir: dir })
    profile = await mkdtemp(join(tmpdir(), 'entrenar-scale-chromium-'))
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 1000 } })
    page = await context.newPage()
  }, 240_000)

  afterAll(async () => {
    await context?.close()
    await server?.close()
    await store?.close()
    if (profile) await rm(profile, { recursive: true, force: true })
  })

  it('lists every run with its metric figures from the run catalog, reading no row', async () => {
    const res = await fetch(`${server.url}api/overview`)
    expect(res.status).toBe(200)
    const o = (await res.json()) as { runs: { run: { id: string }; metrics: { name: string; rows: number; nan: number; last: unknown; last_step: number }[] }[] }
    expect(o.runs).toHaveLength(RUNS)
    // No column was decoded to answer it (the run list of a 157M-point store costs what this one does).
    expect(store.stats().cacheBytes).toBe(0)
    // The figures are those of the rows.
    const ids = [summary.stopped[0]!, summary.diverged[0]!, summary.nanBursts[0]!, 'run-000']
    const [last, count] = await Promise.all([store.query({ runs: ids, aggregate: 'last' }), store.query({ runs: ids, aggregate: 'count' })])
    for (const s of last.series) {
      const m = o.runs.find((r) => r.run.id === s.runId)!.metrics.find((x) => x.name === s.metric)!
      const n = count.series.find((c) => c.runId === s.runId && c.metric === s.metric)!
      const v = s.value[0]!
      expect(m.last_step, `${s.runId}/${s.metric}`).toBe(s.x[0])
      expect(m.last, `${s.runId}/${s.metric}`).toEqual(Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity')
      expect(m.rows).toBe(n.value[0])
      expect(m.nan).toBe(n.nanCount?.[0])
    }
    expect(o.runs.reduce((k, r) => k + r.metrics.reduce((j, m) => j + m.rows, 0), 0)).toBe(summary.points)
    expect(o.runs.reduce((k, r) => k + r.metrics.reduce((j, m) => j + m.nan, 0), 0)).toBe(summary.nanPoints)
  })

  it('the run table of a thousand runs draws only the rows in view; scrolling brings the last ones', async () => {
    await page.goto(server.url)
    await page.waitForSelector('body[data-ready="1"]')
    const runs = page.locator('.runs')
    await poll(() => runs.getAttribute('data-shown')).toBe(String(RUNS))
    const drawn = await page.locator('.runs tbody tr[data-run]').count()
    expect(drawn).toBeGreaterThan(5)
    expect(drawn).toBeLessThan(100)
    expect(await page.locator('.runs tr[data-run="run-999"]').count()).toBe(0)
    // The table is as tall as a thousand rows: the scroll bar says where one is.
    const scroll = page.locator('.run-scroll')
    expect(await scroll.evaluate((e) => e.scrollHeight)).toBeGreaterThan(RUNS * 40)
    await scroll.evaluate((e) => {
      e.scrollTop = e.scrollHeight
    })
    await poll(() => page.locator('.runs tr[data-run="run-999"]').count()).toBe(1)
    expect(await page.locator('.runs tbody tr[data-run]').count()).toBeLessThan(100)
    await scroll.evaluate((e) => {
      e.scrollTop = 500 * 44
    })
    await poll(() => page.locator('.runs tr[data-run="run-500"]').isVisible()).toBe(true)
  })

  it('picking the hundred runs a filter shows charts all hundred loss series, NaN markers included', async () => {
    const shown = Array.from({ length: 100 }, (_, i) => `run-0${String(i).padStart(2, '0')}`)
    const nanLoss = (await store.query({ runs: shown, metrics: ['loss'] })).series.filter((s) => s.value.some((v) => Number.isNaN(v))).map((s) => s.runId)
    expect(nanLoss.length, 'runs of the hundred with a NaN loss').toBeGreaterThan(0)
    await page.fill('#run-filter', 'run-0')
    await poll(() => page.locator('.runs').getAttribute('data-shown')).toBe('100')
    await page.click('#pick-none')
    await poll(() => page.locator('#run-count').textContent()).toBe('100 of 1000 runs, 0 selected')
    await page.click('#pick-shown')
    await poll(() => page.locator('#run-count').textContent()).toBe('100 of 1000 runs, 100 selected')
    const loss = page.locator('section.chart[data-metric="loss"]')
    await poll(() => loss.getAttribute('data-lines')).toBe('100')
    const rows = (await store.query({ runs: shown, metrics: ['loss'], aggregate: 'count' })).series.reduce((k, s) => k + s.value[0]!, 0)
    await poll(() => loss.getAttribute('data-rows')).toBe(String(rows))
    expect(Number(await loss.getAttribute('data-markers'))).toBeGreaterThanOrEqual(1)
    // One uPlot series per run (the smoothed line: no faint raw line, no band edges under a hundred
    // lines), and every run's min–max band drawn beneath them.
    expect(await loss.getAttribute('data-series')).toBe('100')
    await poll(() => loss.getAttribute('data-bands')).toBe('100')
    // The address names the hundred runs: the same view opens from a link.
    const hash = decodeURIComponent(await page.evaluate(() => location.hash))
    for (const id of shown) expect(hash).toContain(id)
    const again = await context.newPage()
    // The hundred series arrive after the run list (held until it has been received and drawn).
    const listed = again.waitForResponse((r) => r.url().endsWith('/api/overview'))
    await again.route('**/api/series', async (route) => {
      await listed
      await new Promise((r) => setTimeout(r, 300))
      await route.continue()
    })
    await again.goto(`${server.url}${await page.evaluate(() => location.hash)}`)
    await again.waitForSelector('body[data-ready="1"]')
    // The first render is the hundred series drawn, never an empty chart drawn while they were on their way.
    const first = await again.evaluate(() => {
      const c = document.querySelector<HTMLElement>('section.chart[data-metric="loss"]')
      return { lines: c?.dataset.lines, rows: c?.dataset.rows }
    })
    expect(first).toEqual({ lines: '100', rows: String(rows) })
    await again.close()
  })
})
