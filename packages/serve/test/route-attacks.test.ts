// The routes added beside the contracts (the Rust tracking API, the per-run status, trueno-db's /query)
// behind serve's own guard: a rebinding Host, a cross-origin "simple" POST, an oversized body and hostile
// values are refused, and none of them leaves a run, an experiment or a point behind. (Hostile SQL on
// /query and /v1/store/sql is tested against DuckDB in sql.test.ts and db's sql-security.test.ts.)
import { createMemoryStore } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { createServeHandler } from '../src/index.js'

const WRITES: [method: string, path: string, body: unknown][] = [
  ['POST', '/api/v1/experiments', { name: 'e' }],
  ['POST', '/api/v1/runs', { experiment_id: 'exp-1' }],
  ['PATCH', '/api/v1/runs/r1', { status: 'completed' }],
  ['POST', '/api/v1/runs/r1/params', { params: { lr: 1 } }],
  ['POST', '/api/v1/runs/r1/metrics', { metrics: { loss: 1 }, step: 1 }],
  ['POST', '/query', { sql: 'select 1' }],
]
const READS = ['/health', '/api/v1/experiments', '/api/v1/runs/r1', '/v1/runs/r1/status']

function setup() {
  const store = createMemoryStore()
  const serve = createServeHandler({ store, sql: true, maxBodyBytes: 4096 })
  const send = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    serve.handler(
      new Request(`http://127.0.0.1${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    )
  const nothingKept = async () => {
    await serve.flush()
    expect(await store.runs()).toEqual([])
    expect(((await (await send('GET', '/api/v1/experiments', undefined)).json()) as { data: unknown[] }).data).toEqual([])
  }
  return { send, nothingKept, serve, store }
}

describe('tracking, status and /query routes under attack', () => {
  it('a rebinding Host gets 421 on every one of them', async () => {
    const { send, nothingKept } = setup()
    for (const [method, path, body] of WRITES) expect((await send(method, path, body, { host: 'evil.example' })).status, path).toBe(421)
    for (const path of READS) expect((await send('GET', path, undefined, { host: 'evil.example' })).status, path).toBe(421)
    await nothingKept()
  })

  it('a cross-origin text/plain POST (no preflight) changes nothing', async () => {
    const { send, nothingKept } = setup()
    for (const [method, path, body] of WRITES) {
      const r = await send(method, path, body, { 'content-type': 'text/plain', origin: 'http://evil.example' })
      expect([403, 415], `${method} ${path}: ${r.status}`).toContain(r.status)
      // JSON from a foreign origin is refused as well.
      expect((await send(method, path, body, { origin: 'http://evil.example' })).status, path).toBe(403)
    }
    await nothingKept()
  })

  it('an oversized body gets 413 before it is parsed', async () => {
    const { send, nothingKept } = setup()
    const big = 'x'.repeat(64 * 1024)
    for (const [method, path] of WRITES) {
      const r = await send(method, path, JSON.stringify({ name: big, sql: big, metrics: { [big]: 1 }, params: { big } }))
      expect(r.status, path).toBe(413)
    }
    await nothingKept()
  })

  it('hostile values are coded 4xx errors and keep nothing', async () => {
    const { send, serve, store } = setup()
    const exp = (await (await send('POST', '/api/v1/experiments', { name: 'e' })).json()) as { data: { id: string } }
    const hostile: [string, string, unknown][] = [
      ['POST', '/api/v1/experiments', { name: 'e', tags: { k: { nested: 1 } } }],
      ['POST', '/api/v1/experiments', { name: 'e', constructor: 'x' }],
      ['POST', '/api/v1/runs', { experiment_id: '../../etc/passwd' }],
      ['POST', '/api/v1/runs', { experiment_id: exp.data.id, name: 5 }],
      ['POST', '/api/v1/runs', { experiment_id: exp.data.id, status: 'finished' }],
      ['POST', '/api/v1/runs/..%2F..%2Fetc/metrics', { metrics: { loss: 1 } }],
    ]
    for (const [method, path, body] of hostile) {
      const r = await send(method, path, body)
      expect(r.status >= 400 && r.status < 500, `${method} ${path} ${JSON.stringify(body).slice(0, 60)}: ${r.status}`).toBe(true)
      expect(r.headers.get('x-entrenar-code'), path).toMatch(/^ENTRENAR_/)
    }
    for (const id of ['..%2F..%2Fetc', '%00x', 'x'.repeat(300)]) expect((await send('GET', `/v1/runs/${id}/status`, undefined)).status, id).toBe(400)
    // Only the one legitimate experiment exists; no run, no point.
    expect(((await (await send('GET', '/api/v1/experiments', undefined)).json()) as { data: unknown[] }).data).toHaveLength(1)
    await serve.flush()
    expect(await store.runs()).toEqual([])
  })
})
