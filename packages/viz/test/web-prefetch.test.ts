import { createMemoryStore, type MetricQuery, type MetricStore } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { createOverviewSource } from '../src/web/api.js'
import { chartPoints, chartQuery, defaultSelection, FIRST_VIEW_HEADER, MAX_DEFAULT_RUNS, metricsOf, POINTS_COOKIE, pointsFromCookie } from '../src/web/first-view.js'
import { createDashboardHandler } from '../src/web/handler.js'
import { createPrefetcher } from '../src/web/prefetch.js'
import { decodeSeriesFrame } from '../src/web/series-frame.js'
import { writeSeries } from './web-helpers.js'

const BASE = 'http://127.0.0.1:7777'

/** Yields macrotasks until `done()` holds (the prefetch runs one query per macrotask); fails after 10,000 turns. */
async function settled(done: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !done(); i++) await new Promise((r) => setTimeout(r, 0))
  expect(done()).toBe(true)
}

/** A store that records the queries it answers. */
function counting(store: MetricStore): MetricStore & { readonly queries: MetricQuery[] } {
  const queries: MetricQuery[] = []
  return {
    queries,
    query: (q) => {
      queries.push(q)
      return store.query(q)
    },
    range: (a, b, f) => store.range(a, b, f),
    runs: () => store.runs(),
    write: (b) => store.write(b),
    putRun: (r) => store.putRun(r),
    flush: () => store.flush(),
    close: () => store.close(),
  }
}

/** 12 runs (the default view shows the newest 10), 5 training metrics (it shows 4) and a system metric. */
async function fixture(): Promise<MetricStore> {
  const store = createMemoryStore()
  for (let r = 0; r < 12; r++) {
    const id = `run-${String(r).padStart(2, '0')}`
    await store.putRun({ id, status: 'finished', startTimeMs: 1000 + r, endTimeMs: 2000 + r })
    for (const m of ['loss', 'acc', 'lr', 'grad_norm', 'zeta', 'sys/cpu_user_percent']) {
      await writeSeries(store, id, m, 0, 300, (s) => (s === 123 ? Number.NaN : s === 200 + r ? 1e9 : r + Math.sin(s) + m.length))
    }
  }
  return store
}

describe('first view', () => {
  it('picks the newest runs and their primary training metrics (loss, then the most logged), system metrics never', async () => {
    const store = await fixture()
    const o = await createOverviewSource({ store, andon: undefined, lineage: undefined, title: 't', pollMs: 1000 })()
    const sel = defaultSelection(o)
    expect(sel.runs).toEqual(o.runs.slice(-MAX_DEFAULT_RUNS).map((r) => r.run.id))
    expect(sel.runs).toHaveLength(10)
    expect(sel.metrics).toEqual(['loss', 'acc', 'grad_norm', 'lr'])
    expect(metricsOf(o, new Set(['run-00']))).toEqual(['acc', 'grad_norm', 'loss', 'lr', 'zeta', 'sys/cpu_user_percent'])
    expect(metricsOf(o, new Set())).toEqual([])
  })

  it('reads the chart width only from a well-formed cookie of a reachable size', () => {
    expect(pointsFromCookie(`a=1; ${POINTS_COOKIE}=1336; b=2`)).toBe(1336)
    expect(pointsFromCookie(`${POINTS_COOKIE}=100`)).toBe(100)
    for (const bad of [null, '', 'a=1', `${POINTS_COOKIE}=`, `${POINTS_COOKIE}=99`, `${POINTS_COOKIE}=4001`, `${POINTS_COOKIE}=12.5`, `${POINTS_COOKIE}=-5`, `${POINTS_COOKIE}=1e3`, `${POINTS_COOKIE}=99999`]) {
      expect(pointsFromCookie(bad), String(bad)).toBeUndefined()
    }
    expect(chartPoints(12.4)).toBe(100)
    expect(chartPoints(1336.4)).toBe(1336)
    expect(chartPoints(9000)).toBe(4000)
  })
})

describe('prefetch of the first view', () => {
  const page = (cookie?: string) => new Request(`${BASE}/`, { headers: { host: '127.0.0.1:7777', ...(cookie ? { cookie } : {}) } })
  const series = (q: MetricQuery, first = true) =>
    new Request(`${BASE}/api/series`, {
      method: 'POST',
      headers: { host: '127.0.0.1:7777', 'content-type': 'application/json', ...(first ? { [FIRST_VIEW_HEADER]: 'first' } : {}) },
      body: JSON.stringify({ schema_version: 1, runs: q.runs, metrics: q.metrics, bucket: q.bucket }),
    })

  it('starts the default view’s queries when the page is requested; the page’s query then costs the store nothing', async () => {
    const inner = await fixture()
    const store = counting(inner)
    const handler = createDashboardHandler({ store }, { js: '', css: '' })
    expect((await handler(page(`${POINTS_COOKIE}=640`))).status).toBe(200)
    const o = await createOverviewSource({ store: inner, andon: undefined, lineage: undefined, title: 't', pollMs: 1000 })()
    const { runs, metrics } = defaultSelection(o)
    // The store works on its own, one (run, metric) per macrotask, before the page asks for anything.
    await settled(() => store.queries.filter((q) => q.bucket !== undefined).length === runs.length * metrics.length)
    const before = store.queries.length
    for (const m of metrics) {
      const q = chartQuery(runs, m, 640)
      const res = await handler(series(q))
      expect(res.status).toBe(200)
      expect(res.headers.get('x-entrenar-prefetched')).toBe('1')
      const got = decodeSeriesFrame(await res.arrayBuffer())
      const want = (await inner.query(q)).series
      expect(got.map((s) => s.runId)).toEqual(want.map((s) => s.runId))
      got.forEach((s, i) => {
        for (const k of ['x', 'value', 'min', 'max', 'count', 'nanCount'] as const) expect(Array.from(s[k]!), `${s.runId}/${m}/${k}`).toEqual(Array.from(want[i]![k]!))
      })
      expect(Math.max(...got.flatMap((s) => Array.from(s.max!)).filter((v) => !Number.isNaN(v)))).toBe(1e9) // the spikes are in the prefetched buckets
      expect(got.reduce((n, s) => n + s.nanCount!.reduce((a, b) => a + b, 0), 0)).toBe(runs.length) // and the NaNs
    }
    // One (run, metric) query each, all issued by the prefetch; the page's requests queried nothing.
    const prefetched = store.queries.filter((q) => q.bucket !== undefined)
    expect(prefetched).toHaveLength(runs.length * metrics.length)
    expect(prefetched.every((q) => q.runs!.length === 1 && q.metrics!.length === 1 && q.bucket && 'points' in q.bucket && q.bucket.points === 640)).toBe(true)
    expect(store.queries.length).toBe(before)
    // Taken once: the same query again goes to the store.
    await handler(series(chartQuery(runs, metrics[0]!, 640)))
    expect(store.queries.length).toBe(before + 1)
  })

  it('leaves other queries to the store (not the first view, another width, more runs, a zoom, no cookie, prefetch off); answers a subset of runs', async () => {
    const inner = await fixture()
    const store = counting(inner)
    const handler = createDashboardHandler({ store }, { js: '', css: '' })
    await handler(page(`${POINTS_COOKIE}=640`))
    const o = await createOverviewSource({ store: inner, andon: undefined, lineage: undefined, title: 't', pollMs: 1000 })()
    const { runs } = defaultSelection(o)
    await settled(() => store.queries.filter((q) => q.bucket !== undefined).length === 40)
    const count = () => store.queries.filter((q) => q.runs && q.runs.length > 1).length
    await handler(series(chartQuery(runs, 'loss', 641)))
    await handler(series(chartQuery([...runs, 'run-00'], 'loss', 640)))
    // Not marked as the page's first view (a later reload of the charts): the store, never a prefetch.
    await handler(series(chartQuery(runs, 'loss', 640), false))
    expect(count()).toBe(3)
    // Fewer runs than the default view (the user unticked one before the answer came): still prefetched.
    const subset = decodeSeriesFrame(await (await handler(series(chartQuery(runs.slice(1), 'loss', 640)))).arrayBuffer())
    expect(subset.map((x) => x.runId)).toEqual(runs.slice(1))
    expect(count()).toBe(3)
    const p = createPrefetcher(inner, async () => o)
    expect(p.take(chartQuery(runs, 'loss', 640, [0, 10]))).toBeUndefined()
    expect(p.take({ runs, metrics: ['loss'], bucket: { by: 'step', size: 10 } })).toBeUndefined()
    expect(p.take(chartQuery(runs, 'loss', 640))).toBeUndefined() // nothing started
    const plain = counting(inner)
    await createDashboardHandler({ store: plain }, { js: '', css: '' })(page())
    await createDashboardHandler({ store: plain, prefetch: false }, { js: '', css: '' })(page(`${POINTS_COOKIE}=640`))
    expect(plain.queries.filter((q) => q.bucket !== undefined)).toEqual([])
    expect(() => createDashboardHandler({ store: plain, prefetch: 'yes' as unknown as boolean }, { js: '', css: '' })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })

  it('drops answers older than its time to live, and starts each (run, metric) once while pending', async () => {
    const inner = await fixture()
    const o = await createOverviewSource({ store: inner, andon: undefined, lineage: undefined, title: 't', pollMs: 1000 })()
    const { runs } = defaultSelection(o)
    const expired = createPrefetcher(inner, async () => o, -1)
    await expired.start(300)
    expect(expired.take(chartQuery(runs, 'loss', 300))).toBeUndefined()
    const store = counting(inner)
    const p = createPrefetcher(store, async () => o)
    await Promise.all([p.start(300), p.start(300)])
    const answers = await Promise.all(['acc', 'grad_norm', 'loss', 'lr'].map((m) => p.take(chartQuery(runs, m, 300))!))
    expect(answers.map((r) => r.series.length)).toEqual([10, 10, 10, 10])
    expect(answers[2]!.series.map((s) => s.runId)).toEqual(runs)
    for (let i = 0; i < 200; i++) await new Promise((r) => setTimeout(r, 0))
    expect(store.queries.length).toBe(runs.length * 4) // each (run, metric) once
  })

  it('hands a failing store’s error to the page’s request, not to an unhandled rejection', async () => {
    const inner = await fixture()
    const o = await createOverviewSource({ store: inner, andon: undefined, lineage: undefined, title: 't', pollMs: 1000 })()
    const broken: MetricStore = { ...inner, query: async () => Promise.reject(Object.assign(new Error('disk gone'), { code: 'ENTRENAR_IO' })), runs: () => inner.runs() }
    const p = createPrefetcher(broken, async () => o)
    await p.start(200)
    await expect(p.take(chartQuery(defaultSelection(o).runs, 'acc', 200))!).rejects.toThrow('disk gone')
  })
})
