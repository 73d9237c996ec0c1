import { createMemoryStore, type Incident, type MetricStore, type RunInfo } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { createOverviewSource } from '../src/web/api.js'
import { createDashboardHandler } from '../src/web/handler.js'

/** One run's per-metric figures as a catalogued store (`@entrenar/db`'s `metricSummaries()`) answers them. */
const summary = (runId: string, rows: number, last: number) => ({ runId, metrics: [{ name: 'loss', rows, nan: 0, lastStep: rows - 1, last }] })
const run = (id: string, status: RunInfo['status'] = 'finished'): RunInfo => ({ id, status, startTimeMs: 1 })

/**
 * A store that keeps its figures in a catalog: like `@entrenar/db`, it hands out the same arrays
 * while nothing changed and new ones when something did. `state` is what it holds now.
 */
function catalogued(state: { runs: RunInfo[]; sums: ReturnType<typeof summary>[] }): MetricStore {
  const inner = createMemoryStore()
  return Object.assign(Object.create(null), {
    query: inner.query.bind(inner),
    range: inner.range.bind(inner),
    write: inner.write.bind(inner),
    putRun: inner.putRun.bind(inner),
    flush: inner.flush.bind(inner),
    close: inner.close.bind(inner),
    runs: async () => state.runs,
    metricSummaries: async () => state.sums,
  }) as MetricStore
}

const incident = (runId: string, rule: string): Incident => ({ id: `${runId}-${rule}`, rule, level: 'error', message: rule, runId, timestampMs: 1, decision: 'alert' }) as unknown as Incident

describe('the run list of a catalogued store (api.ts createOverviewSource, handler /api/overview)', () => {
  it('is not rebuilt while the catalog, the runs and the events are unchanged', async () => {
    const state = { runs: [run('a'), run('b')], sums: [summary('a', 10, 1), summary('b', 20, 2)] }
    const history: Incident[] = []
    const andon = { history: () => history.slice() }
    const source = createOverviewSource({ store: catalogued(state), andon: andon as never, lineage: undefined, title: 't', pollMs: 1000, events: async () => ({ incidents: andon.history(), driftEvents: [], andonSeen: history.length }) })
    const first = await source()
    const again = await source()
    expect(again.runs).toBe(first.runs)
    expect(again.runs.map((r) => r.metrics[0]?.rows)).toEqual([10, 20])
    // A new incident (the Andon hands out a new copy of its history each time): rebuilt.
    history.push(incident('a', 'nan'))
    const alerted = await source()
    expect(alerted.runs).not.toBe(first.runs)
    expect(alerted.runs.find((r) => r.run.id === 'a')?.alerts).toBe(1)
    expect((await source()).runs).toBe(alerted.runs)
    // The same history mutated in place (an incident replaced, its length kept): rebuilt too.
    history[0] = incident('b', 'stall')
    const replaced = await source()
    expect(replaced.runs.find((r) => r.run.id === 'a')?.alerts).toBe(0)
    expect(replaced.runs.find((r) => r.run.id === 'b')?.alerts).toBe(1)
    // New figures in the catalog, then a new run: each seen at once.
    state.sums = [summary('a', 11, 5), summary('b', 20, 2)]
    expect((await source()).runs.find((r) => r.run.id === 'a')?.metrics[0]?.rows).toBe(11)
    state.runs = [...state.runs, run('c', 'running')]
    expect((await source()).runs.map((r) => r.run.id)).toEqual(['a', 'b', 'c'])
  })

  it('answers with the same JSON and validator while nothing changed, and a new list once something did', async () => {
    const state = { runs: [run('a')], sums: [summary('a', 10, 1)] }
    const handler = createDashboardHandler({ store: catalogued(state) }, { js: '', css: '' })
    const get = (tag?: string) => handler(new Request('http://127.0.0.1:7777/api/overview', { headers: { host: '127.0.0.1:7777', ...(tag ? { 'if-none-match': tag } : {}) } }))
    const a = await get()
    const b = await get()
    const tag = a.headers.get('etag')!
    expect(b.headers.get('etag')).toBe(tag)
    const strip = (o: { now_ms?: unknown }) => ({ ...o, now_ms: 0 })
    const ja = (await a.json()) as { now_ms: number; runs: { metrics: { rows: number }[] }[] }
    expect(strip((await b.json()) as object)).toEqual(strip(ja))
    expect(typeof ja.now_ms).toBe('number')
    expect((await get(tag)).status).toBe(304)
    state.sums = [summary('a', 12, 3)]
    const c = await get(tag)
    expect(c.status).toBe(200)
    expect(c.headers.get('etag')).not.toBe(tag)
    expect(((await c.json()) as typeof ja).runs[0]!.metrics[0]!.rows).toBe(12)
  })
})
