/**
 * The Rust store server as a process: durability under SIGKILL, a torn tail, and the attacks its
 * HTTP front must refuse (foreign Host, non-JSON POST, missing token, a huge declared body).
 */
import { batchFromRows, createHttpClient, EntrenarError, type MetricStore, metricStoreContract } from '@entrenar/core'
import { spawnSync } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { STORE_SERVER_BIN, startRustStore } from './spawn.js'

const dir = mkdtempSync(join(tmpdir(), 'entrenar-rust-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const T0 = 1_700_000_000_000_000

function rows(from: number, n: number) {
  return Array.from({ length: n }, (_, i) => ({ metric: 'loss', step: from + i, value: from + i === 7 ? Number.NaN : 1 / (from + i + 1), timestampUs: T0 + (from + i) * 1000, epoch: null, batch: null, tags: null }))
}

/** Steps of run `run` that the store holds. */
async function stepsOf(store: MetricStore, run: string): Promise<number[]> {
  return Array.from((await store.query({ runs: [run], metrics: ['loss'] })).series[0]?.x ?? [])
}

/** A raw HTTP request with full control over the headers (fetch forbids setting Host). */
function raw(url: string, method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; code: string | undefined }> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers }, setHost: false }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: res.headers['x-entrenar-code'] as string | undefined }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('entrenar-store-server durability', () => {
  it('every acknowledged row survives kill -9 in the middle of a write stream', async () => {
    const data = join(dir, 'kill.store')
    const server = await startRustStore(data)
    const store = createHttpClient(metricStoreContract, server.url, { timeoutMs: 5000 })
    const acked = new Map<string, number[]>()
    let stop = false
    const writer = async (w: number) => {
      const run = `w${w}`
      acked.set(run, [])
      for (let s = 0; !stop; s += 10) {
        try {
          await store.write(batchFromRows(run, rows(s, 10)))
        } catch {
          return // the server died under us: this batch was not acknowledged
        }
        acked.get(run)!.push(...rows(s, 10).map((r) => r.step))
      }
    }
    const writers = [0, 1, 2, 3].map(writer)
    // Kill while the four writers are mid-stream, once a good number of rows is acknowledged.
    while ([...acked.values()].reduce((a, b) => a + b.length, 0) < 400) await new Promise((r) => setTimeout(r, 5))
    await server.kill()
    stop = true
    await Promise.all(writers)
    const again = await startRustStore(data)
    try {
      const back = createHttpClient(metricStoreContract, again.url)
      let total = 0
      for (const [run, steps] of acked) {
        const held = await stepsOf(back, run)
        const kept = new Set(held)
        for (const s of steps) expect(kept.has(s), `${run} step ${s} was acknowledged but is gone`).toBe(true)
        // At most the one batch in flight at the kill may be there beyond the acknowledged rows.
        expect(held.length - steps.length).toBeGreaterThanOrEqual(0)
        expect(held.length - steps.length).toBeLessThanOrEqual(10)
        total += steps.length
      }
      expect(total).toBeGreaterThanOrEqual(400)
      // NaN survived the file too.
      const w0 = (await back.query({ runs: ['w0'], metrics: ['loss'], steps: [7, 7] })).series[0]
      expect(Number.isNaN(w0?.value[0])).toBe(true)
    } finally {
      await again.stop()
    }
  })

  it('a torn tail is cut at restart, earlier rows stay, and writing continues', async () => {
    const data = join(dir, 'torn.store')
    const first = await startRustStore(data)
    await createHttpClient(metricStoreContract, first.url).write(batchFromRows('torn', rows(0, 5)))
    await first.kill()
    // A frame header announcing 1000 bytes followed by 3: an append cut short by the crash.
    const header = Buffer.alloc(8)
    header.writeUInt32LE(1000, 0)
    appendFileSync(data, Buffer.concat([header, Buffer.from('B{"')]))
    const second = await startRustStore(data)
    try {
      const store = createHttpClient(metricStoreContract, second.url)
      expect(await stepsOf(store, 'torn')).toEqual([0, 1, 2, 3, 4])
      await store.write(batchFromRows('torn', rows(5, 1)))
      expect(await stepsOf(store, 'torn')).toEqual([0, 1, 2, 3, 4, 5])
      expect(second.stderr()).toMatch(/torn tail of 11 bytes/)
    } finally {
      await second.stop()
    }
  })

  it('a second server on the same file refuses to start (frames of two writers would interleave)', async () => {
    const data = join(dir, 'twice.store')
    const first = await startRustStore(data)
    try {
      await expect(startRustStore(data)).rejects.toThrow(/exited \(2\).*in use by another process/)
      await createHttpClient(metricStoreContract, first.url).write(batchFromRows('once', rows(0, 1)))
    } finally {
      await first.stop()
    }
  })

  it('a corrupt frame followed by data refuses to start (ENTRENAR_DB_CORRUPT), rather than dropping rows', async () => {
    const data = join(dir, 'corrupt.store')
    const first = await startRustStore(data)
    const store = createHttpClient(metricStoreContract, first.url)
    await store.write(batchFromRows('c', rows(0, 2)))
    await store.write(batchFromRows('c', rows(2, 2)))
    await first.stop()
    const bytes = (await import('node:fs')).readFileSync(data)
    bytes[30] = bytes[30]! ^ 0xff // inside the first frame's payload
    ;(await import('node:fs')).writeFileSync(data, bytes)
    await expect(startRustStore(data)).rejects.toThrow(/ENTRENAR_DB_CORRUPT/)
  })
})

describe('entrenar-store-server HTTP front', () => {
  it('refuses foreign Host names, non-JSON POSTs, missing tokens and oversized bodies with coded errors', async () => {
    const server = await startRustStore(join(dir, 'front.store'), ['--token', 'tok', '--max-body-bytes', '4096'])
    try {
      const ok = { host: new URL(server.url).host, 'content-type': 'application/json', authorization: 'Bearer tok' }
      const body = '{"schema_version":1}'
      expect(await raw(server.url, 'POST', '/v1/store/runs', ok, body)).toEqual({ status: 200, code: undefined })
      // DNS rebinding: evil.example resolving to 127.0.0.1 still sends Host: evil.example.
      expect(await raw(server.url, 'POST', '/v1/store/runs', { ...ok, host: 'evil.example' }, body)).toEqual({ status: 421, code: 'ENTRENAR_HTTP_MISDIRECTED' })
      // CSRF: a cross-origin form can post text/plain without a preflight.
      expect(await raw(server.url, 'POST', '/v1/store/write', { ...ok, 'content-type': 'text/plain' }, body)).toEqual({ status: 415, code: 'ENTRENAR_HTTP_MEDIA_TYPE' })
      expect(await raw(server.url, 'POST', '/v1/store/runs', { ...ok, authorization: 'Bearer tol' }, body)).toEqual({ status: 401, code: 'ENTRENAR_HTTP_UNAUTHORIZED' })
      expect(await raw(server.url, 'POST', '/v1/store/runs', ok, `{"schema_version":1,"x":"${'a'.repeat(5000)}"}`)).toEqual({ status: 413, code: 'ENTRENAR_BODY_TOO_LARGE' })
      expect(await raw(server.url, 'GET', '/healthz', { host: ok.host })).toEqual({ status: 200, code: undefined })
      // The client sees the server's codes as EntrenarError codes.
      const anon = createHttpClient(metricStoreContract, server.url)
      await expect(anon.runs()).rejects.toMatchObject({ code: 'ENTRENAR_HTTP_UNAUTHORIZED' })
      await expect(anon.runs()).rejects.toBeInstanceOf(EntrenarError)
    } finally {
      await server.stop()
    }
  })

  it('a huge declared Content-Length answered 413 does not bring the server down', async () => {
    const server = await startRustStore(join(dir, 'huge.store'))
    try {
      const u = new URL(server.url)
      const head = await new Promise<string>((resolve, reject) => {
        const sock = connect(Number(u.port), u.hostname, () => {
          sock.write(`POST /v1/store/runs HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: 100000000000000\r\n\r\n{}`)
        })
        let got = ''
        sock.setEncoding('utf8').on('data', (d: string) => {
          got += d
          if (got.includes('\r\n\r\n')) {
            sock.destroy()
            resolve(got)
          }
        })
        sock.on('error', reject)
      })
      expect(head).toMatch(/^HTTP\/1.1 413/)
      await new Promise((r) => setTimeout(r, 200))
      expect(server.proc.exitCode).toBeNull()
      expect(await createHttpClient(metricStoreContract, server.url).runs()).toEqual([])
    } finally {
      await server.stop()
    }
  })

  it('a client that stops sending (in its headers or its body) is cut off, and others are still served', async () => {
    const server = await startRustStore(join(dir, 'slow.store'), ['--read-timeout-ms', '300'])
    try {
      const u = new URL(server.url)
      // Resolves when the server closes the connection; without a read timeout it never does (the test then times out).
      const stall = (bytes: string) =>
        new Promise<string>((resolve, reject) => {
          let got = ''
          const sock = connect(Number(u.port), u.hostname, () => sock.write(bytes))
          sock.setEncoding('utf8').on('data', (d: string) => (got += d))
          sock.on('close', () => resolve(got))
          sock.on('error', reject)
        })
      const [inBody, inHeaders] = await Promise.all([
        stall(`POST /v1/store/runs HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"schema_version":`),
        stall(`POST /v1/store/runs HTTP/1.1\r\nHost: ${u.host}\r\nContent-Ty`),
      ])
      expect(inBody).toMatch(/^HTTP\/1.1 400/)
      expect(inHeaders).toBe('')
      expect(await createHttpClient(metricStoreContract, server.url).runs()).toEqual([])
    } finally {
      await server.stop()
    }
  })

  it('refuses to bind a non-loopback interface without a token, and unknown options', () => {
    const noToken = spawnSync(STORE_SERVER_BIN, ['--data', join(dir, 'x.store'), '--host', '0.0.0.0', '--port', '0'], { encoding: 'utf8', env: { PATH: process.env.PATH } })
    expect(noToken.status).toBe(2)
    expect(noToken.stderr).toMatch(/ENTRENAR_INVALID_CONFIG.*requires a bearer token/)
    const unknown = spawnSync(STORE_SERVER_BIN, ['--data', join(dir, 'x.store'), '--prot', '1'], { encoding: 'utf8' })
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toMatch(/unknown option --prot/)
  })
})
