import type { MetricQuery, MetricStore, QueryResult, Series } from '@entrenar/core'
import { chartQuery, defaultSelection } from './first-view.js'
import type { Overview } from './wire.js'

/** Starts the page's first-view queries early and hands their answers to the page's own requests. */
export interface Prefetcher {
  /**
   * Starts the default view's chart queries at `points` buckets per series (no-op for the parts
   * already pending). Resolves once they are registered (not answered); never rejects.
   */
  start(points: number): Promise<void>
  /** The answer to `q` when prefetched queries cover it exactly, else undefined (the caller asks the store). */
  take(q: MetricQuery): Promise<QueryResult> | undefined
}

interface Entry {
  readonly at: number
  readonly series: Promise<readonly Series[]>
}

const keyOf = (points: number, run: string, metric: string): string => `${points}\u0000${run}\u0000${metric}`

/** Core's result order: by run id, then metric. */
const byRunThenMetric = (a: Series, b: Series): number =>
  a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0

/**
 * A prefetcher over `store`: when the page is requested, the handler starts the queries its first
 * view will send (the default runs and metrics, at the chart width the page left in a cookie), one
 * `(run, metric)` at a time with a macrotask between them, so the page's assets are served in
 * between. The page's query then finds its answer computed or under way. Answers older than
 * `ttlMs` are dropped (a running run's newer rows reach the page by its live stream anyway, whose
 * cursors start after the buckets it received).
 */
export function createPrefetcher(store: MetricStore, overview: () => Promise<Overview>, ttlMs = 10_000): Prefetcher {
  const pending = new Map<string, Entry>()
  const prune = (now: number): void => {
    for (const [k, e] of pending) if (now - e.at > ttlMs) pending.delete(k)
  }
  const yieldTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

  const run = async (points: number): Promise<void> => {
    const o = await overview()
    const { runs, metrics } = defaultSelection(o)
    const now = Date.now()
    prune(now)
    let chain: Promise<unknown> = Promise.resolve()
    for (const metric of metrics) {
      for (const id of runs) {
        const k = keyOf(points, id, metric)
        if (pending.has(k)) continue
        const series = chain.then(yieldTask).then(async () => (await store.query(chartQuery([id], metric, points))).series)
        series.catch(() => undefined) // a failure reaches the page's request that takes it, if any
        chain = series.catch(() => undefined)
        pending.set(k, { at: now, series })
      }
    }
  }

  return {
    start(points) {
      return run(points).catch(() => undefined) // the page's own queries go to the store then
    },
    take(q) {
      const b = q.bucket
      if (!b || !('points' in b) || q.steps || q.tags || q.from !== undefined || q.to !== undefined || q.aggregate || !q.runs || !q.metrics) return undefined
      if (pending.size === 0) return undefined
      prune(Date.now())
      const keys: string[] = []
      for (const metric of q.metrics) for (const id of q.runs) keys.push(keyOf(b.points, id, metric))
      if (keys.length === 0 || new Set(keys).size !== keys.length || !keys.every((k) => pending.has(k))) return undefined
      const parts = keys.map((k) => pending.get(k)!.series)
      for (const k of keys) pending.delete(k)
      return Promise.all(parts).then((all) => ({ series: all.flat().sort(byRunThenMetric) }))
    },
  }
}
