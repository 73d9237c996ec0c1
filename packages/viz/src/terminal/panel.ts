import { fit, formatNumber } from '../chart/format.js'
import { logTicks, toLogColumns } from '../chart/log-scale.js'
import { frac, paddedTicks } from '../chart/ticks.js'
import { xUnion, yExtent } from '../chart/y-range.js'
import type { Incident } from '@entrenar/core'
import type { ResolvedPanel } from '../model/panels.js'
import { seriesLabel } from '../model/panels.js'
import { smoothedSeries } from '../model/smoothed.js'
import type { ColumnBuckets } from '../series/downsample.js'
import { Canvas, plotColumns } from './canvas.js'
import { LEVEL_SGR, paint, SERIES_SGR, type Style, seriesGlyph } from './style.js'
import { isDrift, LEVEL_LETTER } from './timeline.js'

/**
 * Renders one panel into exactly `height` lines of exactly `width` visible characters: a title line
 * with the legend, the chart with a y axis, and an x axis with the step range.
 */
export function renderPanel(panel: ResolvedPanel, width: number, height: number, style: Style, runs: number, incidents: readonly Incident[] = []): string[] {
  const lines: string[] = []
  const chartRows = Math.max(1, height - 3)
  // Legend: one entry per series, in its colour (or its ASCII glyph).
  let legend = ''
  let legendLen = 0
  panel.series.forEach((s, i) => {
    const mark = style.ascii ? seriesGlyph(i) : '━'
    const text = `${mark} ${seriesLabel(s, runs)}`
    if (legendLen + text.length + 2 > width - panel.title.length - 2) return
    legend += `  ${paint(style, SERIES_SGR[i % SERIES_SGR.length], mark)} ${seriesLabel(s, runs)}`
    legendLen += text.length + 2
  })
  const log = panel.yScale === 'log'
  const smoothNote = (panel.smoothing ? ` (${panel.smoothing.kind})` : '') + (log ? ' (log)' : '')
  const title = fit(panel.title + smoothNote, Math.max(1, width - legendLen))
  lines.push(paint(style, '1', title) + legend)

  const data = panel.series.map((s) => (panel.smoothing ? smoothedSeries(s.data, panel.smoothing) : s.data))
  const [x0, x1] = xUnion(data.filter((d) => d.length > 0).map((d) => d.xRange()))

  // Y labels first: their width decides the plot width. Every series spans [x0, x1] whole, so the
  // finite y extent is the union of the buffers' running extents (O(1)).
  const dots = (w: number) => (style.ascii ? w : w * 2)
  let ylo = Number.POSITIVE_INFINITY
  let yhi = Number.NEGATIVE_INFINITY
  for (const d of data) {
    const [a, b] = d.yRange()
    if (a < ylo) ylo = a
    if (b > yhi) yhi = b
  }
  // A log axis needs the positive extent, known only from the columns (computed below anyway).
  const logCols = log && x0 === x0 ? toLogColumns(data.map((d) => d.bucketize(64, [x0, x1]))) : []
  if (log) [ylo, yhi] = yExtent(logCols)
  const tickCount = Math.max(2, Math.min(5, Math.floor(chartRows / 3) + 1))
  const ticks = log ? logTicks(ylo, yhi, tickCount, 0) : paddedTicks(ylo, yhi, tickCount, 0)
  const labels = ticks.values.map((v) => formatNumber(log ? 10 ** v : v))
  const labelW = Math.min(9, Math.max(1, ...labels.map((l) => l.length)))
  const plotW = Math.max(2, width - labelW - 2)
  const linear: ColumnBuckets[] = x0 === x0 ? data.map((d) => d.bucketize(dots(plotW), [x0, x1])) : []
  const cols = log ? toLogColumns(linear) : linear
  const yLo = ticks.lo
  const yHi = ticks.hi

  const canvas = new Canvas(plotW, chartRows, style.ascii)
  cols.forEach((c, i) => {
    if (panel.smoothing) {
      // Markers come from the raw series: smoothing passes NaN/Inf through at the same x, but the
      // raw columns are the source of truth for what was logged.
      const raw = panel.series[i]!.data.bucketize(dots(plotW), [x0, x1])
      plotColumns(canvas, { ...c, nanCount: raw.nanCount, posInfCount: raw.posInfCount, negInfCount: raw.negInfCount }, yLo, yHi, i, style.ascii)
    } else plotColumns(canvas, c, yLo, yHi, i, style.ascii)
  })

  // Tick label on the row nearest each tick value.
  const rowLabel = new Map<number, string>()
  ticks.values.forEach((v, i) => {
    const r = yHi > yLo ? Math.round((1 - frac(v, yLo, yHi)) * (chartRows - 1)) : 0
    if (!rowLabel.has(r)) rowLabel.set(r, labels[i]!)
  })
  for (let r = 0; r < chartRows; r++) {
    const label = rowLabel.get(r)
    const axis = style.ascii ? (label ? '+' : '|') : label ? '┤' : '│'
    lines.push(`${fit(label ?? '', labelW, true)} ${axis}${canvas.row(r, style)}`)
  }
  const corner = style.ascii ? '+' : '└'
  const rule = style.ascii ? '-' : '─'
  // The panel's incidents sit on its x axis (level letter, D for drift; the highest level wins a
  // cell), so a spike and the alert it caused line up.
  const axis: string[] = new Array(plotW).fill(rule)
  const axisRank: number[] = new Array(plotW).fill(-1)
  if (x0 === x0) {
    const metrics = new Set(panel.series.flatMap((s) => [s.metric, s.base]))
    for (const inc of incidents) {
      if (typeof inc.step !== 'number' || !(inc.step >= x0 && inc.step <= x1)) continue
      if (inc.metric !== undefined && !metrics.has(inc.metric)) continue
      const c = x1 > x0 ? Math.min(plotW - 1, Math.floor(((inc.step - x0) / (x1 - x0)) * plotW)) : 0
      const rank = ['info', 'warning', 'error', 'critical'].indexOf(inc.level)
      if (rank < axisRank[c]!) continue
      axisRank[c] = rank
      axis[c] = paint(style, LEVEL_SGR[inc.level], isDrift(inc) ? 'D' : (LEVEL_LETTER[inc.level] ?? '?'))
    }
  }
  lines.push(`${' '.repeat(labelW)} ${corner}${axis.join('')}`)
  const left = x0 === x0 ? formatNumber(x0) : ''
  const right = x1 === x1 ? formatNumber(x1) : ''
  const mid = x0 !== x0 ? 'no data' : 'step'
  const gap = Math.max(1, plotW - left.length - right.length - mid.length)
  const pre = Math.floor(gap / 2)
  lines.push(fit(`${' '.repeat(labelW + 2)}${left}${' '.repeat(pre)}${mid}${' '.repeat(Math.max(1, gap - pre))}${right}`, width))
  return lines
}
