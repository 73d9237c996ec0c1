import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { batchFromRows, type RecordBatch } from '@entrenar/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ClickHouseStore, openClickHouseStore } from '../src/index.js'
import { clickhouseBinary, freePort, type RunningClickHouse, startClickHouse } from './server.js'

// Replication: one shard with two replicas of ReplicatedReplacingMergeTree tables, coordinated by a ZooKeeper
// of its own (Debian package `zookeeper`), the commands of docs/scaling.md.
const binary = clickhouseBinary()
const ZK = '/usr/share/zookeeper/bin/zkServer.sh'
const hasZk = (() => {
  try {
    accessSync(ZK, constants.X_OK)
    return true
  } catch {
    return false
  }
})()
if (binary && !hasZk) console.warn('zookeeper is not installed (apt-get install zookeeper): the ClickHouse replication test is skipped')
const d = binary && hasZk ? describe : describe.skip

const DB = 'replicated'
const T0 = 1_700_000_000_000_000

/** Starts a standalone ZooKeeper on a free loopback port in a directory of its own; resolves once it accepts connections. */
async function startZooKeeper(): Promise<{ port: number; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'entrenar-zk-'))
  mkdirSync(join(dir, 'data'))
  const port = await freePort()
  writeFileSync(join(dir, 'zoo.cfg'), `tickTime=500\ndataDir=${dir}/data\nclientPort=${port}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n`)
  // Its own process group: the script starts java, and both are stopped together.
  const child: ChildProcess = spawn(ZK, ['start-foreground', join(dir, 'zoo.cfg')], { cwd: dir, detached: true, stdio: 'ignore', env: { ...process.env, ZOO_LOG_DIR: dir } })
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  const up = () =>
    new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1')
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
  for (let i = 0; !(await up()); i++) {
    if (child.exitCode !== null || i > 600) throw new Error('ZooKeeper did not start')
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    port,
    async stop() {
      if (child.exitCode === null && child.pid) {
        process.kill(-child.pid, 'SIGTERM')
        const t = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 10_000)
        await exited
        clearTimeout(t)
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

let zk: Awaited<ReturnType<typeof startZooKeeper>>
let r1: RunningClickHouse
let r2: RunningClickHouse
const stores: ClickHouseStore[] = []

const sql = async (server: RunningClickHouse, query: string) => {
  const r = await fetch(server.url, { method: 'POST', body: query })
  const text = await r.text()
  if (!r.ok) throw new Error(`${query}: ${text}`)
  return text.trim()
}
/** The replicated local tables of docs/scaling.md ("Replication"), created before the store is opened. */
const createTables = async (server: RunningClickHouse) => {
  await sql(server, `CREATE DATABASE IF NOT EXISTS ${DB}`)
  await sql(
    server,
    `CREATE TABLE ${DB}.points_local (run_id String, metric String, step Int64, timestamp_us Int64,
      epoch Nullable(Int32), batch Nullable(Int32), value_bits UInt64,
      value Float64 MATERIALIZED reinterpretAsFloat64(reinterpretAsString(value_bits)),
      tags Nullable(String), batch_id String, row_no UInt32)
      ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/${DB}/points', '{replica}')
      ORDER BY (run_id, metric, step, timestamp_us, batch_id, row_no)`,
  )
  await sql(
    server,
    `CREATE TABLE ${DB}.runs_local (id String, version UInt64, start_time_ms Float64, name String, status String, doc String)
      ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/${DB}/runs', '{replica}', version) ORDER BY id`,
  )
}
const localCount = async (server: RunningClickHouse) => Number(await sql(server, `SELECT count() FROM ${DB}.points_local FINAL`))
/** Waits until the replica holds `n` rows (replication is asynchronous). */
async function converge(server: RunningClickHouse, n: number): Promise<void> {
  for (let i = 0; ; i++) {
    const have = await localCount(server).catch(() => -1)
    if (have === n) return
    if (i > 1200) throw new Error(`replica on ${server.url} holds ${have} rows, expected ${n}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
const batchOf = (run: string, k: number): RecordBatch =>
  batchFromRows(
    run,
    Array.from({ length: 100 }, (_, i) => ({ metric: 'loss', step: k * 100 + i, value: k * 100 + i + 0.25, timestampUs: T0 + k * 100 + i, epoch: null, batch: null, tags: null })),
  )

beforeAll(async () => {
  if (!binary || !hasZk) return
  zk = await startZooKeeper()
  const [t1, t2] = [await freePort(), await freePort()]
  const replica = (port: number) => `<replica><host>127.0.0.1</host><port>${port}</port></replica>`
  const config = (name: string) => `
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <zookeeper><node><host>127.0.0.1</host><port>${zk.port}</port></node><session_timeout_ms>6000</session_timeout_ms></zookeeper>
  <macros><shard>01</shard><replica>${name}</replica></macros>
  <remote_servers><rep><shard><internal_replication>true</internal_replication>${replica(t1)}${replica(t2)}</shard></rep></remote_servers>`
  ;[r1, r2] = await Promise.all([startClickHouse(binary, { tcpPort: t1, extraConfig: config('r1') }), startClickHouse(binary, { tcpPort: t2, extraConfig: config('r2') })])
  for (const s of [r1, r2]) await createTables(s)
}, 180_000)
afterAll(async () => {
  for (const s of stores) await s.close()
  await Promise.all([r1?.stop(), r2?.stop()])
  await zk?.stop()
})

d('ClickHouse store on a replicated shard (ReplicatedReplacingMergeTree, ZooKeeper)', () => {
  it('writes reach both replicas; with one replica down writes are still acknowledged, and it catches up when it returns', async () => {
    const open = async (server: RunningClickHouse) => {
      const s = await openClickHouseStore({ url: server.url, database: DB, cluster: { name: 'rep' } })
      stores.push(s)
      return s
    }
    const [w1] = await Promise.all([open(r1), open(r2)])
    // The store kept the replicated tables it found.
    expect(await sql(r1, `SELECT engine FROM system.tables WHERE database = '${DB}' AND name = 'points_local'`)).toBe('ReplicatedReplacingMergeTree')
    for (let k = 0; k < 5; k++) await w1.writeBatch(batchOf('rep-run', k), `rep-run-${k}`)
    await w1.putRun({ id: 'rep-run', status: 'running', startTimeMs: 1 })
    await converge(r1, 500)
    await converge(r2, 500)

    // One replica down: the shard still takes writes (through the live replica), and reads still answer.
    await r2.halt()
    for (let k = 5; k < 10; k++) await w1.writeBatch(batchOf('rep-run', k), `rep-run-${k}`)
    // A retried batch (same id) is stored once.
    await w1.writeBatch(batchOf('rep-run', 7), 'rep-run-7')
    const q = await w1.query({ runs: ['rep-run'], aggregate: 'count' })
    expect(q.series[0]!.value[0]).toBe(1000)

    // Back: the replica fetches what it missed, and every point is there once, read through either node.
    r2 = await startClickHouse(binary!, { reuse: r2 })
    await converge(r2, 1000)
    const w2 = await open(r2)
    for (const s of [w1, w2]) {
      const r = await s.sql('SELECT step, count() AS n, any(value) AS v FROM points FINAL GROUP BY step ORDER BY step', { maxRows: 2000 })
      expect(r.rows.length).toBe(1000)
      for (const [step, n, v] of r.rows as [number, number, number][]) {
        expect(Number(n)).toBe(1)
        expect(v).toBe(Number(step) + 0.25)
      }
    }
    expect((await w2.runs()).map((r) => r.id)).toEqual(['rep-run'])
  }, 240_000)
})
