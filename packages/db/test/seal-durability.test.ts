import { readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore } from '../src/index.js'
import { rows, tempDir } from './helpers/fixtures.js'

const T = 1_800_000_000_000
const STALE = 300_000
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('sealing', () => {
  it('a WAL whose deletion a machine crash undid (no directory fsync after it) is skipped on replay: every row once', async () => {
    const dir = tempDir('resurrected-wal')
    dirs.push(dir)
    const a = await openStore(dir, { host: 'host-a', clock: () => T, sealAfterMs: Number.POSITIVE_INFINITY })
    await a.write(rows('r', 'loss', 0, 50))
    await a.flush()
    const [name] = readdirSync(join(dir, 'wal'))
    const saved = readFileSync(join(dir, 'wal', name!))
    await a.seal()
    expect(readdirSync(join(dir, 'wal'))).toEqual([])
    // What the volume may hold after a machine crash: the segment's rename is durable, the WAL's unlink is not.
    writeFileSync(join(dir, 'wal', name!), saved)
    const b = await openStore(dir, { host: 'host-b', clock: () => T + STALE + 1 })
    expect(b.recovery).toMatchObject({ walFiles: 1, rows: 0, skippedRows: 50 })
    const got = (await b.query({ runs: ['r'] })).series.flatMap((s) => Array.from(s.x))
    expect(got.sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    expect(readdirSync(join(dir, 'wal'))).toEqual([])
    await b.close()
    await a.close()
  })

  it('a seal that takes back a failed seal\'s rows is named after both generations, so a replay of the older WAL skips them: every row once', async () => {
    const dir = tempDir('retried-seal')
    dirs.push(dir)
    const a = await openStore(dir, { host: 'host-a', clock: () => T, sealAfterMs: Number.POSITIVE_INFINITY })
    await a.write(rows('r', 'loss', 0, 50))
    await a.flush()
    // A file where the run's partition directory belongs: writing generation 0's segment fails.
    const blocker = join(dir, 'metrics', 'run_id=r')
    writeFileSync(blocker, '')
    await expect(a.seal()).rejects.toMatchObject({ code: 'ENTRENAR_SINK_FAILED' })
    unlinkSync(blocker)
    await a.write(rows('r', 'loss', 50, 80))
    await a.flush()
    const wals = readdirSync(join(dir, 'wal')).sort()
    expect(wals).toEqual([`${a.writerId}.00000000.wal`, `${a.writerId}.00000001.wal`])
    const saved = wals.map((w) => readFileSync(join(dir, 'wal', w)))
    await a.seal()
    expect(readdirSync(join(dir, 'metrics', 'run_id=r'))).toEqual([`part-${a.writerId}-00000000t00000001.parquet`])
    // The writer dies (or a machine crash undoes the deletions) before both WALs are gone.
    for (const [i, w] of wals.entries()) writeFileSync(join(dir, 'wal', w), saved[i]!)
    const b = await openStore(dir, { host: 'host-b', clock: () => T + STALE + 1 })
    expect(b.recovery).toMatchObject({ walFiles: 2, rows: 0, skippedRows: 80 })
    const got = (await b.query({ runs: ['r'] })).series.flatMap((s) => Array.from(s.x))
    expect(got.sort((x, y) => x - y)).toEqual(Array.from({ length: 80 }, (_, i) => i))
    await b.close()
    await a.close()
  })
})
