import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startServe, tempDir } from './helpers.js'

/** Runs for hours unless interrupted. */
const ENDLESS = 'SELECT count(*) FROM range(10000000000000) t(x) WHERE x % 7 = 3'

const post = (url: string, body: unknown, signal?: AbortSignal) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...(signal ? { signal } : {}) })
const sql = (url: string, text: string, signal?: AbortSignal) => post(`${url}/v1/store/sql`, { schema_version: 1, sql: text }, signal)
const query = (url: string, text: string, signal?: AbortSignal) => post(`${url}/query`, { sql: text }, signal)

async function ingest(url: string): Promise<void> {
  const res = await post(`${url}/v1/ingest`, {
    schema_version: 1,
    run_id: 'r',
    points: [
      { metric: 'loss', value: 'NaN', step: 1 },
      { metric: 'loss', value: 'Infinity', step: 2 },
      { metric: 'loss', value: '-Infinity', step: 3 },
      { metric: 'loss', value: 0.5, step: 4 },
    ],
  })
  expect(res.status).toBe(200)
}

describe('entrenar serve and SQL', () => {
  it('without --sql: says so at start, and the SQL routes answer 403 ENTRENAR_SQL_DISABLED (the COPY attack writes nothing)', async () => {
    const dir = tempDir()
    let out = ''
    const s = await startServe([dir], (t) => (out += t))
    try {
      expect(out).toMatch(/sql {4}off \(start with --sql/)
      const target = join(dir, 'pwned.txt')
      const res = await sql(s.url, `COPY (SELECT 'pwned') TO '${target}'`)
      expect(res.status).toBe(403)
      expect(res.headers.get('x-entrenar-code')).toBe('ENTRENAR_SQL_DISABLED')
      expect((await query(s.url, 'SELECT 1')).status).toBe(403)
      expect(existsSync(target)).toBe(false)
    } finally {
      expect(await s.stop()).toBe(0)
    }
  })

  it('with --sql: says so, answers SELECTs (NaN/±Inf kept) on both routes and refuses every attack of the issue', async () => {
    const dir = tempDir()
    const outside = mkdtempSync(join(tmpdir(), 'entrenar-outside-'))
    writeFileSync(join(outside, 'secret.csv'), 'a,b\n1,2\n')
    let out = ''
    const s = await startServe([dir, '--sql', '--sql-max-rows', '3'], (t) => (out += t))
    try {
      expect(out).toContain(`sql    POST ${s.url}/v1/store/sql and POST ${s.url}/query (read-only`)
      await ingest(s.url)
      const ok = await sql(s.url, 'SELECT step, value FROM metrics ORDER BY step')
      expect(await ok.json()).toMatchObject({ column_types: ['BIGINT', 'DOUBLE'], rows: [[1, 'NaN'], [2, 'Infinity'], [3, '-Infinity']], truncated: true })
      const trueno = await query(s.url, "SELECT value FROM metrics WHERE metric = 'loss' AND step >= 2 ORDER BY step")
      expect(await trueno.json()).toEqual({ columns: ['value'], column_types: ['DOUBLE'], rows: [['Infinity'], ['-Infinity'], [0.5]], row_count: 3, truncated: false })
      const attacks = [
        "SELECT * FROM read_csv_auto('/etc/passwd')",
        `SELECT * FROM read_csv_auto('${join(outside, 'secret.csv')}')`,
        `COPY (SELECT 'x') TO '${join(outside, 'x.js')}' (FORMAT csv, HEADER false, QUOTE '', ESCAPE '')`,
        `ATTACH '${join(outside, 'x.duckdb')}' AS x`,
        'DROP VIEW metrics',
        'CREATE VIEW metrics AS SELECT 1',
        'SELECT 1; SELECT 2',
        "SET search_path = 'x'",
        'INSTALL httpfs',
      ]
      for (const text of attacks) {
        for (const route of [sql, query]) {
          const res = await route(s.url, text)
          expect([res.status, res.headers.get('x-entrenar-code')], text).toEqual([403, 'ENTRENAR_SQL_FORBIDDEN'])
        }
      }
      expect(existsSync(join(outside, 'x.js'))).toBe(false)
      expect(existsSync(join(outside, 'x.duckdb'))).toBe(false)
      expect((await (await sql(s.url, "SELECT current_setting('search_path')")).json()).rows).toEqual([['']])
    } finally {
      expect(await s.stop()).toBe(0)
    }
  }, 60_000)

  it('a long query is interrupted by --sql-timeout-ms, and by its client going away while another request gets through', async () => {
    const dir = tempDir()
    const s = await startServe([dir, '--sql', '--sql-timeout-ms', '300'])
    try {
      const timedOut = await sql(s.url, ENDLESS)
      expect(timedOut.status).toBe(504)
      expect(await timedOut.json()).toMatchObject({ error: { code: 'ENTRENAR_SQL_TIMEOUT' } })
    } finally {
      expect(await s.stop()).toBe(0)
    }
    // No timeout to speak of: only the client going away can end the long statement.
    const t = await startServe([dir, '--sql', '--sql-timeout-ms', '3600000'])
    try {
      const connections = async () => {
        const body = (await (await sql(t.url, 'SELECT count::INTEGER FROM duckdb_connection_count()')).json()) as { rows: number[][] }
        if (!body.rows) throw new Error(JSON.stringify(body))
        return body.rows[0]![0]
      }
      expect(await connections()).toBe(1)
      for (const route of [sql, query]) {
        const ac = new AbortController()
        const gone = route(t.url, ENDLESS, ac.signal).catch(() => 'gone')
        // Another request gets through while the long one runs on its own connection.
        while ((await connections()) !== 2) await new Promise((r) => setTimeout(r, 10))
        ac.abort()
        expect(await gone).toBe('gone')
        // The client went away: its statement is interrupted and its connection closed.
        while ((await connections()) !== 1) await new Promise((r) => setTimeout(r, 10))
      }
    } finally {
      expect(await t.stop()).toBe(0)
    }
  }, 60_000)

  it('entrenar query runs the same read-only SQL: a COPY is refused with exit 4 and writes nothing', async () => {
    const dir = tempDir()
    const { cli } = await import('./helpers.js')
    const target = join(dir, 'x.csv')
    const r = await cli(['query', dir, `COPY (SELECT 1) TO '${target}'`])
    expect(r.code).toBe(4)
    expect(r.err).toContain('read-only')
    expect(existsSync(target)).toBe(false)
    expect((await cli(['query', dir, 'SELECT 40 + 2 AS answer'])).out).toContain('42')
    const capped = await cli(['query', dir, 'SELECT * FROM range(100005)', '--csv'])
    expect(capped.code).toBe(0)
    expect(capped.out.trim().split('\n').length).toBe(100_001)
    expect(capped.err).toContain('more rows than the 100000 shown')
  })

  it('--sql-timeout-ms without --sql is a usage error', async () => {
    const dir = tempDir()
    const { cli } = await import('./helpers.js')
    const r = await cli(['serve', dir, '--sql-timeout-ms', '100', '--port', '0'])
    expect(r.code).toBe(2)
    expect(r.err).toContain('need --sql')
  })
})
