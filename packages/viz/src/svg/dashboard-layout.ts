import type { Incident } from '@entrenar/core'
import type { PanelSpec } from '../model/panels.js'
import { resolvePanels, seriesLabel } from '../model/panels.js'
import type { RunData } from '../model/run-data.js'
import { smoothedSeries } from '../model/smoothed.js'
import type { SmoothOptions } from '../series/smooth.js'
import { type ChartMarker, type Drawable, drawChart, svgDocument, themeOf, withMarkersOf } from './chart.js'
import { esc, n1 } from './theme.js'

/** Layout of an SVG dashboard. */
export interface SvgDashboardLayout {
  readonly title: string
  readonly panels: readonly PanelSpec[] | undefined
  readonly smoothing: SmoothOptions | undefined
  readonly maxPanels: number
  /** Pixels of the whole image; default 1200 wide, panel height 320. */
  readonly width?: number
  readonly panelHeight?: number
  /** Panels per row (default 2, 1 when there is one panel). */
  readonly columns?: number
  readonly theme?: 'light' | 'dark'
}

/** Markers of the incidents that concern a panel: its metrics, or no metric at all. */
export function markersFor(incidents: readonly Incident[], metrics: readonly string[], bases: readonly string[]): ChartMarker[] {
  const out: ChartMarker[] = []
  for (const i of incidents) {
    if (typeof i.step !== 'number') continue
    if (i.metric !== undefined && !metrics.includes(i.metric) && !bases.includes(i.metric)) continue
    out.push({ x: i.step, label: i.rule, level: i.level })
  }
  return out
}

/** Drawables of a panel's series (raw faint + smoothed when smoothing is on). */
export function panelDrawables(series: readonly import('../model/run-data.js').SeriesEntry[], smoothing: SmoothOptions | undefined, runs: number): Drawable[] {
  const out: Drawable[] = []
  for (const s of series) {
    const name = seriesLabel(s, runs)
    const dashed = s.split !== 'train'
    if (smoothing) {
      out.push({ name, dashed, faint: true, xRange: () => s.data.xRange(), columns: (b, r) => s.data.bucketize(b, r) })
      const sm = smoothedSeries(s.data, smoothing)
      out.push({ name, dashed, xRange: () => sm.xRange(), columns: (b, r) => withMarkersOf(sm.bucketize(b, r), s.data.bucketize(b, r)) })
    } else out.push({ name, dashed, xRange: () => s.data.xRange(), columns: (b, r) => s.data.bucketize(b, r) })
  }
  return out
}

/**
 * The dashboard as one SVG document: a title bar with run, points and alert counts, then the
 * panels in a grid, each with its incidents as markers.
 */
export function renderDashboardSvg(data: RunData, layout: SvgDashboardLayout): string {
  const panels = resolvePanels(layout.panels, data, layout.maxPanels, layout.smoothing)
  const width = layout.width ?? 1200
  const ph = layout.panelHeight ?? 320
  const perRow = Math.max(1, Math.min(layout.columns ?? 2, panels.length || 1))
  const rows = Math.max(1, Math.ceil(panels.length / perRow))
  const head = 40
  const height = head + rows * ph
  const theme = themeOf(layout.theme)
  const pw = width / perRow
  let points = 0
  for (const s of data.series) points += s.data.stats().count
  const summary = [data.runIds.length === 1 ? `run ${data.runIds[0]}` : `${data.runIds.length} runs`, `${data.series.length} series`, `${points} points`, `${data.incidents.length + data.droppedIncidents} alerts`].join(' · ')
  const parts = [
    `<text x="16" y="26" font-size="18" font-weight="bold" fill="${theme.foreground}">${esc(layout.title)}</text>`,
    `<text x="${n1(width - 16)}" y="26" font-size="12" text-anchor="end" fill="${theme.foreground}">${esc(summary)}</text>`,
  ]
  if (panels.length === 0) parts.push(`<text x="${n1(width / 2)}" y="${n1(head + ph / 2)}" text-anchor="middle" font-size="14" fill="${theme.axis}">No metrics recorded yet</text>`)
  panels.forEach((p, i) => {
    const box = { x: (i % perRow) * pw, y: head + Math.floor(i / perRow) * ph, width: pw, height: ph }
    const metrics = p.series.map((s) => s.metric)
    const bases = p.series.map((s) => s.base)
    parts.push(
      `<g class="panel">${drawChart(panelDrawables(p.series, p.smoothing, data.runIds.length), box, {
        title: p.title + (p.smoothing ? ` (${p.smoothing.kind})` : '') + (p.yScale === 'log' ? ' (log)' : ''),
        markers: markersFor(data.incidents, metrics, bases),
        yScale: p.yScale,
        theme,
        id: `p${i}`,
      })}</g>`,
    )
  })
  return svgDocument(width, height, theme, parts.join('\n'))
}
