import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { type ChartSpec, createSvgDashboard, createTerminalDashboard, renderPng, savePng } from '../src/index.js'
import { fakeStream, trainingBatch } from './helpers.js'

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
