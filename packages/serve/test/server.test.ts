import { request as httpRequest } from 'node:http'
import { gzipSync } from 'node:zlib'
import {
  alertPolicyContract,
  batchFromRows,
  createDefaultPolicy,
  createHttpClient,
  createMemoryStore,
  type MetricStore,
  metricSinkContract,
  metricStoreContract,
  type RecordBatch,
} from '@entrenar/core'
import { alertPolicySuite, metricSinkSuite, metricStoreSuite, runConformance } from '@entrenar/core/conformance'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLatencyHistogram, type EntrenarServer, startServer } from '../src/index.js'

const api = { describe, it }

// Every contract's conformance suite through this server (bounded queue + router in front of the implementation).
const servers = new WeakMap<object, EntrenarServer>()
async function client<T extends object>(make: (url: string) => T, start: Parameters<typeof startServer>[0]): Promise<T> {
  const server = await startServer(start)
  const c = make(server.url)
  servers.set(c, server)
  return c
}
const destroy = async (c: object) => servers.get(c)?.close()
// `close` of the shared store is administrative: over HTTP it needs the admin token (the last case).
const adminOnly = { 'close is idempotent and write after close rejects with ENTRENAR_CLOSED': 'close of the shared store needs the admin token over HTTP (403 otherwise)' }
runConformance(metricStoreSuite, { name: 'startServer', create: () => client((u) => createHttpClient(metricStoreContract, u), { store: createMemoryStore() }), destroy, skip: adminOnly }, api)
runConformance(metricSinkSuite, { name: 'startServer', create: () => client((u) => createHttpClient(metricSinkContract, u), { store: createMemoryStore() }), destroy, skip: adminOnly }, api)
runConformance(
  metricStoreSuite,
  {
    name: 'startServer with a token',
    create: () => client((u) => createHttpClient(metricStoreContract, u, { token: 's3cret' }), { store: createMemoryStore(), token: 's3cret' }),
    destroy,
    skip: adminOnly,
  },
  api,
)
runConformance(
  metricStoreSuite,
  {
    name: 'startServer with the admin token',
    create: () => client((u) => createHttpClient(metricStoreContract, u, { token: 'admin-s3cret' }), { store: createMemoryStore(), token: 's3cret', adminToken: 'admin-s3cret' }),
    destroy,
  },
  api,
)
runConformance(alertPolicySuite, { name: 'startServer', create: () => client((u) => createHttpClient(alertPolicyContract, u), { andon: createDefaultPolicy() }), destroy }, api)

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : body instanceof Uint8Array ? new Blob([new Uint8Array(body)]) : JSON.stringify(body) })

describe('startServer', () => {
  let server: EntrenarServer
  let store: MetricStore
  beforeAll(async () => {
    store = createMemoryStore()
    const latency = createLatencyHistogram({ name: 'inference_latency' })
    latency.observe(0.012)
    server = await startServer({
      store,
      andon: createDefaultPolicy(),
      sources: [latency],
      maxBodyBytes: 64 * 1024,
      handlers: [async (r) => (new URL(r.url).pathname === '/dashboard' ? new Response('<html>dash</html>', { headers: { 'content-type': 'text/html' } }) : new Response('no', { status: 404 }))],
    })
  })
  afterAll(() => server.close())

  it('ingests points in both shapes, with NaN/Infinity (Python json.dumps tokens) kept as data', async () => {
    const body =
      '{"schema_version": 1, "run_id": "py-1", "run": {"name": "python run", "config": {"lr": 0.01}},' +
      ' "points": [{"metric": "loss", "value": NaN, "step": 1, "tags": {"split": "train"}},' +
      ' {"step": 2, "epoch": 0, "values": {"loss": 0.5, "accuracy": -Infinity, "note \\"NaN\\"": Infinity}}, {"metric": "loss", "value": "-0", "step": 3}]}'
    const res = await post(`${server.url}/v1/ingest`, body)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ schema_version: 1, accepted: 5 })
    await server.flush()
    const q = await store.query({ runs: ['py-1'] })
    const loss = q.series.find((s) => s.metric === 'loss')!
    expect(loss.value[0]).toBeNaN()
    expect(loss.value[1]).toBe(0.5)
    expect(Object.is(loss.value[2], -0)).toBe(true)
    expect(q.series.find((s) => s.metric === 'accuracy')!.value[0]).toBe(Number.NEGATIVE_INFINITY)
    expect(q.series.find((s) => s.metric === 'note "NaN"')!.value[0]).toBe(Number.POSITIVE_INFINITY)
    const runs = await store.runs()
    expect(runs.find((r) => r.id === 'py-1')).toMatchObject({ name: 'python run', config: { lr: 0.01 }, status: 'running' })
  })

  it('rejects bad ingest bodies with coded errors', async () => {
    const cases: [unknown, number, string][] = [
      ['not json', 400, 'ENTRENAR_WIRE_INVALID'],
      [{ schema_version: 2, run_id: 'x', points: [] }, 400, 'ENTRENAR_WIRE_VERSION'],
      [{ schema_version: 1, run_id: '../etc', points: [] }, 400, 'ENTRENAR_INVALID_RUN_ID'],
      [{ schema_version: 1, run_id: 'x', points: [{ metric: 'loss', value: 1, step: 1.5 }] }, 400, 'ENTRENAR_INVALID_STEP'],
      [{ schema_version: 1, run_id: 'x', points: [{ metric: '', value: 1, step: 1 }] }, 400, 'ENTRENAR_INVALID_METRIC_NAME'],
      [{ schema_version: 1, run_id: 'x', points: [{ metric: 'loss', value: 'high', step: 1 }] }, 400, 'ENTRENAR_INVALID_VALUE'],
      [{ schema_version: 1, run_id: 'x', points: [{ metric: 'loss', value: 1, step: 1, tags: { a: 1 } }] }, 400, 'ENTRENAR_INVALID_TAGS'],
    ]
    for (const [body, status, code] of cases) {
      const res = await post(`${server.url}/v1/ingest`, body)
      expect(res.status, JSON.stringify(body)).toBe(status)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code)
    }
  })

  it('refuses bodies over the limit, declared or chunked (413)', async () => {
    const big = JSON.stringify({ schema_version: 1, run_id: 'big', points: Array.from({ length: 5000 }, (_, i) => ({ metric: 'loss', value: i, step: i })) })
    expect((await post(`${server.url}/v1/ingest`, big)).status).toBe(413)
    // Chunked transfer (no Content-Length): the cap applies while reading.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${server.url}/v1/store/write`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      for (let i = 0; i < 20; i++) req.write('x'.repeat(8192))
      req.end()
    })
    expect(status).toBe(413)
  })

  it('decodes gzip bodies with the size limit applied after decoding', async () => {
    const points = Array.from({ length: 100 }, (_, i) => ({ metric: 'gz', value: i, step: i }))
    const ok = await post(`${server.url}/v1/ingest`, gzipSync(JSON.stringify({ schema_version: 1, run_id: 'gz', points })), { 'content-encoding': 'gzip' })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ accepted: 100 })
    // 1 MB of spaces compresses to ~1 KB: a bomb against a 64 KiB limit.
    const bomb = gzipSync(`{"schema_version": 1, "run_id": "gz", "points": []${' '.repeat(1 << 20)}}`)
    expect(bomb.length).toBeLessThan(64 * 1024)
    expect((await post(`${server.url}/v1/ingest`, bomb, { 'content-encoding': 'gzip' })).status).toBe(413)
    const corrupt = await post(`${server.url}/v1/ingest`, 'not gzip at all', { 'content-encoding': 'gzip' })
    expect(corrupt.status).toBe(400)
    expect((await post(`${server.url}/v1/ingest`, '{}', { 'content-encoding': 'br' })).status).toBe(400)
    // The contract routes decode gzip too.
    const runs = await post(`${server.url}/v1/store/runs`, gzipSync('{"schema_version": 1}'), { 'content-encoding': 'gzip' })
    expect(runs.status).toBe(200)
  })

  it('serves /metrics in both formats with incidents from the Andon, /healthz, and extra handlers', async () => {
    const trig = await post(`${server.url}/v1/andon/trigger`, { schema_version: 1, alert: { level: 'warning', rule: 'manual', message: 'look', run_id: 'py-1', timestamp_ms: 1 } })
    expect(await trig.json()).toMatchObject({ decision: 'warn' })
    const prom = await fetch(`${server.url}/metrics`)
    expect(prom.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await prom.text()
    expect(text).toContain('entrenar_loss{run_id="py-1",split="train"} NaN')
    expect(text).toContain('entrenar_alerts_total{level="warning",rule="manual",run_id="py-1"} 1')
    expect(text).toMatch(/entrenar_run_start_timestamp_seconds\{name="python run",run_id="py-1",status="running"\} \d+/)
    expect(text).toContain('inference_latency_seconds_bucket{le="0.025"} 1')
    const om = await fetch(`${server.url}/metrics`, { headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' } })
    expect(om.headers.get('content-type')).toContain('application/openmetrics-text')
    expect((await om.text()).endsWith('# EOF\n')).toBe(true)
    // Scraping again does not count the incident twice.
    expect(await (await fetch(`${server.url}/metrics`)).text()).toContain('entrenar_alerts_total{level="warning",rule="manual",run_id="py-1"} 1')
    // gzip when asked (fetch decodes it), and HEAD without a body.
    const gz = await fetch(`${server.url}/metrics`, { headers: { 'accept-encoding': 'gzip' } })
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    expect(await gz.text()).toContain('entrenar_loss{run_id="py-1",split="train"} NaN')
    const head = await fetch(`${server.url}/metrics`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
    const health = await fetch(`${server.url}/healthz`)
    expect(await health.json()).toMatchObject({ status: 'ok', services: ['store', 'sink', 'andon'] })
    expect(await (await fetch(`${server.url}/dashboard`)).text()).toContain('dash')
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404)
  })
})

describe('security and back-pressure', () => {
  it('refuses a non-loopback host without a token', async () => {
    await expect(startServer({ host: '0.0.0.0' })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
  })

  it('requires the bearer token everywhere but /healthz', async () => {
    const server = await startServer({ token: 'tok' })
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
      const denied = await fetch(`${server.url}/metrics`)
      expect(denied.status).toBe(401)
      expect(denied.headers.get('www-authenticate')).toBe('Bearer')
      expect((await post(`${server.url}/v1/ingest`, { schema_version: 1, run_id: 'r', points: [] }, { authorization: 'Bearer nope' })).status).toBe(401)
      expect((await post(`${server.url}/v1/ingest`, { schema_version: 1, run_id: 'r', points: [] }, { authorization: 'Bearer tok' })).status).toBe(200)
      expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer tok' } })).status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('close() writes every queued row to the store before it resolves', async () => {
    const inner = createMemoryStore()
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => {
      release = r
    })
    const held: MetricStore = {
      ...inner,
      write: async (b: RecordBatch) => {
        await gate
        return inner.write(b)
      },
      flush: () => inner.flush(),
    }
    const server = await startServer({ store: held })
    for (let k = 0; k < 3; k++) {
      const res = await post(`${server.url}/v1/ingest`, { schema_version: 1, run_id: 'drain', points: [{ metric: 'loss', value: k, step: k }] })
      expect(res.status).toBe(200)
    }
    expect(server.stats()).toMatchObject({ writtenRows: 0, queuedRows: 3 })
    const closing = server.close()
    setTimeout(release, 20)
    await closing
    expect(Array.from((await inner.query({ runs: ['drain'] })).series[0]!.value)).toEqual([0, 1, 2])
  })

  it('answers 429 with Retry-After when the queue is full, and nothing accepted is lost', async () => {
    // A store that holds every write until released: the queue fills up.
    const inner = createMemoryStore()
    let release: () => void = () => {}
    let gate = new Promise<void>((r) => {
      release = r
    })
    const slow: MetricStore = {
      ...inner,
      write: async (b: RecordBatch) => {
        await gate
        return inner.write(b)
      },
      flush: () => inner.flush(),
      query: (q) => inner.query(q),
    }
    const server = await startServer({ store: slow, maxQueuedRows: 10 })
    try {
      const push = (n: number, step0: number) => post(`${server.url}/v1/ingest`, { schema_version: 1, run_id: 'bp', points: Array.from({ length: n }, (_, i) => ({ metric: 'loss', value: i, step: step0 + i })) })
      // A batch larger than the whole queue can never fit: 413, not an endless 429.
      const huge = await push(11, 400)
      expect(huge.status).toBe(413)
      expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('ENTRENAR_BODY_TOO_LARGE')
      expect((await push(6, 0)).status).toBe(200)
      const full = await push(6, 100)
      expect(full.status).toBe(429)
      expect(full.headers.get('retry-after')).toBe('1')
      expect(((await full.json()) as { error: { code: string } }).error.code).toBe('ENTRENAR_BUSY')
      // The columnar contract write goes through the same queue.
      const client = createHttpClient(metricStoreContract, server.url)
      await expect(client.write(batchFromRows('bp', Array.from({ length: 5 }, (_, i) => ({ metric: 'loss', value: 1, step: 200 + i, timestampUs: 1, epoch: null, batch: null, tags: null }))))).rejects.toMatchObject({
        code: 'ENTRENAR_BUSY',
      })
      expect((await push(4, 300)).status).toBe(200)
      expect(server.stats()).toMatchObject({ queuedRows: 10, peakQueuedRows: 10, rejectedRequests: 2, rejectedWrites: 3 })
      release()
      gate = Promise.resolve()
      await server.flush()
      expect(server.stats().queuedRows).toBe(0)
      const q = await inner.query({ runs: ['bp'] })
      expect(Array.from(q.series[0]!.x)).toEqual([0, 1, 2, 3, 4, 5, 300, 301, 302, 303])
    } finally {
      release()
      await server.close()
    }
  })
})
