import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { batchFromRows, createHttpClient, createHttpHandler, type MetricStore, metricStoreContract, type SqlOptions } from '@entrenar/core'
import { serveHandler } from '@entrenar/core/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore, type ParquetStore } from '../src/index.js'
import { rows, T0, tempDir } from './helpers/fixtures.js'

/** A query that runs for hours unless interrupted (1e13 rows scanned). */
const ENDLESS = 'SELECT count(*) FROM range(10000000000000) t(x) WHERE x % 7 = 3'

let dir: string
let store: ParquetStore
let outside: string

beforeAll(async () => {
  dir = tempDir('sqlsec')
  outside = tempDir('sqlsec-outside')
  writeFileSync(join(outside, 'secret.csv'), 'user,password\nroot,hunter2\n')
  store = await openStore(dir)
  await store.write(rows('r', 'loss', 0, 10))
  await store.flush()
  await store.seal()
})
afterAll(async () => {
  await store.close()
})

const forbidden = { code: 'ENTRENAR_SQL_FORBIDDEN' }

describe('SQL is read-only and confined to the store (attacks)', () => {
  it("read_csv_auto('/etc/passwd') and any file outside the store are refused", async () => {
    await expect(store.sql("SELECT * FROM read_csv_auto('/etc/passwd')")).rejects.toMatchObject(forbidden)
    await expect(store.sql(`SELECT * FROM read_csv_auto('${join(outside, 'secret.csv')}')`)).rejects.toMatchObject(forbidden)
    await expect(store.sql(`SELECT * FROM read_text('${join(outside, 'secret.csv')}')`)).rejects.toMatchObject(forbidden)
    await expect(store.sql(`SELECT * FROM glob('${outside}/*')`)).rejects.toMatchObject(forbidden)
  })

  it('a path that starts in the store and climbs out with ../ is refused', async () => {
    const climb = `${dir}/../${outside.split('/').pop()}/secret.csv`
    await expect(store.sql(`SELECT * FROM read_csv_auto('${climb}')`)).rejects.toMatchObject(forbidden)
  })

  it("COPY … TO a file is refused and writes nothing (outside or inside the store)", async () => {
    const target = join(outside, 'x.js')
    await expect(store.sql(`COPY (SELECT 'alert(1)') TO '${target}' (FORMAT csv, HEADER false, QUOTE '', ESCAPE '')`)).rejects.toMatchObject(forbidden)
    await expect(store.sql(`COPY (SELECT 1) TO '${join(dir, 'planted.csv')}'`)).rejects.toMatchObject(forbidden)
    expect(existsSync(target)).toBe(false)
    expect(existsSync(join(dir, 'planted.csv'))).toBe(false)
  })

  it('ATTACH (a file or :memory:) and CREATE TABLE in it are refused', async () => {
    const db = join(outside, 'x.duckdb')
    await expect(store.sql(`ATTACH '${db}' AS x`)).rejects.toMatchObject(forbidden)
    await expect(store.sql("ATTACH ':memory:' AS m")).rejects.toMatchObject(forbidden)
    await expect(store.sql('CREATE TABLE t AS SELECT 1')).rejects.toMatchObject(forbidden)
    expect(existsSync(db)).toBe(false)
  })

  it('DDL (CREATE/DROP VIEW metrics, CREATE MACRO) is refused and metrics stays readable', async () => {
    await expect(store.sql('DROP VIEW metrics')).rejects.toMatchObject({ ...forbidden, details: { statement_type: 'DROP' } })
    await expect(store.sql('CREATE OR REPLACE VIEW metrics AS SELECT 1 AS x')).rejects.toMatchObject(forbidden)
    await expect(store.sql('CREATE MACRO f(a) AS a')).rejects.toMatchObject(forbidden)
    expect((await store.sql('SELECT count(*)::INTEGER FROM metrics')).rows).toEqual([[10]])
  })

  it('several statements in one call are refused before any of them runs', async () => {
    await expect(store.sql('SELECT 1; SELECT 2')).rejects.toMatchObject({ ...forbidden, details: { statements: 2 } })
    await expect(store.sql('SELECT 1; DROP VIEW metrics')).rejects.toMatchObject(forbidden)
    expect((await store.sql('SELECT count(*)::INTEGER FROM metrics')).rows).toEqual([[10]])
  })

  it('SET is refused, and nothing a call does persists into the next: each call has its own connection', async () => {
    await expect(store.sql("SET search_path = 'nowhere'")).rejects.toMatchObject(forbidden)
    await expect(store.sql('SET enable_external_access = true')).rejects.toMatchObject(forbidden)
    await expect(store.sql('RESET lock_configuration')).rejects.toMatchObject(forbidden)
    await expect(store.sql("SET VARIABLE x = 'y'")).rejects.toMatchObject(forbidden)
    expect((await store.sql("SELECT current_setting('search_path'), getvariable('x')")).rows).toEqual([['', null]])
    const a = (await store.sql('SELECT current_connection_id()')).rows[0]![0]
    const b = (await store.sql('SELECT current_connection_id()')).rows[0]![0]
    expect(a).not.toEqual(b)
  })

  it('the engine is locked down: external access off but for the store, no extension autoload/autoinstall, configuration locked', async () => {
    const r = await store.sql(
      "SELECT current_setting('enable_external_access'), current_setting('lock_configuration'), current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions'), current_setting('allowed_directories')::VARCHAR",
    )
    expect(r.rows).toEqual([[false, true, false, false, `[${dir}/]`]])
  })

  it('INSTALL/LOAD httpfs and remote reads are refused', async () => {
    await expect(store.sql('INSTALL httpfs')).rejects.toMatchObject(forbidden)
    await expect(store.sql('LOAD httpfs')).rejects.toMatchObject(forbidden)
    await expect(store.sql("SELECT * FROM read_csv('http://127.0.0.1:9/x.csv')")).rejects.toMatchObject({ code: expect.stringMatching(/^ENTRENAR_(SQL_FORBIDDEN|INVALID_QUERY)$/) })
    await expect(store.sql('CALL pragma_version()')).rejects.toMatchObject(forbidden)
    await expect(store.sql('EXPLAIN ANALYZE SELECT 1')).rejects.toMatchObject(forbidden)
  })

  it("the store's own Parquet stays readable, through the views and by path", async () => {
    expect((await store.sql("SELECT metric, count(*)::INTEGER FROM metrics GROUP BY metric")).rows).toEqual([['loss', 10]])
    expect((await store.sql(`SELECT count(*)::INTEGER FROM read_parquet('${dir}/metrics/*/*.parquet')`)).rows).toEqual([[10]])
    expect((await store.sql('WITH m AS (SELECT max(step) AS s FROM metrics) SELECT s FROM m')).rows).toEqual([[9]])
    expect((await store.sql('FROM metrics SELECT count(*)::INTEGER')).rows).toEqual([[10]])
    await store.putRun({ id: 'r', name: 'run r', status: 'running', startTimeMs: 1 })
    expect((await store.sql('SELECT id, name FROM runs')).rows).toEqual([['r', 'run r']])
  })

  it('a parse error or an empty text is a coded error, and a huge text is quoted only as an excerpt', async () => {
    await expect(store.sql('SELEC 1')).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_QUERY' })
    await expect(store.sql(';')).rejects.toMatchObject({ code: expect.stringMatching(/^ENTRENAR_(SQL_FORBIDDEN|INVALID_QUERY)$/) })
    const huge = `SELECT '${'x'.repeat(1_000_000)}' FROM nowhere_at_all`
    const e = (await store.sql(huge).catch((x: unknown) => x)) as Error
    expect(e).toMatchObject({ code: 'ENTRENAR_INVALID_QUERY' })
    expect(e.message.length).toBeLessThan(2000)
  })
})

describe('SQL limits', () => {
  it('a long statement is interrupted by its timeout', async () => {
    await expect(store.sql(ENDLESS, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'ENTRENAR_SQL_TIMEOUT', details: { timeout_ms: 200 } })
  }, 60_000)

  it('a long statement is interrupted when its signal aborts, and other statements run meanwhile', async () => {
    const ac = new AbortController()
    const long = store.sql(ENDLESS, { signal: ac.signal, timeoutMs: 3_600_000 })
    const settled = long.then(
      () => 'resolved',
      () => 'rejected',
    )
    // The long statement holds one connection; another call still gets through while it runs.
    expect((await store.sql('SELECT 42')).rows).toEqual([[42]])
    ac.abort()
    await expect(long).rejects.toMatchObject({ code: 'ENTRENAR_SQL_CANCELLED' })
    expect(await settled).toBe('rejected')
    // An already aborted signal never starts the statement.
    await expect(store.sql('SELECT 1', { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ENTRENAR_SQL_CANCELLED' })
  }, 60_000)

  it('at most maxConcurrent statements run; one more answers ENTRENAR_BUSY', async () => {
    const s = await openStore(tempDir('sqlbusy'), { sql: { maxConcurrent: 1 } })
    const ac = new AbortController()
    await s.sql('SELECT 1') // engine loaded
    const long = s.sql(ENDLESS, { signal: ac.signal })
    await expect(s.sql('SELECT 1')).rejects.toMatchObject({ code: 'ENTRENAR_BUSY' })
    ac.abort()
    await expect(long).rejects.toMatchObject({ code: 'ENTRENAR_SQL_CANCELLED' })
    expect((await s.sql('SELECT 1')).rows).toEqual([[1]])
    await s.close()
  }, 60_000)

  it('close() interrupts a running statement', async () => {
    const s = await openStore(tempDir('sqlclose'))
    await s.sql('SELECT 1')
    const long = s.sql(ENDLESS, { timeoutMs: 3_600_000 })
    await s.close()
    await expect(long).rejects.toMatchObject({ code: 'ENTRENAR_CLOSED' })
  }, 60_000)

  it('rows are capped and the result says it was truncated', async () => {
    const r = await store.sql('SELECT * FROM range(10000)', { maxRows: 2500 })
    expect(r.rows.length).toBe(2500)
    expect(r.truncated).toBe(true)
    const all = await store.sql('SELECT * FROM range(10)', { maxRows: 10 })
    expect(all.rows.length).toBe(10)
    expect(all.truncated).toBe(false)
    const capped = await openStore(tempDir('sqlcap'), { sql: { maxRows: 3 } })
    expect(await capped.sql('SELECT * FROM range(5)')).toMatchObject({ rows: [[0], [1], [2]], truncated: true })
    await capped.close()
    // A few huge values are capped by their size: 4 rows of 1 MB each under a 2.5 MB budget.
    const bytes = await openStore(tempDir('sqlbytes'), { sql: { maxResultBytes: 2_500_000 } })
    const big = await bytes.sql("SELECT repeat('x', 1000000) FROM range(4)")
    expect(big.rows.length).toBe(2)
    expect(big.truncated).toBe(true)
    await bytes.close()
  })

  it('options are checked: unknown keys and bad values are coded errors', async () => {
    await expect(openStore(tempDir('sqlopt'), { sql: { timeout: 5 } as never })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    await expect(openStore(tempDir('sqlopt'), { sql: { maxRows: -1 } })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    await expect(openStore(tempDir('sqlopt'), { sql: { memoryLimit: "1GB'; SET x=1; --" } })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    await expect(store.sql('SELECT 1', { timeout: 5 } as SqlOptions)).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_QUERY' })
  })
})

describe('SQL keeps NaN, ±Inf and -0', () => {
  const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1.5]

  async function nonFiniteStore(): Promise<ParquetStore> {
    const s = await openStore(tempDir('sqlnan'))
    await s.write(batchFromRows('r', special.map((value, step) => ({ metric: 'loss', value, step, timestampUs: T0 + step, epoch: null, batch: null, tags: null }))))
    await s.flush()
    return s
  }

  const check = async (sql: NonNullable<MetricStore['sql']>) => {
    const r = await sql('SELECT value FROM metrics ORDER BY step')
    expect(r.rows.map((x) => x[0])).toEqual(special)
    expect(r.rows.map((x) => Object.is(x[0], -0))).toEqual([false, false, false, true, false])
    expect(r.columnTypes).toEqual(['DOUBLE'])
    // A string that spells NaN stays a string; lists of floats keep theirs.
    const mixed = await sql("SELECT 'NaN' AS s, ['inf'::DOUBLE, 'nan'::DOUBLE, 2.0] AS l, 'inf'::FLOAT AS f")
    expect(mixed.rows).toEqual([['NaN', [Number.POSITIVE_INFINITY, Number.NaN, 2], Number.POSITIVE_INFINITY]])
  }

  it('in process', async () => {
    const s = await nonFiniteStore()
    await check(s.sql.bind(s))
    await s.close()
  })

  it('over HTTP (the wire carries them as strings and column_types restores them)', async () => {
    const s = await nonFiniteStore()
    const server = await serveHandler(createHttpHandler(metricStoreContract, s))
    try {
      const client = createHttpClient(metricStoreContract, server.url)
      await check(client.sql!.bind(client))
      const raw = await fetch(`${server.url}/v1/store/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema_version: 1, sql: 'SELECT value FROM metrics ORDER BY step' }) })
      expect(await raw.json()).toMatchObject({ column_types: ['DOUBLE'], rows: [['NaN'], ['Infinity'], ['-Infinity'], ['-0'], [1.5]], truncated: false })
    } finally {
      await server.close()
      await s.close()
    }
  })
})

describe('SQL over HTTP', () => {
  it('a client that disconnects interrupts its statement while another request still gets through', async () => {
    const s = await openStore(tempDir('sqldisc'))
    await s.sql('SELECT 1')
    const started: Promise<unknown>[] = []
    // The real store behind the generic handler; each statement's outcome is kept to see how it ended.
    const impl = Object.assign(Object.create(s) as ParquetStore, {
      sql: (text: string, options?: SqlOptions) => {
        const p = s.sql(text, options)
        started.push(p.catch((e: unknown) => e))
        return p
      },
    })
    const server = await serveHandler(createHttpHandler(metricStoreContract, impl))
    try {
      const ac = new AbortController()
      const body = JSON.stringify({ schema_version: 1, sql: ENDLESS })
      const gone = fetch(`${server.url}/v1/store/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: ac.signal }).catch((e: unknown) => e)
      while (started.length === 0) await new Promise((r) => setTimeout(r, 10))
      const client = createHttpClient(metricStoreContract, server.url)
      expect((await client.sql!('SELECT 7')).rows).toEqual([[7]])
      ac.abort()
      await gone
      expect(await started[0]).toMatchObject({ code: 'ENTRENAR_SQL_CANCELLED' })
      // A caller's own signal aborts the HTTP request, which interrupts the statement on the server.
      const mine = new AbortController()
      const call = client.sql!(ENDLESS, { signal: mine.signal })
      while (started.length < 3) await new Promise((r) => setTimeout(r, 10))
      mine.abort()
      await expect(call).rejects.toMatchObject({ code: 'ENTRENAR_HTTP_TRANSPORT' })
      expect(await started[2]).toMatchObject({ code: 'ENTRENAR_SQL_CANCELLED' })
    } finally {
      await server.close()
      await s.close()
    }
  }, 60_000)

  it('the error answers carry the SQL codes and statuses', async () => {
    const server = await serveHandler(createHttpHandler(metricStoreContract, store))
    try {
      const post = (sql: string) => fetch(`${server.url}/v1/store/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema_version: 1, sql }) })
      const res = await post('DROP VIEW metrics')
      expect(res.status).toBe(403)
      expect(res.headers.get('x-entrenar-code')).toBe('ENTRENAR_SQL_FORBIDDEN')
      expect((await post(ENDLESS.replace('10000000000000', '5'))).status).toBe(200)
      expect((await post("SELECT * FROM read_text('/etc/passwd')")).status).toBe(403)
    } finally {
      await server.close()
    }
  })
})

it('no test above left files outside the store', () => {
  expect(readdirSync(outside)).toEqual(['secret.csv'])
})
