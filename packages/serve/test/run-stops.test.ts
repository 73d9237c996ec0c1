// The per-run stop state of createServeHandler: what feeds it, what answers it, and what it refuses.
import type { RecordBatch } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { createServeHandler, type RunStop, type RunStops } from '../src/index.js'

/** A stand-in policy: a run stops at its first non-finite value (the Andon's own rules are tested in andon). */
function firstNonFinite(): RunStops & { seen: string[] } {
  const stops = new Map<string, RunStop>()
  const seen: string[] = []
  return {
    seen,
    observe(b: RecordBatch) {
      seen.push(b.runId)
      for (let i = 0; i < b.length; i++) {
        if (!stops.has(b.runId) && !Number.isFinite(b.value[i]!)) stops.set(b.runId, { reason: 'non-finite', rule: 'non_finite', step: b.step[i]! })
      }
    },
    stopOf: (id) => stops.get(id) ?? null,
  }
}

const req = (path: string, init: RequestInit = {}, token?: string) =>
  new Request(`http://127.0.0.1${path}`, { ...init, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } })
const ingest = (runId: string, points: unknown[], token?: string) => req('/v1/ingest', { method: 'POST', body: JSON.stringify({ schema_version: 1, run_id: runId, points }) }, token)

describe('createServeHandler runStops', () => {
  it('answers stop for the batch run only, on ingest and on GET /v1/runs/<id>/status', async () => {
    const runStops = firstNonFinite()
    const s = createServeHandler({ runStops })
    const a = await (await s.handler(ingest('a', [{ step: 3, values: { loss: 'NaN' } }]))).json()
    expect(a).toMatchObject({ accepted: 1, stop: { rule: 'non_finite', step: 3 } })
    const b = await (await s.handler(ingest('b', [{ step: 3, values: { loss: 1 } }]))).json()
    expect(b).toMatchObject({ accepted: 1, stop: null })
    // Later points of a stopped run are kept and keep answering stop.
    expect(await (await s.handler(ingest('a', [{ step: 4, values: { loss: 1 } }]))).json()).toMatchObject({ accepted: 1, stop: { step: 3 } })
    await s.flush()
    expect((await s.store.query({ runs: ['a'], metrics: ['loss'] })).series[0]!.x.length).toBe(2)
    expect(await (await s.handler(req('/v1/runs/a/status'))).json()).toMatchObject({ run_id: 'a', stop: { step: 3 } })
    expect(await (await s.handler(req('/v1/runs/b/status'))).json()).toMatchObject({ run_id: 'b', stop: null })
  })

  it('feeds the tracking API metrics too', async () => {
    const runStops = firstNonFinite()
    const s = createServeHandler({ runStops })
    const exp = await (await s.handler(req('/api/v1/experiments', { method: 'POST', body: JSON.stringify({ name: 'e' }) }))).json()
    const run = await (await s.handler(req('/api/v1/runs', { method: 'POST', body: JSON.stringify({ experiment_id: exp.data.id }) }))).json()
    await s.handler(req(`/api/v1/runs/${run.data.id}/metrics`, { method: 'POST', body: JSON.stringify({ metrics: { loss: 'Infinity' }, step: 7 }) }))
    expect(await (await s.handler(req(`/v1/runs/${run.data.id}/status`))).json()).toMatchObject({ stop: { step: 7 } })
  })

  it('without runStops the reply still carries stop: null', async () => {
    const s = createServeHandler()
    expect(await (await s.handler(ingest('a', [{ step: 0, values: { loss: 'NaN' } }]))).json()).toMatchObject({ accepted: 1, stop: null })
    expect(await (await s.handler(req('/v1/runs/a/status'))).json()).toMatchObject({ stop: null })
  })

  it('a failing runStops goes to onError; the points are still accepted', async () => {
    const errors: unknown[] = []
    const s = createServeHandler({
      runStops: {
        observe: () => {
          throw new Error('observe broke')
        },
        stopOf: () => {
          throw new Error('stopOf broke')
        },
      },
      onError: (e) => errors.push(e),
    })
    const res = await s.handler(ingest('a', [{ step: 0, values: { loss: 1 } }]))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ accepted: 1, stop: null })
    expect(errors.map((e) => (e as Error).message)).toEqual(['observe broke', 'stopOf broke'])
  })

  it('the status route needs the token, GET only, and a valid run id', async () => {
    const s = createServeHandler({ runStops: firstNonFinite(), token: 'secret-token' })
    expect((await s.handler(req('/v1/runs/a/status'))).status).toBe(401)
    expect((await s.handler(req('/v1/runs/a/status', {}, 'secret-token'))).status).toBe(200)
    expect((await s.handler(req('/v1/runs/a/status', { method: 'POST', body: '{}' }, 'secret-token'))).status).toBe(400)
    for (const bad of ['%00x', '%E0%A4%A', '-x', 'a%2Fb', encodeURIComponent('x'.repeat(201))]) {
      const res = await s.handler(req(`/v1/runs/${bad}/status`, {}, 'secret-token'))
      expect(res.status).toBe(400)
      expect((await res.json()).error.code).toBe('ENTRENAR_INVALID_RUN_ID')
    }
  })

  it('refuses a runStops key it does not know to be an option (strict options still hold)', () => {
    expect(() => createServeHandler({ runStop: firstNonFinite() } as never)).toThrow(/runStop/)
  })
})
