import { copyFileSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { EntrenarError } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { openStore } from '../src/index.js'
import { deadWriterId, rows, tempDir } from './helpers/fixtures.js'

const walOf = (dir: string) => readdirSync(join(dir, 'wal')).filter((f) => f.endsWith('.wal'))
const segmentsOf = (dir: string, runDir: string) => readdirSync(join(dir, 'metrics', runDir)).filter((f) => f.endsWith('.parquet'))

describe('WAL recovery', () => {
  it('replays the WAL of a dead writer on open', async () => {
    const src = tempDir('wal-src')
    const a = await openStore(src, { sealAfterMs: Number.POSITIVE_INFINITY })
    await a.write(rows('r', 'loss', 0, 50))
    await a.write(rows('q', 'acc', 0, 5))
    await a.flush()
    // "Crash": take the fsync'd WAL as a dead writer of this host would have left it.
    const dst = tempDir('wal-dst')
    mkdirSync(join(dst, 'wal'), { recursive: true })
    copyFileSync(join(src, 'wal', walOf(src)[0]!), join(dst, 'wal', `${deadWriterId()}.00000000.wal`))
    await a.close()
    const b = await openStore(dst)
    expect(b.recovery).toMatchObject({ walFiles: 1, rows: 55, segments: 2 })
    expect(Array.from((await b.query({ runs: ['r'] })).series[0]!.x)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    expect(walOf(dst)).toEqual([])
    await b.close()
  })

  it('a torn WAL tail is reported as ENTRENAR_DB_CORRUPT, moved aside, and its intact frames recovered', async () => {
    const src = tempDir('torn-src')
    const a = await openStore(src, { sealAfterMs: Number.POSITIVE_INFINITY })
    await a.write(rows('r', 'loss', 0, 10))
    await a.flush()
    await a.write(rows('r', 'loss', 10, 20))
    await a.flush()
    const wal = join(src, 'wal', walOf(src)[0]!)
    const bytes = readFileSync(wal)
    const dst = tempDir('torn-dst')
    mkdirSync(join(dst, 'wal'), { recursive: true })
    const torn = join(dst, 'wal', `${deadWriterId()}.00000003.wal`)
    writeFileSync(torn, bytes)
    truncateSync(torn, bytes.length - 7) // a crash in the middle of the second frame
    await a.close()
    const problems: EntrenarError[] = []
    const b = await openStore(dst, { onCorrupt: (e) => problems.push(e) })
    expect(problems).toHaveLength(1)
    expect(problems[0]!.code).toBe('ENTRENAR_DB_CORRUPT')
    expect(problems[0]!.message).toMatch(/WAL .* damaged at byte \d+ of \d+/)
    expect(b.problems()).toHaveLength(1)
    expect(readdirSync(join(dst, 'corrupt'))).toHaveLength(1)
    expect(walOf(dst)).toEqual([])
    expect(Array.from((await b.query({ runs: ['r'] })).series[0]!.x)).toEqual(Array.from({ length: 10 }, (_, i) => i))
    await b.close()
  })

  it('a bit flip inside a WAL frame fails its CRC', async () => {
    const src = tempDir('flip-src')
    const a = await openStore(src, { sealAfterMs: Number.POSITIVE_INFINITY })
    await a.write(rows('r', 'loss', 0, 10))
    await a.flush()
    const bytes = readFileSync(join(src, 'wal', walOf(src)[0]!))
    await a.close()
    bytes[bytes.length - 3]! ^= 0x10
    const dst = tempDir('flip-dst')
    mkdirSync(join(dst, 'wal'), { recursive: true })
    writeFileSync(join(dst, 'wal', `${deadWriterId()}.00000000.wal`), bytes)
    const problems: EntrenarError[] = []
    const b = await openStore(dst, { onCorrupt: (e) => problems.push(e) })
    expect(problems.map((p) => p.message).join()).toMatch(/CRC mismatch/)
    expect((await b.query({})).series).toEqual([])
    await b.close()
  })
})

describe('damaged segments', () => {
  async function twoRuns(): Promise<string> {
    const dir = tempDir('seg')
    const s = await openStore(dir, { rowGroupRows: 100 })
    await s.write(rows('good', 'loss', 0, 500))
    await s.write(rows('bad', 'loss', 0, 500))
    await s.close()
    return dir
  }

  it('a flipped byte in a data page is caught by the row-group CRC; the file is moved aside and the rest stays queryable', async () => {
    const dir = await twoRuns()
    const file = join(dir, 'metrics', 'run_id=bad', segmentsOf(dir, 'run_id=bad')[0]!)
    const bytes = readFileSync(file)
    bytes[200]! ^= 0x01 // inside the first row group's pages
    writeFileSync(file, bytes)
    const problems: EntrenarError[] = []
    const s = await openStore(dir, { onCorrupt: (e) => problems.push(e) })
    const r = await s.query({})
    expect(r.series.map((x) => x.runId)).toEqual(['good'])
    expect(r.series[0]!.x.length).toBe(500)
    expect(problems).toHaveLength(1)
    expect(problems[0]!.code).toBe('ENTRENAR_DB_CORRUPT')
    expect(problems[0]!.message).toMatch(/row group 0 CRC \d+ differs from \d+/)
    expect(segmentsOf(dir, 'run_id=bad')).toEqual([])
    expect(readdirSync(join(dir, 'corrupt'))).toHaveLength(1)
    // Reported once: the file is gone from the store.
    await s.query({})
    expect(problems).toHaveLength(1)
    await s.close()
  })

  it('a truncated segment (footer lost) is reported and moved aside', async () => {
    const dir = await twoRuns()
    const file = join(dir, 'metrics', 'run_id=bad', segmentsOf(dir, 'run_id=bad')[0]!)
    truncateSync(file, 300)
    const problems: EntrenarError[] = []
    const s = await openStore(dir, { onCorrupt: (e) => problems.push(e) })
    expect((await s.range(0, Number.MAX_SAFE_INTEGER)).map((b) => [b.runId, b.length])).toEqual([['good', 500]])
    expect(problems[0]?.code).toBe('ENTRENAR_DB_CORRUPT')
    expect(problems[0]?.message).toMatch(/footer/)
    await s.close()
  })

  it('an unreadable run file is reported and skipped', async () => {
    const dir = tempDir('runs')
    const s = await openStore(dir)
    await s.putRun({ id: 'a', status: 'running', startTimeMs: 1 })
    await s.putRun({ id: 'b', status: 'running', startTimeMs: 2 })
    writeFileSync(join(dir, 'runs', 'b.json'), '{"id":"b",')
    const problems: EntrenarError[] = []
    const t = await openStore(dir, { onCorrupt: (e) => problems.push(e) })
    expect((await t.runs()).map((r) => r.id)).toEqual(['a'])
    expect(problems[0]?.code).toBe('ENTRENAR_DB_CORRUPT')
    await s.close()
    await t.close()
  })
})
