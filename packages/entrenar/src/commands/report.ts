import { writeFile } from 'node:fs/promises'
import { type AnalyzeOptions, analyzeRun, type HanseiReport, hanseiCharts, renderHanseiHtml, renderHanseiJson, renderHanseiMarkdown } from '@entrenar/monitor'
import { renderSvg } from '@entrenar/viz'
import type { MetricStore } from '@entrenar/core'
import { EXIT, type Io, levelColor, paint, usage } from '../io.js'
import { readIncidents, withStore } from '../node/store.js'

/** Formats of `entrenar report`. */
export type ReportFormat = 'md' | 'json' | 'html'

/** Renders a Hansei report in a format; HTML charts come from the store through `@entrenar/viz`'s `renderSvg`. */
export async function renderReport(store: Pick<MetricStore, 'query'>, report: HanseiReport, format: ReportFormat): Promise<string> {
  if (format === 'json') return `${renderHanseiJson(report)}\n`
  if (format === 'md') return renderHanseiMarkdown(report)
  const charts = await hanseiCharts(store, report)
  let i = 0
  return renderHanseiHtml(report, { charts, renderChart: (c) => renderSvg({ ...c, id: `c${i++}`, width: 900, height: 320 }) })
}

/** `entrenar report <dir> <run> [--format md|json|html] [--out file] [--strict]`. */
export async function reportCommand(dir: string, runId: string, flags: { format?: string; out?: string; strict?: boolean; classes?: string }, io: Io): Promise<number> {
  const format = (flags.format ?? (io.json ? 'json' : 'md')) as ReportFormat
  if (!['md', 'json', 'html'].includes(format)) throw usage(`--format ${JSON.stringify(flags.format)} must be md, json or html`)
  const options: AnalyzeOptions = { incidents: readIncidents(dir, runId), ...(flags.classes ? { classes: Number(flags.classes) } : {}) }
  const { report, text } = await withStore(dir, async (store) => {
    const report = await analyzeRun(store, runId, options)
    return { report, text: await renderReport(store, report, format) }
  })
  if (flags.out) {
    await writeFile(flags.out, text)
    if (io.json) io.out(`${JSON.stringify({ runId, verdict: report.verdict, findings: report.findings.length, out: flags.out })}\n`)
    else io.out(`${paint(io, levelColor(report.verdict), report.verdict)}: ${report.findings.length} findings; report written to ${flags.out}\n`)
  } else io.out(text)
  return flags.strict && report.verdict === 'failed' ? EXIT.FAILURE : EXIT.OK
}
