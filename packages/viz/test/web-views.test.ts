import { appendFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alertEventToWire, batchFromRows, createMemoryStore, type DriftEvent, floatToWire, type Incident, type MetricStore, SCHEMA_VERSION } from '@entrenar/core'
import { type RunningServer, serveHandler } from '@entrenar/core/node'
import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runColors } from '../src/chart/run-colors.js'
import { buildBrowserBundle } from '../src/web/build.mjs'
import { PALETTE } from '../src/web/client/format.js'
import { createDashboardHandler } from '../src/web/handler.js'
import { recordedEventsOf } from '../src/web/recorded-node.js'
import { CHROMIUM, launchChromium } from './web-browser.js'
import { writeSeries } from './web-helpers.js'

// pngjs ships no types; the one call used here, typed.
const { PNG } = createRequire(import.meta.url)('pngjs') as { PNG: { sync: { read(b: Buffer): { width: number; height: number; data: Buffer } } } }

const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 50 })

/** Pixels of an element's screenshot matching `pred` (r, g, b). */
async function countPixels(el: Locator, pred: (r: number, g: number, b: number) => boolean): Promise<number> {
  const png = PNG.sync.read(await el.screenshot())
  let n = 0
  for (let i = 0; i < png.data.length; i += 4) if (pred(png.data[i]!, png.data[i + 1]!, png.data[i + 2]!)) n++
  return n
}
const near = (hex: string, tol = 24) => {
  const v = Number.parseInt(hex.slice(1), 16)
  const [R, G, B] = [(v >> 16) & 255, (v >> 8) & 255, v & 255]
  return (r: number, g: number, b: number) => Math.abs(r - R) <= tol && Math.abs(g - G) <= tol && Math.abs(b - B) <= tol
}

function incidentLine(i: Incident): string {
  return `${JSON.stringify({
    schema_version: SCHEMA_VERSION,
    level: i.level,
    rule: i.rule,
    message: i.message,
    run_id: i.runId,
    metric: i.metric,
    step: i.step,
    value: floatToWire(i.value ?? 0),
    timestamp_ms: i.timestampMs,
    decision: i.decision,
  })}\n`
}

const LONG = `accuracy_${'of_the_held_out_validation_split_'.repeat(4)}macro`

const STOP: Incident = { level: 'critical', rule: 'non_finite', message: 'grad_norm is NaN at step 300', runId: 'stopped', metric: 'grad_norm', step: 300, value: Number.NaN, timestampMs: Date.now() - 60_000, decision: 'stop' }
const DRIFT: DriftEvent = { kind: 'drift', runId: 'stopped', metric: 'val_loss', step: 150, detector: 'page_hinkley', signal: 'drift', statistic: 4.2, severity: 'high', timestampMs: Date.now() - 90_000 }

/** A run id that the page colours red (the palette's red), so a red run meets the NaN markers. */
function redRunId(others: readonly string[]): string {
  const red = PALETTE.find((c) => c === '#e15759')!
  for (let k = 0; k < 10_000; k++) {
    const id = `red-${k}`
    if (runColors([...others, id], PALETTE).get(id) === red) return id
  }
  throw new Error('no red run id')
}

describe.skipIf(!existsSync(CHROMIUM) && process.env.CI !== 'true')('web dashboard views in Chromium', () => {
  let store: MetricStore
  let server: RunningServer
  let browser: Awaited<ReturnType<typeof launchChromium>>
  let page: Page
  const problems: string[] = []
  let red = ''
  let assets: Awaited<ReturnType<typeof buildBrowserBundle>>

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'viz-views-'))
    mkdirSync(join(dir, 'andon'), { recursive: true })
    mkdirSync(join(dir, 'drift'), { recursive: true })
    appendFileSync(join(dir, 'andon', 'incidents.jsonl'), incidentLine(STOP))
    appendFileSync(join(dir, 'drift', 'events.jsonl'), `${JSON.stringify(alertEventToWire(DRIFT))}\n`)
    store = createMemoryStore()
    red = redRunId(['stopped', 'diverged'])
    const t0 = Date.now() - 3_600_000
    await store.putRun({ id: 'stopped', name: 'baseline with a rather long descriptive run name', status: 'stopped', startTimeMs: t0, endTimeMs: t0 + 600_000, reason: STOP.message })
    await store.putRun({ id: 'diverged', status: 'finished', startTimeMs: t0 + 1000, endTimeMs: t0 + 500_000 })
    await store.putRun({ id: red, status: 'finished', startTimeMs: t0 + 2000, endTimeMs: t0 + 400_000 })
    // Alphabetically `a_first`, LONG and `aux` precede `loss`; `zz_most` is logged most. LONG, a final
    // metric of the run table, takes most of its width at 1440 px.
    for (const [m, n] of [
      ['a_first', 100],
      [LONG, 100],
      ['aux', 100],
      ['grad_norm', 301],
      ['loss', 301],
      ['val_loss', 301],
      ['zz_most', 400],
    ] as const) {
      await writeSeries(store, 'stopped', m, 0, n, (s) => (m === 'grad_norm' && s === 300 ? Number.NaN : 2 * Math.exp(-s / 100) + 0.01 * Math.sin(s)))
    }
    // A diverged run: its loss explodes to 1e12 in its last three steps and flattens the others.
    await writeSeries(store, 'diverged', 'loss', 0, 301, (s) => (s > 297 ? 10 ** (s - 288) : 2.1 * Math.exp(-s / 120)))
    // A metric with values ≤ 0 (a log scale cannot draw them).
    await writeSeries(store, 'diverged', 'margin', 0, 200, (s) => (s < 20 ? -1 + s / 20 : s))
    // The red run, with NaN rows in its loss.
    await writeSeries(store, red, 'loss', 0, 301, (s) => (s % 50 === 25 ? Number.NaN : 1.9 * Math.exp(-s / 90)))
    assets = await buildBrowserBundle()
    server = await serveHandler(createDashboardHandler({ store, recorded: recordedEventsOf(dir), pollMs: 100 }, assets))
    browser = await launchChromium({ width: 1440, height: 1000 })
    page = await browser.context.newPage()
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    await page.goto(`${server.url}/`)
    await page.waitForSelector('body[data-ready="1"]')
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('charts loss first, then the metrics the Andon and the detectors named, then the most logged', async () => {
    const charted = () => page.locator('section.chart').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.metric))
    await poll(charted).toEqual(['loss', 'grad_norm', 'val_loss', 'zz_most'])
  })

  it('shows the stored incidents and drift change points in the run table, on the charts and in the events table', async () => {
    const row = page.locator('.runs tr[data-run="stopped"]')
    await poll(() => row.locator('td[data-col="alerts"]').textContent()).toBe('1')
    expect(await row.locator('td[data-col="drift"]').textContent()).toBe('1')
    const grad = page.locator('section.chart[data-metric="grad_norm"]')
    await poll(() => grad.getAttribute('data-incidents')).toBe('1')
    const val = page.locator('section.chart[data-metric="val_loss"]')
    expect(await val.getAttribute('data-drift')).toBe('1')
    expect(await val.locator('[data-key="drift"]').count()).toBe(1)
    // The drift mark is drawn: cyan pixels in the val_loss chart, none in a chart without drift.
    const cyan = near('#00e5ff', 30)
    expect(await countPixels(val.locator('canvas'), cyan)).toBeGreaterThan(20)
    expect(await countPixels(page.locator('section.chart[data-metric="zz_most"] canvas'), cyan)).toBe(0)
    expect(await page.locator('.events table.incidents tr[data-run="stopped"]').count()).toBe(1)
    expect(await page.locator('.events table.drift-events tr[data-run="stopped"]').count()).toBe(1)
  })

  it('draws NaN markers white, a colour no run has, with a legend entry, beside a red run', async () => {
    const loss = page.locator('section.chart[data-metric="loss"]')
    await poll(() => loss.getAttribute('data-markers')).not.toBe('0')
    expect(runColors(['stopped', 'diverged', red], PALETTE).get(red)).toBe('#e15759')
    expect(await loss.locator('[data-key="nonfinite"]').count()).toBe(1)
    const canvas = loss.locator('canvas')
    const white = (r: number, g: number, b: number) => r > 245 && g > 245 && b > 245
    expect(await countPixels(canvas, white)).toBeGreaterThan(30)
    // No run is white, and the red run's colour is not the markers'.
    expect(PALETTE.some((c) => near('#ffffff', 40)(...(rgb(c) as [number, number, number])))).toBe(false)
  })

  it('keeps words whole in the run table at 1440 px', async () => {
    const broken = await page.locator('.runs tbody td').evaluateAll((cells) =>
      cells.flatMap((td) => {
        const out: string[] = []
        for (const el of [td, ...td.querySelectorAll('.badge, .reason, .id')]) {
          if (el.matches('td.finals')) continue
          // Each word of a short cell sits on one line: the cell's text is not taller than its lines.
          const range = document.createRange()
          for (const node of el.childNodes) {
            if (node.nodeType !== Node.TEXT_NODE) continue
            const text = node.textContent ?? ''
            let at = 0
            for (const word of text.split(/\s+/)) {
              const start = text.indexOf(word, at)
              at = start + word.length
              if (word.length < 2) continue
              range.setStart(node, start)
              range.setEnd(node, start + word.length)
              const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)))
              if (lines.size > 1) out.push(word)
            }
          }
        }
        return out
      }),
    )
    expect(broken).toEqual([])
    // The long final metric is cut with an ellipsis; its value stays readable.
    const long = page.locator('.runs tr[data-run="stopped"] .final', { hasText: 'accuracy_of' })
    expect(await long.locator('b').isVisible()).toBe(true)
    expect(await long.getAttribute('title')).toContain(LONG)
  })

  it('toggles a log y scale per panel: values ≤ 0 are not drawn and are counted; remembered in the address', async () => {
    await page.locator('.metric-list label.metric[data-metric="margin"] input').check()
    const margin = page.locator('section.chart[data-metric="margin"]')
    await poll(() => margin.count()).toBe(1)
    await margin.locator('input[data-toggle="log"]').check()
    await poll(() => margin.getAttribute('data-scale')).toBe('log')
    expect(Number(await margin.getAttribute('data-non-positive'))).toBeGreaterThan(0)
    expect(await margin.locator('.chart-note').textContent()).toMatch(/values ≤ 0, which are not drawn/)
    expect(Number(await margin.getAttribute('data-y-lo'))).toBeGreaterThan(0)
    // Only that panel.
    expect(await page.locator('section.chart[data-metric="loss"]').getAttribute('data-scale')).toBe('linear')
    await poll(() => page.evaluate(() => location.hash)).toMatch(/log=margin/)
  })

  it('clips y to p1–p99 so a diverged run no longer flattens the others; counted, remembered in the address', async () => {
    const loss = page.locator('section.chart[data-metric="loss"]')
    const hiBefore = Number(await loss.getAttribute('data-y-hi'))
    expect(hiBefore).toBeGreaterThan(1e11)
    await loss.locator('input[data-toggle="clip"]').check()
    await poll(async () => Number(await loss.getAttribute('data-y-hi'))).toBeLessThan(1e3)
    expect(Number(await loss.getAttribute('data-clipped'))).toBeGreaterThan(0)
    expect(await loss.locator('.chart-note').textContent()).toMatch(/clipped to p1–p99/)
    await poll(() => page.evaluate(() => location.hash)).toMatch(/clip=loss/)
    // The address brings the user's choice back: metrics, log and clip.
    await page.reload()
    await page.waitForSelector('body[data-ready="1"]')
    const charted = () => page.locator('section.chart').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.metric))
    await poll(charted).toEqual(['loss', 'grad_norm', 'val_loss', 'zz_most', 'margin'])
    await poll(() => page.locator('section.chart[data-metric="margin"]').getAttribute('data-scale')).toBe('log')
    await poll(() => loss.getAttribute('data-clip')).toBe('p1-p99')
    expect(await loss.locator('input[data-toggle="clip"]').isChecked()).toBe(true)
    expect(problems).toEqual([])
  })

  it('lists 100 000 metric names of one run without overflowing the call stack', async () => {
    const wide = createMemoryStore()
    await wide.putRun({ id: 'wide', status: 'finished', startTimeMs: 1, endTimeMs: 2 })
    const rows = Array.from({ length: 100_000 }, (_, i) => ({ metric: `m${String(i).padStart(6, '0')}`, value: i, step: 0, timestampUs: 1, epoch: null, batch: null, tags: null }))
    await wide.write(batchFromRows('wide', rows))
    await wide.flush()
    const s2 = await serveHandler(createDashboardHandler({ store: wide, prefetch: false }, assets))
    const p2 = await browser.context.newPage()
    const errors: string[] = []
    p2.on('pageerror', (e) => errors.push(e.message))
    try {
      await p2.goto(`${s2.url}/`)
      await p2.waitForSelector('body[data-ready="1"]', { timeout: 60_000 })
      await poll(() => p2.locator('.metric-list').getAttribute('data-total')).toBe('100000')
      const shown = await p2.locator('.metric-list label.metric').count()
      const hidden = Number(await p2.locator('.metric-list [data-hidden]').getAttribute('data-hidden'))
      expect(shown + hidden).toBe(100_000)
      await p2.fill('input[aria-label="filter metrics"]', 'm099999')
      await poll(() => p2.locator('.metric-list label.metric').evaluateAll((els) => els.map((e) => e.textContent))).toEqual(['m099999'])
      expect(errors).toEqual([])
    } finally {
      await p2.close()
      await s2.close()
    }
  }, 120_000)
})

function rgb(hex: string): number[] {
  const v = Number.parseInt(hex.slice(1), 16)
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255]
}
