import { type Dashboard, type DashboardFrame, EntrenarError, ErrorCodes, type MetricSink, type RecordBatch } from '@entrenar/core'
import { normalisePanels, type PanelInput } from '../model/panels.js'
import { createRunData } from '../model/run-data.js'
import { checkSmoothOptions, type SmoothOptions } from '../series/smooth.js'
import { renderDashboardSvg, type SvgDashboardLayout } from './dashboard-layout.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Options of {@link createSvgDashboard}. */
export interface SvgDashboardOptions {
  /** Title at the top of the image. */
  readonly title?: string
  /** Panels (metric names or specs); default one per metric base name, at most `maxPanels` (4). */
  readonly panels?: readonly PanelInput[]
  /** Most panels drawn when they are derived from the metric names. Default 4. */
  readonly maxPanels?: number
  /** Smoothing of every line (the raw line stays, faint). Default none. */
  readonly smoothing?: SmoothOptions
  /** Image width in pixels. Default 1200. */
  readonly width?: number
  /** Height of one panel in pixels. Default 320. */
  readonly panelHeight?: number
  /** Panels per row. Default 2. */
  readonly columns?: number
  /** Colour theme. Default `light`. */
  readonly theme?: 'light' | 'dark'
  /** Rows kept per series before it thins itself, keeping spikes and NaN/Inf markers (default 4,000,000). */
  readonly maxPointsPerSeries?: number
}

/** An SVG dashboard: `render()` gives an SVG document; `savePng` rasterises it. Also a `MetricSink`. */
export interface SvgDashboard extends Dashboard, MetricSink {
  savePng(path: string): Promise<void>
}

/**
 * Creates a dashboard that renders the run as one SVG document (panels of train vs validation
 * lines with alert markers) and saves it as PNG with the bundled font.
 *
 * @example
 * ```ts
 * const dash = createSvgDashboard({ panels: ['loss', 'accuracy'] })
 * dash.update({ batch })
 * await dash.savePng('run.png')
 * ```
 */
export function createSvgDashboard(options: SvgDashboardOptions = {}): SvgDashboard {
  checkOptions('entrenar/viz: createSvgDashboard', options, CREATE_SVG_DASHBOARD_OPTIONS)
  const panels = normalisePanels(options.panels)
  if (options.smoothing) checkSmoothOptions(options.smoothing)
  for (const [k, lo, hi] of [
    ['width', 240, 8192],
    ['panelHeight', 120, 4096],
    ['columns', 1, 8],
    ['maxPanels', 1, 64],
  ] as const) {
    const v = options[k]
    if (v !== undefined && !(Number.isInteger(v) && v >= lo && v <= hi)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/viz: ${k} must be an integer in [${lo}, ${hi}], got ${v}`)
  }
  const mp = options.maxPointsPerSeries
  if (mp !== undefined && !(Number.isInteger(mp) && mp >= 1024)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/viz: maxPointsPerSeries must be an integer ≥ 1024, got ${mp}`)
  const data = createRunData(mp)
  const layout: SvgDashboardLayout = {
    title: options.title ?? 'Entrenar',
    panels,
    smoothing: options.smoothing,
    maxPanels: options.maxPanels ?? 4,
    ...(options.width !== undefined ? { width: options.width } : {}),
    ...(options.panelHeight !== undefined ? { panelHeight: options.panelHeight } : {}),
    ...(options.columns !== undefined ? { columns: options.columns } : {}),
    ...(options.theme !== undefined ? { theme: options.theme } : {}),
  }
  let closed = false
  return {
    update(frame: DashboardFrame): void {
      if (!closed) data.apply(frame)
    },
    render(): string {
      return renderDashboardSvg(data, layout)
    },
    async savePng(path: string): Promise<void> {
      const { saveDashboardPng } = await import('./dashboard-png.js')
      await saveDashboardPng(path, data, layout)
    },
    async write(batch: RecordBatch): Promise<void> {
      if (closed) throw new EntrenarError(ErrorCodes.CLOSED, 'entrenar/viz: SVG dashboard is closed')
      data.apply({ batch })
    },
    async flush(): Promise<void> {},
    async close(): Promise<void> {
      closed = true
    },
  }
}

/** The option names createSvgDashboard accepts (unknown ones are errors). */
const CREATE_SVG_DASHBOARD_OPTIONS = optionKeys<NonNullable<Parameters<typeof createSvgDashboard>[0]>>({ title: true, panels: true, maxPanels: true, smoothing: true, width: true, panelHeight: true, columns: true, theme: true, maxPointsPerSeries: true })
