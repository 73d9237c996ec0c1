import type { MetricStore } from '@entrenar/core'
import type { HanseiChart } from './html.js'
import type { HanseiReport, TimelineEntry } from './types.js'

/**
 * Charts for the HTML report: the metrics with findings first, then the rest (at most `max`), each
 * downsampled by the store to `points` min/max/last buckets (spikes kept) with the timeline as markers.
 */
export async function hanseiCharts(store: Pick<MetricStore, 'query'>, report: HanseiReport, options: { readonly max?: number; readonly points?: number } = {}): Promise<HanseiChart[]> {
  const max = options.max ?? 6
  const named = report.findings.map((f) => f.metric).filter((m): m is string => m !== undefined)
  const order = [...new Set([...named, ...report.metrics.map((m) => m.metric)])].slice(0, max)
  if (order.length === 0) return []
  const res = await store.query({ runs: [report.runId], metrics: order, bucket: { points: options.points ?? 800, mode: 'minmax-last' } })
  const charts: HanseiChart[] = []
  for (const metric of order) {
    const s = res.series.find((x) => x.metric === metric)
    if (!s) continue
    // The stop, the Andon's incidents and the drift change points first (they must not be cut by
    // the limit), then the rest; drawn by kind: the stop solid, drift dotted, the others dashed.
    const priority = (t: TimelineEntry): number => (t.decision === 'stop' ? 0 : t.kind === 'incident' || t.kind === 'drift' ? 1 : 2)
    const markers = report.timeline
      .filter((t) => t.step !== undefined && t.kind !== 'checkpoint' && (t.metric === undefined || t.metric === metric))
      .sort((a, b) => priority(a) - priority(b))
      .slice(0, 50)
      .map((t) => ({ x: t.step as number, label: t.source, level: t.level, kind: t.decision === 'stop' ? ('stop' as const) : t.kind === 'drift' ? ('drift' as const) : ('incident' as const) }))
    const trend = report.metrics.find((m) => m.metric === metric)?.trend
    charts.push({ title: `${metric}${trend ? ` (${trend})` : ''}`, series: [{ name: metric, x: s.x, y: s.value }], markers })
  }
  return charts
}
