import { describe, expect, it } from 'vitest'
import { type ChartSpec, createSvgDashboard, renderSvg } from '../src/index.js'
import { incidents, trainingBatch } from './helpers.js'

function lossSpec(extra: Partial<ChartSpec> = {}): ChartSpec {
  const n = 1000
  const x = Float64Array.from({ length: n }, (_, i) => i * 10)
  const y = Float64Array.from({ length: n }, (_, i) => 2 * Math.exp(-i / 200) + 0.1 + (i === 400 ? 2 : 0))
  y[700] = Number.NaN
  y[800] = Number.POSITIVE_INFINITY
  const vx = Float64Array.from({ length: 20 }, (_, i) => i * 500)
  const vy = Float64Array.from({ length: 20 }, (_, i) => 2.1 * Math.exp(-i / 4) + 0.2)
  return {
    title: 'loss',
    series: [
      { name: 'loss', x, y },
      { name: 'val_loss', x: vx, y: vy, dashed: true },
    ],
    markers: [{ x: 7000, label: 'non_finite', level: 'critical' }],
    ...extra,
  }
}

describe('renderSvg', () => {
  it('golden SVG: axes, ticks, legend with NaN/Inf counts, markers', async () => {
    const svg = renderSvg(lossSpec())
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="400"')).toBe(true)
    expect(svg).toContain('class="axes"')
    expect(svg).toContain('loss (1 NaN, 1 +Inf)')
    expect(svg).toContain('class="nonfinite"')
    expect(svg).toContain('stroke-dasharray="6 4"')
    expect(svg).toContain('>non_finite</text>')
    await expect(svg).toMatchFileSnapshot('./fixtures/chart-loss.svg')
  })

  it('golden SVG with smoothing (raw faint under the smoothed line) and the dark theme', async () => {
    const svg = renderSvg(lossSpec({ smoothing: { kind: 'ema', weight: 0.9 }, theme: 'dark', width: 640, height: 320, id: 'smooth' }))
    expect(svg).toContain('stroke-opacity="0.3"')
    expect(svg).toContain('#1a1a2e')
    expect(svg).toContain('id="smooth-clip"')
    await expect(svg).toMatchFileSnapshot('./fixtures/chart-loss-smoothed.svg')
  })

  it('is deterministic and keeps a one-point spike at any size', () => {
    expect(renderSvg(lossSpec())).toBe(renderSvg(lossSpec()))
    const n = 300_000
    const x = Float64Array.from({ length: n }, (_, i) => i)
    const y = new Float64Array(n).fill(1)
    y[154_321] = 50
    const svg = renderSvg({ series: [{ name: 'spiky', x, y }], width: 400, height: 200 })
    expect(svg.length).toBeLessThan(40_000) // one short path per pixel column, not per point
    // the y axis reaches the spike
    expect(svg).toMatch(/>50<\/text>/)
  })

  it('a log axis labels decades and puts values ≤ 0 on the bottom edge', () => {
    const x = Float64Array.from({ length: 400 }, (_, i) => i)
    const y = Float64Array.from({ length: 400 }, (_, i) => 1000 * 10 ** (-i / 100))
    y[200] = 0
    const svg = renderSvg({ series: [{ name: 'loss', x, y }], yScale: 'log' })
    for (const label of ['>0.1<', '>1<', '>10<', '>100<', '>1000<']) expect(svg).toContain(label)
    expect(renderSvg({ series: [{ name: 'loss', x, y }] })).not.toContain('>0.1<')
    expect(() => renderSvg({ series: [], yScale: 'log', yRange: [0, 1] })).toThrow(/positive yRange/)
  })

  it('escapes names and titles', () => {
    const svg = renderSvg({ title: '<b>&"x"', series: [{ name: 'a<b', x: [0, 1], y: [1, 2] }] })
    expect(svg).toContain('&lt;b&gt;&amp;&quot;x&quot;')
    expect(svg).toContain('a&lt;b')
    expect(svg).not.toContain('<b>')
  })

  it('draws an empty chart with a note instead of failing', () => {
    expect(renderSvg({ series: [] })).toContain('no data')
    expect(renderSvg({ series: [{ name: 'only-nan', x: [1, 2], y: [Number.NaN, Number.NaN] }] })).toContain('only-nan (2 NaN)')
  })

  it('rejects a malformed spec with ENTRENAR_INVALID_CONFIG', () => {
    const bad = [
      { series: [{ name: 'a', x: [1, 2], y: [1] }] },
      { series: [], width: 10 },
      { series: 'x' },
      { series: [], yRange: [2, 1] },
      { series: [], id: '1bad id' },
      { series: [], smoothing: { kind: 'nope' } },
    ]
    for (const s of bad) expect(() => renderSvg(s as never)).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })
})

describe('SVG dashboard', () => {
  it('renders every panel with its incidents as markers', async () => {
    const d = createSvgDashboard({ title: 'run-1' })
    d.update({ batch: trainingBatch() })
    d.update({ incidents: incidents() })
    const svg = d.render()
    expect(svg.match(/class="panel"/g)?.length).toBe(2)
    // The stop step is marked as such (solid), the other incidents dashed.
    expect(svg).toContain('<g class="marker stop">')
    expect(svg).toContain('>stop: non_finite</text>')
    expect(svg).toContain('>drift</text>')
    expect(svg).toContain('val_loss')
    await expect(svg).toMatchFileSnapshot('./fixtures/dashboard.svg')
  })
})
