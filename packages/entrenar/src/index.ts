/**
 * `entrenar`: the command line and `autoMonitor()`, which compose the Entrenar packages (store, drift,
 * Andon, dashboards, lineage, Hansei reports) with sensible defaults.
 *
 * @module entrenar
 */
export { type AutoLineageOptions, type AutoMonitor, type AutoMonitorOptions, autoMonitor } from './auto-monitor.js'
export { andonBacktest, andonCheck } from './commands/andon.js'
export { type SilenceAddFlags, type SilenceTarget, silenceAdd, silenceExpire, silenceList } from './commands/silence.js'
export { type DashboardFlags, dashboardCommand } from './commands/dashboard.js'
export { DEMO_MIN_EPOCHS, type DemoFlags, type DemoRun, demoCommand } from './commands/demo.js'
export { type GenerateFlags, type GenerateOptions, type GenerateSummary, generateCommand, generateStore } from './commands/generate.js'
export { lineageExport, lineageRegression, lineageShow } from './commands/lineage.js'
export { type QueryFlags, queryCommand, queryFromFlags } from './commands/query.js'
export { type ReportFormat, readRunEvents, renderReport, reportCommand } from './commands/report.js'
export { type DriftEventLine, driftEventFromLine, driftEventToLine } from './events/drift-wire.js'
export { type DriftEventLog, driftEventsPath, readDriftEvents } from './node/drift-log.js'
export type { ReportWithEvents, RunEvents } from './report/events.js'
export { type RunRow, runsCommand } from './commands/runs.js'
export { type StoreCopyFlags, storeCopyCommand } from './commands/store.js'
export { type CopyProgress, type CopyStoreOptions, type CopySummary, copyStore } from './store-copy.js'
export { type ServeFlags, serveCommand } from './commands/serve.js'
export { spiral, TinyMlp } from './demo/spiral.js'
export { colorEnabled, EXIT, type Io } from './io.js'
export { type CliContext, runCli } from './program.js'
