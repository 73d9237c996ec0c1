import { request as httpRequest, createServer as createHttpServer, type Server } from 'node:http'
import { batchFromRows, ErrorCodes, type RecordRow } from '@entrenar/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bitsToFloat, type ClickHouseStore, floatToBits, openClickHouseStore, parseClickHouseUrl } from '../src/index.js'
import { clickhouseBinary, type RunningClickHouse, startClickHouse } from './server.js'

const binary = clickhouseBinary()
if (!binary) console.warn('clickhouse-server is not installed (apt-get install clickhouse-server): the ClickHouse store tests are skipped')
const d = binary ? describe : describe.skip

const T0 = 1_700_000_000_000_000
type Row = Omit<RecordRow, 'runId'>
const row = (metric: string, step: number, value: number, extra: Partial<Row> = {}): Row => ({
  metric,
  step,
  value,
  timestampUs: T0 + step * 1000,
  epoch: null,
  batch: null,
  tags: null,
  ...extra,
})
async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (e) {
    return (e as { code?: string }).code
  }
  return 'resolved'
}

describe('parseClickHouseUrl', () => {
  it('maps clickhouse:// to the HTTP endpoint and the database', () => {
    expect(parseClickHouseUrl('clickhouse://u:p%40ss@h:8123/db1')).toEqual({ url: 'http://h:8123', database: 'db1', username: 'u', password: 'p@ss' })
    expect(parseClickHouseUrl('clickhouse+https://h:8443')).toEqual({ url: 'https://h:8443' })
    expect(() => parseClickHouseUrl('http://h:8123/db')).toThrow(/clickhouse:\/\//)
  })
  it('rejects unknown options and a database that is not an identifier', async () => {
    expect(await code(openClickHouseStore({ url: 'http://127.0.0.1:1', databse: 'x' } as never))).toBe(ErrorCodes.INVALID_CONFIG)
    expect(await code(openClickHouseStore({ url: 'http://127.0.0.1:1', database: 'x`; DROP' }))).toBe(ErrorCodes.INVALID_CONFIG)
  })
})

describe('float bits', () => {
  it('round-trip NaN payloads, ±Inf and -0', () => {
    const payload = new Float64Array(new BigUint64Array([0x7ff8_0000_dead_beefn]).buffer)[0]!
    for (const v of [payload, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 5e-324, Number.MAX_VALUE]) {
      expect(Object.is(bitsToFloat(floatToBits(v)), v)).toBe(true)
      expect(floatToBits(bitsToFloat(floatToBits(v)))).toBe(floatToBits(v))
    }
  })
})

d('ClickHouse store on a real server', () => {
  let server: RunningClickHouse
  let store: ClickHouseStore
  beforeAll(async () => {
    server = await startClickHouse(binary!)
    store = await openClickHouseStore({ url: server.url, database: 'st' })
  })
  afterAll(async () => {
    await store?.close()
    await server?.stop()
  })

  it('a retried batch (same batch id) is stored once; a new id is a new batch', async () => {
    const b = batchFromRows('retry', [row('loss', 1, 1), row('loss', 2, 2)])
    await store.writeBatch(b, 'batch-1')
    await store.writeBatch(b, 'batch-1')
    const once = (await store.query({ runs: ['retry'] })).series[0]!
    expect(Array.from(once.value)).toEqual([1, 2])
    expect((await store.query({ runs: ['retry'], aggregate: 'count' })).series[0]!.value[0]).toBe(2)
    expect((await store.range(0, Number.MAX_SAFE_INTEGER * 1000, { runs: ['retry'] }))[0]!.length).toBe(2)
    expect((await store.sql("SELECT count() FROM metrics WHERE run_id = 'retry'")).rows).toEqual([[2]])
    await store.writeBatch(b, 'batch-2')
    expect((await store.query({ runs: ['retry'], aggregate: 'count' })).series[0]!.value[0]).toBe(4)
  })

  it('an insert whose acknowledgement is lost is retried and its rows are stored once', async () => {
    // A proxy that forwards every request but, for the first INSERT, drops the connection after ClickHouse answered.
    let dropped = 0
    let inserts = 0
    const upstream = new URL(server.url)
    const proxy: Server = createHttpServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks)
        const isInsert = body.toString('utf8', 0, 64).startsWith('INSERT') || decodeURIComponent(req.url ?? '').includes('INSERT')
        if (isInsert) inserts++
        const up = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
          const parts: Buffer[] = []
          r.on('data', (c: Buffer) => parts.push(c))
          r.on('end', () => {
            if (isInsert && dropped === 0) {
              dropped++
              req.socket.destroy()
              return
            }
            res.writeHead(r.statusCode ?? 500, r.headers)
            res.end(Buffer.concat(parts))
          })
        })
        up.end(body)
      })
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()))
    const port = (proxy.address() as { port: number }).port
    const viaProxy = await openClickHouseStore({ url: `http://127.0.0.1:${port}`, database: 'st' })
    try {
      await viaProxy.write(batchFromRows('lost-ack', [row('loss', 1, 1), row('loss', 2, 2), row('loss', 3, 3)]))
      expect(dropped).toBe(1)
      expect(inserts).toBe(2)
      expect(Array.from((await store.query({ runs: ['lost-ack'] })).series[0]!.value)).toEqual([1, 2, 3])
      expect((await store.sql("SELECT count() FROM metrics WHERE run_id = 'lost-ack'")).rows).toEqual([[3]])
    } finally {
      await viaProxy.close()
      await new Promise((r) => proxy.close(r))
    }
  })

  it('a NaN payload keeps its bits through query and range', async () => {
    const payload = new Float64Array(new BigUint64Array([0x7ff8_0000_dead_beefn]).buffer)[0]!
    await store.write(batchFromRows('bits', [row('m', 1, payload), row('m', 2, -0)]))
    const s = (await store.query({ runs: ['bits'] })).series[0]!
    expect(floatToBits(s.value[0]!)).toBe(floatToBits(payload))
    expect(Object.is(s.value[1], -0)).toBe(true)
    const r = (await store.range(T0, T0 + 10_000, { runs: ['bits'] }))[0]!
    expect(floatToBits(r.value[0]!)).toBe(floatToBits(payload))
  })

  it('run ids, metrics and tags with quotes, backslashes, tabs and newlines are data, not SQL', async () => {
    const id = "r'\\\t\n); DROP TABLE points; --"
    await store.write(batchFromRows(id, [row("m'\\x", 1, 1, { tags: { "k'\t": "v\\'\n" } }), row("m'\\x", 2, 2)]))
    const s = (await store.query({ runs: [id], metrics: ["m'\\x"] })).series
    expect(s.map((x) => [x.runId, x.metric])).toEqual([[id, "m'\\x"]])
    expect(Array.from((await store.query({ runs: [id], tags: { "k'\t": "v\\'\n" } })).series[0]!.value)).toEqual([1])
    const r = (await store.range(T0, T0 + 10_000, { runs: [id] }))[0]!
    expect(r.runId).toBe(id)
    expect(r.tagSets).toEqual([{ "k'\t": "v\\'\n" }])
  })

  it('a tag filter matches the key and value exactly, not text inside another key or value', async () => {
    await store.write(
      batchFromRows('tags', [
        row('m', 1, 1, { tags: { 'a"k': 'v' } }),
        row('m', 2, 2, { tags: { x: '"k":"v"' } }),
        row('m', 3, 3, { tags: { k: 'vv' } }),
        row('m', 4, 4, { tags: { z: '1', k: 'v' } }),
        row('m', 5, 5, { tags: { k: 'v' } }),
      ]),
    )
    expect(Array.from((await store.query({ runs: ['tags'], tags: { k: 'v' } })).series[0]!.value)).toEqual([4, 5])
  })

  it('putRun: the latest version wins, also from another store instance', async () => {
    await store.putRun({ id: 'meta', status: 'running', startTimeMs: 5 })
    const other = await openClickHouseStore({ url: server.url, database: 'st' })
    await other.putRun({ id: 'meta', status: 'finished', startTimeMs: 5, endTimeMs: 9 })
    await other.close()
    const runs = (await store.runs()).filter((r) => r.id === 'meta')
    expect(runs).toEqual([{ id: 'meta', status: 'finished', startTimeMs: 5, endTimeMs: 9 }])
  })

  it('sql(): reads the metrics view with NaN and ±Inf as numbers, caps rows', async () => {
    await store.write(batchFromRows('sqlr', [row('m', 1, Number.NaN), row('m', 2, Number.POSITIVE_INFINITY), row('m', 3, 1.5)]))
    const r = await store.sql("SELECT step, value FROM metrics WHERE run_id = 'sqlr' ORDER BY step")
    expect(r.columns).toEqual(['step', 'value'])
    expect(r.rows).toEqual([
      [1, Number.NaN],
      [2, Number.POSITIVE_INFINITY],
      [3, 1.5],
    ])
    const capped = await store.sql('SELECT arrayJoin(range(10)) AS n', { maxRows: 3 })
    expect(capped.rows).toEqual([[0], [1], [2]])
    expect(capped.truncated).toBe(true)
    const exact = await store.sql('SELECT arrayJoin(range(3)) AS n;', { maxRows: 3 })
    expect(exact.truncated).toBe(false)
    expect((await store.sql('SELECT 1 AS one -- a trailing comment')).rows).toEqual([[1]])
  })

  it('sql(): writes, several statements, other databases, table functions and settings changes are refused', async () => {
    for (const text of [
      "INSERT INTO points (run_id) VALUES ('x')",
      'SELECT 1; SELECT 2',
      'DROP TABLE points',
      'SELECT * FROM system.tables',
      'SELECT * FROM `system`.`tables`',
      'SELECT * FROM "system" . tables',
      'SELECT * FROM system/**/.tables',
      'SELECT * FROM system -- x\n.tables',
      'SELECT * FROM `sys\\x74em`.tables',
      "SELECT name FROM (SELECT 'a' AS name) WHERE name IN (SELECT name FROM system.databases)",
      'SELECT * FROM default.t',
      "SELECT * FROM url('http://127.0.0.1:1/', TSV, 'a String')",
      "SELECT * FROM file('/etc/passwd', TSV, 'a String')",
      'SELECT * FROM numbers(10)',
      "SELECT dictGetString('d', 'a', toUInt64(1))",
      'SELECT 1 SETTINGS readonly = 0',
      'SELECT 1 SETTINGS max_execution_time = 100000',
      'KILL QUERY WHERE 1',
    ]) {
      const c = await code(store.sql(text))
      expect([ErrorCodes.SQL_FORBIDDEN, ErrorCodes.INVALID_QUERY], text).toContain(c)
    }
    expect(await code(store.sql('SELECT * FROM system.tables'))).toBe(ErrorCodes.SQL_FORBIDDEN)
    expect(await code(store.sql('SELECT * FROM system/**/.tables'))).toBe(ErrorCodes.SQL_FORBIDDEN)
    expect(await code(store.sql('SELECT * FROM `sys\\x74em`.tables'))).toBe(ErrorCodes.SQL_FORBIDDEN)
    // A string that merely mentions another database is data.
    expect((await store.sql("SELECT 'system.tables' AS s")).rows).toEqual([['system.tables']])
    expect(await code(store.sql("SELECT * FROM url('http://127.0.0.1:1/', TSV, 'a String')"))).toBe(ErrorCodes.SQL_FORBIDDEN)
    expect(await code(store.sql('DELETE FROM points'))).toBe(ErrorCodes.SQL_FORBIDDEN)
    // Nothing was written or dropped.
    expect((await store.query({ runs: ['retry'], aggregate: 'count' })).series[0]!.value[0]).toBe(4)
  })

  it('sql(): a statement past its timeout is interrupted with ENTRENAR_SQL_TIMEOUT; an abort is ENTRENAR_SQL_CANCELLED', async () => {
    expect(await code(store.sql('SELECT sleep(3)', { timeoutMs: 200 }))).toBe(ErrorCodes.SQL_TIMEOUT)
    const ac = new AbortController()
    const p = store.sql('SELECT sleep(3)', { signal: ac.signal })
    setTimeout(() => ac.abort(), 100)
    expect(await code(p)).toBe(ErrorCodes.SQL_CANCELLED)
    expect(await code(store.sql('SELECT 1', { maxRows: -1 }))).toBe(ErrorCodes.INVALID_QUERY)
  })

  it('an unreachable server is a coded error, and the failed write is reported, not swallowed', async () => {
    const lonely = await startClickHouse(binary!)
    const s = await openClickHouseStore({ url: lonely.url, database: 'gone', insertAttempts: 2 })
    await lonely.stop()
    expect(await code(s.write(batchFromRows('x', [row('m', 1, 1)])))).toBe(ErrorCodes.SINK_FAILED)
    expect(await code(s.query({}))).toBe(ErrorCodes.HTTP_TRANSPORT)
    await s.close()
  })
})
