import type { AlertLevel, AlertPolicy, DriftEvent, Incident, LineageGraph, MetricStore, RunInfo } from '@entrenar/core'
import { levelRank } from '@entrenar/core'
import type { DashboardEvents } from './recorded.js'
import type { LineageView, MetricSummary, Overview, RunSummary } from './wire.js'

/** Options of {@link createOverviewSource}. */
export interface OverviewSourceOptions {
  readonly store: MetricStore
  readonly andon: AlertPolicy | undefined
  /** The live Andon's incidents with the recorded ones, and the recorded drift events (default: the Andon's history). */
  readonly events?: () => Promise<DashboardEvents>
  /** True when recorded events are read (the events table is shown even without a live Andon). */
  readonly recorded?: boolean
  readonly lineage: LineageGraph | undefined
  readonly title: string
  readonly pollMs: number
  /** A full `aggregate: 'last'` scan of the store at most this often; in between only running or changed runs are re-read. Default 30 000. */
  readonly fullScanMs?: number
}

/**
 * The run list: every run's metadata, the last value and row/NaN counts of each of its metrics
 * (`aggregate: 'last'` queries) and the Andon incidents attributed to it. Runs that have points
 * but no metadata are listed too (status `finished`, start 0 = unknown).
 *
 * The final metrics of a run that is not running are cached under its status and end time, so the
 * page's periodic refresh re-reads only running runs (cost follows the live runs, not the store);
 * a full scan every `fullScanMs` picks up late writes and runs without metadata. A store that keeps
 * these figures in a catalog (`@entrenar/db`'s `metricSummaries()`) is asked for them instead, each
 * time: no row is read, so the run table of a thousand runs costs what one file read does.
 */
export function createOverviewSource(o: OverviewSourceOptions): () => Promise<Overview> {
  const fullScanMs = o.fullScanMs ?? 30_000
  const cache = new Map<string, { key: string; metrics: MetricSummary[] }>()
  let lastFull = Number.NEGATIVE_INFINITY
  const keyOf = (r: RunInfo | undefined): string => (r ? `${r.status}|${r.endTimeMs ?? ''}` : 'no-metadata')
  const catalogued = catalogOf(o.store)
  let lastCatalogued: readonly CataloguedRun[] | undefined
  // The run list last built from a catalog, and what it was built from: the store's run list and
  // metric figures (arrays a catalogued store hands out again while nothing changed) and the events.
  let built: { runs: readonly RunInfo[]; sums: readonly CataloguedRun[]; incidents: readonly Incident[]; drift: readonly DriftEvent[]; summaries: RunSummary[] } | undefined
  return async () => {
    const runs = await o.store.runs()
    const now = Date.now()
    const byId = new Map(runs.map((r) => [r.id, r]))
    const full = now - lastFull >= fullScanMs
    const stale = full || catalogued ? [] : runs.filter((r) => r.status === 'running' || cache.get(r.id)?.key !== keyOf(r)).map((r) => r.id)
    if (catalogued) {
      // The store keeps these figures in its run catalog: no row is read, whatever the store's size
      // (and an unchanged catalog answers the same list, so nothing is rebuilt either).
      const sums = await catalogued()
      if (sums !== lastCatalogued) {
        lastCatalogued = sums
        cache.clear()
        for (const r of sums) cache.set(r.runId, { key: '', metrics: r.metrics.map((m) => ({ name: m.name, rows: m.rows, nan: m.nan, last: m.last, lastStep: m.lastStep })) })
      }
    } else if (full || stale.length > 0) {
      const last = await o.store.query(full ? { aggregate: 'last' } : { runs: stale, aggregate: 'last' })
      if (full) {
        cache.clear()
        lastFull = now
      }
      for (const id of stale) cache.set(id, { key: keyOf(byId.get(id)), metrics: [] })
      for (const s of last.series) {
        let entry = cache.get(s.runId)
        if (!entry) {
          entry = { key: keyOf(byId.get(s.runId)), metrics: [] }
          cache.set(s.runId, entry)
        }
        entry.metrics.push({ name: s.metric, rows: s.count?.[0] ?? 0, nan: s.nanCount?.[0] ?? 0, last: s.value[0] ?? Number.NaN, lastStep: s.x[0] ?? 0 })
      }
      if (full) for (const r of runs) if (!cache.has(r.id)) cache.set(r.id, { key: keyOf(r), metrics: [] })
    }
    const all: RunInfo[] = [...runs]
    for (const id of [...cache.keys()].sort()) if (!byId.has(id)) all.push({ id, status: 'finished', startTimeMs: 0 })
    const ev = o.events ? await o.events() : { incidents: o.andon ? o.andon.history() : [], driftEvents: [] }
    const head = { title: o.title, features: { lineage: o.lineage !== undefined, andon: o.andon !== undefined || o.recorded === true }, pollMs: o.pollMs, nowMs: now }
    if (catalogued && built && built.runs === runs && built.sums === lastCatalogued && sameItems(built.incidents, ev.incidents) && sameItems(built.drift, ev.driftEvents)) {
      // Nothing changed since the last list: the same summaries (the handler then sends the JSON it
      // already wrote for them, so a page load costs no 2 MiB rebuild at a thousand runs).
      return { ...head, runs: built.summaries }
    }
    const perRun = new Map<string, { alerts: number; maxLevel?: AlertLevel; drift: number; named: Map<string, number> }>()
    const entry = (id: string) => {
      let e = perRun.get(id)
      if (!e) {
        e = { alerts: 0, drift: 0, named: new Map() }
        perRun.set(id, e)
      }
      return e
    }
    for (const i of ev.incidents) {
      if (i.runId === undefined) continue
      const e = entry(i.runId)
      e.alerts++
      if (!e.maxLevel || levelRank(i.level) > levelRank(e.maxLevel)) e.maxLevel = i.level
      if (i.metric !== undefined) e.named.set(i.metric, (e.named.get(i.metric) ?? 0) + 1)
    }
    for (const d of ev.driftEvents) {
      if (d.runId === undefined) continue
      const e = entry(d.runId)
      if (d.signal === 'drift') e.drift++
      e.named.set(d.metric, (e.named.get(d.metric) ?? 0) + 1)
    }
    const summaries: RunSummary[] = all.map((run) => {
      const e = perRun.get(run.id)
      const watched = e ? [...e.named].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([m]) => m) : []
      return {
        run,
        metrics: cache.get(run.id)?.metrics ?? [],
        alerts: e?.alerts ?? 0,
        ...(e?.maxLevel ? { maxLevel: e.maxLevel } : {}),
        ...(e?.drift ? { drift: e.drift } : {}),
        ...(watched.length > 0 ? { watched } : {}),
      }
    })
    if (catalogued && lastCatalogued) built = { runs, sums: lastCatalogued, incidents: ev.incidents.slice(), drift: ev.driftEvents.slice(), summaries }
    return { ...head, runs: summaries }
  }
}

/** True when both lists hold the same items (by identity) in the same order. */
function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The per-metric figures of a store that keeps them in a catalog (`@entrenar/db`'s `metricSummaries()`), if it does. */
function catalogOf(store: MetricStore): (() => Promise<readonly CataloguedRun[]>) | undefined {
  const f = (store as { metricSummaries?: unknown }).metricSummaries
  return typeof f === 'function' ? () => (f as () => Promise<readonly CataloguedRun[]>).call(store) : undefined
}

/** One run of `metricSummaries()`: the shape `@entrenar/db` answers (viz does not depend on it). */
interface CataloguedRun {
  readonly runId: string
  readonly metrics: readonly MetricSummary[]
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
