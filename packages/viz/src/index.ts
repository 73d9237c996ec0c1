/**
 * `@entrenar/viz`: the terminal dashboard, SVG and PNG charts, HTML reports and the live web dashboard,
 * all fed by the same series preparation (downsampling, smoothing, streaming statistics).
 *
 * @module @entrenar/viz
 */
export { createSeriesBuffer, type SeriesBuffer } from './series/buffer.js'
export { bucketize, type ColumnBuckets, downsampleMinMaxLast, type MinMaxLast } from './series/downsample.js'
export { checkSmoothOptions, createSmoother, SMOOTH_DEFAULTS, type SmoothKind, type SmoothOptions, type Smoother, smooth } from './series/smooth.js'
export { createStreamingStats, type SeriesStats, type StreamingStats, seriesStats } from './series/stats.js'
export type { PanelInput, PanelSpec } from './model/panels.js'
export { splitOf, type SplitOf } from './model/split.js'
export { type ChartMarker, type ChartSeries, type ChartSpec, renderSvg } from './svg/chart.js'
export { type PngOptions, renderPng, savePng } from './svg/png.js'
export { createSvgDashboard, type SvgDashboard, type SvgDashboardOptions } from './svg/dashboard.js'
export { createTerminalDashboard, type IncidentSource, type TerminalDashboard, type TerminalDashboardOptions, type TerminalStream } from './terminal/dashboard.js'
export { type HtmlReportInput, htmlReportFromStore, renderHtmlReport } from './report/html.js'
export { saveHtmlReport } from './report/save.js'
export { decodeSeriesFrame, encodeSeriesFrame, FRAME_TYPE, FRAME_VERSION } from './web/series-frame.js'
export { type RecordedEvents, type RecordedEventsSource, recordedEventsOf, type ServeWebDashboardOptions, serveWebDashboard, type WebDashboardOptions, type WebDashboardServer, webDashboardHandler } from './web/index.js'
