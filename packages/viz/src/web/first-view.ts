/**
 * The page's first view, known to the server and the page alike: which runs and metrics it charts
 * when the address names none, and the queries it sends for them. The server uses it to start those
 * queries as soon as the page itself is requested (see `prefetch.ts`), so the store's pass over the
 * rows overlaps the browser's work of starting the page. Pure: no DOM, no Node built-ins.
 */
import type { MetricQuery } from '@entrenar/core'
import { SYSTEM_PREFIX } from '../model/panels.js'
import type { Overview } from './wire.js'

/** Runs charted when the address names none: the newest ones. */
export const MAX_DEFAULT_RUNS = 10
/** Metrics charted when the address names none: the primary training metrics (see `primaryMetrics`). */
export const MAX_DEFAULT_METRICS = 4
/** Cookie in which the page leaves its chart width in buckets, for the server's next prefetch. */
export const POINTS_COOKIE = 'entrenar_viz_points'

/** The server's clock (ms) on an answer of `GET /api/overview`, a 304 (run list unchanged) included. */
export const NOW_HEADER = 'x-entrenar-now-ms'

/** Header by which the page marks the queries of its first view (the only ones a prefetch may answer). */
export const FIRST_VIEW_HEADER = 'x-entrenar-view'

/** True for the collector's system metrics (`sys/…`), listed and charted apart. */
export const isSystemMetric = (m: string): boolean => m.startsWith(SYSTEM_PREFIX)

/** Metrics of `runs`: training metrics first, then the `sys/` ones, each sorted. */
export function metricsOf(overview: Overview, runs: ReadonlySet<string>): string[] {
  const names = new Set<string>()
  for (const r of overview.runs) if (runs.has(r.run.id)) for (const m of r.metrics) names.add(m.name)
  const all = [...names].sort()
  return [...all.filter((m) => !isSystemMetric(m)), ...all.filter(isSystemMetric)]
}

/**
 * Metrics of `runs` in the order they are charted: `loss` first, then the metrics an Andon incident
 * or a detector event names for these runs (most named first), then the most logged (rows summed
 * over the runs), ties by name; the `sys/` ones last, by name.
 */
export function primaryMetrics(overview: Overview, runs: ReadonlySet<string>): string[] {
  const rows = new Map<string, number>()
  const watched = new Map<string, number>()
  for (const r of overview.runs) {
    if (!runs.has(r.run.id)) continue
    for (const m of r.metrics) rows.set(m.name, (rows.get(m.name) ?? 0) + m.rows)
    const w = r.watched ?? []
    // Earlier in a run's list (more often named) weighs more.
    for (let i = 0; i < w.length; i++) watched.set(w[i]!, (watched.get(w[i]!) ?? 0) + (w.length - i))
  }
  const rank = (m: string): number => (isSystemMetric(m) ? 3 : m === 'loss' ? 0 : watched.has(m) ? 1 : 2)
  const names: string[] = []
  for (const m of rows.keys()) names.push(m)
  return names.sort((a, b) => {
    const ra = rank(a)
    const rb = rank(b)
    if (ra !== rb) return ra - rb
    if (ra === 1) {
      const d = watched.get(b)! - watched.get(a)!
      if (d !== 0) return d
    }
    if (ra === 1 || ra === 2) {
      const d = rows.get(b)! - rows.get(a)!
      if (d !== 0) return d
    }
    return a < b ? -1 : a > b ? 1 : 0
  })
}

/** The first view when the address names none: the newest runs, their primary training metrics ({@link primaryMetrics}). */
export function defaultSelection(overview: Overview): { runs: string[]; metrics: string[] } {
  const runs = overview.runs.slice(-MAX_DEFAULT_RUNS).map((r) => r.run.id)
  const metrics = primaryMetrics(overview, new Set(runs))
    .filter((m) => !isSystemMetric(m))
    .slice(0, MAX_DEFAULT_METRICS)
  return { runs, metrics }
}

/** Buckets per series for a chart `width` pixels wide: one per pixel column, within [100, 4000]. */
export function chartPoints(width: number): number {
  return Math.min(4000, Math.max(100, Math.round(width)))
}

/** Reads the points the page left in its cookie; undefined when absent or not a valid count. */
export function pointsFromCookie(header: string | null): number | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0 || part.slice(0, eq).trim() !== POINTS_COOKIE) continue
    const v = part.slice(eq + 1).trim()
    if (!/^\d{1,4}$/.test(v)) return undefined
    const n = Number(v)
    return chartPoints(n) === n ? n : undefined
  }
  return undefined
}

/**
 * The chart query of one metric: minmax-last buckets of `runs` at `points` per series, within the
 * zoomed step range and tag filter if any. The page sends exactly this (one per charted metric).
 */
export function chartQuery(runs: readonly string[], metric: string, points: number, steps?: readonly [number, number], tags?: Readonly<Record<string, string>>): MetricQuery {
  return {
    runs,
    metrics: [metric],
    bucket: { points, mode: 'minmax-last' },
    ...(steps ? { steps: [steps[0], steps[1]] as const } : {}),
    ...(tags ? { tags } : {}),
  }
}
