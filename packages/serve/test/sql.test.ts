import { createHttpClient, createMemoryStore, EntrenarError, type MetricStore, metricStoreContract, type SqlOptions } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { createServeHandler, startServer } from '../src/index.js'

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

/** A store with a stand-in sql(): it records each call and answers rows with NaN/±Inf, or waits for its signal. */
function sqlStore(): { store: MetricStore; calls: { text: string; options: SqlOptions | undefined; ended?: string }[] } {
  const calls: { text: string; options: SqlOptions | undefined; ended?: string }[] = []
  const store: MetricStore = Object.assign(createMemoryStore(), {
    sql(text: string, options?: SqlOptions): ReturnType<NonNullable<MetricStore['sql']>> {
      const call: (typeof calls)[number] = { text, options }
      calls.push(call)
      if (text === 'wait') {
        return new Promise((_, reject) => {
          options?.signal?.addEventListener('abort', () => {
            call.ended = 'aborted'
            reject(new EntrenarError('ENTRENAR_SQL_CANCELLED', 'cancelled'))
          })
        })
      }
      if (text === 'forbidden') return Promise.reject(new EntrenarError('ENTRENAR_SQL_FORBIDDEN', 'entrenar/db: SQL is read-only'))
      return Promise.resolve({ columns: ['v', 's'], columnTypes: ['DOUBLE', 'VARCHAR'], rows: [[Number.NaN, 'NaN'], [Number.NEGATIVE_INFINITY, 'x']], truncated: true })
    },
  })
  return { store, calls }
}

describe('SQL is served only when asked', () => {
  it('off by default: /v1/store/sql and /query answer 403 ENTRENAR_SQL_DISABLED, the admin token included, and the store is never called', async () => {
    const { store, calls } = sqlStore()
    const server = await startServer({ store, adminToken: 'admin-token-1' })
    try {
      for (const headers of [{}, { authorization: 'Bearer admin-token-1' }] as Record<string, string>[]) {
        const a = await post(`${server.url}/v1/store/sql`, { schema_version: 1, sql: 'SELECT 1' }, headers)
        expect(a.status).toBe(403)
        expect(await a.json()).toMatchObject({ error: { code: 'ENTRENAR_SQL_DISABLED', message: expect.stringContaining('--sql') } })
        const b = await post(`${server.url}/query`, { sql: 'SELECT 1' }, headers)
        expect(b.status).toBe(403)
        expect(await b.json()).toMatchObject({ code: 'ENTRENAR_SQL_DISABLED', error: expect.stringContaining('--sql') })
      }
      await expect(createHttpClient(metricStoreContract, server.url).sql!('SELECT 1')).rejects.toMatchObject({ code: 'ENTRENAR_SQL_DISABLED' })
      expect(calls).toEqual([])
    } finally {
      await server.close()
    }
  })

  it('sql must be a boolean', () => {
    expect(() => createServeHandler({ sql: 'yes' as never })).toThrow(/sql must be true or false/)
  })

  it('with sql: true, both routes reach the store with the request signal; trueno-db shape on /query, NaN/±Inf kept', async () => {
    const { store, calls } = sqlStore()
    const server = await startServer({ store, sql: true })
    try {
      const viaContract = await createHttpClient(metricStoreContract, server.url).sql!('SELECT v')
      expect(viaContract).toEqual({ columns: ['v', 's'], columnTypes: ['DOUBLE', 'VARCHAR'], rows: [[Number.NaN, 'NaN'], [Number.NEGATIVE_INFINITY, 'x']], truncated: true })
      const q = await post(`${server.url}/query`, { sql: 'SELECT v' })
      expect(q.status).toBe(200)
      expect(await q.json()).toEqual({ columns: ['v', 's'], column_types: ['DOUBLE', 'VARCHAR'], rows: [['NaN', 'NaN'], ['-Infinity', 'x']], row_count: 2, truncated: true })
      expect(calls.map((c) => c.text)).toEqual(['SELECT v', 'SELECT v'])
      expect(calls.every((c) => c.options?.signal instanceof AbortSignal)).toBe(true)
      const bad = await post(`${server.url}/query`, { sql: 'forbidden' })
      expect(bad.status).toBe(403)
      expect(await bad.json()).toEqual({ error: 'entrenar/db: SQL is read-only', code: 'ENTRENAR_SQL_FORBIDDEN' })
      for (const body of [{ query: 'SELECT 1' }, { sql: 'SELECT 1', timeout_ms: 1e9 }, ['SELECT 1'], 'SELECT 1']) {
        const r = await post(`${server.url}/query`, body)
        expect(r.status).toBe(400)
        expect(await r.json()).toMatchObject({ code: 'ENTRENAR_WIRE_INVALID' })
      }
    } finally {
      await server.close()
    }
  })

  it('a client that disconnects aborts its statement, on /v1/store/sql and on /query', async () => {
    const { store, calls } = sqlStore()
    const server = await startServer({ store, sql: true })
    try {
      for (const [path, body] of [
        ['/v1/store/sql', { schema_version: 1, sql: 'wait' }],
        ['/query', { sql: 'wait' }],
      ] as const) {
        const n = calls.length
        const ac = new AbortController()
        const gone = fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: ac.signal }).catch(() => 'gone')
        while (calls.length === n) await new Promise((r) => setTimeout(r, 5))
        ac.abort()
        expect(await gone).toBe('gone')
        while (calls[n]!.ended === undefined) await new Promise((r) => setTimeout(r, 5))
        expect(calls[n]!.ended).toBe('aborted')
      }
    } finally {
      await server.close()
    }
  })

  it('a text/plain POST to /query (a page of another origin) is refused before the store sees it', async () => {
    const { store, calls } = sqlStore()
    const server = await startServer({ store, sql: true })
    try {
      const r = await fetch(`${server.url}/query`, { method: 'POST', headers: { 'content-type': 'text/plain', origin: 'http://evil.example' }, body: JSON.stringify({ sql: 'SELECT 1' }) })
      expect(r.status).toBeGreaterThanOrEqual(400)
      expect(calls).toEqual([])
    } finally {
      await server.close()
    }
  })
})
