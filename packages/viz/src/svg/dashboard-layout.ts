import type { DriftEvent, Incident } from '@entrenar/core'
import { runColors } from '../chart/run-colors.js'
import type { PanelSpec } from '../model/panels.js'
import { resolvePanels, seriesLabel } from '../model/panels.js'
import type { RunData } from '../model/run-data.js'
import { smoothedSeries } from '../model/smoothed.js'
import { SMOOTH_DEFAULTS, type SmoothOptions } from '../series/smooth.js'
import type { SeriesEntry } from '../model/run-data.js'
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
  /** Told, per panel title, the series its legend has no room for. */
  readonly onLegendHidden?: (panel: string, names: readonly string[]) => void
}

/** Markers of the incidents that concern a panel: its metrics, or no metric at all. */
export function markersFor(incidents: readonly Incident[], metrics: readonly string[], bases: readonly string[]): ChartMarker[] {
  const out: ChartMarker[] = []
  for (const i of incidents) {
    if (typeof i.step !== 'number') continue
    if (i.metric !== undefined && !metrics.includes(i.metric) && !bases.includes(i.metric)) continue
    out.push({ x: i.step, label: i.rule, level: i.level, kind: i.decision === 'stop' ? 'stop' : 'incident' })
  }
  return out
}

/**
 * Markers of the drift change points (`signal: 'drift'`) on a panel's metrics, of the runs drawn: one
 * dotted `drift` mark each, labelled with the detector (and the run, when several are drawn).
 */
export function driftMarkersFor(events: readonly DriftEvent[], metrics: readonly string[], bases: readonly string[], runIds: readonly string[]): ChartMarker[] {
  const out: ChartMarker[] = []
  for (const d of events) {
    if (d.signal !== 'drift') continue
    if (!metrics.includes(d.metric) && !bases.includes(d.metric)) continue
    if (d.runId !== undefined && !runIds.includes(d.runId)) continue
    const label = runIds.length > 1 && d.runId !== undefined ? `${d.runId} ${d.detector}` : d.detector
    out.push({ x: d.step, label, level: d.severity === 'high' ? 'error' : 'warning', kind: 'drift' })
  }
  return out
}

/** How a panel's smoothing reads in its title: the method and its amount, or that the lines are raw. */
export function smoothingLabel(s: SmoothOptions | undefined): string {
  if (!s) return 'no smoothing'
  if (s.kind === 'running') return `running mean of ${s.window ?? SMOOTH_DEFAULTS.window}`
  if (s.kind === 'gaussian') return `gaussian σ ${s.sigma ?? SMOOTH_DEFAULTS.sigma}`
  return `${s.kind === 'time-ema' ? 'time-weighted EMA' : 'EMA'} ${s.weight ?? SMOOTH_DEFAULTS.weight}`
}

/** The y-axis label of a panel: its metrics, with the unit their names carry (`_percent`, `_bytes`, `_seconds`, `_ms`). */
export function yAxisLabel(title: string, metrics: readonly string[]): string {
  const units = new Set(metrics.map((m) => (/_percent$/.test(m) ? '%' : /_bytes$/.test(m) ? 'bytes' : /_(seconds|s)$/.test(m) ? 's' : /_ms$/.test(m) ? 'ms' : '')))
  const unit = units.size === 1 ? [...units][0]! : ''
  return unit && !title.includes(`(${unit})`) ? `${title} (${unit})` : title
}

/** One colour per run in every panel of a picture (by run id, see `runColors`); with one run, undefined (colours by position). */
export function colorsOf(data: RunData, palette: readonly string[]): ReadonlyMap<string, string> | undefined {
  return data.runIds.length > 1 ? runColors(data.runIds, palette) : undefined
}

/** Drawables of a panel's series (raw faint + smoothed when smoothing is on). */
export function panelDrawables(series: readonly SeriesEntry[], smoothing: SmoothOptions | undefined, runs: number, colors?: ReadonlyMap<string, string>): Drawable[] {
  const out: Drawable[] = []
  for (const s of series) {
    const name = seriesLabel(s, runs)
    const dashed = s.split !== 'train'
    // With several runs, a run has its colour in every panel (train solid, validation dashed).
    const color = colors?.get(s.runId)
    if (smoothing) {
      out.push({ name, color, dashed, faint: true, xRange: () => s.data.xRange(), columns: (b, r) => s.data.bucketize(b, r) })
      const sm = smoothedSeries(s.data, smoothing)
      out.push({ name, color, dashed, xRange: () => sm.xRange(), columns: (b, r) => withMarkersOf(sm.bucketize(b, r), s.data.bucketize(b, r)) })
    } else out.push({ name, color, dashed, xRange: () => s.data.xRange(), columns: (b, r) => s.data.bucketize(b, r) })
  }
  return out
}

/**
 * The dashboard as one SVG document: a title bar with run, points and alert counts, then the
 * panels in a grid, each with its incidents and drift change points as markers.
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
  const stops = data.incidents.filter((i) => i.decision === 'stop' && typeof i.step === 'number')
  const changePoints = data.driftEvents.filter((d) => d.signal === 'drift' && (d.runId === undefined || data.runIds.includes(d.runId))).length
  const summary = [
    data.runIds.length === 1 ? `run ${data.runIds[0]}` : `${data.runIds.length} runs`,
    `${data.series.length} series`,
    `${points} points`,
    `${data.incidents.length + data.droppedIncidents} alerts`,
    ...(changePoints > 0 ? [`${changePoints} drift change point${changePoints === 1 ? '' : 's'}`] : []),
    ...(stops.length > 0 ? [`stopped at step ${stops[0]!.step}`] : []),
  ].join(' · ')
  const colors = colorsOf(data, theme.palette)
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
      `<g class="panel">${drawChart(panelDrawables(p.series, p.smoothing, data.runIds.length, colors), box, {
        title: `${p.title} (${smoothingLabel(p.smoothing)}${p.yScale === 'log' ? ', log y' : ''})`,
        xLabel: 'step',
        yLabel: yAxisLabel(p.title, metrics),
        markers: [...markersFor(data.incidents, metrics, bases), ...driftMarkersFor(data.driftEvents, metrics, bases, data.runIds)],
        yScale: p.yScale,
        theme,
        id: `p${i}`,
        ...(layout.onLegendHidden ? { onLegendHidden: (names: readonly string[]) => layout.onLegendHidden?.(p.title, names) } : {}),
      })}</g>`,
    )
  })
  return svgDocument(width, height, theme, parts.join('\n'))
}
