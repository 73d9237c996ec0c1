import { writeFile } from 'node:fs/promises'
import type { MetricStore } from '@entrenar/core'
import { type AnalyzeOptions, analyzeRun, type HanseiReport, hanseiCharts, renderHanseiHtml, renderHanseiJson, renderHanseiMarkdown } from '@entrenar/monitor'
import { renderSvg } from '@entrenar/viz'
import { EXIT, type Io, levelColor, paint, usage } from '../io.js'
import { readDriftEvents } from '../node/drift-log.js'
import { type RemoteStoreFlags, readIncidentLog, withStoreAt } from '../node/store.js'
import { type RunEvents, renderEventsMarkdown, type ReportWithEvents, withEventsMarkdown } from '../report/events.js'

/** Formats of `entrenar report`. */
export type ReportFormat = 'md' | 'json' | 'html'

/**
 * Renders a Hansei report in a format; HTML charts come from the store through `@entrenar/viz`'s
 * `renderSvg`. With `events`, Markdown gains the drift-event and incident tables and JSON their arrays
 * (`driftEvents`, `incidents`, `malformedLines`).
 */
export async function renderReport(store: Pick<MetricStore, 'query'>, report: HanseiReport, format: ReportFormat, events?: RunEvents): Promise<string> {
  if (format === 'json') {
    const full: HanseiReport | ReportWithEvents = events ? { ...report, ...events } : report
    return `${renderHanseiJson(full)}\n`
  }
  if (format === 'md') return events ? withEventsMarkdown(renderHanseiMarkdown(report), renderEventsMarkdown(report, events)) : renderHanseiMarkdown(report)
  const charts = await hanseiCharts(store, report)
  let i = 0
  return renderHanseiHtml(report, { charts, renderChart: (c) => renderSvg({ ...c, id: `c${i++}`, width: 900, height: 320 }) })
}

/** The drift events and Andon incidents of a run, read back from `<dir>/drift/events.jsonl` and `<dir>/andon/incidents.jsonl`. */
export function readRunEvents(dir: string, runId: string): RunEvents {
  const drift = readDriftEvents(dir, runId)
  const incidents = readIncidentLog(dir, runId)
  return { driftEvents: drift.events, incidents: incidents.events, malformedLines: drift.malformed + incidents.malformed }
}

/**
 * `entrenar report <dir> <run> [--format md|json|html] [--out file] [--classes n] [--strict] [--url URL]`: the
 * Hansei post-mortem of a stored run, with the drift events and Andon incidents recorded during it (read from
 * `<dir>`); with `--url` the run's points come from a server speaking `/v1/store/*` instead of `<dir>`, with
 * `--store clickhouse://…` from a ClickHouse store.
 */
export async function reportCommand(dir: string, runId: string, flags: { format?: string; out?: string; strict?: boolean; classes?: string } & RemoteStoreFlags, io: Io): Promise<number> {
  const format = (flags.format ?? (io.json ? 'json' : 'md')) as ReportFormat
  if (!['md', 'json', 'html'].includes(format)) throw usage(`--format ${JSON.stringify(flags.format)} must be md, json or html`)
  const classes = flags.classes === undefined ? undefined : Number(flags.classes)
  if (classes !== undefined && !(Number.isInteger(classes) && classes >= 2)) throw usage(`--classes must be an integer ≥ 2, got ${JSON.stringify(flags.classes)}`)
  const events = readRunEvents(dir, runId)
  if (events.malformedLines > 0) io.err(`${paint(io, 'yellow', 'warning')} ${events.malformedLines} unreadable line(s) in ${dir}/drift/events.jsonl or ${dir}/andon/incidents.jsonl skipped\n`)
  const options: AnalyzeOptions = { incidents: events.incidents, driftEvents: events.driftEvents, ...(classes === undefined ? {} : { classes }) }
  const remote = { ...(flags.url !== undefined ? { url: flags.url } : {}), ...(flags.store !== undefined ? { store: flags.store } : {}), ...((flags.token ?? io.env.ENTRENAR_TOKEN) ? { token: flags.token ?? io.env.ENTRENAR_TOKEN } : {}) }
  const { report, text } = await withStoreAt(dir, remote, async (store) => {
    const report = await analyzeRun(store, runId, options)
    return { report, text: await renderReport(store, report, format, events) }
  })
  if (flags.out) {
    await writeFile(flags.out, text)
    const counts = { findings: report.findings.length, driftEvents: events.driftEvents.length, incidents: events.incidents.length }
    if (io.json) io.out(`${JSON.stringify({ runId, verdict: report.verdict, ...counts, out: flags.out })}\n`)
    else io.out(`${paint(io, levelColor(report.verdict), report.verdict)}: ${counts.findings} findings, ${counts.driftEvents} drift events, ${counts.incidents} incidents; report written to ${flags.out}\n`)
  } else io.out(text)
  return flags.strict && report.verdict === 'failed' ? EXIT.FAILURE : EXIT.OK
}
