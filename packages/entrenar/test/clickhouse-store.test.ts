import { batchFromRows, createHttpClient, metricStoreContract } from '@entrenar/core'
import { openClickHouseStore } from '@entrenar/db-clickhouse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clickhouseBinary, type RunningClickHouse, startClickHouse } from '../../db-clickhouse/test/server.js'
import { autoMonitor } from '../src/index.js'
import { cli, startServe, tempDir } from './helpers.js'

const binary = clickhouseBinary()
if (!binary) console.warn('clickhouse-server is not installed (apt-get install clickhouse-server): the CLI ClickHouse tests are skipped')

describe('--store takes only store URLs', () => {
  it('rejects another scheme, and --store with --url', async () => {
    const dir = tempDir()
    const bad = await cli(['runs', dir, '--store', 'http://127.0.0.1:8123/db'])
    expect(bad.code).not.toBe(0)
    expect(bad.err).toMatch(/not a store URL/)
    const both = await cli(['runs', dir, '--store', 'clickhouse://127.0.0.1:1/db', '--url', 'http://127.0.0.1:1'])
    expect(both.code).not.toBe(0)
    expect(both.err).toMatch(/--store or --url/)
  })
})

;(binary ? describe : describe.skip)('entrenar serve / runs / report --store clickhouse://', () => {
  let server: RunningClickHouse
  beforeAll(async () => {
    server = await startClickHouse(binary!)
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('autoMonitor({ store }) writes to ClickHouse, and its Andon stops the run at the first non-finite loss', async () => {
    const store = await openClickHouseStore({ url: server.url, database: 'auto' })
    const m = await autoMonitor({ dir: tempDir(), runId: 'ch-auto', store, dashboard: false, lineage: false, report: false, system: false })
    let stoppedAt = -1
    for (let step = 0; step < 20; step++) {
      m.log({ loss: step === 7 ? Number.POSITIVE_INFINITY : 1 / (step + 1) }, { step })
      if (m.signal.aborted) {
        stoppedAt = step
        break
      }
    }
    await m.close()
    expect(stoppedAt).toBe(7)
    const [info] = await store.runs()
    expect(info).toMatchObject({ id: 'ch-auto', status: 'stopped' })
    const s = (await store.query({ runs: ['ch-auto'], metrics: ['loss'] })).series[0]!
    expect(Array.from(s.x)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(s.value[7]).toBe(Number.POSITIVE_INFINITY)
    await store.close()
  })

  it('serve keeps what clients write in ClickHouse; runs and report read it back', async () => {
    const storeUrl = `clickhouse://127.0.0.1:${server.httpPort}/cli`
    const dir = tempDir()
    let printed = ''
    const serve = await startServe([dir, '--store', storeUrl], (t) => (printed += t))
    try {
      const remote = createHttpClient(metricStoreContract, serve.url)
      await remote.putRun({ id: 'ch-run', name: 'on clickhouse', status: 'finished', startTimeMs: 1000, endTimeMs: 9000 })
      await remote.write(batchFromRows('ch-run', [1, 2, 3].map((s) => ({ metric: 'loss', step: s, value: s === 2 ? Number.NaN : 1 / s, timestampUs: 1e15 + s, epoch: null, batch: null, tags: null }))))
      await remote.flush()
    } finally {
      expect(await serve.stop()).toBe(0)
    }
    expect(printed).toContain(`entrenar serving ${storeUrl}`)
    // The points are in ClickHouse, not in the directory.
    const direct = await openClickHouseStore({ url: server.url, database: 'cli' })
    const s = (await direct.query({ runs: ['ch-run'] })).series[0]!
    expect(Array.from(s.x)).toEqual([1, 2, 3])
    expect(Number.isNaN(s.value[1])).toBe(true)
    await direct.close()
    const runs = await cli(['runs', dir, '--store', storeUrl, '--json'])
    expect(runs.code).toBe(0)
    expect(JSON.parse(runs.out).runs).toEqual([expect.objectContaining({ id: 'ch-run', name: 'on clickhouse', status: 'finished', points: 3, lastStep: 3 })])
    const report = await cli(['report', dir, 'ch-run', '--store', storeUrl, '--format', 'json'])
    expect(report.err).toBe('')
    expect(report.code).toBe(0)
    expect(JSON.parse(report.out)).toMatchObject({ runId: 'ch-run' })
    const dash = await cli(['dashboard', dir, '--store', storeUrl, '--once'])
    expect(dash.err).toBe('')
    expect(dash.code).toBe(0)
    expect(dash.out).toContain('loss')
    const backtest = await cli(['andon', 'backtest', dir, '--store', storeUrl, '--json'])
    expect(backtest.err).toBe('')
    expect(backtest.code).toBe(0)
    expect(backtest.out).toContain('ch-run')
  })
})
