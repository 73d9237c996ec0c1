import { batchFromRows, type DriftEvent, type Incident, type RecordBatch, type RecordRow } from '@entrenar/core'
import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { runColors } from '../src/chart/run-colors.js'
import { createSvgDashboard, renderHtmlReport, renderPng, renderSvg } from '../src/index.js'
import { svgToPng } from '../src/svg/png.js'
import { LIGHT } from '../src/svg/theme.js'

type Row = Omit<RecordRow, 'runId'>
const row = (metric: string, step: number, value: number): Row => ({ metric, step, value, timestampUs: 1_700_000_000_000_000 + step * 1000, epoch: null, batch: null, tags: null })

/** A run logging `metrics` for `n` steps (a NaN in loss at `nanAt`). */
function run(id: string, metrics: readonly string[], n = 200, nanAt = -1): RecordBatch {
  const rows: Row[] = []
  for (let s = 0; s < n; s++) for (const m of metrics) rows.push(row(m, s, m === 'loss' && s === nanAt ? Number.NaN : (id.length + 1) * Math.exp(-s / 80) + metrics.indexOf(m)))
  return batchFromRows(id, rows)
}

/** The stroke of every series path, by its legend name. */
function strokes(svgPanel: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of svgPanel.matchAll(/<path class="series" data-name="([^"]+)" d="[^"]*" stroke="(#[0-9a-f]{6})" stroke-width="1.75"/g)) out.set(m[1]!, m[2]!)
  return out
}

describe('one run, one colour', () => {
  it('a run has the same colour in every panel of a dashboard, whatever the other panels hold', () => {
    const d = createSvgDashboard({ panels: ['loss', 'accuracy'] })
    d.update({ batch: run('alpha', ['loss']) })
    d.update({ batch: run('beta', ['loss', 'accuracy']) })
    d.update({ batch: run('gamma', ['loss', 'accuracy']) })
    const panels = d.render().split('<g class="panel">').slice(1)
    const loss = strokes(panels[0]!)
    const acc = strokes(panels[1]!)
    expect(loss.get('accuracy [beta]')).toBeUndefined()
    for (const id of ['beta', 'gamma']) expect(acc.get(`accuracy [${id}]`), id).toBe(loss.get(`loss [${id}]`))
    // Three runs, three colours: the run's colour by id, the same in another picture with other runs.
    expect(new Set(loss.values()).size).toBe(3)
    const expected = runColors(['alpha', 'beta', 'gamma'], LIGHT.palette)
    for (const id of ['alpha', 'beta', 'gamma']) expect(loss.get(`loss [${id}]`)).toBe(expected.get(id))
  })

  it('colours by id are stable across calls, distinct while the palette has room', () => {
    const ids = Array.from({ length: 8 }, (_, i) => `run-${i * 7}`)
    const a = runColors(ids, LIGHT.palette)
    expect(runColors([...ids].reverse(), LIGHT.palette)).toEqual(a)
    expect(new Set(a.values()).size).toBe(8)
    // A newcomer among five runs (three colours free) moves at most the run it contends with.
    const five = ids.slice(0, 5)
    const before = runColors(five, LIGHT.palette)
    for (const newcomer of ['newcomer', 'a', 'run-0b', 'zzz']) {
      const after = runColors([...five, newcomer], LIGHT.palette)
      expect(five.filter((id) => before.get(id) !== after.get(id)).length, newcomer).toBeLessThanOrEqual(1)
      expect(new Set(after.values()).size).toBe(6)
    }
  })
})

describe('legends never drop runs silently', () => {
  const many = Array.from({ length: 12 }, (_, i) => ({ name: `a-rather-long-run-name-${i}`, x: [0, 1, 2], y: [i, i + 1, i + 2] }))

  it('an SVG chart says "+N more" and names the runs it had no room for', () => {
    let hidden: readonly string[] = []
    const svg = renderSvg({
      series: many,
      width: 500,
      onLegendHidden: (names) => {
        hidden = names
      },
    })
    const shown = [...svg.matchAll(/<text x="[\d.]+" y="[\d.]+">(a-rather-long-run-name-\d+)<\/text>/g)].map((m) => m[1])
    expect(hidden.length).toBeGreaterThan(0)
    expect(shown.length + hidden.length).toBe(12)
    expect(new Set([...shown, ...hidden]).size).toBe(12)
    expect(svg).toContain(`>+${hidden.length} more</text>`)
  })

  it('the HTML report lists the runs a chart legend had no room for', () => {
    const batches = Array.from({ length: 12 }, (_, i) => run(`a-rather-long-run-name-${i}`, ['loss']))
    const html = renderHtmlReport({ batches })
    const more = /class="legend-more"[^>]*>\+(\d+) more<\/text>/.exec(html)
    expect(more).not.toBeNull()
    const caption = /<figcaption class="legend-more">Also in this chart \((\d+) not in its legend\): ([^<]+)<\/figcaption>/.exec(html)
    expect(caption?.[1]).toBe(more![1])
    expect(caption![2]!.split(', ')).toHaveLength(Number(more![1]))
    expect(caption![2]).toContain('loss [a-rather-long-run-name-9]')
  })
})

describe('the PNG dashboard', () => {
  const stop: Incident = { level: 'critical', rule: 'non_finite', message: 'loss is NaN', metric: 'loss', step: 150, value: Number.NaN, timestampMs: 0, decision: 'stop' }

  it('states its axes, units and smoothing, explains its NaN marks and marks the stop step', () => {
    const d = createSvgDashboard({ title: 'Entrenar: runs' })
    d.update({ batch: run('r1', ['loss', 'sys/cpu_user_percent'], 200, 120) })
    d.update({ incidents: [stop] })
    const svg = d.render()
    expect(svg).toContain('>loss (no smoothing)</text>')
    expect(svg).toMatch(/rotate\(-90\)"[^>]*>loss<\/text>/)
    expect(svg).toMatch(/rotate\(-90\)"[^>]*>system \(%\)<\/text>/)
    expect(svg.match(/>step<\/text>/g)?.length).toBe(2)
    expect(svg).toContain('class="nonfinite-key"')
    expect(svg).toContain('<g class="marker stop">')
    expect(svg).toContain('>stop: non_finite</text>')
    expect(svg).toContain('stopped at step 150')
    const smoothed = createSvgDashboard({ smoothing: { kind: 'ema', weight: 0.9 } })
    smoothed.update({ batch: run('r1', ['loss']) })
    expect(smoothed.render()).toContain('>loss (EMA 0.9)</text>')
  })

  it('draws the stop step as a solid line in the PNG (pixels)', () => {
    const d = createSvgDashboard({ panels: ['loss'], width: 800, panelHeight: 360 })
    d.update({ batch: run('r1', ['loss'], 200, 120) })
    d.update({ incidents: [stop] })
    const img = PNG.sync.read(Buffer.from(svgToPng(d.render())))
    // The critical colour of the light theme, in the longest unbroken vertical run of any column.
    const [R, G, B] = [0x8b, 0x00, 0x00]
    let longest = 0
    for (let x = 0; x < img.width; x++) {
      let runLength = 0
      for (let y = 0; y < img.height; y++) {
        const i = (img.width * y + x) * 4
        const hit = Math.abs(img.data[i]! - R) < 40 && img.data[i + 1]! - G < 40 && img.data[i + 2]! - B < 40
        runLength = hit ? runLength + 1 : 0
        if (runLength > longest) longest = runLength
      }
    }
    // The plot is about 360 − 84 px tall: a solid line spans nearly all of it (a dashed one 3 px at a time).
    expect(longest).toBeGreaterThan(200)
  })

  it('renderPng still draws a chart of many runs (the legend overflow does not break rasterising)', () => {
    const img = PNG.sync.read(Buffer.from(renderPng({ series: Array.from({ length: 30 }, (_, i) => ({ name: `run-${i}`, x: [0, 1], y: [i, i] })) })))
    expect(img.width).toBe(800)
  })
})

describe('the HTML report shows drift change points', () => {
  it('as a table and as dotted marks on the charts of their metric', () => {
    const drift: DriftEvent = { kind: 'drift', runId: 'r1', metric: 'loss', step: 90, detector: 'page_hinkley', signal: 'drift', statistic: 3.25, severity: 'high', timestampMs: 0 }
    const html = renderHtmlReport({ batches: run('r1', ['loss', 'accuracy']), driftEvents: [drift] })
    expect(html).toContain('<h2>Drift change points (1)</h2>')
    expect(html).toMatch(/<td class="num">90<\/td><td>r1<\/td><td>loss<\/td><td>page_hinkley<\/td><td>drift<\/td><td>high<\/td>/)
    const charts = html.split('<figure>').slice(1)
    expect(charts[0]).toContain('<g class="marker drift">')
    expect(charts[0]).toContain('>drift: page_hinkley</text>')
    expect(charts[1]).not.toContain('marker drift')
  })
})
