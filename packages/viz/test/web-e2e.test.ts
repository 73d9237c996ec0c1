import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { aggregate, batchFromRows, createDefaultPolicy, createMemoryStore, type MetricStore } from '@entrenar/core'
import { type RunningServer, serveHandler } from '@entrenar/core/node'
import { adwin } from '@entrenar/drift'
import { MetricsCollector } from '@entrenar/monitor'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatNumber } from '../src/chart/format.js'
import { buildBrowserBundle } from '../src/web/build.mjs'
import { createDashboardHandler } from '../src/web/handler.js'
import { CHROMIUM, launchChromium } from './web-browser.js'
import { lineageOf, writeSeries } from './web-helpers.js'

// pngjs ships no types; the one call used here, typed.
const { PNG } = createRequire(import.meta.url)('pngjs') as { PNG: { sync: { read(b: Buffer): { width: number; height: number; data: Buffer } } } }

const accuracy = (s: number): number => (s < 300 ? 0.9 : 0.5) + 0.02 * Math.sin(s * 1.7)

/** Waits for a page condition; generous, because CI machines are shared (a pass is usually immediate). */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 50 })

const HOSTILE = '<img src=x onerror=alert(1)>'

// 20,000 rows around 1 with one-row spikes: +1e6, −1e6, NaN, +Inf and −Inf. Each must survive the
// chart's downsampling to its pixel width (~1300 buckets, ~15 rows each).
const SPIKY_ROWS = 20_000
const SPIKES: Readonly<Record<number, number>> = { 4321: 1e6, 12345: -1e6, 7000: Number.NaN, 9001: Number.POSITIVE_INFINITY, 15000: Number.NEGATIVE_INFINITY }
const spiky = (s: number): number => SPIKES[s] ?? 1 + 0.01 * Math.sin(s)

// End to end in Debian's Chromium, against a bundle built from the current sources.
// On a developer machine without the tool this is skipped; in CI (CI=true, which installs it) it must run.
describe.skipIf(!existsSync(CHROMIUM) && process.env.CI !== 'true')('web dashboard in Chromium', () => {
  let store: MetricStore
  let server: RunningServer
  let browser: { context: BrowserContext; close(): Promise<void> }
  let page: Page
  const problems: string[] = []
  const queries: string[] = []

  beforeAll(async () => {
    store = createMemoryStore()
    await store.putRun({ id: 'r1', name: 'baseline', config: { '<b>lr</b>': '<script>alert(2)</script>', batch: 32 }, status: 'finished', startTimeMs: Date.now() - 3_600_000, endTimeMs: Date.now() - 600_000 })
    await store.putRun({ id: 'r2', name: 'live', status: 'running', startTimeMs: Date.now() - 60_000 })
    await writeSeries(store, 'r1', 'loss', 0, 3000, (s) => (s === 1500 ? Number.NaN : s === 2000 ? Number.POSITIVE_INFINITY : 2 * Math.exp(-s / 800) + 0.05 * Math.sin(s / 7)))
    await writeSeries(store, 'r1', HOSTILE, 0, 10, (s) => s * s)
    await writeSeries(store, 'r1', 'accuracy', 0, 600, accuracy)
    await writeSeries(store, 'r1', 'spiky', 0, SPIKY_ROWS, spiky)
    await writeSeries(store, 'r1', 'sys/cpu_user_percent', 0, 5, (s) => 40 + s)
    await store.write(
      batchFromRows(
        'r1',
        Array.from({ length: 30 }, (_, s) => ({ metric: 'acc_split', value: s % 3 === 0 ? 0.7 : 0.9, step: s, timestampUs: 1e15 + s, epoch: null, batch: null, tags: { split: s % 3 === 0 ? 'val' : 'train' } })),
      ),
    )
    await writeSeries(store, 'r2', 'loss', 0, 400, (s) => 2.2 * Math.exp(-s / 500))
    const andon = createDefaultPolicy({ runId: 'r1' })
    andon.observeValue('loss', Number.NaN, 1500)
    const lineage = await lineageOf(
      [
        { id: 'r1', metrics: { loss: 0.3 }, createdAtMs: 1, runId: 'r1' },
        { id: 'r2', metrics: { loss: 0.25 }, createdAtMs: 2, runId: 'r2' },
      ],
      [{ parent: 'r1', child: 'r2', changeType: 'hyperparams' }],
    )
    const assets = await buildBrowserBundle()
    server = await serveHandler(createDashboardHandler({ store, andon, lineage, pollMs: 100 }, assets))
    browser = await launchChromium()
    page = await browser.context.newPage()
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`)
      void d.dismiss()
    })
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content.Security.Policy|TrustedHTML/i.test(m.text())) problems.push(`console: ${m.text()}`)
    })
    page.on('request', (r) => {
      if (r.url().endsWith('/api/series')) queries.push(r.postData() ?? '')
    })
    await page.goto(`${server.url}/`)
    await page.waitForSelector('body[data-ready="1"]')
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('lists the runs with status, final metrics and alert counts', async () => {
    const rows = page.locator('.runs tbody tr')
    await poll(() => rows.count()).toBe(2)
    expect(await rows.nth(0).getAttribute('data-status')).toBe('finished')
    expect(await rows.nth(1).getAttribute('data-status')).toBe('running')
    expect(await rows.nth(0).locator('td.alerts').textContent()).toBe('1')
    expect(await rows.nth(0).locator('.finals').textContent()).toContain('loss')
  })

  it('lists system metrics in a group of their own, after the training metrics, not charted by default', async () => {
    const group = page.locator('.metric-list p.metric-group')
    await poll(() => group.count()).toBe(1)
    expect(await group.textContent()).toBe('system')
    const items = await page.locator('.metric-list > *').evaluateAll((els) => els.map((e) => e.textContent ?? ''))
    expect(items.indexOf('system')).toBeGreaterThan(items.indexOf('loss'))
    expect(items.indexOf('sys/cpu_user_percent')).toBe(items.indexOf('system') + 1)
    expect(await page.locator('section.chart[data-metric="sys/cpu_user_percent"]').count()).toBe(0)
  })

  it('renders the hostile metric name as text, never as markup', async () => {
    const label = page.locator('.metric-list label.metric', { hasText: HOSTILE })
    expect(await label.textContent()).toBe(HOSTILE)
    // Logged least, it is not among the metrics charted first: chart it.
    await label.locator('input').check()
    await poll(() => page.locator(`section.chart[data-metric="${HOSTILE}"] canvas`).count()).toBe(1)
    expect(await page.locator('img').count()).toBe(0)
    expect(await page.locator(`section.chart[data-metric="${HOSTILE}"] h3`).textContent()).toBe(HOSTILE)
    expect(problems).toEqual([])
  })

  it('filters runs and shows their configuration as text', async () => {
    await page.fill('#run-filter', 'live')
    await poll(() => page.locator('.runs tbody tr').count()).toBe(1)
    await page.fill('#run-filter', '')
    await poll(() => page.locator('.runs tbody tr').count()).toBe(2)
    const details = page.locator('.runs tr[data-run="r1"] details.config')
    await details.locator('summary').click()
    expect(await details.locator('dt').first().textContent()).toBe('<b>lr</b>')
    expect(await details.locator('dd').first().textContent()).toBe('<script>alert(2)</script>')
    expect(await page.locator('b', { hasText: 'lr' }).count()).toBe(0)
    expect(await page.locator('script').count()).toBe(1) // only the bundle
  })

  it('draws the charts with NaN/Inf and Andon markers', async () => {
    const loss = page.locator('section.chart[data-metric="loss"]')
    expect(await loss.locator('canvas').count()).toBe(1)
    expect(Number(await loss.getAttribute('data-rows'))).toBe(3400)
    expect(Number(await loss.getAttribute('data-buckets'))).toBeLessThan(3400) // downsampled to the width
    expect(Number(await loss.getAttribute('data-markers'))).toBeGreaterThanOrEqual(2) // the NaN and the +Inf bucket
    expect(Number(await loss.getAttribute('data-incidents'))).toBe(1)
  })

  it('keeps one-row spikes visible after downsampling: extreme values widen the y axis, NaN and ±Inf get markers', async () => {
    const other = await browser.context.newPage()
    try {
      await other.goto(`${server.url}/#runs=r1&metrics=spiky`)
      await other.waitForSelector('body[data-ready="1"] section.chart[data-metric="spiky"] canvas')
      const chart = other.locator('section.chart[data-metric="spiky"]')
      expect(Number(await chart.getAttribute('data-rows'))).toBe(SPIKY_ROWS)
      const buckets = Number(await chart.getAttribute('data-buckets'))
      expect(buckets).toBeGreaterThan(100)
      expect(buckets).toBeLessThan(SPIKY_ROWS / 5) // downsampled to the chart's width
      // Drawn y range (uPlot's scale after the draw): both one-row extremes are inside it.
      expect(Number(await chart.getAttribute('data-y-hi'))).toBeGreaterThanOrEqual(1e6)
      expect(Number(await chart.getAttribute('data-y-lo'))).toBeLessThanOrEqual(-1e6)
      // The NaN, +Inf and −Inf rows fall in three different buckets: three markers.
      expect(Number(await chart.getAttribute('data-markers'))).toBe(3)
      // Zoomed in on the +1e6 spike (the address names the step range), the rows are exact and it is still there.
      await other.goto(`${server.url}/#runs=r1&metrics=spiky&steps=4300..4340`)
      await other.reload()
      await other.waitForSelector('body[data-ready="1"] section.chart[data-metric="spiky"] canvas')
      expect(Number(await chart.getAttribute('data-rows'))).toBe(41)
      expect(Number(await chart.getAttribute('data-buckets'))).toBe(41)
      expect(Number(await chart.getAttribute('data-y-hi'))).toBeGreaterThanOrEqual(1e6)
      expect(Number(await chart.getAttribute('data-y-lo'))).toBeGreaterThanOrEqual(0) // the −1e6 spike is outside the zoom
    } finally {
      await other.close()
    }
  })

  it('shows the values under the cursor in the legend', async () => {
    const chart = page.locator(`section.chart[data-metric="${HOSTILE}"]`)
    const over = chart.locator('.u-over')
    await over.scrollIntoViewIfNeeded()
    const box = (await over.boundingBox())!
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2)
    await poll(() => chart.locator('.legend .step').textContent()).toBe('step 9')
    expect(await chart.locator('.legend .key .num').first().textContent()).toBe('81')
    await page.mouse.move(0, 0)
  })

  it('downloads the raw points of a chart as CSV', async () => {
    const chart = page.locator(`section.chart[data-metric="${HOSTILE}"]`)
    const [download] = await Promise.all([page.waitForEvent('download'), chart.locator('button.csv').click()])
    const path = await download.path()
    const text = await readFile(path, 'utf8')
    const lines = text.trim().split('\n')
    expect(lines[0]).toBe('run_id,metric,step,timestamp_us,value')
    expect(lines).toHaveLength(11)
    expect(lines[10]).toBe(`r1,${HOSTILE},9,${1_700_000_000_000_000 + 9000},81`)
    expect(download.suggestedFilename()).toMatch(/^[A-Za-z0-9._-]+\.csv$/)
  })

  it('computes statistics in the page with @entrenar/core', async () => {
    const row = page.locator(`.stats tr[data-run="r1"][data-metric="${HOSTILE}"]`)
    const values = Array.from({ length: 10 }, (_, s) => s * s)
    expect(await row.locator('[data-stat="mean"]').textContent()).toBe(formatNumber(aggregate('mean', values)))
    expect(await row.locator('[data-stat="std"]').textContent()).toBe(formatNumber(aggregate('std', values)))
    expect(await row.locator('[data-stat="p50"]').textContent()).toBe(formatNumber(aggregate('p50', values)))
    expect(await row.locator('[data-stat="basis"]').textContent()).toBe('exact')
    // @entrenar/monitor's collector (DDSketch p99) runs in the page: same answer as in Node.
    const c = new MetricsCollector()
    const id = c.metricId('v')
    for (const v of values) c.recordId(id, v)
    expect(await row.locator('[data-stat="p99"]').textContent()).toBe(formatNumber(c.stats('v')!.p99))
    // @entrenar/drift's ADWIN runs in the page: same change points as in Node over the same values.
    const d = adwin()
    const expected: number[] = []
    for (let s = 0; s < 600; s++) if (d.update(accuracy(s)) === 'drift') expected.push(s)
    expect(expected.length).toBeGreaterThan(0)
    expect(expected[0]).toBeGreaterThan(300)
    const acc = page.locator('.stats tr[data-run="r1"][data-metric="accuracy"]')
    expect(await acc.locator('[data-stat="basis"]').textContent()).toBe('exact')
    expect(await acc.locator('[data-stat="changes"]').textContent()).toBe(expected.slice(0, 3).join(', ') + (expected.length > 3 ? ` (+${expected.length - 3})` : ''))
    const loss = page.locator('.stats tr[data-run="r1"][data-metric="loss"]')
    expect(await loss.locator('[data-stat="nan"]').textContent()).toBe('1')
    expect(await loss.locator('[data-stat="max"]').textContent()).toBe('+Inf')
  })

  it('receives live points of a running run by server-sent events, and stops when it ends', async () => {
    expect(await page.getAttribute('body', 'data-live')).toBe('on')
    const loss = page.locator('section.chart[data-metric="loss"]')
    await writeSeries(store, 'r2', 'loss', 400, 100, (s) => 2.2 * Math.exp(-s / 500))
    await poll(async () => Number(await loss.getAttribute('data-rows'))).toBe(3500)
    await writeSeries(store, 'r2', 'loss', 500, 10, () => 0.4)
    await store.putRun({ id: 'r2', name: 'live', status: 'finished', startTimeMs: Date.now() - 60_000, endTimeMs: Date.now() })
    await page.waitForSelector('body[data-live="ended"]', { timeout: 20_000 })
    expect(Number(await loss.getAttribute('data-rows'))).toBe(3510)
    await poll(() => page.locator('.runs tbody tr').nth(1).getAttribute('data-status')).toBe('finished')
  })

  it('polls the run list conditionally: an unchanged list comes back 304 and stays listed', async () => {
    const answer = await page.waitForResponse((r) => r.url().endsWith('/api/overview') && r.request().headers()['if-none-match'] !== undefined, { timeout: 20_000 })
    expect(answer.status()).toBe(304)
    await page.waitForTimeout(200)
    expect(await page.locator('.runs tbody tr').count()).toBe(2)
    expect(await page.textContent('.error')).toBe('')
  })

  it('shows and streams a run that starts while the page is open', async () => {
    await store.putRun({ id: 'r3', name: 'late', status: 'running', startTimeMs: Date.now() })
    await writeSeries(store, 'r3', 'loss', 0, 20, () => 1)
    await poll(() => page.locator('.runs tbody tr').count()).toBe(3)
    await page.waitForSelector('body[data-live="on"]', { timeout: 20_000 })
    const loss = page.locator('section.chart[data-metric="loss"]')
    await poll(async () => Number(await loss.getAttribute('data-rows'))).toBe(3530)
    await writeSeries(store, 'r3', 'loss', 20, 20, () => 0.9)
    await poll(async () => Number(await loss.getAttribute('data-rows'))).toBe(3550)
    await store.putRun({ id: 'r3', name: 'late', status: 'finished', startTimeMs: Date.now() - 1000, endTimeMs: Date.now() })
    await page.waitForSelector('body[data-live="ended"]', { timeout: 20_000 })
  })

  it('zooms by dragging: re-queries the store for the visible step range', async () => {
    const loss = page.locator('section.chart[data-metric="loss"]')
    const over = loss.locator('.u-over')
    await over.scrollIntoViewIfNeeded()
    const box = (await over.boundingBox())!
    const before = queries.length
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2, { steps: 5 })
    await page.mouse.up()
    await poll(() => page.getAttribute('body', 'data-range')).toMatch(/^\d+\.\.\d+$/)
    const [lo, hi] = (await page.getAttribute('body', 'data-range'))!.split('..').map(Number) as [number, number]
    expect(hi - lo).toBeLessThan(400)
    expect(queries.length).toBeGreaterThan(before)
    expect(queries.slice(before).some((q) => q.includes(`"steps":[${lo},${hi}]`))).toBe(true)
    // At this zoom every row is its own bucket: the chart is at full resolution.
    await poll(async () => Number(await loss.getAttribute('data-rows'))).toBe(Number(await loss.getAttribute('data-buckets')))
    expect(Number(await loss.getAttribute('data-lo'))).toBe(lo)
    await over.dblclick()
    await poll(() => page.getAttribute('body', 'data-range')).toBe('')
    await poll(async () => Number(await loss.getAttribute('data-rows'))).toBe(3550)
  })

  it('switches to side by side and changes smoothing', async () => {
    await page.selectOption('#layout', 'side-by-side')
    expect(await page.locator('.side-by-side[data-metric="loss"] section.chart').count()).toBe(3)
    await page.selectOption('#smoothing', 'gaussian')
    expect(await page.locator('.side-by-side[data-metric="loss"] section.chart canvas').count()).toBe(3)
    await page.selectOption('#layout', 'overlay')
    // Few runs: per run the band's two edges, the last values and the smoothed line; without
    // smoothing no hidden smoothed line is built.
    const loss = page.locator('section.chart[data-metric="loss"]')
    const lines = Number(await loss.getAttribute('data-lines'))
    expect(lines).toBeGreaterThan(0)
    await poll(async () => Number(await loss.getAttribute('data-series'))).toBe(4 * lines)
    expect(Number(await loss.getAttribute('data-bands'))).toBe(lines)
    await page.selectOption('#smoothing', 'none')
    await poll(async () => Number(await loss.getAttribute('data-series'))).toBe(3 * lines)
    expect(Number(await loss.getAttribute('data-bands'))).toBe(lines)
    await page.selectOption('#smoothing', 'gaussian')
    await poll(async () => Number(await loss.getAttribute('data-series'))).toBe(4 * lines)
  })

  it('filters points by tags', async () => {
    const chart = page.locator('section.chart[data-metric="acc_split"]')
    expect(Number(await chart.getAttribute('data-rows'))).toBe(30)
    await page.fill('#tags', 'split=val')
    await page.press('#tags', 'Enter')
    await poll(async () => Number(await chart.getAttribute('data-rows'))).toBe(10)
    expect(await page.locator('.stats tr[data-run="r1"][data-metric="acc_split"] [data-stat="mean"]').textContent()).toBe('0.7')
    await page.fill('#tags', '')
    await page.press('#tags', 'Enter')
    await poll(async () => Number(await chart.getAttribute('data-rows'))).toBe(30)
  })

  it('keeps the view in the address across a reload', async () => {
    await page.selectOption('#layout', 'side-by-side')
    await page.selectOption('#smoothing', 'running')
    expect(await page.evaluate(() => location.hash)).toMatch(/layout=side-by-side.*smooth=running:10/)
    await page.reload()
    await page.waitForSelector('body[data-ready="1"]')
    expect(await page.inputValue('#layout')).toBe('side-by-side')
    expect(await page.inputValue('#smoothing')).toBe('running')
    expect(await page.locator('.side-by-side[data-metric="loss"] section.chart').count()).toBe(3)
    await page.selectOption('#layout', 'overlay')
    await page.selectOption('#smoothing', 'ema')
  })

  it('shows the lineage view', async () => {
    await page.waitForSelector('.lineage svg')
    expect(await page.locator('.lineage tr[data-model]').count()).toBe(2)
    expect(await page.locator('.lineage svg text').first().textContent()).toBe('r1')
  })

  it('works behind a token: ?token= once, then the HttpOnly cookie carries it (page, API, live stream)', async () => {
    const guarded = await serveHandler(createDashboardHandler({ store, token: 'e2e-secret', pollMs: 100 }, await buildBrowserBundle()))
    const other = await browser.context.newPage()
    try {
      expect((await fetch(`${guarded.url}/api/overview`)).status).toBe(401)
      await other.goto(`${guarded.url}/?token=e2e-secret`)
      await other.waitForSelector('body[data-ready="1"]')
      expect(other.url()).not.toContain('token')
      expect(await other.locator('.runs tbody tr').count()).toBe(3)
      expect(await other.evaluate(() => document.cookie)).not.toContain('e2e-secret') // HttpOnly: scripts cannot read it
      await store.putRun({ id: 'r4', status: 'running', startTimeMs: Date.now() })
      await writeSeries(store, 'r4', 'loss', 0, 5, () => 1)
      await other.waitForSelector('body[data-live="on"]', { timeout: 20_000 })
      await writeSeries(store, 'r4', 'loss', 5, 5, () => 2)
      await poll(async () => Number(await other.locator('section.chart[data-metric="loss"]').getAttribute('data-rows'))).toBe(3560)
      await store.putRun({ id: 'r4', status: 'finished', startTimeMs: Date.now() - 1000, endTimeMs: Date.now() })
      await other.waitForSelector('body[data-live="ended"]', { timeout: 20_000 })
    } finally {
      await other.close()
      await guarded.close()
    }
  })

  it('looks like a dashboard: the screenshot is not blank', async () => {
    await page.evaluate(() => scrollTo(0, 0))
    const shot = await page.screenshot({ fullPage: false })
    await writeFile(join(tmpdir(), 'entrenar-viz-web-dashboard.png'), shot)
    const png = PNG.sync.read(shot)
    const colors = new Set<number>()
    let differ = 0
    const bg = png.data.readUInt32BE(0)
    for (let i = 0; i < png.data.length; i += 4) {
      const c = png.data.readUInt32BE(i)
      colors.add(c)
      if (c !== bg) differ++
    }
    expect(colors.size).toBeGreaterThan(100)
    expect(differ / (png.width * png.height)).toBeGreaterThan(0.05)
    expect(problems).toEqual([])
  })
})
