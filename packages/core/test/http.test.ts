import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batchFromRows, createHttpClient, createHttpHandler, createMemoryStore, EntrenarError, metricStoreContract } from '@entrenar/core'
import { type RunningServer, serveHandler } from '@entrenar/core/node'

let server: RunningServer
const TOKEN = 's3cret'

beforeAll(async () => {
  server = await serveHandler(createHttpHandler(metricStoreContract, createMemoryStore(), { token: TOKEN, maxBodyBytes: 10_000 }))
})
afterAll(async () => server.close())

const post = (path: string, body: string, auth = `Bearer ${TOKEN}`) =>
  fetch(`${server.url}${path}`, { method: 'POST', body, headers: { authorization: auth, 'content-type': 'application/json' } })

describe('HTTP handler', () => {
  it('binds loopback', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('answers coded errors for bad requests', async () => {
    const cases: [string, string, string | undefined, number, string][] = [
      ['/v1/store/nope', '{}', undefined, 404, 'ENTRENAR_HTTP_NOT_FOUND'],
      ['/v1/other/query', '{}', undefined, 404, 'ENTRENAR_HTTP_NOT_FOUND'],
      ['/v1/store/query', '{', undefined, 400, 'ENTRENAR_WIRE_INVALID'],
      ['/v1/store/query', '{"schema_version":9}', undefined, 400, 'ENTRENAR_WIRE_VERSION'],
      ['/v1/store/query', '{"schema_version":1,"aggregate":"median"}', undefined, 400, 'ENTRENAR_WIRE_INVALID'],
      ['/v1/store/query', '{"schema_version":1}', 'Bearer wrong', 401, 'ENTRENAR_HTTP_UNAUTHORIZED'],
      ['/v1/store/query', `{"schema_version":1,"runs":["${'x'.repeat(20_000)}"]}`, undefined, 413, 'ENTRENAR_BODY_TOO_LARGE'],
    ]
    for (const [path, body, auth, status, code] of cases) {
      const res = await post(path, body, auth)
      expect(res.status, `${path} ${body.slice(0, 40)}`).toBe(status)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code)
    }
  })

  it('the client rethrows server errors as EntrenarError with the same code', async () => {
    const client = createHttpClient(metricStoreContract, server.url, { token: TOKEN })
    await expect(client.sql!('select 1')).rejects.toMatchObject({ code: 'ENTRENAR_UNSUPPORTED' })
    const bad = createHttpClient(metricStoreContract, server.url, { token: 'nope' })
    await expect(bad.runs()).rejects.toBeInstanceOf(EntrenarError)
  })

  it('reports transport failures with ENTRENAR_HTTP_TRANSPORT', async () => {
    const client = createHttpClient(metricStoreContract, 'http://127.0.0.1:1', { timeoutMs: 2000 })
    await expect(client.runs()).rejects.toMatchObject({ code: 'ENTRENAR_HTTP_TRANSPORT' })
  })

  it('round-trips a batch written over HTTP', async () => {
    const client = createHttpClient(metricStoreContract, server.url, { token: TOKEN })
    await client.write(batchFromRows('r', [{ metric: 'loss', value: -0, step: 1, timestampUs: 1, epoch: 0, batch: 0, tags: { k: 'v' } }]))
    const s = (await client.query({ runs: ['r'] })).series[0]!
    expect(Object.is(s.value[0], -0)).toBe(true)
  })
})

describe('combineHandlers', () => {
  it('passes over "no such route" but keeps a method\'s own ENTRENAR_NOT_FOUND answer', async () => {
    const { combineHandlers, errorResponse } = await import('@entrenar/core')
    const notMine = async () => new Response('nope', { status: 404 })
    const unknownId = async () => errorResponse('ENTRENAR_NOT_FOUND', 'entrenar/graph: no model m9')
    const fallback = async () => errorResponse('ENTRENAR_HTTP_NOT_FOUND', 'entrenar/core: nothing here')
    const combined = combineHandlers(notMine, unknownId, fallback)
    const res = await combined(new Request('http://127.0.0.1/v1/lineage/getModel', { method: 'POST', body: '{}' }))
    expect(res.status).toBe(404)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ENTRENAR_NOT_FOUND')
    const routed = combineHandlers(notMine, fallback)
    expect(((await (await routed(new Request('http://127.0.0.1/x'))).json()) as { error: { code: string } }).error.code).toBe('ENTRENAR_HTTP_NOT_FOUND')
  })
})
