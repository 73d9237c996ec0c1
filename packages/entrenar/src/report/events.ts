import type { AlertLevel, DriftEvent, Incident } from '@entrenar/core'
import type { HanseiReport } from '@entrenar/monitor'
import { num } from '../io.js'

/** The events recorded during a run, as `entrenar report` reads them back from the store directory. */
export interface RunEvents {
  /** From `<dir>/drift/events.jsonl` (written by `autoMonitor`). */
  readonly driftEvents: readonly DriftEvent[]
  /** From `<dir>/andon/incidents.jsonl` (written by the Andon). */
  readonly incidents: readonly Incident[]
  /** Lines of either file that could not be read (a torn last line after a crash, hand edits). */
  readonly malformedLines: number
}

/** A Hansei report with the run's recorded events, the shape of `entrenar report --format json`. */
export type ReportWithEvents = HanseiReport & RunEvents

const cell = (s: string) => s.replace(/[\\`*_[\]|<>]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ')
const key = (step: number | undefined, source: string, metric: string | undefined, t: number | undefined) => `${step}\u0000${source}\u0000${metric}\u0000${t}`

/**
 * The Markdown section of the recorded events: one table of drift events (step, metric, detector,
 * signal, severity graded by the detector, the level the report gave it, statistic) and one of Andon
 * incidents (step, metric, rule, level, decision, message), by step. Empty when nothing was recorded.
 */
export function renderEventsMarkdown(report: HanseiReport, events: RunEvents, limit = 200): string {
  const L: string[] = []
  const levels = new Map<string, AlertLevel>()
  for (const t of report.timeline) if (t.kind === 'drift') levels.set(key(t.step, t.source, t.metric, t.timestampMs), t.level)
  const byStep = <T extends { readonly step?: number | undefined }>(a: readonly T[]) => [...a].sort((x, y) => (x.step ?? Number.POSITIVE_INFINITY) - (y.step ?? Number.POSITIVE_INFINITY))
  const more = (n: number) => (n > limit ? ['', `… ${n - limit} more in the JSON report.`] : [])
  if (events.driftEvents.length) {
    L.push('', `## Drift events (${events.driftEvents.length})`, '', '| step | metric | detector | signal | severity | level | statistic |', '|---:|---|---|---|---|---|---:|')
    for (const d of byStep(events.driftEvents).slice(0, limit)) {
      const level = levels.get(key(d.step, d.detector, d.metric, d.timestampMs)) ?? '-'
      L.push(`| ${d.step} | ${cell(d.metric)} | ${cell(d.detector)} | ${d.signal} | ${d.severity ?? 'ungraded'} | ${level} | ${num(d.statistic)} |`)
    }
    L.push(...more(events.driftEvents.length))
  }
  if (events.incidents.length) {
    L.push('', `## Andon incidents (${events.incidents.length})`, '', '| step | metric | rule | level | decision | message |', '|---:|---|---|---|---|---|')
    for (const i of byStep(events.incidents).slice(0, limit)) L.push(`| ${i.step ?? '-'} | ${cell(i.metric ?? '-')} | ${cell(i.rule)} | ${i.level} | ${i.decision} | ${cell(i.message)} |`)
    L.push(...more(events.incidents.length))
  }
  if (events.malformedLines > 0) L.push('', `${events.malformedLines} unreadable line(s) in the event logs were skipped.`)
  return L.length ? `${L.join('\n')}\n` : ''
}

/** Inserts the events section into the Hansei Markdown, before the run configuration (or at the end). */
export function withEventsMarkdown(markdown: string, section: string): string {
  if (!section) return markdown
  const at = markdown.indexOf('\n## Configuration\n')
  return at < 0 ? `${markdown}${section}` : `${markdown.slice(0, at)}${section}${markdown.slice(at)}`
}
