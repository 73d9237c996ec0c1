import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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
})
