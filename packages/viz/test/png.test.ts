import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DriftEvent } from '@entrenar/core'
import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { type ChartSpec, createSvgDashboard, createTerminalDashboard, renderPng, savePng } from '../src/index.js'
import { fakeStream, incidents, trainingBatch } from './helpers.js'

function spec(withNaN: boolean): ChartSpec {
  const n = 500
  const x = Float64Array.from({ length: n }, (_, i) => i)
  const y = Float64Array.from({ length: n }, (_, i) => Math.exp(-i / 100))
  if (withNaN) y[250] = Number.NaN
  return { series: [{ name: 'loss', x, y }] }
}

const decode = (bytes: Uint8Array) => PNG.sync.read(Buffer.from(bytes))
const px = (img: PNG, x: number, y: number) => {
  const i = (img.width * y + x) * 4
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!]
}
const isRed = ([r, g, b]: number[]) => r! > 180 && g! < 100 && b! < 100
const isDark = ([r, g, b]: number[]) => r! < 120 && g! < 120 && b! < 120

describe('renderPng', () => {
  it('is an 800×400 image that is not blank, with both axes drawn', () => {
    const img = decode(renderPng(spec(false)))
    expect([img.width, img.height]).toEqual([800, 400])
    let ink = 0
    for (let i = 0; i < img.data.length; i += 4) if (img.data[i]! < 200 || img.data[i + 1]! < 200 || img.data[i + 2]! < 200) ink++
    expect(ink).toBeGreaterThan(2000)
    // y axis at x = 64 from the plot top (28) to its bottom (360); x axis along y = 360
    let yAxis = 0
    for (let y = 40; y < 350; y++) if (isDark(px(img, 64, y))) yAxis++
    expect(yAxis).toBeGreaterThan(290)
    let xAxis = 0
    for (let x = 70; x < 780; x++) if (isDark(px(img, x, 360))) xAxis++
    expect(xAxis).toBeGreaterThan(690)
  })

  it('draws a red NaN marker above the column that holds the NaN, and none without one', () => {
    const redNear = (img: PNG, cx: number) => {
      let red = 0
      for (let y = 28; y < 42; y++) for (let x = cx - 6; x <= cx + 6; x++) if (isRed(px(img, x, y))) red++
      return red
    }
    // x = 250 of 0..499 over the plot's 720 px from x = 64
    const cx = Math.round(64 + (250 / 499) * 720)
    expect(redNear(decode(renderPng(spec(true))), cx)).toBeGreaterThan(8)
    expect(redNear(decode(renderPng(spec(false))), cx)).toBe(0)
  })

  it('gives the same bytes every time (bundled font, no system fonts)', () => {
    const a = renderPng(spec(true))
    const b = renderPng(spec(true))
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true)
    const hi = decode(renderPng(spec(true), { scale: 2 }))
    expect([hi.width, hi.height]).toEqual([1600, 800])
    expect(() => renderPng(spec(true), { scale: 0 })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })

  it('savePng and the dashboards write PNG files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'viz-png-'))
    try {
      await savePng(join(dir, 'chart.png'), spec(true))
      expect(decode(await readFile(join(dir, 'chart.png'))).width).toBe(800)
      const svgDash = createSvgDashboard()
      svgDash.update({ batch: trainingBatch() })
      await svgDash.savePng(join(dir, 'dash.png'))
      const img = decode(await readFile(join(dir, 'dash.png')))
      expect([img.width, img.height]).toEqual([1200, 360])
      const term = createTerminalDashboard({ stream: fakeStream({ isTTY: false }), live: false })
      term.update({ batch: trainingBatch() })
      await term.savePng!(join(dir, 'term.png'))
      expect(decode(await readFile(join(dir, 'term.png'))).width).toBe(1200)
      await expect(savePng(join(dir, 'missing', 'x.png'), spec(false))).rejects.toMatchObject({ code: 'ENTRENAR_SINK_FAILED' })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('the PNG dashboard marks drift change points', () => {
  // The theme's drift colour #6a00a8, allowing for anti-aliasing against the white background.
  const isDrift = ([r, g, b]: number[]) => r! >= 70 && r! <= 150 && g! < 70 && b! >= 120 && b! - r! > 40
  const driftPixels = (img: PNG, x0: number, x1: number) => {
    let n = 0
    for (let y = 0; y < img.height; y++) for (let x = Math.max(0, x0); x <= Math.min(img.width - 1, x1); x++) if (isDrift(px(img, x, y))) n++
    return n
  }
  const event = (over: Partial<DriftEvent>): DriftEvent => ({ kind: 'drift', runId: 'run-1', metric: 'loss', step: 800, detector: 'page_hinkley', signal: 'drift', statistic: 51.2, timestampMs: 1_700_000_000_000, ...over })
  const draw = async (driftEvents: DriftEvent[] | undefined) => {
    const dash = createSvgDashboard()
    dash.update({ batch: trainingBatch(), incidents: incidents() })
    if (driftEvents) dash.update({ driftEvents })
    const dir = await mkdtemp(join(tmpdir(), 'viz-drift-'))
    try {
      await dash.savePng(join(dir, 'dash.png'))
      return { svg: dash.render(), img: decode(await readFile(join(dir, 'dash.png'))) }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  it('draws a drift mark at the change point and a key, and nothing for warnings or runs and metrics not drawn', async () => {
    const { svg, img } = await draw([
      event({}),
      event({ step: 1200, signal: 'warning' }), // not a change point
      event({ runId: 'other', step: 1000 }), // a run not in the picture
      event({ metric: 'throughput', step: 500 }), // a metric without a panel
    ])
    const marks = [...svg.matchAll(/<g class="marker drift"><path d="M([\d.]+) /g)].map((m) => Number(m[1]))
    expect(marks).toHaveLength(1)
    expect(svg).toContain('drift: page_hinkley')
    expect(svg).toContain('class="drift-key"')
    // The title counts the change points of the runs drawn (the one on an undrawn metric too).
    expect(svg).toContain('2 drift change points')
    // The mark sits at step 800 of the loss panel (plot from x = 78 to 584 over steps 0..1999).
    expect(marks[0]).toBeCloseTo(78 + (800 / 1999) * 506, 0)
    const x = Math.round(marks[0]!)
    expect(driftPixels(img, x - 6, x + 6)).toBeGreaterThan(40)
    // Nowhere else but the key under the loss plot's left end: not in the accuracy panel.
    expect(driftPixels(img, 600, 1199)).toBe(0)
    // Drawn in its own colour: the Andon's drift incident at step 800 keeps its warning colour beside it.
    expect(svg).toContain('<g class="marker incident">')
  })

  it('draws none without drift events (same frame otherwise)', async () => {
    const { svg, img } = await draw(undefined)
    expect(svg).not.toContain('marker drift')
    expect(svg).not.toContain('drift-key')
    expect(driftPixels(img, 0, img.width - 1)).toBe(0)
  })

  it('skips malformed drift events', async () => {
    const dash = createSvgDashboard()
    dash.update({ batch: trainingBatch() })
    dash.update({ driftEvents: [event({ step: Number.NaN }), { nonsense: true } as never, event({ signal: 'bogus' as never }), event({ step: 300 })] })
    expect([...dash.render().matchAll(/class="marker drift"/g)]).toHaveLength(1)
  })
})

