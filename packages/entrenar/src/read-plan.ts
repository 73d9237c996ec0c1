/**
 * Plans reads of a store that hold a bounded number of rows at once: per run, the whole run when it is
 * small, else one metric at a time, else time windows of one metric sized from count queries. Used by
 * `store copy` and `export tensorboard`, which stream stores of any size through `MetricStore.range()`.
 */
import type { MetricStore } from '@entrenar/core'

/** The whole time line, as a `range()` window. */
export const ALL_TIME: readonly [number, number] = [-Number.MAX_VALUE, Number.MAX_VALUE]
/** Time buckets for planning: powers of two, so every finer bucket nests in a coarser one. */
const TOP_BUCKET_US = 2 ** 42
const REFINE = 64

/** Points per metric of every run, or of `runs` (one aggregate query). */
export async function inventory(store: MetricStore, runs?: readonly string[]): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>()
  const r = await store.query({ ...(runs ? { runs } : {}), aggregate: 'count' })
  for (const s of r.series) {
    let m = out.get(s.runId)
    if (!m) {
      m = new Map()
      out.set(s.runId, m)
    }
    m.set(s.metric, (m.get(s.metric) ?? 0) + s.value[0]!)
  }
  return out
}

/**
 * Time windows `[from, to]` (µs, inclusive, contiguous over the whole time line) of one run's metric, each
 * holding at most `limit` rows when it was planned (or one microsecond's rows, however many).
 */
export async function timeWindows(store: MetricStore, run: string, metric: string, limit: number): Promise<[number, number][]> {
  const buckets: { from: number; to: number; n: number }[] = []
  const refine = async (size: number, from?: number, to?: number): Promise<void> => {
    const r = await store.query({ runs: [run], metrics: [metric], aggregate: 'count', bucket: { by: 'time', size }, ...(from !== undefined ? { from, to } : {}) })
    const s = r.series[0]
    if (!s) return
    for (let i = 0; i < s.x.length; i++) {
      const start = s.x[i]!
      const n = s.count?.[i] ?? s.value[i]!
      if (n > limit && size > 1) await refine(Math.max(1, size / REFINE), start, start + size - 1)
      else buckets.push({ from: start, to: start + size - 1, n })
    }
  }
  await refine(TOP_BUCKET_US)
  const out: [number, number][] = []
  let n = 0
  for (const b of buckets) {
    if (out.length === 0 || n + b.n > limit) {
      if (out.length) out[out.length - 1]![1] = b.from - 1
      out.push([b.from, b.to])
      n = b.n
    } else {
      out[out.length - 1]![1] = b.to
      n += b.n
    }
  }
  if (out.length === 0) return [[ALL_TIME[0], ALL_TIME[1]]]
  out[0]![0] = ALL_TIME[0]
  out[out.length - 1]![1] = ALL_TIME[1]
  return out
}

/** One bounded read: these metrics of a run, rows with `window[0] <= timestampUs <= window[1]`. */
export interface ReadUnit {
  readonly metrics: string[]
  readonly window: [number, number]
}

/**
 * The reads that cover `metrics` of `run` (in the order given) holding at most `limit` rows each when
 * planned: all of them in one read when their rows (`rows`, per metric) fit, else one read per metric
 * that fits, else time windows of that metric.
 */
export async function readUnits(store: MetricStore, run: string, metrics: readonly string[], rows: ReadonlyMap<string, number>, limit: number): Promise<ReadUnit[]> {
  const units: ReadUnit[] = []
  const total = metrics.reduce((n, m) => n + (rows.get(m) ?? 0), 0)
  if (metrics.length && total <= limit) units.push({ metrics: [...metrics], window: [ALL_TIME[0], ALL_TIME[1]] })
  else {
    for (const m of metrics) {
      if ((rows.get(m) ?? 0) <= limit) units.push({ metrics: [m], window: [ALL_TIME[0], ALL_TIME[1]] })
      else for (const w of await timeWindows(store, run, m, limit)) units.push({ metrics: [m], window: w })
    }
  }
  return units
}
