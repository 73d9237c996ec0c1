import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createHttpClient, createHttpHandler, createMemoryStore, EntrenarError, type MetricStore, metricStoreContract, type SqlOptions, sqlFromWire, sqlToWire } from '@entrenar/core'
import { serveHandler } from '@entrenar/core/node'
import { describe, expect, it } from 'vitest'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** A store whose sql() runs until its signal aborts, and records how each call ended. */
function waitingStore(): { store: MetricStore; calls: Promise<string>[] } {
  const calls: Promise<string>[] = []
  const store: MetricStore = Object.assign(createMemoryStore(), {
    sql: (_text: string, options?: SqlOptions) => {
      const p = new Promise<never>((_, reject) => {
        const signal = options?.signal
        if (!signal) return // without a signal the call never ends: the test times out
        signal.addEventListener('abort', () => reject(new EntrenarError('ENTRENAR_SQL_CANCELLED', 'cancelled')), { once: true })
      })
      calls.push(p.catch((e: unknown) => (e as EntrenarError).code))
      return p
    },
  })
  return { store, calls }
}

const body = JSON.stringify({ schema_version: 1, sql: 'SELECT 1' })

describe('a call learns that its HTTP client went away', () => {
  it('the handler passes the request signal to the method, even after garbage collection (the Request is held while it runs)', async () => {
    const { store, calls } = waitingStore()
    const handler = createHttpHandler(metricStoreContract, store)
    const root = new AbortController()
    // No reference to the Request is kept here: only the handler holds it.
    const answer = handler(new Request('http://127.0.0.1/v1/store/sql', { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: root.signal }))
    while (calls.length === 0) await new Promise((r) => setTimeout(r, 5))
    for (let i = 0; i < 3; i++) {
      gc()
      await new Promise((r) => setTimeout(r, 5))
    }
    root.abort()
    expect(await calls[0]).toBe('ENTRENAR_SQL_CANCELLED')
    expect((await answer).status).toBe(499)
  })

  it('over a socket: closing the connection aborts the call; the client passes its own signal', async () => {
    const { store, calls } = waitingStore()
    const server = await serveHandler(createHttpHandler(metricStoreContract, store))
    try {
      const client = createHttpClient(metricStoreContract, server.url)
      const mine = new AbortController()
      const call = client.sql!('SELECT 1', { signal: mine.signal })
      while (calls.length === 0) await new Promise((r) => setTimeout(r, 5))
      gc()
      mine.abort()
      await expect(call).rejects.toMatchObject({ code: 'ENTRENAR_HTTP_TRANSPORT' })
      expect(await calls[0]).toBe('ENTRENAR_SQL_CANCELLED')
    } finally {
      await server.close()
    }
  })
})

describe('SQL result wire', () => {
  it('NaN, ±Infinity and -0 survive in float columns and lists; strings that spell them stay strings', () => {
    const r = {
      columns: ['v', 's', 'l', 'n'],
      columnTypes: ['DOUBLE', 'VARCHAR', 'FLOAT[]', 'BIGINT'],
      rows: [
        [Number.NaN, 'NaN', [Number.NEGATIVE_INFINITY, 1], '9007199254740993'],
        [-0, 'Infinity', [], 3],
      ],
      truncated: true,
    }
    const wire = JSON.parse(JSON.stringify(sqlToWire(r)))
    expect(wire.rows).toEqual([
      ['NaN', 'NaN', ['-Infinity', 1], '9007199254740993'],
      ['-0', 'Infinity', [], 3],
    ])
    const back = sqlFromWire(wire)
    expect(back).toEqual(r)
    expect(Object.is(back.rows[1]![0], -0)).toBe(true)
  })
})
