import { batchFromRows, createHttpClient, createMemoryStore, EntrenarError, ErrorCodes, type MetricStore, metricSinkContract, metricStoreContract, type RecordBatch } from '@entrenar/core'
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { createServeHandler, startServer } from '../src/index.js'

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
const row = (step: number) => ({ metric: 'loss', value: step, step, timestampUs: 1, epoch: null, batch: null, tags: null })

describe('administrative methods', () => {
  it('refuses store.close over HTTP without the admin token, and /healthz tells the truth after an admin close', async () => {
    const store = createMemoryStore()
    const server = await startServer({ store, token: 'user-token', adminToken: 'admin-token-1' })
    try {
      const user = createHttpClient(metricStoreContract, server.url, { token: 'user-token' })
      await expect(user.close()).rejects.toMatchObject({ code: 'ENTRENAR_HTTP_FORBIDDEN' })
      await expect(createHttpClient(metricSinkContract, server.url, { token: 'user-token' }).close()).rejects.toMatchObject({ code: 'ENTRENAR_HTTP_FORBIDDEN' })
      await user.write(batchFromRows('r', [row(1)]))
      await user.flush()
      expect(await (await fetch(`${server.url}/healthz`)).json()).toMatchObject({ status: 'ok' })
      await createHttpClient(metricStoreContract, server.url, { token: 'admin-token-1' }).close()
      const health = await fetch(`${server.url}/healthz`)
      expect(health.status).toBe(503)
      expect(await health.json()).toMatchObject({ status: 'closed' })
      await expect(user.write(batchFromRows('r', [row(2)]))).rejects.toMatchObject({ code: 'ENTRENAR_CLOSED' })
    } finally {
      await server.close()
    }
  })

  it('fails fast on a weak or reused admin token', () => {
    expect(() => createServeHandler({ adminToken: 'short' })).toThrow(EntrenarError)
    expect(() => createServeHandler({ token: 'same-token', adminToken: 'same-token' })).toThrow(/different from token/)
  })
})

describe('acknowledgements', () => {
  it('validates with the store own rules before the 200: nothing accepted is dropped later', async () => {
    const inner = createMemoryStore()
    // A store with a stricter rule than core's: what it refuses must be refused before the acknowledgement.
    const strict: MetricStore = {
      ...inner,
      write: (b) => inner.write(b),
      flush: () => inner.flush(),
      query: (q) => inner.query(q),
      runs: () => inner.runs(),
      putRun: (r) => inner.putRun(r),
      validate(b: RecordBatch) {
        if (b.runId.length > 20) throw new EntrenarError(ErrorCodes.INVALID_RUN_ID, `strict: run id of ${b.runId.length} characters`)
      },
    }
    const server = await startServer({ store: strict })
    try {
      const res = await post(`${server.url}/v1/ingest`, { schema_version: 1, run_id: 'r'.repeat(21), run: { name: 'x' }, points: [{ metric: 'loss', value: 1, step: 1 }] })
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ENTRENAR_INVALID_RUN_ID')
      // The run metadata was not kept either: the batch is checked before anything is stored.
      expect(await inner.runs()).toEqual([])
      const ts = await post(`${server.url}/v1/ingest`, { schema_version: 1, run_id: 'ok', points: [{ metric: 'loss', value: 1, step: 1, timestamp_us: 1e300 }] })
      expect(ts.status).toBe(400)
      expect(server.stats()).toMatchObject({ acceptedRows: 0, lostRows: 0 })
    } finally {
      await server.close()
    }
  })

  it('reports a store failure after the acknowledgement to the writer of that run, and counts it in /metrics', async () => {
    const inner = createMemoryStore()
    const errors: unknown[] = []
    const failing: MetricStore = {
      ...inner,
      write: async (b) => {
        if (b.runId === 'doomed') throw new EntrenarError(ErrorCodes.INTERNAL, 'disk full')
        return inner.write(b)
      },
      flush: () => inner.flush(),
      query: (q) => inner.query(q),
    }
    const server = await startServer({ store: failing, onError: (e) => errors.push(e) })
    try {
      const push = (run: string, step: number) => post(`${server.url}/v1/ingest`, { schema_version: 1, run_id: run, points: [{ metric: 'loss', value: 1, step }] })
      expect((await push('doomed', 1)).status).toBe(200)
      expect((await push('fine', 1)).status).toBe(200)
      const sink = createHttpClient(metricSinkContract, server.url)
      // The next flush says what was lost and whose it was.
      await expect(sink.flush()).rejects.toMatchObject({ code: 'ENTRENAR_SINK_FAILED', details: { runs: [{ run_id: 'doomed', lost_rows: 1 }] } })
      expect(errors).toHaveLength(1)
      const metrics = await (await fetch(`${server.url}/metrics`)).text()
      expect(metrics).toMatch(/^entrenar_serve_lost_rows_total 1$/m)
      expect(metrics).toMatch(/^entrenar_serve_drain_failures_total 1$/m)
      // The server's own families pass Prometheus' linter (Debian package prometheus).
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' })
      if (lint.error) throw new Error(`promtool (Debian package prometheus) is needed: ${lint.error.message}`)
      expect(lint.status, `${lint.stdout}${lint.stderr}`).toBe(0)
      expect(await (await fetch(`${server.url}/healthz`)).json()).toMatchObject({ status: 'degraded', lost_rows: 1 })
      // Reported once; the other writer's rows were kept.
      await sink.flush()
      expect((await inner.query({ runs: ['fine'] })).series).toHaveLength(1)
      // A failure not yet reported reaches that run's writer on its next write, not another run's.
      expect((await push('doomed', 2)).status).toBe(200)
      while (server.stats().lostRows < 2) await new Promise((r) => setImmediate(r))
      expect((await push('fine', 2)).status).toBe(200)
      const told = await push('doomed', 3)
      expect(told.status).toBe(500)
      expect(await told.json()).toMatchObject({ error: { code: 'ENTRENAR_SINK_FAILED', details: { runs: [{ run_id: 'doomed', lost_rows: 1 }] } } })
      await sink.flush()
      expect(server.stats()).toMatchObject({ lostRows: 2, drainFailures: 2 })
    } finally {
      await server.close()
    }
  })
})
