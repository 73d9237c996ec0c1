import type { RunData } from '../model/run-data.js'
import { renderDashboardSvg, type SvgDashboardLayout } from './dashboard-layout.js'
import { svgToPng, writeBytes } from './png.js'

/** Writes a dashboard's panels as a PNG (used by `savePng` of the terminal and SVG dashboards). */
export async function saveDashboardPng(path: string, data: RunData, layout: SvgDashboardLayout): Promise<void> {
  await writeBytes(path, svgToPng(renderDashboardSvg(data, layout)))
}
