import { appendFileSync, mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alertEventToWire, createDefaultPolicy, createMemoryStore, type DriftEvent, floatToWire, type Incident, type MetricStore, SCHEMA_VERSION } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { createOverviewSource as overviewSource } from '../src/web/api.js'
import { defaultSelection, primaryMetrics } from '../src/web/first-view.js'
import { createDashboardHandler } from '../src/web/handler.js'
import { dashboardEvents } from '../src/web/recorded.js'
import { recordedEventsOf } from '../src/web/recorded-node.js'
import { eventsFromWire, overviewFromWire } from '../src/web/wire.js'
import { writeSeries } from './web-helpers.js'

const ASSETS = { js: '', css: '' }
const BASE = 'http://127.0.0.1:7777'
const get = (path: string) => new Request(`${BASE}${path}`, { headers: { host: '127.0.0.1:7777' } })

/** One line of `<dir>/andon/incidents.jsonl` as the Andon writes it (core's IncidentWire). */
function incidentLine(i: Incident): string {
  return `${JSON.stringify({
    schema_version: SCHEMA_VERSION,
    level: i.level,
    rule: i.rule,
    message: i.message,
    ...(i.runId ? { run_id: i.runId } : {}),
    ...(i.metric ? { metric: i.metric } : {}),
    ...(i.step !== undefined ? { step: i.step } : {}),
    ...(i.value !== undefined ? { value: floatToWire(i.value) } : {}),
    timestamp_ms: i.timestampMs,
    decision: i.decision,
  })}\n`
}

const stop: Incident = { level: 'critical', rule: 'non_finite', message: 'grad_norm is NaN at step 40', runId: 'stopped', metric: 'grad_norm', step: 40, value: Number.NaN, timestampMs: 5_000, decision: 'stop' }
const drift: DriftEvent = { kind: 'drift', runId: 'stopped', metric: 'val_loss', step: 25, detector: 'page_hinkley', signal: 'drift', statistic: 3.5, severity: 'high', timestampMs: 4_000 }

async function storeDir(): Promise<{ dir: string; store: MetricStore }> {
  const dir = mkdtempSync(join(tmpdir(), 'viz-events-'))
  mkdirSync(join(dir, 'andon'), { recursive: true })
  mkdirSync(join(dir, 'drift'), { recursive: true })
  appendFileSync(join(dir, 'andon', 'incidents.jsonl'), incidentLine(stop))
  appendFileSync(join(dir, 'drift', 'events.jsonl'), `${JSON.stringify(alertEventToWire(drift))}\n{"kind":"drift","metric":\n`)
  const store = createMemoryStore()
  await store.putRun({ id: 'stopped', status: 'stopped', startTimeMs: 1_000, endTimeMs: 5_000, reason: stop.message })
  // Alphabetically `accuracy`, `aux` and `grad_norm` come before `loss`; `zz_most` is logged most.
  for (const [m, n] of [['accuracy', 10], ['aux', 10], ['grad_norm', 41], ['loss', 41], ['val_loss', 5], ['zz_most', 60], ['sys/cpu_user_percent', 90]] as const) {
    await writeSeries(store, 'stopped', m, 0, n, (s) => (m === 'grad_norm' && s === 40 ? Number.NaN : 1 / (s + 1)))
  }
  return { dir, store }
}

const createOverviewSource = (store: MetricStore, dir: string) => {
  const recorded = recordedEventsOf(dir)
  return overviewSource({ store, andon: undefined, lineage: undefined, title: 't', pollMs: 1000, events: () => dashboardEvents(undefined, recorded), recorded: true })()
}

describe('recorded incidents and drift change points of stored runs', () => {
  it('/api/events returns the store’s incidents and drift events when no Andon runs (entrenar dashboard --web)', async () => {
    const { dir, store } = await storeDir()
    const handler = createDashboardHandler({ store, recorded: recordedEventsOf(dir) }, ASSETS)
    const events = eventsFromWire(await (await handler(get('/api/events'))).json())
    expect(events.incidents).toHaveLength(1)
    expect(events.incidents[0]).toMatchObject({ runId: 'stopped', rule: 'non_finite', step: 40, decision: 'stop' })
    expect(Number.isNaN(events.incidents[0]!.value)).toBe(true)
    // the torn second line of events.jsonl is skipped, the first kept
    expect(events.driftEvents).toEqual([drift])
    expect(events.andonSeen).toBe(0)
    const o = overviewFromWire(await (await handler(get('/api/overview'))).json())
    expect(o.features.andon).toBe(true)
    expect(o.runs[0]).toMatchObject({ alerts: 1, maxLevel: 'critical', drift: 1, watched: ['grad_norm', 'val_loss'] })
  })

  it('follows the files as they grow, and does not count an incident twice when the live Andon holds it too', async () => {
    const { dir, store } = await storeDir()
    const andon = createDefaultPolicy({ runId: 'stopped' })
    const handler = createDashboardHandler({ store, andon, recorded: recordedEventsOf(dir) }, ASSETS)
    andon.observeValue('loss', Number.POSITIVE_INFINITY, 41)
    const live = andon.history()[0]!
    appendFileSync(join(dir, 'andon', 'incidents.jsonl'), incidentLine(live))
    const events = eventsFromWire(await (await handler(get('/api/events'))).json())
    expect(events.incidents.map((i) => [i.rule, i.step])).toEqual([
      [live.rule, 41],
      ['non_finite', 40],
    ])
    expect(events.andonSeen).toBe(1)
    const o = overviewFromWire(await (await handler(get('/api/overview'))).json())
    expect(o.runs[0]!.alerts).toBe(2)
  })

  it('reads incidents through the Andon’s reader: an oversized line is not buffered whole, and every unreadable line is reported with its code', async () => {
    const { dir } = await storeDir()
    const path = join(dir, 'andon', 'incidents.jsonl')
    // A 2 MiB "incident" (over the reader's 1 MiB line limit), a torn line, then one more good incident.
    appendFileSync(path, `${JSON.stringify({ level: 'error', rule: 'big', message: 'x'.repeat(2 << 20) })}\n{"level":"err\n${incidentLine({ ...stop, step: 41 })}`)
    const warnings: Error[] = []
    const onWarning = (w: Error) => warnings.push(w)
    process.on('warning', onWarning)
    try {
      const recorded = recordedEventsOf(dir)
      const events = await recorded()
      expect(events.incidents.map((i) => [i.rule, i.step])).toEqual([
        ['non_finite', 40],
        ['non_finite', 41],
      ])
      // The same file again: served from the cache, warned about once.
      await recorded()
      await new Promise((r) => setImmediate(r))
      const ofIncidents = warnings.filter((w) => w.message.includes('incidents.jsonl'))
      expect(ofIncidents.map((w) => [(w as Error & { code?: string }).code, /2 unreadable line\(s\) .* not shown \(first: line 2, /.test(w.message)])).toEqual([['ENTRENAR_ANDON_LINE_TOO_LONG', true]])
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('reads drift events in chunks too: an oversized or hostile line is skipped, counted and reported with its code, never fatal', async () => {
    const { dir } = await storeDir()
    const path = join(dir, 'drift', 'events.jsonl')
    const wire = (e: DriftEvent) => JSON.stringify(alertEventToWire(e))
    // After the fixture's good line and torn line: a 2 MiB drift event (over the 1 MiB line limit), a
    // __proto__ line that is a drift event, non-objects, a budget event (not drift), a CRLF line, then a good one.
    const big = wire({ ...drift, detector: 'x'.repeat(2 << 20), step: 26 })
    const proto = `{"__proto__":{"polluted":true},${wire({ ...drift, step: 27 }).slice(1)}`
    appendFileSync(path, `${big}\n${proto}\n"__proto__"\n[1]\nnull\n${JSON.stringify({ kind: 'budget', budget: 'b', value: 1, limit: 0, step: 1, timestamp_ms: 1 })}\n${wire({ ...drift, step: 28 })}\r\n${wire({ ...drift, step: 29 })}`)
    const warnings: Error[] = []
    const onWarning = (w: Error) => warnings.push(w)
    process.on('warning', onWarning)
    try {
      const events = await recordedEventsOf(dir)()
      expect(events.driftEvents.map((e) => e.step)).toEqual([25, 27, 28, 29])
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
      await new Promise((r) => setImmediate(r))
      const ofDrift = warnings.filter((w) => w.message.includes('events.jsonl'))
      expect(ofDrift).toHaveLength(1)
      expect((ofDrift[0] as Error & { code?: string }).code).toBe('ENTRENAR_JSONL_LINE_NOT_JSON')
      expect(ofDrift[0]!.message).toMatch(/^entrenar\/viz: 6 unreadable line\(s\) in .*events\.jsonl not shown \(first: line 2, ENTRENAR_JSONL_LINE_NOT_JSON: /)
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('sends at most the newest 10 000 events of each kind and says how many it left out; the run list counts them all', async () => {
    const { dir, store } = await storeDir()
    const lines: string[] = []
    for (let k = 0; k < 10_050; k++) lines.push(JSON.stringify(alertEventToWire({ ...drift, step: k, timestampMs: k })))
    appendFileSync(join(dir, 'drift', 'events.jsonl'), `${lines.join('\n')}\n`)
    const handler = createDashboardHandler({ store, recorded: recordedEventsOf(dir) }, ASSETS)
    const body = (await (await handler(get('/api/events'))).json()) as { left_out?: { drift_events: number; incidents: number } }
    expect(body.left_out).toEqual({ incidents: 0, drift_events: 51 })
    const events = eventsFromWire(body)
    expect(events.driftEvents).toHaveLength(10_000)
    expect(events.driftEvents.at(-1)!.step).toBe(10_049)
    const o = overviewFromWire(await (await handler(get('/api/overview'))).json())
    expect(o.runs[0]!.drift).toBe(10_051)
  })

  it('charts loss first, then the metrics the Andon or a detector named, then the most logged; system metrics never first', async () => {
    const { dir, store } = await storeDir()
    const overview = await createOverviewSource(store, dir)
    expect(primaryMetrics(overview, new Set(['stopped']))).toEqual(['loss', 'grad_norm', 'val_loss', 'zz_most', 'accuracy', 'aux', 'sys/cpu_user_percent'])
    expect(defaultSelection(overview).metrics).toEqual(['loss', 'grad_norm', 'val_loss', 'zz_most'])
  })
})
