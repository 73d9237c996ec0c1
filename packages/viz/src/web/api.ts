import type { AlertLevel, AlertPolicy, Incident, LineageGraph, MetricStore, RunInfo } from '@entrenar/core'
import { levelRank } from '@entrenar/core'
import type { LineageView, MetricSummary, Overview, RunSummary } from './wire.js'

/**
 * The run list: every run's metadata, the last value and row/NaN counts of each of its metrics
 * (one `aggregate: 'last'` query over the store) and the Andon incidents attributed to it.
 * Runs that have points but no metadata are listed too (status `finished`, start 0 = unknown).
 */
export async function buildOverview(store: MetricStore, andon: AlertPolicy | undefined, lineage: LineageGraph | undefined, title: string, pollMs: number): Promise<Overview> {
  const [runs, last] = await Promise.all([store.runs(), store.query({ aggregate: 'last' })])
  const metrics = new Map<string, MetricSummary[]>()
  for (const s of last.series) {
    let list = metrics.get(s.runId)
    if (!list) {
      list = []
      metrics.set(s.runId, list)
    }
    list.push({ name: s.metric, rows: s.count?.[0] ?? 0, nan: s.nanCount?.[0] ?? 0, last: s.value[0] ?? Number.NaN, lastStep: s.x[0] ?? 0 })
  }
  const known = new Set(runs.map((r) => r.id))
  const all: RunInfo[] = [...runs]
  for (const id of [...metrics.keys()].sort()) if (!known.has(id)) all.push({ id, status: 'finished', startTimeMs: 0 })
  const incidents = andon ? andon.history() : []
  const summaries: RunSummary[] = all.map((run) => {
    let alerts = 0
    let maxLevel: AlertLevel | undefined
    for (const i of incidents) {
      if (i.runId !== run.id) continue
      alerts++
      if (!maxLevel || levelRank(i.level) > levelRank(maxLevel)) maxLevel = i.level
    }
    return { run, metrics: metrics.get(run.id) ?? [], alerts, ...(maxLevel ? { maxLevel } : {}) }
  })
  return { title, features: { lineage: lineage !== undefined, andon: andon !== undefined }, pollMs, nowMs: Date.now(), runs: summaries }
}

/** Andon incidents from index `from` on (the whole history by default). */
export function incidentsSince(andon: AlertPolicy | undefined, from = 0): readonly Incident[] {
  if (!andon) return []
  const h = andon.history()
  return from > 0 ? h.slice(from) : h
}

/**
 * The lineage around the runs. `LineageGraph` has no "list every model", so the walk starts at the
 * models whose id is a run id (the monitor registers a run's model under its run id) plus `seeds`,
 * and follows parents and children breadth-first up to `limit` models.
 */
export async function buildLineage(graph: LineageGraph, runIds: readonly string[], seeds: readonly string[], limit: number): Promise<LineageView> {
  const nodes: LineageView['nodes'][number][] = []
  const edges = new Map<string, { parent: string; child: string }>()
  const seen = new Set<string>()
  const queue: string[] = []
  for (const id of [...seeds, ...runIds]) {
    if (seen.has(id)) continue
    seen.add(id)
    queue.push(id)
  }
  let truncated = false
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head]!
    const model = await graph.getModel(id)
    if (!model) continue
    if (nodes.length >= limit) {
      truncated = true
      break
    }
    nodes.push({
      id: model.id,
      createdAtMs: model.createdAtMs,
      metrics: model.metrics,
      ...(model.version !== undefined ? { version: model.version } : {}),
      ...(model.runId !== undefined ? { runId: model.runId } : {}),
      ...(model.tags !== undefined ? { tags: model.tags } : {}),
    })
    const [parents, children] = await Promise.all([graph.parents(id), graph.children(id)])
    for (const p of parents) edges.set(`${p}\u0000${id}`, { parent: p, child: id })
    for (const c of children) edges.set(`${id}\u0000${c}`, { parent: id, child: c })
    for (const next of [...parents, ...children]) {
      if (seen.has(next)) continue
      seen.add(next)
      queue.push(next)
    }
  }
  const ids = new Set(nodes.map((n) => n.id))
  return { nodes, edges: [...edges.values()].filter((e) => ids.has(e.parent) && ids.has(e.child)), truncated }
}
