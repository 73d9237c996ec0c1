import { batchFromRows, ErrorCodes, type RecordBatch } from '@entrenar/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ClickHouseStore, openClickHouseStore, parseClickHouseUrl } from '../src/index.js'
import { clickhouseBinary, freePort, type RunningClickHouse, startClickHouse } from './server.js'

const binary = clickhouseBinary()
if (!binary) console.warn('clickhouse-server is not installed (apt-get install clickhouse-server): the ClickHouse cluster tests are skipped')
const d = binary ? describe : describe.skip

const T0 = 1_700_000_000_000_000
const DB = 'cluster_store'
const RUNS_PER_WRITER = 8
const BATCHES_PER_RUN = 5
const ROWS_PER_BATCH = 50

// Two servers on loopback, each one shard of the cluster `two` (both know both).
let a: RunningClickHouse
let b: RunningClickHouse
const stores: ClickHouseStore[] = []
beforeAll(async () => {
  if (!binary) return
  const [ha, ta, hb, tb] = [await freePort(), await freePort(), await freePort(), await freePort()]
  const shard = (port: number) => `<shard><replica><host>127.0.0.1</host><port>${port}</port></replica></shard>`
  const extraConfig = `<remote_servers><two>${shard(ta)}${shard(tb)}</two></remote_servers>`
  ;[a, b] = await Promise.all([startClickHouse(binary, { httpPort: ha, tcpPort: ta, extraConfig }), startClickHouse(binary, { httpPort: hb, tcpPort: tb, extraConfig })])
})
afterAll(async () => {
  for (const s of stores) await s.close()
  await Promise.all([a?.stop(), b?.stop()])
})

const open = async (server: RunningClickHouse) => {
  const s = await openClickHouseStore({ url: server.url, database: DB, cluster: { name: 'two' } })
  stores.push(s)
  return s
}
/** Batch `k` of run `run`: steps k*ROWS .. (k+1)*ROWS-1, values encode (run, step) so a misplaced row is visible. */
const batchOf = (run: string, k: number): RecordBatch =>
  batchFromRows(
    run,
    Array.from({ length: ROWS_PER_BATCH }, (_, i) => {
      const step = k * ROWS_PER_BATCH + i
      return { metric: 'loss', step, value: step + 0.5, timestampUs: T0 + step, epoch: null, batch: null, tags: null }
    }),
  )
/** Every (run, step) of the store with how often it is stored. */
async function stored(s: ClickHouseStore): Promise<Map<string, number>> {
  const r = await s.sql(`SELECT run_id, step, value, count() FROM points FINAL GROUP BY run_id, step, value`, { maxRows: 1_000_000 })
  expect(r.truncated).toBeFalsy()
  const out = new Map<string, number>()
  for (const [run, step, value, n] of r.rows as [string, number | string, number, number | string][]) {
    expect(value).toBe(Number(step) + 0.5)
    out.set(`${run}/${step}`, (out.get(`${run}/${step}`) ?? 0) + Number(n))
  }
  return out
}
const localCount = async (server: RunningClickHouse) =>
  Number((await (await fetch(`${server.url}/?query=${encodeURIComponent(`SELECT count() FROM ${DB}.points_local FINAL`)}`)).text()).trim())

d('ClickHouse store on two shards behind a Distributed table', () => {
  it('two writers at the same time: every point is read back exactly once, from both shards', async () => {
    // One writer per node; each node creates its own local tables and the Distributed tables over both.
    const [wa, wb] = await Promise.all([open(a), open(b)])
    const writer = async (s: ClickHouseStore, name: string) => {
      const runs = Array.from({ length: RUNS_PER_WRITER }, (_, r) => `${name}-run-${r}`)
      for (let k = 0; k < BATCHES_PER_RUN; k++) await Promise.all(runs.map((run) => s.write(batchOf(run, k))))
      for (const run of runs) await s.putRun({ id: run, name: run, startTimeMs: 1, status: 'finished' })
      await s.flush()
    }
    await Promise.all([writer(wa, 'A'), writer(wb, 'B')])
    const total = 2 * RUNS_PER_WRITER * BATCHES_PER_RUN * ROWS_PER_BATCH
    for (const reader of [wa, wb]) {
      const seen = await stored(reader)
      expect(seen.size).toBe(total)
      expect([...seen.values()].every((n) => n === 1)).toBe(true)
      expect((await reader.runs()).length).toBe(2 * RUNS_PER_WRITER)
    }
    // The rows really are spread: each shard holds a share, and the shares add up.
    const [na, nb] = [await localCount(a), await localCount(b)]
    expect(na).toBeGreaterThan(0)
    expect(nb).toBeGreaterThan(0)
    expect(na + nb).toBe(total)
    // The Parquet-schema view and range reads go through the Distributed table too.
    const view = await wb.sql('SELECT count(), sum(value) FROM metrics')
    const perRun = BATCHES_PER_RUN * ROWS_PER_BATCH
    expect(view.rows[0]!.map(Number)).toEqual([total, 2 * RUNS_PER_WRITER * ((perRun * (perRun - 1)) / 2 + perRun * 0.5)])
    const ranged = await wa.range(T0, T0 + 10, { runs: ['B-run-1'] })
    expect(ranged.reduce((n, x) => n + x.length, 0)).toBe(11)
    // Typed queries go through the Distributed table too.
    const q = await wa.query({ runs: ['A-run-0', 'B-run-3'], metrics: ['loss'], aggregate: 'count' })
    expect(q.series.map((s) => Number(s.value[0]))).toEqual([BATCHES_PER_RUN * ROWS_PER_BATCH, BATCHES_PER_RUN * ROWS_PER_BATCH])
  })

  it('a stopped shard: every write fails with a coded error, a retry after it returns stores each batch once, and nothing acknowledged is lost', async () => {
    const wa = await open(a)
    const runs = Array.from({ length: 16 }, (_, r) => `outage-run-${r}`)
    // Acknowledged before the outage.
    const acked = runs.map((run) => ({ run, k: 0, id: `outage-${run}-0` }))
    for (const x of acked) await wa.writeBatch(batchOf(x.run, x.k), x.id)
    const failed: { run: string; k: number; id: string }[] = []
    await b.halt()
    for (let k = 1; k < 3; k++) {
      await Promise.all(
        runs.map(async (run) => {
          const id = `outage-${run}-${k}`
          try {
            await wa.writeBatch(batchOf(run, k), id)
          } catch (e) {
            expect((e as { code?: string }).code).toBe(ErrorCodes.SINK_FAILED)
            failed.push({ run, k, id })
          }
        }),
      )
    }
    // A synchronous Distributed insert in 18.16 fails while any shard is down, even when its rows belong to the
    // live shard, which may already have stored them: a failed write is "not acknowledged", not "not stored".
    expect(failed.length).toBe(runs.length * 2)
    // Reads need every shard: a coded error, not a silent partial answer.
    await expect(wa.query({ runs: ['outage-run-0'] })).rejects.toMatchObject({ code: expect.stringMatching(/^ENTRENAR_/), message: expect.stringMatching(/Connection refused/) })

    b = await startClickHouse(binary!, { reuse: b })
    // The writer retries what failed under the same batch ids, and (as after a lost acknowledgement) re-sends an
    // acknowledged batch: each is stored once, the half-stored ones included.
    for (const f of failed) await wa.writeBatch(batchOf(f.run, f.k), f.id)
    await wa.writeBatch(batchOf(acked[0]!.run, acked[0]!.k), acked[0]!.id)
    const seen = await stored(wa)
    for (const x of [...acked, ...failed]) {
      for (let i = 0; i < ROWS_PER_BATCH; i++) expect(seen.get(`${x.run}/${x.k * ROWS_PER_BATCH + i}`)).toBe(1)
    }
    // Together with the first test's rows, nothing else is there.
    expect(seen.size).toBe(2 * RUNS_PER_WRITER * BATCHES_PER_RUN * ROWS_PER_BATCH + runs.length * 3 * ROWS_PER_BATCH)
  })
})

describe('cluster options', () => {
  const code = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code)
  it('rejects unknown keys, a cluster name that is not an identifier, and a sharding key that is not a small expression over run_id', async () => {
    const url = 'http://127.0.0.1:1'
    expect(await code(openClickHouseStore({ url, cluster: { name: 'two', shards: 2 } as never }))).toBe(ErrorCodes.INVALID_CONFIG)
    expect(await code(openClickHouseStore({ url, cluster: { name: 'two`) ; DROP' } }))).toBe(ErrorCodes.INVALID_CONFIG)
    expect(await code(openClickHouseStore({ url, cluster: { name: 'two', shardingKey: "run_id) SETTINGS x = '1" } }))).toBe(ErrorCodes.INVALID_CONFIG)
    expect(await code(openClickHouseStore({ url, cluster: { name: 'two', shardingKey: 'rand()' } }))).toBe(ErrorCodes.INVALID_CONFIG)
  })
})

describe('cluster in the store URL', () => {
  it('reads ?cluster= and ?shardingKey=, and refuses other parameters', () => {
    expect(parseClickHouseUrl('clickhouse://h:8123/db?cluster=metrics')).toEqual({ cluster: { name: 'metrics' }, url: 'http://h:8123', database: 'db' })
    expect(parseClickHouseUrl('clickhouse://h:8123/db?cluster=m&shardingKey=sipHash64(run_id)')).toMatchObject({ cluster: { name: 'm', shardingKey: 'sipHash64(run_id)' } })
    expect(() => parseClickHouseUrl('clickhouse://h:8123/db?clustr=m')).toThrow(/unknown store URL parameter "clustr"/)
    expect(() => parseClickHouseUrl('clickhouse://h:8123/db?shardingKey=run_id')).toThrow(/needs cluster/)
  })
})
