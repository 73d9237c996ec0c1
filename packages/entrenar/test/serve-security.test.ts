import { existsSync, readFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../src/index.js'
import { cli, startServe, tempDir } from './helpers.js'

/** One request with exactly these headers (fetch cannot forge `Host`). */
function raw(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
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

/** Streams up to `total` bytes chunked whatever the server answers; the bytes it took before it stopped reading. */
function pushChunked(url: string, total: number, headers: Record<string, string> = {}): Promise<{ status: number; sent: number }> {
  return new Promise((resolve) => {
    let sent = 0
    let status = 0
    let done = false
    const finish = () => {
      if (!done) {
        done = true
        resolve({ status, sent })
      }
    }
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...headers } }, (res) => {
      status = res.statusCode ?? 0
      res.resume()
    })
    req.on('error', finish)
    req.on('close', finish)
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    const pump = () => {
      while (!done && sent < total) {
        sent += chunk.length
        if (!req.write(chunk)) return void req.once('drain', pump)
      }
      if (sent >= total) req.end()
    }
    pump()
  })
}

const bodies = (dir: string): Record<string, unknown> => ({
  '/v1/store/sql': { schema_version: 1, sql: `COPY (SELECT 'pwned') TO '${join(dir, 'csrf.txt')}'` },
  '/v1/ingest': { schema_version: 1, run_id: 'forged', points: [{ metric: 'loss', value: 1, step: 1 }] },
  '/v1/store/putRun': { schema_version: 1, run: { schema_version: 1, id: 'forged', name: 'forged', start_time_ms: 1, status: 'running', config: {}, tags: {} } },
  '/v1/silences/add': { schema_version: 1, spec: { matchers: [{ label: 'rule', value: 'nan', op: '=' }], duration_ms: 3_600_000, comment: 'forged' } },
  '/v1/andon/trigger': { schema_version: 1, alert: { level: 'critical', rule: 'forged', message: 'stop the line', run_id: 'forged', timestamp_ms: 1 } },
  '/v1/andon/reset': { schema_version: 1 },
  '/v1/store/close': { schema_version: 1 },
})

describe('entrenar serve against a hostile web page', () => {
  it('changes nothing for simple cross-origin, rebinding or non-JSON requests; the real client still works', async () => {
    const dir = tempDir('entrenar-serve-attack-')
    const { url, stop } = await startServe([dir])
    const port = new URL(url).port
    const BODIES = bodies(dir)
    try {
      const attacks: Record<string, string>[] = [
        // What any page can send without a preflight, through a DNS-rebinding name.
        { 'content-type': 'text/plain', origin: 'http://evil.example', host: `evil.example:${port}` },
        { 'content-type': 'text/plain', origin: 'http://evil.example', host: `127.0.0.1:${port}` },
        { 'content-type': 'text/plain', host: `127.0.0.1:${port}` },
        { 'content-type': 'application/x-www-form-urlencoded', host: `127.0.0.1:${port}` },
        { 'content-type': 'application/json', origin: 'http://evil.example', host: `127.0.0.1:${port}` },
        { 'content-type': 'application/json', origin: 'null', host: `127.0.0.1:${port}` },
        { 'content-type': 'application/json', host: `evil.example:${port}` },
      ]
      for (const [path, body] of Object.entries(BODIES)) {
        for (const headers of attacks) {
          const res = await raw(`${url}${path}`, 'POST', headers, JSON.stringify(body))
          expect([403, 415, 421], `${path} ${JSON.stringify(headers)}: ${res.text}`).toContain(res.status)
          expect(JSON.parse(res.text)).toMatchObject({ error: { code: expect.stringMatching(/^ENTRENAR_HTTP_(FORBIDDEN|MEDIA_TYPE|MISDIRECTED)$/) } })
          expect(res.headers['access-control-allow-origin']).toBeUndefined()
        }
      }
      // A preflight from another origin is refused, so the browser never sends the JSON request.
      expect((await raw(`${url}/v1/ingest`, 'OPTIONS', { origin: 'http://evil.example', 'access-control-request-method': 'POST' })).status).toBe(403)
      // close is administrative: refused even as well-formed JSON from the server's own origin.
      const own = { 'content-type': 'application/json', origin: url, host: `127.0.0.1:${port}` }
      const close = await raw(`${url}/v1/store/close`, 'POST', own, '{"schema_version":1}')
      expect(close.status).toBe(403)
      expect(JSON.parse(close.text).error.code).toBe('ENTRENAR_HTTP_FORBIDDEN')
      // Nothing changed: no incident, no silence, no forged run, the line runs, the store is open.
      expect(existsSync(join(dir, 'andon', 'incidents.jsonl'))).toBe(false)
      expect(existsSync(join(dir, 'csrf.txt'))).toBe(false)
      const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      expect(await (await post('/v1/silences/list', { schema_version: 1 })).json()).toMatchObject({ silences: [] })
      expect(((await (await post('/v1/store/runs', { schema_version: 1 })).json()) as { runs: unknown[] }).runs).toEqual([])
      expect(await (await post('/v1/andon/status', { schema_version: 1 })).json()).toMatchObject({ stopped: false, paused: false })
      expect(await (await post('/v1/andon/history', { schema_version: 1 })).json()).toMatchObject({ incidents: [] })
      const health = await fetch(`${url}/healthz`)
      expect(health.status).toBe(200)
      expect(await health.json()).toMatchObject({ status: 'ok' })
      // The same requests as JSON from the server's own origin are served (the refusals were the headers).
      expect((await post('/v1/ingest', BODIES['/v1/ingest'])).status).toBe(200)
      expect((await post('/v1/andon/trigger', BODIES['/v1/andon/trigger'])).status).toBe(200)
      // The incident file is appended in the background: once the legitimate incident is there, it is the only one.
      const file = join(dir, 'andon', 'incidents.jsonl')
      while (!existsSync(file) || !readFileSync(file, 'utf8').endsWith('\n')) await new Promise((r) => setTimeout(r, 10))
      expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1)
    } finally {
      expect(await stop()).toBe(0)
    }
  })

  it('answers 200 only for rows the store will keep (run id and timestamp checked before the acknowledgement)', async () => {
    const dir = tempDir('entrenar-serve-ack-')
    const { url, stop } = await startServe([dir, '--no-dashboard'])
    try {
      const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      const longId = 'r'.repeat(10_000)
      const write = await post('/v1/store/write', { schema_version: 1, run_id: longId, metric_names: ['loss'], metric: [0], value: [1], step: [1], timestamp_us: [1], epoch: [null], batch: [null], tag_sets: [], tag_index: [-1] })
      expect(write.status).toBe(400)
      expect(((await write.json()) as { error: { code: string } }).error.code).toBe('ENTRENAR_INVALID_RUN_ID')
      // 199 characters pass the ingest pattern, but ':' is escaped in the store's file names (3 bytes each).
      for (const [body, code] of [
        [{ schema_version: 1, run_id: 'huge-ts', points: [{ metric: 'loss', value: 1, step: 1, timestamp_us: 1e300 }] }, 'ENTRENAR_WIRE_INVALID'],
        [{ schema_version: 1, run_id: `a${':'.repeat(150)}`, points: [{ metric: 'loss', value: 1, step: 1 }] }, 'ENTRENAR_INVALID_RUN_ID'],
      ] as const) {
        const res = await post('/v1/ingest', body)
        expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400)
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code)
      }
      // Nothing was acknowledged, so nothing fails later: the next flush is clean and nothing was lost.
      expect((await post('/v1/store/flush', { schema_version: 1 })).status).toBe(200)
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^entrenar_serve_lost_rows_total 0$/m)
    } finally {
      await stop()
    }
  })

  it('stops reading 100 MB chunked bodies at the cap on every route (413)', async () => {
    const dir = tempDir('entrenar-serve-body-')
    const { url, stop } = await startServe([dir])
    try {
      for (const path of ['/v1/silences/add', '/api/series', '/v1/ingest', '/v1/store/query']) {
        const { status, sent } = await pushChunked(`${url}${path}`, 100 * 1024 * 1024)
        expect(status, path).toBe(413)
        // serve's cap is 8 MiB; beyond it only what the sockets buffer.
        expect(sent, path).toBeLessThan(32 * 1024 * 1024)
      }
      expect((await fetch(`${url}/healthz`)).status).toBe(200)
    } finally {
      await stop()
    }
  })

  it('lets the dashboard log in with /?token= behind a token, and keeps everything else behind it', async () => {
    const dir = tempDir('entrenar-serve-token-')
    const { url, stop } = await startServe([dir, '--token', 'web-t0ken'])
    try {
      expect((await fetch(`${url}/`)).status).toBe(401)
      expect((await fetch(`${url}/?token=wrong`)).status).toBe(401)
      const login = await fetch(`${url}/?token=web-t0ken`, { redirect: 'manual' })
      expect(login.status).toBe(303)
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!
      expect(cookie).toBe(`entrenar_dashboard_${new URL(url).port}=web-t0ken`)
      const page = await fetch(`${url}/`, { headers: { cookie } })
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('<html')
      const overview = await fetch(`${url}/api/overview`, { headers: { cookie } })
      expect(overview.status).toBe(200)
      const series = await fetch(`${url}/api/series`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ schema_version: 1 }) })
      expect(series.status).toBe(200)
      // The token in the query string opens only the page redirect, not the API.
      expect((await fetch(`${url}/metrics?token=web-t0ken`)).status).toBe(401)
      expect((await fetch(`${url}/v1/store/runs?token=web-t0ken`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"schema_version":1}' })).status).toBe(401)
    } finally {
      await stop()
    }
  })

  it('--cors-origin, --allowed-host and --admin-token open exactly what they name', async () => {
    const dir = tempDir('entrenar-serve-flags-')
    const { url, stop } = await startServe([dir, '--cors-origin', 'http://notebook.test:8888', '--allowed-host', 'box.lan', '--admin-token', 'admin-t0ken'])
    const port = new URL(url).port
    try {
      const json = { 'content-type': 'application/json' }
      const pre = await raw(`${url}/v1/store/runs`, 'OPTIONS', { origin: 'http://notebook.test:8888', 'access-control-request-method': 'POST' })
      expect(pre.status).toBe(204)
      expect(pre.headers['access-control-allow-origin']).toBe('http://notebook.test:8888')
      const cors = await raw(`${url}/v1/store/runs`, 'POST', { ...json, origin: 'http://notebook.test:8888' }, '{"schema_version":1}')
      expect(cors.status).toBe(200)
      expect(cors.headers['access-control-allow-origin']).toBe('http://notebook.test:8888')
      const other = await raw(`${url}/v1/store/runs`, 'POST', { ...json, origin: 'http://other.test:8888' }, '{"schema_version":1}')
      expect(other.status).toBe(403)
      expect((await raw(`${url}/healthz`, 'GET', { host: `box.lan:${port}` })).status).toBe(200)
      expect((await raw(`${url}/healthz`, 'GET', { host: `evil.example:${port}` })).status).toBe(421)
      expect((await raw(`${url}/v1/store/close`, 'POST', json, '{"schema_version":1}')).status).toBe(403)
      expect((await raw(`${url}/v1/store/close`, 'POST', { ...json, authorization: 'Bearer admin-t0ken' }, '{"schema_version":1}')).status).toBe(200)
      const health = await fetch(`${url}/healthz`)
      expect(health.status).toBe(503)
      expect(await health.json()).toMatchObject({ status: 'closed' })
    } finally {
      // Shutting down after an administrative close is still clean.
      expect(await stop()).toBe(0)
    }
  })

  it('dashboard --web refuses a non-loopback interface without a token', async () => {
    const dir = tempDir('entrenar-dash-host-')
    expect((await cli(['serve', dir, '--port', '0', '--host', '0.0.0.0'])).code).not.toBe(0)
    const r = await cli(['dashboard', dir, '--web', '--host', '0.0.0.0', '--port', '0'])
    expect(r.code).not.toBe(0)
    expect(r.err).toMatch(/requires a token/)
    // The explicit opt-out starts, and says loudly what it means.
    const ac = new AbortController()
    let err = ''
    let out = ''
    const exited = runCli(['dashboard', dir, '--web', '--host', '0.0.0.0', '--port', '0', '--insecure-no-token'], {
      out: (t) => (out += t),
      err: (t) => (err += t),
      env: {},
      signal: ac.signal,
    })
    while (!out.includes('web dashboard at')) await new Promise((res) => setTimeout(res, 10))
    ac.abort()
    expect(await exited).toBe(0)
    expect(err).toMatch(/WARNING: .*WITHOUT a token/)
  })
})
