import { batchFromRows, combineHandlers, createDefaultPolicy, createHttpClient, emptyBatch, createMemoryStore, isEntrenarError, type MetricStore, metricStoreContract } from '@entrenar/core'
import { request as httpRequest } from 'node:http'
import { describe, expect, it } from 'vitest'
import { createDashboardHandler } from '../src/web/handler.js'
import { lineageFromWire, overviewFromWire, type StreamMessage, streamMessageFromWire, streamRequestToParam } from '../src/web/wire.js'
import { serveWebDashboard, webDashboardHandler } from '../src/index.js'
import { lineageOf, writeSeries } from './web-helpers.js'

const ASSETS = { js: 'console.log(1)', css: 'body{}' }
const BASE = 'http://127.0.0.1:7777'
const get = (path: string, init?: RequestInit) => new Request(`${BASE}${path}`, { ...init, headers: { host: '127.0.0.1:7777', ...(init?.headers as Record<string, string> | undefined) } })

async function fixture(): Promise<MetricStore> {
  const store = createMemoryStore()
  await store.putRun({ id: 'r1', name: 'baseline', status: 'finished', startTimeMs: 1_000, endTimeMs: 61_000 })
  await store.putRun({ id: 'r2', status: 'running', startTimeMs: 2_000 })
  await writeSeries(store, 'r1', 'loss', 0, 100, (s) => (s === 50 ? Number.NaN : 1 / (s + 1)))
  await writeSeries(store, 'r1', '<img src=x onerror=alert(1)>', 0, 10, (s) => s)
  await writeSeries(store, 'r2', 'loss', 0, 20, (s) => 2 - s / 20)
  return store
}

/** Reads server-sent events until `end` (or `max` events). */
async function readEvents(res: Response, max = 50): Promise<StreamMessage[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  const out: StreamMessage[] = []
  let buf = ''
  while (out.length < max) {
    const { done, value } = await reader.read()
    if (done) break
    buf += value
    let cut = buf.indexOf('\n\n')
    while (cut >= 0) {
      const block = buf.slice(0, cut)
      buf = buf.slice(cut + 2)
      cut = buf.indexOf('\n\n')
      const event = /^event: (.*)$/m.exec(block)?.[1]
      const data = /^data: (.*)$/m.exec(block)?.[1]
      if (event && data) out.push(streamMessageFromWire(event, JSON.parse(data)))
    }
    if (out.at(-1)?.type === 'end') break
  }
  await reader.cancel()
  return out
}

describe('webDashboardHandler: page and security headers', () => {
  it('serves a static page with a strict CSP and no inline script or style', async () => {
    const handler = createDashboardHandler({ store: createMemoryStore() }, ASSETS)
    const res = await handler(get('/'))
    expect(res.status).toBe(200)
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("require-trusted-types-for 'script'")
    expect(csp).not.toContain('unsafe-inline')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    const html = await res.text()
    expect(html).toMatch(/<script src="assets\/app\.js" defer><\/script>/)
    expect(html).not.toMatch(/<script>|<style>|style=|\son\w+=/)
    const js = await handler(get('/assets/app.js'))
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(await js.text()).toBe(ASSETS.js)
    const tag = js.headers.get('etag')!
    expect(tag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/)
    const again = await handler(get('/assets/app.js', { headers: { 'if-none-match': tag } }))
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    expect((await handler(get('/assets/app.js', { headers: { 'if-none-match': '"other"' } }))).status).toBe(200)
    expect((await handler(get('/nope'))).status).toBe(404)
  })

  it('answers 404 for paths it does not own, before any check, so it composes with combineHandlers', async () => {
    const handler = createDashboardHandler({ store: createMemoryStore(), token: 't' }, ASSETS)
    expect((await handler(get('/metrics'))).status).toBe(404)
    expect((await handler(get('/metrics', { headers: { host: 'evil.example' } }))).status).toBe(404)
    const other = async () => new Response('# prometheus')
    const both = combineHandlers(handler, other)
    expect(await (await both(get('/metrics'))).text()).toBe('# prometheus')
    expect((await both(get('/api/overview'))).status).toBe(401)
  })

  it('serves the real bundle through the public factory', async () => {
    const res = await webDashboardHandler({ store: createMemoryStore() })(get('/assets/app.js'))
    const text = await res.text()
    expect(text.length).toBeGreaterThan(20_000)
    expect(text).not.toMatch(/require\(["']node:|from ?["']node:|import\(["']node:/)
    expect(text).not.toMatch(/["']node:[a-z_]+["']/)
  })

  it('refuses a foreign Host header (DNS rebinding) with 421 unless allowed', async () => {
    const handler = createDashboardHandler({ store: createMemoryStore(), port: 7777 }, ASSETS)
    const evil = await handler(get('/', { headers: { host: 'evil.example:7777' } }))
    expect(evil.status).toBe(421)
    expect(evil.headers.get('x-entrenar-code')).toBe('ENTRENAR_HTTP_MISDIRECTED')
    expect((await handler(get('/', { headers: { host: 'localhost:7777' } }))).status).toBe(200)
    expect((await handler(get('/', { headers: { host: 'localhost:7778' } }))).status).toBe(421)
    const lan = createDashboardHandler({ store: createMemoryStore(), allowedHosts: ['box.lan'] }, ASSETS)
    expect((await lan(get('/', { headers: { host: 'box.lan:7777' } }))).status).toBe(200)
    expect((await lan(get('/', { headers: { host: 'evil.example:7777' } }))).status).toBe(421)
  })

  it('refuses cross-origin and non-JSON queries, and stops reading a large series request', async () => {
    const handler = createDashboardHandler({ store: await fixture() }, ASSETS)
    const query = JSON.stringify({ schema_version: 1, runs: ['a'] })
    const series = (headers: Record<string, string>, body: BodyInit = query) => handler(new Request('http://localhost:7777/api/series', { method: 'POST', headers, body, duplex: 'half' } as RequestInit))
    expect((await series({ 'content-type': 'application/json' })).status).toBe(200)
    expect((await series({ 'content-type': 'text/plain' })).status).toBe(415)
    expect((await series({ 'content-type': 'application/json', origin: 'http://evil.example' })).status).toBe(403)
    let pulled = 0
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++
        c.enqueue(new Uint8Array(64 * 1024).fill(0x20))
      },
    })
    const big = await series({ 'content-type': 'application/json' }, endless)
    expect(big.status).toBe(413)
    expect(big.headers.get('x-entrenar-code')).toBe('ENTRENAR_BODY_TOO_LARGE')
    // The cap is 1 MiB: 16 chunks of 64 KiB, and the stream was not read further.
    expect(pulled).toBeLessThan(24)
  })

  it('answers a poll of an unchanged run list 304 (the clock aside), and a changed one in full', async () => {
    const store = await fixture()
    const handler = createDashboardHandler({ store }, ASSETS)
    const first = await handler(get('/api/overview'))
    expect(first.status).toBe(200)
    const tag = first.headers.get('etag')!
    expect(tag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/)
    expect(first.headers.get('cache-control')).toBe('no-store')
    const o = overviewFromWire(await first.json())
    expect(o.runs.map((r) => r.run.id)).toEqual(['r1', 'r2'])
    expect(Number(first.headers.get('x-entrenar-now-ms'))).toBe(o.nowMs)
    await new Promise((r) => setTimeout(r, 5))
    const same = await handler(get('/api/overview', { headers: { 'if-none-match': tag } }))
    expect(same.status).toBe(304)
    expect(await same.text()).toBe('')
    expect(same.headers.get('etag')).toBe(tag)
    expect(Number(same.headers.get('x-entrenar-now-ms'))).toBeGreaterThan(o.nowMs)
    // Another validator (a forged or old one) gets the list.
    expect((await handler(get('/api/overview', { headers: { 'if-none-match': '"0-0"' } }))).status).toBe(200)
    await writeSeries(store, 'r2', 'loss', 20, 1, () => 0.5)
    const changed = await handler(get('/api/overview', { headers: { 'if-none-match': tag } }))
    expect(changed.status).toBe(200)
    expect(changed.headers.get('etag')).not.toBe(tag)
    expect(overviewFromWire(await changed.json()).runs.find((r) => r.run.id === 'r2')!.metrics[0]!.lastStep).toBe(20)
  })

  it('the run list with its ETag: a foreign Host, a cross-origin text/plain POST, a large body and hostile validators get no list and no 304', async () => {
    const handler = createDashboardHandler({ store: await fixture() }, ASSETS)
    const tag = (await handler(get('/api/overview'))).headers.get('etag')!
    const rebound = await handler(get('/api/overview', { headers: { host: 'evil.example:7777', 'if-none-match': tag } }))
    expect({ status: rebound.status, etag: rebound.headers.get('etag') }).toEqual({ status: 421, etag: null })
    const post = (headers: Record<string, string>, body: string) => handler(new Request('http://localhost:7777/api/overview', { method: 'POST', headers, body }))
    for (const r of [await post({ 'content-type': 'text/plain', origin: 'http://evil.example' }, '{}'), await post({ 'content-type': 'application/json' }, 'x'.repeat(4 << 20))]) {
      expect(r.status).toBeGreaterThanOrEqual(400)
      expect(r.headers.get('etag')).toBeNull()
    }
    // Only the exact tag is a match: a wildcard, a weak form, a list holding it, or 64 KiB of junk get the full list.
    for (const v of ['*', `W/${tag}`, `"x", ${tag}`, 'x'.repeat(1 << 16)]) {
      const r = await handler(get('/api/overview', { headers: { 'if-none-match': v } }))
      expect({ v: v.slice(0, 20), status: r.status }).toEqual({ v: v.slice(0, 20), status: 200 })
      expect(overviewFromWire(await r.json()).runs.length).toBeGreaterThan(0)
    }
  })

  it('needs the token: bearer header, or ?token= once, which sets an HttpOnly cookie', async () => {
    const handler = createDashboardHandler({ store: await fixture(), token: 's3cret' }, ASSETS)
    expect((await handler(get('/'))).status).toBe(401)
    expect((await handler(get('/api/overview'))).status).toBe(401)
    expect((await handler(get('/api/overview', { headers: { authorization: 'Bearer wrong!' } }))).status).toBe(401)
    expect((await handler(get('/api/overview', { headers: { authorization: 'Bearer s3cret' } }))).status).toBe(200)
    expect((await handler(get('/?token=nope'))).status).toBe(401)
    const login = await handler(get('/?token=s3cret'))
    expect(login.status).toBe(303)
    expect(login.headers.get('location')).toBe('/')
    const cookie = login.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/^entrenar_dashboard_7777=s3cret; HttpOnly; SameSite=Strict; Path=\//)
    const withCookie = await handler(get('/api/overview', { headers: { cookie: 'other=1; entrenar_dashboard_7777=s3cret' } }))
    expect(withCookie.status).toBe(200)
    expect((await handler(get('/?token=s3cret', { headers: { 'x-forwarded-proto': 'https' } }))).headers.get('set-cookie')).toMatch(/; Secure$/)
  })

  it('fails fast on bad options', () => {
    const bad = [{}, { store: createMemoryStore(), token: '' }, { store: createMemoryStore(), pollMs: 0 }, { store: createMemoryStore(), allowedHosts: 'any' }, { store: createMemoryStore(), host: '0.0.0.0' }]
    for (const o of bad) {
      let err: unknown
      try {
        createDashboardHandler(o as never, ASSETS)
      } catch (e) {
        err = e
      }
      expect(isEntrenarError(err, 'ENTRENAR_INVALID_CONFIG')).toBe(true)
    }
  })
})

describe('webDashboardHandler: JSON API', () => {
  it('lists runs with status, final metrics, NaN counts and alert counts', async () => {
    const store = await fixture()
    await writeSeries(store, 'orphan', 'acc', 0, 3, () => 0.5)
    const andon = createDefaultPolicy({ runId: 'r1' })
    andon.observeValue('loss', Number.NaN, 50)
    andon.trigger({ level: 'warning', rule: 'manual', message: 'look', runId: 'r2', step: 5, timestampMs: 3_000 })
    const handler = createDashboardHandler({ store, andon, title: 'Lab <b>' }, ASSETS)
    const o = overviewFromWire(await (await handler(get('/api/overview'))).json())
    expect(o.title).toBe('Lab <b>')
    expect(o.features).toEqual({ lineage: false, andon: true })
    expect(o.runs.map((r) => [r.run.id, r.run.status])).toEqual([
      ['r1', 'finished'],
      ['r2', 'running'],
      ['orphan', 'finished'],
    ])
    const r1 = o.runs[0]!
    expect(r1.alerts).toBe(1)
    expect(r1.maxLevel).toBe('critical')
    const loss = r1.metrics.find((m) => m.name === 'loss')!
    expect(loss).toEqual({ name: 'loss', rows: 100, nan: 1, last: 1 / 100, lastStep: 99 })
    expect(r1.metrics.map((m) => m.name)).toContain('<img src=x onerror=alert(1)>')
    expect(o.runs[1]!.alerts).toBe(1)
    const events = await (await handler(get('/api/events'))).json()
    expect(events.incidents.map((i: { rule: string }) => i.rule)).toEqual(['non_finite', 'manual'])
    expect(events.incidents[0].value).toBe('NaN')
  })

  it('re-reads only running runs on refresh; finished runs come from the cache', async () => {
    const store = await fixture()
    const seen: unknown[] = []
    const counting: MetricStore = {
      runs: () => store.runs(),
      range: (a, b, f) => store.range(a, b, f),
      write: (b) => store.write(b),
      flush: () => store.flush(),
      close: () => store.close(),
      putRun: (r) => store.putRun(r),
      query: (q) => {
        seen.push(q.runs ?? 'all')
        return store.query(q)
      },
    }
    const handler = createDashboardHandler({ store: counting }, ASSETS)
    const overview = async () => overviewFromWire(await (await handler(get('/api/overview'))).json())
    await overview()
    expect(seen).toEqual(['all'])
    await writeSeries(store, 'r2', 'loss', 20, 5, () => 0.25)
    const o = await overview()
    expect(seen).toEqual(['all', ['r2']])
    expect(o.runs[1]!.metrics[0]).toMatchObject({ rows: 25, last: 0.25, lastStep: 24 })
    expect(o.runs[0]!.metrics.find((m) => m.name === 'loss')!.rows).toBe(100)
    await store.putRun({ id: 'r2', status: 'finished', startTimeMs: 2_000, endTimeMs: 5_000 })
    await overview()
    await overview()
    expect(seen).toEqual(['all', ['r2'], ['r2']])
  })

  it('answers store.query through core’s contract, read-only, with minmax-last buckets', async () => {
    const store = await fixture()
    const handler = createDashboardHandler({ store }, ASSETS)
    const client = createHttpClient(metricStoreContract, BASE, { fetch: (url, init) => handler(new Request(url as string, { ...init, headers: { ...(init?.headers as Record<string, string>), host: '127.0.0.1:7777' } })) })
    const r = await client.query({ runs: ['r1'], metrics: ['loss'], steps: [10, 89], bucket: { points: 8, mode: 'minmax-last' } })
    const s = r.series[0]!
    expect(s.x.length).toBe(8)
    expect(s.x[0]).toBe(19)
    expect(Array.from(s.count!).reduce((a, b) => a + b)).toBe(80)
    expect(Array.from(s.nanCount!).reduce((a, b) => a + b)).toBe(1)
    expect(s.max![0]).toBeCloseTo(1 / 11)
    await expect(client.write(emptyBatch('x'))).rejects.toMatchObject({ code: 'ENTRENAR_UNSUPPORTED' })
    await expect(client.putRun({ id: 'x', status: 'running', startTimeMs: 0 })).rejects.toMatchObject({ code: 'ENTRENAR_UNSUPPORTED' })
    expect((await store.runs()).map((x) => x.id)).toEqual(['r1', 'r2'])
  })

  it('walks the lineage from the runs and exports it as text', async () => {
    const store = await fixture()
    const lineage = await lineageOf(
      [
        { id: 'base', metrics: { accuracy: 0.8 }, createdAtMs: 1 },
        { id: 'r1', metrics: { accuracy: 0.85 }, createdAtMs: 2, runId: 'r1' },
        { id: 'r1-ft', metrics: { accuracy: Number.NaN }, createdAtMs: 3 },
      ],
      [
        { parent: 'base', child: 'r1', changeType: 'hyperparams' },
        { parent: 'r1', child: 'r1-ft', changeType: 'fine_tune' },
      ],
    )
    const handler = createDashboardHandler({ store, lineage }, ASSETS)
    const view = lineageFromWire(await (await handler(get('/api/lineage'))).json())
    expect(view.nodes.map((n) => n.id).sort()).toEqual(['base', 'r1', 'r1-ft'])
    expect(view.edges).toHaveLength(2)
    expect(view.nodes.find((n) => n.id === 'r1-ft')!.metrics.accuracy).toBeNaN()
    const text = await (await handler(get('/api/lineage/export?format=mermaid'))).text()
    expect(text).toMatch(/^flowchart/)
    expect(text).toContain('base')
    expect((await handler(get('/api/lineage/export?format=svg'))).status).toBe(400)
    expect((await createDashboardHandler({ store }, ASSETS)(get('/api/lineage'))).status).toBe(404)
  })
})

describe('webDashboardHandler: live stream', () => {
  it('sends new points of a running run, then ends when it finishes', async () => {
    const store = await fixture()
    const andon = createDefaultPolicy({ runId: 'r2' })
    const handler = createDashboardHandler({ store, andon, pollMs: 20 }, ASSETS)
    const q = streamRequestToParam({ cursors: [{ run: 'r2', metric: 'loss', after: 19 }], incidentsSeen: 0 })
    const res = await handler(get(`/api/stream?q=${encodeURIComponent(q)}`))
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const reading = readEvents(res)
    await new Promise((r) => setTimeout(r, 60))
    await writeSeries(store, 'r2', 'loss', 20, 5, (s) => (s === 22 ? Number.POSITIVE_INFINITY : 1))
    andon.observeValue('loss', Number.POSITIVE_INFINITY, 22)
    await new Promise((r) => setTimeout(r, 60))
    await writeSeries(store, 'r2', 'loss', 25, 1, () => 0.5)
    await store.putRun({ id: 'r2', status: 'stopped', startTimeMs: 2_000, endTimeMs: 9_000, reason: 'non-finite loss' })
    const events = await reading
    expect(events[0]).toMatchObject({ type: 'status' })
    const steps = events.flatMap((e) => (e.type === 'points' ? e.result.series.flatMap((s) => Array.from(s.x)) : []))
    expect(steps).toEqual([20, 21, 22, 23, 24, 25])
    const max = events.flatMap((e) => (e.type === 'points' ? e.result.series.flatMap((s) => Array.from(s.max!)) : []))
    expect(max[2]).toBe(Number.POSITIVE_INFINITY)
    expect(events.some((e) => e.type === 'incidents' && e.incidents[0]!.rule === 'non_finite')).toBe(true)
    const last = events.at(-1)!
    expect(last).toEqual({ type: 'end', reason: 'no followed run is running' })
    const status = events.filter((e) => e.type === 'status').at(-1)
    expect(status?.type === 'status' && status.runs[0]!.status).toBe('stopped')
  })

  it('follows several runs and metrics with different cursors: one query per cursor, no row twice', async () => {
    const store = await fixture()
    await store.putRun({ id: 'r3', status: 'running', startTimeMs: 3_000 })
    await writeSeries(store, 'r3', 'loss', 0, 10, () => 1)
    await writeSeries(store, 'r2', 'acc', 0, 10, () => 0.5)
    let queries = 0
    let polls = 0
    const counting: MetricStore = {
      runs: () => {
        polls++
        return store.runs()
      },
      range: (a, b, f) => store.range(a, b, f),
      write: (b) => store.write(b),
      flush: () => store.flush(),
      close: () => store.close(),
      putRun: (r) => store.putRun(r),
      query: (q) => {
        queries++
        return store.query(q)
      },
    }
    const handler = createDashboardHandler({ store: counting, pollMs: 20 }, ASSETS)
    const cursors = [
      { run: 'r2', metric: 'loss', after: 19 },
      { run: 'r2', metric: 'acc', after: 9 },
      { run: 'r3', metric: 'loss', after: 9 },
    ]
    const res = await handler(get(`/api/stream?q=${encodeURIComponent(streamRequestToParam({ cursors, incidentsSeen: 0 }))}`))
    const reading = readEvents(res)
    await new Promise((r) => setTimeout(r, 50))
    await writeSeries(store, 'r2', 'loss', 20, 3, () => 2)
    await writeSeries(store, 'r2', 'acc', 10, 13, () => 0.6)
    await writeSeries(store, 'r3', 'loss', 10, 4, () => 3)
    await new Promise((r) => setTimeout(r, 80))
    await store.putRun({ id: 'r2', status: 'finished', startTimeMs: 2_000, endTimeMs: 9_000 })
    await store.putRun({ id: 'r3', status: 'finished', startTimeMs: 3_000, endTimeMs: 9_000 })
    const events = await reading
    const got = new Map<string, number[]>()
    for (const e of events) if (e.type === 'points') for (const s of e.result.series) got.set(`${s.runId}/${s.metric}`, [...(got.get(`${s.runId}/${s.metric}`) ?? []), ...s.x])
    expect(Object.fromEntries(got)).toEqual({
      'r2/loss': [20, 21, 22],
      'r2/acc': Array.from({ length: 13 }, (_, i) => 10 + i),
      'r3/loss': [10, 11, 12, 13],
    })
    // Cursors {19: r2/loss} and {9: r2/acc, r3/loss}, later {22: r2/*} and {13: r3/loss}: two queries a poll, not three.
    expect(polls).toBeGreaterThan(2)
    expect(queries).toBe(2 * polls)
  })

  it('applies the tag filter to live points', async () => {
    const store = await fixture()
    const handler = createDashboardHandler({ store, pollMs: 20 }, ASSETS)
    const q = streamRequestToParam({ cursors: [{ run: 'r2', metric: 'acc', after: -1 }], incidentsSeen: 0, tags: { split: 'val' } })
    const reading = readEvents(await handler(get(`/api/stream?q=${encodeURIComponent(q)}`)))
    const rows = Array.from({ length: 6 }, (_, s) => ({ metric: 'acc', value: s, step: s, timestampUs: s, epoch: null, batch: null, tags: { split: s % 2 ? 'val' : 'train' } }))
    await store.write(batchFromRows('r2', rows))
    await new Promise((r) => setTimeout(r, 60))
    await store.putRun({ id: 'r2', status: 'finished', startTimeMs: 2_000, endTimeMs: 9_000 })
    const steps = (await reading).flatMap((e) => (e.type === 'points' ? e.result.series.flatMap((s) => Array.from(s.x)) : []))
    expect(steps).toEqual([1, 3, 5])
  })

  it('ends at once for a finished run and rejects a malformed request', async () => {
    const handler = createDashboardHandler({ store: await fixture(), pollMs: 20 }, ASSETS)
    const q = streamRequestToParam({ cursors: [{ run: 'r1', metric: 'loss', after: 99 }], incidentsSeen: 0 })
    const events = await readEvents(await handler(get(`/api/stream?q=${encodeURIComponent(q)}`)))
    expect(events.map((e) => e.type)).toEqual(['status', 'end'])
    const many = streamRequestToParam({ cursors: Array.from({ length: 1001 }, (_, i) => ({ run: 'r1', metric: `m${i}`, after: 0 })), incidentsSeen: 0 })
    expect((await handler(get(`/api/stream?q=${encodeURIComponent(many)}`))).status).toBe(400)
    const bad = await handler(get('/api/stream?q=%7Bnope'))
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.code).toBe('ENTRENAR_INVALID_QUERY')
  })
})

describe('public API of the web dashboard', () => {
  it('exports its factories from the package entry', async () => {
    const viz: Record<string, unknown> = await import('../src/index.js')
    expect(typeof viz.webDashboardHandler).toBe('function')
    expect(typeof viz.serveWebDashboard).toBe('function')
  })
})

describe('serveWebDashboard', () => {
  it('serves on 127.0.0.1 and prints an address that carries the token', async () => {
    const server = await serveWebDashboard(await fixture(), { token: 'tok en/1' })
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=tok%20en%2F1$/)
      const login = await fetch(server.url, { redirect: 'manual' })
      expect(login.status).toBe(303)
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!
      const page = await fetch(new URL('/', server.url), { headers: { cookie } })
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('assets/app.js')
      expect((await fetch(new URL('/api/overview', server.url))).status).toBe(401)
    } finally {
      await server.close()
    }
  })
})

/** The store with a `warm()` method added (as `@entrenar/db`'s stores have). */
function withWarm(store: MetricStore, warm: (o: { signal: AbortSignal }) => Promise<unknown>): MetricStore {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'warm') return warm
      const v = Reflect.get(target, key, target)
      return typeof v === 'function' ? v.bind(target) : v
    },
  })
}

describe('serveWebDashboard and a store that warms up', () => {
  it('starts the store warm-up in the background and stops it when the server closes', async () => {
    const store = await fixture()
    const calls: AbortSignal[] = []
    const warming = withWarm(store, (o) => {
      calls.push(o.signal)
      return new Promise(() => {}) // never settles: the server must not wait for it
    })
    const server = await serveWebDashboard(warming, { insecureNoToken: true })
    expect(calls).toHaveLength(1)
    expect(calls[0]!.aborted).toBe(false)
    expect((await fetch(new URL('/api/overview', server.url))).status).toBe(200)
    await server.close()
    expect(calls[0]!.aborted).toBe(true)
  })

  it('serves a store whose warm-up throws at once', async () => {
    const store = await fixture()
    const broken = withWarm(store, () => {
      throw new Error('closed')
    })
    const server = await serveWebDashboard(broken, { insecureNoToken: true })
    expect((await fetch(new URL('/api/overview', server.url))).status).toBe(200)
    await server.close()
  })
})

describe('serveWebDashboard off loopback', () => {
  it('refuses another interface without a token, unless the risk is accepted explicitly', async () => {
    const store = await fixture()
    await expect(serveWebDashboard(store, { host: '0.0.0.0', port: 0 })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    const open = await serveWebDashboard(store, { host: '0.0.0.0', port: 0, insecureNoToken: true, allowedHosts: ['dash.lan'] })
    try {
      const port = open.port
      const at = (host: string) =>
        new Promise<number>((resolve, reject) => {
          // fetch cannot set Host: node:http can.
          const req = httpRequest({ host: '127.0.0.1', port, path: '/api/overview', headers: { host } }, (res) => {
            res.resume()
            resolve(res.statusCode ?? 0)
          })
          req.on('error', reject)
          req.end()
        })
      expect(await at(`127.0.0.1:${port}`)).toBe(200)
      expect(await at(`dash.lan:${port}`)).toBe(200)
      // Binding every interface does not mean answering every name: a rebinding name is refused.
      expect(await at(`evil.example:${port}`)).toBe(421)
    } finally {
      await open.close()
    }
    const guarded = await serveWebDashboard(store, { host: '0.0.0.0', port: 0, token: 'lan-token' })
    try {
      expect((await fetch(`http://127.0.0.1:${guarded.port}/api/overview`)).status).toBe(401)
    } finally {
      await guarded.close()
    }
  })
})
