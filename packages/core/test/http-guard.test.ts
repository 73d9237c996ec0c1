import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  batchFromRows,
  constantTimeEqual,
  contractMethods,
  createHttpClient,
  createHttpHandler,
  createMemoryStore,
  createRequestGuard,
  hasToken,
  type MetricStore,
  metricStoreContract,
  readBody,
} from '../src/index.js'
import { boundHostNames, type RunningServer, serveHandler } from '../src/node.js'
import { pushChunked } from './helpers/push-chunked.js'

/** One request with exactly the given headers (fetch cannot forge `Host`). */
export function raw(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => {
        text += c
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const get = (url: string, headers: Record<string, string>) => new Request(url, { headers })
const post = (url: string, headers: Record<string, string>, body = '{}') => new Request(url, { method: 'POST', headers, body })

describe('createRequestGuard', () => {
  it('answers 421 to a Host that is not a name of the server (DNS rebinding)', () => {
    const guard = createRequestGuard({ port: 9464 })
    for (const host of ['localhost:9464', '127.0.0.1:9464', '[::1]:9464', 'LOCALHOST:9464']) expect(guard.check(get('http://x/', { host })), host).toBeUndefined()
    for (const host of ['evil.example:9464', 'localhost:1234', '127.0.0.2:9464', 'localhost.evil.example:9464', '', 'a b', 'localhost:9464:1']) {
      const res = guard.check(get('http://x/', { host }))
      expect(res?.status, host).toBe(421)
      expect(res?.headers.get('x-entrenar-code')).toBe('ENTRENAR_HTTP_MISDIRECTED')
    }
    // Configured names: any port (a proxy in front), or exactly `name:port`.
    const lan = createRequestGuard({ allowedHosts: ['127.0.0.1', 'box.lan', '10.0.0.5:8080', '::1'], port: 9464 })
    expect(lan.check(get('http://x/', { host: 'box.lan' }))).toBeUndefined()
    expect(lan.check(get('http://x/', { host: '10.0.0.5:8080' }))).toBeUndefined()
    expect(lan.check(get('http://x/', { host: '[::1]:9464' }))).toBeUndefined()
    expect(lan.check(get('http://x/', { host: '10.0.0.5:9464' }))?.status).toBe(421)
    expect(lan.check(get('http://x/', { host: 'localhost:9464' }))?.status).toBe(421)
    expect(() => createRequestGuard({ allowedHosts: ['a/b'] })).toThrow(/allowed host/)
  })

  it('refuses state-changing requests that a page of another origin can send without a preflight', () => {
    const guard = createRequestGuard({ port: 80 })
    const host = { host: 'localhost' }
    expect(guard.check(post('http://localhost/v1/x', { ...host, 'content-type': 'application/json' }))).toBeUndefined()
    expect(guard.check(post('http://localhost/v1/x', { ...host, 'content-type': 'application/json; charset=utf-8', origin: 'http://localhost' }))).toBeUndefined()
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', 'application/jsonx']) {
      const res = guard.check(post('http://localhost/v1/x', { ...host, ...(type ? { 'content-type': type } : {}) }))
      expect(res?.status, type).toBe(415)
      expect(res?.headers.get('x-entrenar-code')).toBe('ENTRENAR_HTTP_MEDIA_TYPE')
    }
    for (const origin of ['http://evil.example', 'null', 'http://localhost:3000', 'https://localhost']) {
      const res = guard.check(post('http://localhost/v1/x', { ...host, 'content-type': 'application/json', origin }))
      expect(res?.status, origin).toBe(403)
      expect(res?.headers.get('x-entrenar-code')).toBe('ENTRENAR_HTTP_FORBIDDEN')
    }
    expect(guard.check(post('http://localhost/v1/x', { ...host, 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }))?.status).toBe(403)
    // Behind a TLS proxy the page's origin is https: the proxy says so in X-Forwarded-Proto.
    const proxied = { host: 'localhost', 'content-type': 'application/json', origin: 'https://localhost' }
    expect(guard.check(post('http://localhost/v1/x', { ...proxied, 'x-forwarded-proto': 'https' }))).toBeUndefined()
    expect(guard.check(post('http://localhost/v1/x', { ...proxied, origin: 'https://localhost:8443', 'x-forwarded-proto': 'https' }))?.status).toBe(403)
    // Reads pass (a page of another origin cannot read the answer without CORS headers).
    expect(guard.check(get('http://localhost/api/overview', { ...host, origin: 'http://evil.example' }))).toBeUndefined()
  })

  it('sends CORS headers only to the configured origins', () => {
    const none = createRequestGuard()
    const pre = new Request('http://localhost/v1/x', { method: 'OPTIONS', headers: { host: 'localhost', origin: 'http://evil.example' } })
    expect(none.check(pre)?.status).toBe(403)
    expect(none.cors(pre, new Response('x')).headers.get('access-control-allow-origin')).toBeNull()
    const guard = createRequestGuard({ corsOrigins: ['http://notebook.lan:8888'] })
    const ok = new Request('http://localhost/v1/x', { method: 'OPTIONS', headers: { host: 'localhost', origin: 'http://notebook.lan:8888' } })
    const answer = guard.check(ok)
    expect(answer?.status).toBe(204)
    expect(answer?.headers.get('access-control-allow-origin')).toBe('http://notebook.lan:8888')
    expect(guard.check(post('http://localhost/v1/x', { host: 'localhost', origin: 'http://notebook.lan:8888', 'content-type': 'application/json' }))).toBeUndefined()
    expect(guard.check(post('http://localhost/v1/x', { host: 'localhost', origin: 'http://notebook.lan:8888', 'content-type': 'text/plain' }))?.status).toBe(415)
    expect(guard.cors(ok, new Response('x')).headers.get('access-control-allow-origin')).toBe('http://notebook.lan:8888')
    expect(() => createRequestGuard({ corsOrigins: ['*'] })).toThrow(/CORS origin/)
  })
})

describe('tokens', () => {
  it('compares in constant time and accepts the bearer or, when asked, the dashboard cookie', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true)
    for (const got of ['abd', 'ab', 'abcd', '', 'ABC']) expect(constantTimeEqual(got, 'abc'), got).toBe(false)
    const url = 'http://localhost:9464/'
    expect(hasToken(get(url, { authorization: 'Bearer s3' }), 's3')).toBe(true)
    expect(hasToken(get(url, { authorization: 'Bearer s' }), 's3')).toBe(false)
    expect(hasToken(get(url, { cookie: 'entrenar_dashboard_9464=s3' }), 's3')).toBe(false)
    expect(hasToken(get(url, { cookie: 'a=1; entrenar_dashboard_9464=s3' }), 's3', { cookie: true })).toBe(true)
    expect(hasToken(get(url, { cookie: 'entrenar_dashboard_9465=s3' }), 's3', { cookie: true })).toBe(false)
    expect(hasToken(get(url, { cookie: 'entrenar_dashboard_9464=%E0' }), 's3', { cookie: true })).toBe(false)
    expect(hasToken(get(url, {}), undefined)).toBe(true)
  })
})

describe('readBody', () => {
  it('stops at the cap, declared or streamed', async () => {
    await expect(readBody(post('http://localhost/', { 'content-length': '100' }, 'x'.repeat(100)), { maxBytes: 99 })).rejects.toMatchObject({ code: 'ENTRENAR_BODY_TOO_LARGE' })
    let pulled = 0
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++
        c.enqueue(new Uint8Array(1024))
      },
    })
    const req = new Request('http://localhost/', { method: 'POST', body: endless, duplex: 'half' } as RequestInit)
    await expect(readBody(req, { maxBytes: 10 * 1024 })).rejects.toMatchObject({ code: 'ENTRENAR_BODY_TOO_LARGE' })
    expect(pulled).toBeLessThan(20)
    expect(await readBody(post('http://localhost/', {}, 'héllo'), { maxBytes: 6 })).toBe('héllo')
    await expect(readBody(post('http://localhost/', { 'content-encoding': 'br' }, 'x'), { maxBytes: 10 })).rejects.toMatchObject({ code: 'ENTRENAR_WIRE_INVALID' })
  })
})

describe('createHttpHandler over node:http', () => {
  let store: MetricStore
  let server: RunningServer
  beforeAll(async () => {
    store = createMemoryStore()
    server = await serveHandler(createHttpHandler(metricStoreContract, store, { maxBodyBytes: 1024 * 1024 }))
  })
  afterAll(() => server.close())

  const forged = batchFromRows('forged', [{ metric: 'loss', value: 1, step: 1, timestampUs: 1, epoch: null, batch: null, tags: null }])
  const write = JSON.stringify(new Map(contractMethods(metricStoreContract)).get('write')!.encodeRequest(forged))

  it('changes nothing for a text/plain POST from an evil origin or a rebinding Host', async () => {
    const port = new URL(server.url).port
    const attacks: Record<string, string>[] = [
      { 'content-type': 'text/plain', origin: 'http://evil.example', host: `evil.example:${port}` },
      { 'content-type': 'text/plain', host: `127.0.0.1:${port}` },
      { 'content-type': 'application/json', origin: 'http://evil.example', host: `127.0.0.1:${port}` },
      { 'content-type': 'application/json', host: `evil.example:${port}` },
    ]
    for (const headers of attacks) {
      const res = await raw(`${server.url}/v1/store/write`, 'POST', headers, write)
      expect([403, 415, 421], JSON.stringify(headers)).toContain(res.status)
      expect(res.headers['access-control-allow-origin']).toBeUndefined()
    }
    expect(await store.runs()).toEqual([])
    expect((await store.query({ runs: ['forged'] })).series).toEqual([])
    // The same body as JSON from the server's own origin is taken: the refusals above were the headers.
    const own = await raw(`${server.url}/v1/store/write`, 'POST', { 'content-type': 'application/json', origin: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}` }, write)
    expect(own.status).toBe(200)
    expect((await store.query({ runs: ['forged'] })).series).toHaveLength(1)
    await createHttpClient(metricStoreContract, server.url).flush()
  })

  it('stops reading a 100 MB chunked body at the cap (413)', async () => {
    const { status, sent } = await pushChunked(`${server.url}/v1/store/write`, 100 * 1024 * 1024)
    expect(status).toBe(413)
    // The cap is 1 MiB; what the server took beyond it is what the sockets buffer, not the body.
    expect(sent).toBeLessThan(24 * 1024 * 1024)
  })
})

describe('boundHostNames', () => {
  it('names what a server bound to an interface answers to', () => {
    expect(boundHostNames('127.0.0.1')).toBeUndefined()
    expect(boundHostNames('localhost')).toBeUndefined()
    expect(boundHostNames('::1')).toBeUndefined()
    // Another loopback address is a name of its own.
    expect(boundHostNames('127.0.0.2')).toContain('127.0.0.2')
    expect(boundHostNames('10.1.2.3', ['box.lan'])).toEqual(expect.arrayContaining(['localhost', '127.0.0.1', '[::1]', 'box.lan', '10.1.2.3']))
    expect(boundHostNames('fe80::1')).toContain('[fe80::1]')
    const all = boundHostNames('0.0.0.0')!
    expect(all).toContain('127.0.0.1')
    expect(all).not.toContain('evil.example')
  })
})
