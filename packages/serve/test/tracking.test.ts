import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryStore } from '@entrenar/core'
import { afterAll, describe, expect, it } from 'vitest'
import { createServeHandler, fileExperimentLog, trackingHandler } from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'entrenar-tracking-unit-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

type Reply = { status: number; body: { success: boolean; data: unknown; error: string | null; request_id: string }; code: string | null }

function setup(options: Parameters<typeof createServeHandler>[0] = {}) {
  const store = options.store ?? createMemoryStore()
  const serve = createServeHandler({ store, ...options })
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const res = await serve.handler(
      new Request(`http://127.0.0.1${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) }),
    )
    return { status: res.status, body: await res.json(), code: res.headers.get('x-entrenar-code') }
  }
  const newRun = async () => {
    const exp = await call('POST', '/api/v1/experiments', { name: 'e' })
    return (await call('POST', '/api/v1/runs', { experiment_id: (exp.body.data as { id: string }).id, name: 'r', tags: { k: 'v' } })).body.data as { id: string }
  }
  return { serve, store, call, newRun }
}

describe('tracking API of entrenar serve', () => {
  it('wraps replies and answers 201, 200 and 404 as the Rust server does', async () => {
    const { call } = setup()
    const exp = await call('POST', '/api/v1/experiments', { name: 'exp', description: 'd', tags: { a: 'b' } })
    expect(exp.status).toBe(201)
    expect(exp.body).toMatchObject({ success: true, error: null, data: { name: 'exp', description: 'd', tags: { a: 'b' } } })
    expect(exp.body.request_id).toMatch(/^req-[0-9a-f]{16}$/)
    expect((await call('GET', '/api/v1/experiments')).body.data).toHaveLength(1)
    expect((await call('GET', '/api/v1/experiments/nope')).status).toBe(404)
    const missing = await call('POST', '/api/v1/runs', { experiment_id: 'nope' })
    expect(missing).toMatchObject({ status: 404, code: 'ENTRENAR_NOT_FOUND', body: { success: false, data: null } })
    expect((await call('GET', '/api/v1/runs/nope')).status).toBe(404)
    expect((await call('DELETE', '/api/v1/runs/nope')).status).toBe(404)
    // A malformed escape in an id is an unknown route, not a server error.
    expect(await call('GET', '/api/v1/runs/%E0%A4%A')).toMatchObject({ status: 404, code: 'ENTRENAR_NOT_FOUND' })
    const health = await call('GET', '/health')
    expect(health.body).toMatchObject({ status: 'healthy', experiments_count: 1, runs_count: 0 })
  })

  it('maps runs onto the store: config, status words, end time, and the next step when none is given', async () => {
    const { call, newRun, store, serve } = setup()
    const run = await newRun()
    expect((await call('POST', `/api/v1/runs/${run.id}/params`, { params: { lr: 0.1 } })).body.data).toBe('Parameters logged')
    await call('POST', `/api/v1/runs/${run.id}/metrics`, { metrics: { loss: 0.5 }, step: 10 })
    await call('POST', `/api/v1/runs/${run.id}/metrics`, { metrics: { loss: 0.4 } })
    // serde_json writes NaN as null: it is kept as NaN.
    await call('POST', `/api/v1/runs/${run.id}/metrics`, { metrics: { loss: null }, step: null })
    await call('POST', `/api/v1/runs/${run.id}/metrics`, { metrics: { loss: 0.3 }, step: 3 })
    const done = await call('PATCH', `/api/v1/runs/${run.id}`, { status: 'completed', end_time: '2026-01-02T03:04:05Z' })
    expect(done.body.data).toMatchObject({ status: 'completed', end_time: '2026-01-02T03:04:05.000Z', params: { lr: 0.1 }, tags: { k: 'v' } })
    await serve.flush()
    const [info] = await store.runs()
    expect(info).toMatchObject({ id: run.id, name: 'r', status: 'finished', endTimeMs: Date.parse('2026-01-02T03:04:05Z'), config: { lr: 0.1, experiment: 'e', tags: { k: 'v' } } })
    const s = (await store.query({ runs: [run.id] })).series[0]!
    expect(Array.from(s.x)).toEqual([3, 10, 11, 12])
    expect(Array.from(s.value)).toEqual([0.3, 0.5, 0.4, Number.NaN])
    // The latest value is NaN, which JSON cannot carry to the client's f64: it is left out of `metrics`.
    expect((await call('GET', `/api/v1/runs/${run.id}`)).body.data).toMatchObject({ metrics: {} })
    expect((await call('PATCH', `/api/v1/runs/${run.id}`, { status: 'cancelled' })).body.data).toMatchObject({ status: 'cancelled' })
    expect((await store.runs())[0]?.status).toBe('stopped')
  })

  it("hands tracked metrics to serve's onIngest (the change detectors and the Andon), after the store took them", async () => {
    const seen: { run: string; metric: string; value: number; step: number }[] = []
    const { call, newRun } = setup({
      onIngest: (b) => {
        for (let i = 0; i < b.length; i++) seen.push({ run: b.runId, metric: b.metricNames[b.metric[i]!]!, value: b.value[i]!, step: b.step[i]! })
      },
    })
    const run = await newRun()
    await call('POST', `/api/v1/runs/${run.id}/metrics`, { metrics: { loss: 0.5 }, step: 7 })
    expect(seen).toEqual([{ run: run.id, metric: 'loss', value: 0.5, step: 7 }])
    // Refused input reaches neither the store nor the detectors.
    expect((await call('POST', `/api/v1/runs/${run.id}/metrics`, { metrics: { '': 1 }, step: 8 })).status).toBe(400)
    expect(seen).toHaveLength(1)
  })

  it('refuses bad input with 400 and a coded error, and keeps nothing of it', async () => {
    const { call, newRun, store, serve } = setup()
    const run = await newRun()
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/v1/experiments', { name: '' }, 'ENTRENAR_WIRE_INVALID'],
      ['POST', '/api/v1/experiments', '{not json', 'ENTRENAR_WIRE_INVALID'],
      ['POST', '/api/v1/experiments', { name: 'x', tags: { a: 1 } }, 'ENTRENAR_INVALID_TAGS'],
      ['POST', `/api/v1/runs/${run.id}/params`, { params: { experiment_id: 'other' } }, 'ENTRENAR_WIRE_INVALID'],
      ['POST', `/api/v1/runs/${run.id}/metrics`, { metrics: { loss: 'high' } }, 'ENTRENAR_INVALID_VALUE'],
      ['POST', `/api/v1/runs/${run.id}/metrics`, { metrics: { '': 1 } }, 'ENTRENAR_INVALID_METRIC_NAME'],
      ['POST', `/api/v1/runs/${run.id}/metrics`, { metrics: { loss: 1 }, step: 2 ** 60 }, 'ENTRENAR_INVALID_STEP'],
      ['POST', `/api/v1/runs/${run.id}/metrics`, { metrics: { loss: 1 }, step: 1.5 }, 'ENTRENAR_INVALID_STEP'],
      ['PATCH', `/api/v1/runs/${run.id}`, { status: 'exploded' }, 'ENTRENAR_WIRE_INVALID'],
      ['PATCH', `/api/v1/runs/${run.id}`, { end_time: 'yesterday' }, 'ENTRENAR_WIRE_INVALID'],
    ]
    for (const [method, path, body, code] of cases) {
      const r = await call(method, path, body)
      expect({ path, body, status: r.status, code: r.code, success: r.body.success }).toEqual({ path, body, status: 400, code, success: false })
    }
    await serve.flush()
    expect((await store.query({ runs: [run.id] })).series).toEqual([])
    expect((await store.runs())[0]).toMatchObject({ status: 'running', config: { experiment_id: expect.any(String) } })
  })

  it('refuses bodies that are not application/json (a cross-origin form cannot post without a preflight)', async () => {
    const { call, store } = setup()
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', '']) {
      const r = await call('POST', '/api/v1/experiments', { name: 'csrf' }, { 'content-type': type })
      expect({ type, status: r.status, code: r.code }).toEqual({ type, status: 415, code: 'ENTRENAR_HTTP_MEDIA_TYPE' })
    }
    expect((await call('POST', '/api/v1/experiments', { name: 'ok' }, { 'content-type': 'application/json; charset=utf-8' })).status).toBe(201)
    expect(await store.runs()).toEqual([])
  })

  it('answers a non-JSON body with the same code when trackingHandler is mounted without serve\'s guard', async () => {
    const store = createMemoryStore()
    const handler = trackingHandler({ store, readBody: (r) => r.text() })
    for (const type of ['text/plain', 'multipart/form-data; boundary=x', '']) {
      const res = await handler(new Request('http://127.0.0.1/api/v1/experiments', { method: 'POST', headers: { 'content-type': type }, body: '{"name":"csrf"}' }))
      expect({ type, status: res.status, code: res.headers.get('x-entrenar-code') }).toEqual({ type, status: 415, code: 'ENTRENAR_HTTP_MEDIA_TYPE' })
    }
    expect((await handler(new Request('http://127.0.0.1/api/v1/experiments', { method: 'GET' }))).status).toBe(200)
    expect(await store.runs()).toEqual([])
  })

  it("needs serve's token and obeys its body cap", async () => {
    const { call } = setup({ token: 't0k', maxBodyBytes: 256 })
    expect((await call('GET', '/health')).status).toBe(401)
    expect((await call('POST', '/api/v1/experiments', { name: 'e' })).status).toBe(401)
    const big = await call('POST', '/api/v1/experiments', { name: 'x'.repeat(1000) }, { authorization: 'Bearer t0k' })
    expect(big).toMatchObject({ status: 413, code: 'ENTRENAR_BODY_TOO_LARGE', body: { success: false } })
    expect((await call('POST', '/api/v1/experiments', { name: 'e' }, { authorization: 'Bearer t0k' })).status).toBe(201)
  })

  it('keeps experiments in a file across restarts; a torn last line is cut and appends go on', async () => {
    const path = join(dir, 'tracking', 'experiments.jsonl')
    const first = setup({ tracking: { experiments: fileExperimentLog(path) } })
    const kept = (await first.call('POST', '/api/v1/experiments', { name: 'kept' })).body.data as { id: string }
    appendFileSync(path, '{"id":"exp-torn","na')
    const second = setup({ tracking: { experiments: fileExperimentLog(path) } })
    const ids = async (s: ReturnType<typeof setup>) => ((await s.call('GET', '/api/v1/experiments')).body.data as { id: string }[]).map((e) => e.id)
    expect(await ids(second)).toEqual([kept.id])
    const later = (await second.call('POST', '/api/v1/experiments', { name: 'later' })).body.data as { id: string }
    expect(await ids(setup({ tracking: { experiments: fileExperimentLog(path) } }))).toEqual([kept.id, later.id])
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(3)
    expect((await setup({ tracking: false }).call('GET', '/health')).status).toBe(404)
  })
})
