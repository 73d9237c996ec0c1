import { fit, formatNumber } from '../chart/format.js'
import { xUnion } from '../chart/y-range.js'
import type { PanelSpec } from '../model/panels.js'
import { resolvePanels } from '../model/panels.js'
import type { RunData } from '../model/run-data.js'
import type { SmoothOptions } from '../series/smooth.js'
import { renderPanel } from './panel.js'
import { paint, type Style } from './style.js'
import { renderTable } from './table.js'
import { renderTimeline } from './timeline.js'

/** Layout of a terminal frame. */
export interface FrameLayout extends Style {
  /** Columns of the frame. */
  readonly width: number
  /** Rows of one panel (title, chart, x axis). */
  readonly panelHeight: number
  /** Most panels drawn when none are configured. */
  readonly maxPanels: number
  /** Incidents listed under the timeline lane. */
  readonly alertRows: number
  readonly title: string
  readonly panels: readonly PanelSpec[] | undefined
  readonly smoothing: SmoothOptions | undefined
  /** Draw the charts (off for the compact non-TTY log). */
  readonly charts: boolean
  /**
   * Most lines of the frame (a TTY's rows: log-update cannot erase lines that scrolled away). When
   * the frame is taller, the stats table is shortened first, then whole panel rows are dropped.
   */
  readonly maxRows?: number | undefined
}

/** Panels side by side when each can still be at least this wide. */
const MIN_PANEL_WIDTH = 48

/**
 * Renders the whole dashboard as text lines, each exactly `width` visible characters: a header,
 * the chart panels (two per row on wide terminals), the stats table and the alert/drift timeline.
 * Pure: the same data and layout give the same frame.
 */
export function renderFrame(data: RunData, layout: FrameLayout): string[] {
  const w = Math.max(20, layout.width)
  const lines: string[] = []
  const series = data.series
  let points = 0
  for (const s of series) points += s.data.stats().count
  const [x0, x1] = xUnion(series.filter((s) => s.data.length > 0).map((s) => s.data.xRange()))
  const stops = data.incidents.filter((i) => i.decision === 'stop')
  const head = [
    layout.title,
    data.runIds.length === 1 ? `run ${data.runIds[0]}` : data.runIds.length > 1 ? `${data.runIds.length} runs` : 'no run yet',
    x1 === x1 ? `step ${formatNumber(x1)}` : '',
    `${series.length} series`,
    `${formatNumber(points)} points`,
    `${data.incidents.length + data.droppedIncidents} alerts`,
  ]
    .filter((s) => s.length > 0)
    .join(' · ')
  lines.push(paint(layout, '1', fit(head, w)))
  if (stops.length > 0) {
    const s = stops[stops.length - 1]!
    lines.push(paint(layout, '1;31', fit(`STOPPED at step ${s.step ?? '-'}: ${s.rule} ${s.message}`, w)))
  }
  lines.push((layout.ascii ? '=' : '═').repeat(w))
  const panelRows: string[][] = []
  if (layout.charts) {
    const panels = resolvePanels(layout.panels, data, layout.maxPanels, layout.smoothing)
    const perRow = w >= 2 * MIN_PANEL_WIDTH + 1 && panels.length > 1 ? 2 : 1
    const pw = perRow === 2 ? Math.floor((w - 1) / 2) : w
    for (let i = 0; i < panels.length; i += perRow) {
      const blocks = panels.slice(i, i + perRow).map((p) => renderPanel(p, pw, layout.panelHeight, layout, data.runIds.length, data.incidents))
      const block: string[] = []
      for (let r = 0; r < layout.panelHeight; r++) {
        const row = blocks.map((b) => b[r] ?? ' '.repeat(pw)).join(' ')
        block.push(perRow === 2 && blocks.length === 1 ? row + ' '.repeat(w - pw) : row + ' '.repeat(w - pw * blocks.length - (blocks.length - 1)))
      }
      panelRows.push(block)
    }
  }
  let table = renderTable(series, w, layout, data.runIds.length)
  const rule = (layout.ascii ? '-' : '─').repeat(w)
  const timeline = renderTimeline(data.incidents, x0, x1, w, layout.alertRows, layout, data.droppedIncidents)
  const max = layout.maxRows
  if (max !== undefined) {
    const fixed = lines.length + (panelRows.length > 0 ? 1 : 0) + 1 + timeline.length
    let panelLines = panelRows.reduce((a, b) => a + b.length, 0)
    // Shorten the table (header + at least one series row), then drop panel rows from the bottom.
    const tableRoom = max - fixed - panelLines
    if (table.length > tableRoom && table.length > 2) {
      const keep = Math.max(2, tableRoom - 1)
      const hidden = table.length - keep
      table = [...table.slice(0, keep), fit(`  … ${hidden} more series (a taller terminal shows them)`, w)]
    }
    while (panelRows.length > 0 && fixed + panelLines + table.length > max) panelLines -= panelRows.pop()!.length
  }
  for (const block of panelRows) lines.push(...block)
  if (layout.charts) lines.push(rule)
  lines.push(...table, rule, ...timeline)
  return max !== undefined && lines.length > max ? lines.slice(0, max) : lines
}
