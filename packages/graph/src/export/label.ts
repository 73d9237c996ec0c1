import type { GraphStore } from '../store/graph-store.js'

/** Metric names shown on node labels (at most `max`, in column order). */
export function labelMetrics(g: GraphStore, v: number, max = 3): string[] {
  const out: string[] = []
  for (const [name, col] of g.metrics) {
    if (out.length >= max) break
    if (col.present[v]) out.push(`${name}=${formatNumber(col.values[v]!)}`)
  }
  return out
}

/** Short, exact-enough numbers for labels (NaN and ±Inf spelled out). */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x) || Number.isInteger(x)) return String(x)
  return String(Number(x.toPrecision(6)))
}

/** The label lines of a model: id, version, up to three metrics. */
export function labelLines(g: GraphStore, v: number): string[] {
  const lines = [g.ids.get(v)]
  const ver = g.versionOf[v]!
  if (ver >= 0) lines.push(`version ${g.pool.get(ver)}`)
  lines.push(...labelMetrics(g, v))
  return lines
}
