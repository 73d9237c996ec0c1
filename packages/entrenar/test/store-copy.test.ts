import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type MetricStore, NULL_INT32, type RecordBatch, RecordBatchBuilder, type RunInfo } from '@entrenar/core'
import { openStore } from '@entrenar/db'
import { openClickHouseStore } from '@entrenar/db-clickhouse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clickhouseBinary, type RunningClickHouse, startClickHouse } from '../../db-clickhouse/test/server.js'
import { copyStore, runCli } from '../src/index.js'
import { cli, tempDir } from './helpers.js'

const binary = clickhouseBinary()
if (!binary) console.warn('clickhouse-server is not installed (apt-get install clickhouse-server): the store copy tests against ClickHouse are skipped')
const T0 = 1_767_225_600_000_000

/** Doubles from their bits: NaN payloads (quiet and signalling, both signs), ±Inf, −0, subnormals. */
const fromBits = (...bits: bigint[]) => Array.from(new Float64Array(new BigUint64Array(bits).buffer))
const SPECIAL = fromBits(0x7ff8000000000000n, 0x7ff8000000000001n, 0xfff8dead0000beefn, 0x7ff4000000000007n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x8000000000000000n, 0x0000000000000001n, 0x800fffffffffffffn)

/**
 * Runs with every kind of thing a store keeps: special values, out-of-order and repeated steps, an identical
 * row twice, epochs and batches (null and set), tags, a run without points, points without metadata, a run id
 * and metric names with non-ASCII and punctuation, one metric dense enough to be read in time windows.
 */
async function fill(store: MetricStore): Promise<void> {
  const runs: RunInfo[] = [
    { id: 'alpha', name: 'α run', status: 'finished', startTimeMs: 1000.5, endTimeMs: 9000, config: { lr: 0.1, layers: [64, 32], nested: { a: null, b: 'x' } }, host: 'h1', gitRevision: 'abc' },
    { id: 'beta/ü ñ', status: 'stopped', startTimeMs: 2000, reason: 'NaN loss at step 7', config: { tags: ['t1'] } },
    { id: 'empty', status: 'running', startTimeMs: 3000 },
  ]
  for (const r of runs) await store.putRun(r)
  const a = new RecordBatchBuilder('alpha')
  const loss = a.metricId('loss')
  const acc = a.metricId('val/accuracy ü')
  const train = a.tagSetId({ split: 'train', 'k"ey': 'v\tal\nue' })
  const val = a.tagSetId({ split: 'val' })
  for (const [i, v] of SPECIAL.entries()) a.append(loss, v, i, T0 + i, i % 2 ? 3 : NULL_INT32, i % 3 ? NULL_INT32 : -7, i % 2 ? train : -1)
  for (const step of [50, 10, 30, 10]) a.append(loss, step / 7, step, T0 + 100 + step, 1, 2, val)
  a.append(acc, 0.25, 5, T0 + 5, NULL_INT32, NULL_INT32, -1)
  a.append(acc, 0.25, 5, T0 + 5, NULL_INT32, NULL_INT32, -1) // the same row twice: both are kept
  a.append(acc, -1e308, -(2 ** 40), -T0, 2147483647, -2147483647, train)
  await store.write(a.finish())
  const b = new RecordBatchBuilder('beta/ü ñ')
  const g = b.metricId('grad_norm')
  // Dense: 600 rows, 40 of them in one microsecond.
  for (let i = 0; i < 600; i++) b.append(g, i % 97 === 0 ? Number.NaN : Math.sin(i), i, i < 40 ? T0 : T0 + i * 1_000_003, NULL_INT32, i, -1)
  await store.write(b.finish())
  const c = new RecordBatchBuilder('orphan')
  c.append(c.metricId('loss'), 1, 1, T0, NULL_INT32, NULL_INT32, -1)
  await store.write(c.finish())
  await store.flush()
}

const bits = (v: number) => new BigUint64Array(new Float64Array([v]).buffer)[0]!.toString(16)
const sortKeys = (t: Readonly<Record<string, string>>) => JSON.stringify(Object.fromEntries(Object.entries(t).sort()))
/** Every point of a store as text (value as its bits), sorted: equal lists mean equal multisets of points. */
async function pointsOf(store: MetricStore): Promise<string[]> {
  const out: string[] = []
  const batches: RecordBatch[] = await store.range(-Number.MAX_VALUE, Number.MAX_VALUE)
  for (const b of batches) {
    for (let i = 0; i < b.length; i++) {
      const t = b.tagIndex[i]!
      out.push([b.runId, b.metricNames[b.metric[i]!], b.step[i], b.timestampUs[i], bits(b.value[i]!), b.epoch[i], b.batch[i], t < 0 ? '-' : sortKeys(b.tagSets[t]!)].join(' | '))
    }
  }
  return out.sort()
}
const canon = (runs: RunInfo[]) => runs.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).sort()))).sort()

describe('entrenar store copy between Parquet directories', () => {
  it('copies every point and run exactly, refuses a second source in the destination, and merges on request', async () => {
    const src = tempDir()
    const s = await openStore(src)
    await fill(s)
    const want = await pointsOf(s)
    const wantRuns = canon(await s.runs())
    await s.close()
    expect(want.length).toBe(SPECIAL.length + 4 + 3 + 600 + 1)
    const dst = join(tempDir(), 'copy')
    // Small batches: the dense metric is read in time windows, the rows written in many batches.
    const r = await cli(['--json', 'store', 'copy', src, dst, '--batch-rows', '25'])
    expect(r.err).not.toMatch(/error/)
    expect(r.code).toBe(0)
    const summary = JSON.parse(r.out)
    expect(summary).toMatchObject({ runs: 4, points: want.length, written: want.length, present: 0, runInfos: 3, unchanged: [] })
    expect(summary.nonFinite).toBe(6 + 7) // 6 special non-finite values, 7 NaN in the dense metric
    expect(summary.batches).toBeGreaterThan(want.length / 25 - 1)
    const d = await openStore(dst)
    expect(await pointsOf(d)).toEqual(want)
    expect(canon(await d.runs())).toEqual(wantRuns)
    await d.close()

    // Again: nothing written, nothing duplicated.
    const again = await cli(['--json', 'store', 'copy', src, dst])
    expect(again.code).toBe(0)
    expect(JSON.parse(again.out)).toMatchObject({ written: 0, present: want.length, runInfos: 0, copied: [] })
    // A destination with a run of its own is refused, untouched; --merge adds to it.
    const other = tempDir()
    const o = await openStore(other)
    await o.putRun({ id: 'theirs', status: 'finished', startTimeMs: 1 })
    const ob = new RecordBatchBuilder('theirs')
    ob.append(ob.metricId('loss'), 2, 1, T0, NULL_INT32, NULL_INT32, -1)
    await o.write(ob.finish())
    await o.close()
    const refused = await cli(['store', 'copy', src, other])
    expect(refused.code).toBe(1)
    expect(refused.err).toMatch(/ENTRENAR_STORE_NOT_EMPTY/)
    expect(refused.err).toMatch(/run "theirs" is not part of the copy/)
    const o2 = await openStore(other)
    expect((await pointsOf(o2)).length).toBe(1)
    await o2.close()
    const merged = await cli(['store', 'copy', src, other, '--merge'])
    expect(merged.code).toBe(0)
    const o3 = await openStore(other)
    expect((await pointsOf(o3)).filter((p) => !p.startsWith('theirs |'))).toEqual(want)
    expect((await o3.runs()).map((x) => x.id).sort()).toEqual(['alpha', 'beta/ü ñ', 'empty', 'theirs'])
    await o3.close()
  }, 120_000)

  it('--run copies one run; an unknown run, the same store twice, and bad flags are coded errors', async () => {
    const src = tempDir()
    const s = await openStore(src)
    await fill(s)
    await s.close()
    const dst = tempDir()
    const r = await cli(['--json', 'store', 'copy', src, dst, '--run', 'alpha'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ runs: 1, copied: ['alpha'], written: SPECIAL.length + 7 })
    const d = await openStore(dst)
    expect((await d.runs()).map((x) => x.id)).toEqual(['alpha'])
    await d.close()
    // Another run into the same destination: the first is not part of this copy.
    expect((await cli(['store', 'copy', src, dst, '--run', 'orphan'])).err).toMatch(/ENTRENAR_STORE_NOT_EMPTY/)
    const unknown = await cli(['store', 'copy', src, tempDir(), '--run', 'nope'])
    expect(unknown.code).toBe(3)
    expect(unknown.err).toMatch(/no run "nope"/)
    const same = await cli(['store', 'copy', src, `${src}/`])
    expect(same.code).toBe(4)
    expect(same.err).toMatch(/same store/)
    expect((await cli(['store', 'copy', src, tempDir(), '--batch-rows', '0'])).code).toBe(2)
    expect((await cli(['store', 'copy', join(src, 'missing'), tempDir()])).code).toBe(3)
    expect((await cli(['store', 'copy', 'clickhouse://[::1', tempDir()])).code).toBe(4)
    expect((await cli(['store', 'copy', src, 'clickhouse://u:secret@[::1/db'])).err).not.toMatch(/secret/)
    await expect(copyStore(s, s, { batchSize: 1 } as never)).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
  })

  it('Ctrl-C: exit 130 with how to finish, and the same command finishes it', async () => {
    const src = tempDir()
    const s = await openStore(src)
    await fill(s)
    const want = await pointsOf(s)
    await s.close()
    const dst = tempDir()
    const ac = new AbortController()
    ac.abort()
    let err = ''
    let out = ''
    const code = await runCli(['--json', 'store', 'copy', src, dst], { out: (t) => (out += t), err: (t) => (err += t), env: {}, signal: ac.signal })
    expect(code).toBe(130)
    expect(err).toMatch(/interrupted after 0 points; run the same copy again to finish it/)
    expect(JSON.parse(out).error.code).toBe('ENTRENAR_INTERRUPTED')
    expect((await cli(['store', 'copy', src, dst])).code).toBe(0)
    const d = await openStore(dst)
    expect(await pointsOf(d)).toEqual(want)
    await d.close()
  })

  it('a destination holding points of a copied run that the source lacks is refused before anything is written', async () => {
    const src = tempDir()
    const s = await openStore(src)
    await fill(s)
    await s.close()
    const dst = tempDir()
    const d = await openStore(dst)
    // Fewer points than the source (looks like an interrupted copy) but one of them is not the source's.
    const b = new RecordBatchBuilder('alpha')
    b.append(b.metricId('loss'), 123.456, 1, T0 + 1, NULL_INT32, NULL_INT32, -1)
    await d.write(b.finish())
    await d.close()
    const r = await cli(['store', 'copy', src, dst])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/run "alpha" holds 1 point the source does not have/)
    const d2 = await openStore(dst)
    expect(await pointsOf(d2)).toHaveLength(1)
    await d2.close()
  })
})

;(binary ? describe : describe.skip)('entrenar store copy with ClickHouse', () => {
  let server: RunningClickHouse
  beforeAll(async () => {
    server = await startClickHouse(binary!)
  })
  afterAll(async () => {
    await server?.stop()
  })
  const chUrl = (db: string) => `clickhouse://127.0.0.1:${server.httpPort}/${db}`

  it('Parquet → ClickHouse → Parquet gives back every point bit for bit and every run; ClickHouse → ClickHouse too', async () => {
    const src = tempDir()
    const s = await openStore(src)
    await fill(s)
    const want = await pointsOf(s)
    const wantRuns = canon(await s.runs())
    await s.close()
    const up = await cli(['--json', 'store', 'copy', src, chUrl('roundtrip'), '--batch-rows', '40'])
    expect(up.err).not.toMatch(/error/)
    expect(up.code).toBe(0)
    expect(JSON.parse(up.out)).toMatchObject({ written: want.length, runs: 4 })
    const ch = await openClickHouseStore({ url: server.url, database: 'roundtrip' })
    expect(await pointsOf(ch)).toEqual(want)
    expect(canon(await ch.runs())).toEqual(wantRuns)
    await ch.close()
    const back = join(tempDir(), 'back')
    const down = await cli(['--json', 'store', 'copy', chUrl('roundtrip'), back, '--batch-rows', '40'])
    expect(down.code).toBe(0)
    const p = await openStore(back)
    expect(await pointsOf(p)).toEqual(want)
    expect(canon(await p.runs())).toEqual(wantRuns)
    await p.close()
    const twin = await cli(['--json', 'store', 'copy', chUrl('roundtrip'), chUrl('twin')])
    expect(twin.code).toBe(0)
    const t = await openClickHouseStore({ url: server.url, database: 'twin' })
    expect(await pointsOf(t)).toEqual(want)
    await t.close()
    // Again into ClickHouse: nothing written.
    expect(JSON.parse((await cli(['--json', 'store', 'copy', src, chUrl('roundtrip')])).out)).toMatchObject({ written: 0, present: want.length })
    expect((await cli(['store', 'copy', chUrl('roundtrip'), `clickhouse://127.0.0.1:${server.httpPort}/roundtrip/`])).err).toMatch(/same store/)
  }, 120_000)

  it('interrupted between batches (Ctrl-C), the same command finishes the copy without duplicates', async () => {
    const src = tempDir()
    const s = await openStore(src)
    await fill(s)
    const want = await pointsOf(s)
    await s.close()
    // Progress on stderr: throttled lines, and the last one always.
    let err = ''
    const code = await runCli(['store', 'copy', src, chUrl('progress'), '--batch-rows', '30'], { out: () => {}, err: (t) => (err += t), env: {} })
    expect(code).toBe(0)
    expect(err).toMatch(new RegExp(`^store copy: 4/4 runs, ${want.length}/${want.length} points \\(100 %\\), ${want.length} written, [\\d,]+ points/s$`, 'm'))
    // Stopped once 50 points are written: the first run is complete, the second (600 points) half-copied.
    const local = new AbortController()
    let stoppedAt = 0
    const from = await openStore(src)
    const to = await openClickHouseStore({ url: server.url, database: 'interrupted' })
    const outcome = await copyStore(from, to, {
      batchRows: 30,
      signal: local.signal,
      onProgress: (p) => {
        if (p.written >= 50 && !local.signal.aborted) {
          stoppedAt = p.written
          local.abort()
        }
      },
    }).then(
      () => 'finished',
      (e: { code?: string }) => e.code,
    )
    await from.close()
    await to.close()
    expect(outcome).toBe('ENTRENAR_INTERRUPTED')
    const partial = await openClickHouseStore({ url: server.url, database: 'interrupted' })
    const held = await pointsOf(partial)
    expect(stoppedAt).toBe(16 + 2 * 30) // alpha's 16 points, then two batches of beta's
    expect(held.length).toBe(stoppedAt)
    expect((await partial.runs()).map((r) => r.id)).toEqual(['alpha'])
    await partial.close()
    // Different batches this time: what is there is found by content, not by batch.
    const rerun = await cli(['--json', 'store', 'copy', src, chUrl('interrupted'), '--batch-rows', '17'])
    expect(rerun.code).toBe(0)
    expect(JSON.parse(rerun.out)).toMatchObject({ written: want.length - stoppedAt, present: stoppedAt, unchanged: ['alpha'] })
    const done = await openClickHouseStore({ url: server.url, database: 'interrupted' })
    expect(await pointsOf(done)).toEqual(want)
    await done.close()
  }, 120_000)

  const entrenarBin = fileURLToPath(new URL('../bin/entrenar.js', import.meta.url))
  const built = existsSync(fileURLToPath(new URL('../dist/cli.js', import.meta.url)))
  ;(built ? it : it.skip)('killed (SIGKILL) mid-copy into ClickHouse and into Parquet, a re-run completes it: every point once', async () => {
    // A store big enough that the copy takes a while in small batches.
    const src = tempDir()
    const s = await openStore(src)
    await fill(s)
    for (let r = 0; r < 8; r++) {
      const b = new RecordBatchBuilder(`bulk-${r}`)
      const ids = ['loss', 'acc', 'lr'].map((m) => b.metricId(m))
      for (let i = 0; i < 6000; i++) b.append(ids[i % 3]!, i % 1001 === 0 ? Number.NEGATIVE_INFINITY : i / 3, Math.floor(i / 3), T0 + i, NULL_INT32, NULL_INT32, -1)
      await s.write(b.finish())
      await s.putRun({ id: `bulk-${r}`, status: 'finished', startTimeMs: 10 + r })
    }
    await s.flush()
    const want = await pointsOf(s)
    await s.close()
    const kill = async (source: string, to: string, held: () => Promise<number>) => {
      const child = spawn(process.execPath, [entrenarBin, 'store', 'copy', source, to, '--batch-rows', '100'], { stdio: ['ignore', 'ignore', 'pipe'] })
      let stderr = ''
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString()
      })
      const exited = new Promise<string>((r) => child.once('exit', (c, sig) => r(`${c ?? sig}${c === null ? '' : `: ${stderr}`}`)))
      // Kill as soon as the destination holds some of the points.
      for (;;) {
        if (child.exitCode !== null) break
        if ((await held().catch(() => 0)) > 0) break
        await new Promise((r) => setTimeout(r, 20))
      }
      child.kill('SIGKILL')
      return exited
    }
    const chDb = 'killed'
    const count = async () => {
      const r = await fetch(`${server.url}/?query=${encodeURIComponent(`SELECT count() FROM ${chDb}.points FINAL`)}`)
      return r.ok ? Number((await r.text()).trim()) : 0
    }
    expect(await kill(src, chUrl(chDb), count)).toBe('SIGKILL') // killed, not finished
    const partial = await count()
    expect(partial).toBeGreaterThan(0)
    expect(partial).toBeLessThan(want.length)
    const rerun = await cli(['--json', 'store', 'copy', src, chUrl(chDb)])
    expect(rerun.code).toBe(0)
    expect(JSON.parse(rerun.out).present).toBeGreaterThanOrEqual(partial)
    const ch = await openClickHouseStore({ url: server.url, database: chDb })
    expect(await pointsOf(ch)).toEqual(want)
    await ch.close()

    // ClickHouse → Parquet, killed: the killed writer's WAL is replayed when the destination is opened again.
    const dst = join(tempDir(), 'killed')
    const walRows = async () => {
      const { readdirSync, statSync } = await import('node:fs')
      try {
        return readdirSync(join(dst, 'wal')).reduce((n, f) => n + statSync(join(dst, 'wal', f)).size, 0)
      } catch {
        return 0
      }
    }
    expect(await kill(chUrl(chDb), dst, async () => ((await walRows()) > 100_000 ? 1 : 0))).toBe('SIGKILL')
    // Opening the destination replays the killed writer's WAL: part of the copy is there.
    const half = await openStore(dst)
    const got = (await pointsOf(half)).length
    await half.close()
    expect(got).toBeGreaterThan(0)
    expect(got).toBeLessThan(want.length)
    const rerun2 = await cli(['--json', 'store', 'copy', chUrl(chDb), dst])
    expect(rerun2.err).not.toMatch(/error/)
    expect(rerun2.code).toBe(0)
    const p = await openStore(dst)
    expect(await pointsOf(p)).toEqual(want)
    await p.close()
  }, 180_000)
})
