import { readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunInfo } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { openStore, type ParquetStore, RUN_CATALOG, type RunSummary } from '../src/index.js'
import { readRuns } from '../src/store/runs.js'
import { rows, tempDir } from './helpers/fixtures.js'

const run = (id: string, i: number, extra: Partial<RunInfo> = {}): RunInfo => ({ id, status: 'finished', startTimeMs: 1_700_000_000_000 + i, config: { lr: i }, ...extra })

/** What the catalog replaces: every run file, and a count over every segment. */
async function scan(store: ParquetStore): Promise<{ runs: RunInfo[]; summaries: RunSummary[] }> {
  const runs = await readRuns(store.dir, async () => undefined)
  const counts = await store.query({ aggregate: 'count' })
  const by = new Map<string, { points: number; metrics: number; last: number }>()
  for (const s of counts.series) {
    const r = by.get(s.runId) ?? { points: 0, metrics: 0, last: Number.NEGATIVE_INFINITY }
    r.points += s.value[0]!
    r.metrics++
    r.last = Math.max(r.last, ...Array.from((await store.query({ runs: [s.runId], metrics: [s.metric], aggregate: 'max' })).series[0]!.x))
    by.set(s.runId, r)
  }
  const summaries = [...by.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([runId, r]) => ({ runId, points: r.points, metrics: r.metrics, lastStep: r.last }))
  return { runs, summaries }
}

/** Makes the catalog's own mtime late enough that no directory counts as changed "in the same tick". */
function ageDirs(dir: string): void {
  const later = new Date(Date.now() + 5_000)
  utimesSync(join(dir, RUN_CATALOG), later, later)
}

async function populated(): Promise<string> {
  const dir = tempDir('run-catalog')
  const s = await openStore(dir, { rowGroupRows: 16, segmentRows: 50 })
  for (let i = 0; i < 6; i++) {
    const id = `r${i}`
    await s.write(rows(id, 'loss', 0, 20 + 10 * i))
    if (i % 2 === 0) await s.write(rows(id, 'acc', 0, 7, () => Number.NaN))
    if (i !== 5) await s.putRun(run(id, 6 - i)) // r5 has rows but no metadata
  }
  await s.putRun(run('no-rows', 0, { status: 'stopped', reason: 'andon' }))
  await s.close()
  return dir
}

describe('run catalog', () => {
  it('is written at close and its runs and summaries equal a scan of run files and segments', async () => {
    const dir = await populated()
    expect(JSON.parse(readFileSync(join(dir, RUN_CATALOG), 'utf8').split('\n')[1]!).runs).toHaveLength(6)
    const s = await openStore(dir)
    const want = await scan(s)
    expect(await s.runs()).toEqual(want.runs)
    expect(await s.runSummaries()).toEqual(want.summaries)
    expect(want.summaries.find((r) => r.runId === 'r4')).toEqual({ runId: 'r4', points: 67, metrics: 2, lastStep: 59 })
    await s.close()
  })

  it('serves runs from the catalog while runs/ is unchanged, and sees a putRun of another process', async () => {
    const dir = await populated()
    ageDirs(dir)
    // An in-place edit does not touch the directory: the catalog (not a scan) answers.
    const file = join(dir, 'runs', 'r0.json')
    const a = await openStore(dir)
    const before = await a.runs()
    writeFileSync(file, JSON.stringify(run('r0', 99, { name: 'edited in place' })))
    expect(await a.runs()).toEqual(before)
    // Every write of the store renames into runs/: the catalog notices without being told.
    const b = await openStore(dir)
    await b.putRun(run('r9', 100, { status: 'running' }))
    await b.write(rows('r9', 'loss', 0, 5))
    await b.seal() // rows count once in a segment (buffered rows of another process are not visible)
    const r = await a.runs()
    expect(r.map((x) => x.id)).toContain('r9')
    expect(r.find((x) => x.id === 'r0')!.name).toBe('edited in place')
    expect((await a.runSummaries()).find((x) => x.runId === 'r9')).toEqual({ runId: 'r9', points: 5, metrics: 1, lastStep: 4 })
    await b.close()
    await a.close()
  })

  it('a damaged or tampered catalog is reported as ENTRENAR_DB_CORRUPT and rebuilt from a scan', async () => {
    const dir = await populated()
    const path = join(dir, RUN_CATALOG)
    const good = readFileSync(path, 'utf8')
    // A crafted catalog with a correct checksum: a run that could not have been stored, a negative count.
    const { crc32 } = await import('../src/node/io.js')
    const forge = (edit: (c: Record<string, any>) => void) => {
      const c = JSON.parse(good.split('\n')[1]!) as Record<string, any>
      edit(c)
      const body = JSON.stringify(c)
      return `${JSON.stringify({ crc: crc32(new TextEncoder().encode(body)) })}\n${body}`
    }
    const forged = [
      forge((c) => c.runs.push({ id: '../../etc', status: 'finished', startTimeMs: 0 })),
      forge((c) => (c.runs[0].status = 'hacked')),
      forge((c) => (Object.values(c.runDirs as Record<string, any>)[0].segments[Object.keys(Object.values(c.runDirs as Record<string, any>)[0].segments)[0]!].rows = -5)),
    ]
    for (const bad of [good.slice(0, good.length >> 1), good.replace('"r1"', '"rX"'), 'not json', `{"crc":0}\n{}`, ...forged]) {
      writeFileSync(path, bad)
      ageDirs(dir)
      const problems: string[] = []
      const s = await openStore(dir, { onCorrupt: (e) => problems.push(`${e.code} ${e.message}`) })
      const want = await scan(s)
      expect(await s.runs()).toEqual(want.runs)
      expect(await s.runSummaries()).toEqual(want.summaries)
      expect(problems.length).toBeGreaterThan(0)
      expect(problems[0]).toMatch(/^ENTRENAR_DB_CORRUPT .*run catalog .*rebuilt/)
      await s.close()
      // Rewritten whole: the next open finds it valid.
      const again = await openStore(dir, { onCorrupt: (e) => problems.push(e.code) })
      const n = problems.length
      await again.runs()
      expect(problems.length).toBe(n)
      await again.close()
    }
  })

  it('a missing catalog is rebuilt quietly; a damaged run file is quarantined, not listed', async () => {
    const dir = await populated()
    const { rmSync } = await import('node:fs')
    rmSync(join(dir, RUN_CATALOG))
    writeFileSync(join(dir, 'runs', 'r1.json'), '{"id":')
    const problems: string[] = []
    const s = await openStore(dir, { onCorrupt: (e) => problems.push(e.message) })
    const ids = (await s.runs()).map((r) => r.id)
    expect(ids).not.toContain('r1')
    expect(ids).toHaveLength(5)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/r1\.json/)
    await s.close()
  })

  it('counts rows recovered from a dead writer and a compaction without counting replaced segments twice', async () => {
    const dir = await populated()
    const s = await openStore(dir, { rowGroupRows: 16, segmentRows: 50 })
    await s.runSummaries()
    await s.write(rows('r2', 'loss', 40, 90))
    await s.seal()
    const r = await s.compact({ runs: ['r2'] })
    expect(r.merged).toBeGreaterThan(1)
    const want = await scan(s)
    expect(await s.runSummaries()).toEqual(want.summaries)
    expect(want.summaries.find((x) => x.runId === 'r2')!.points).toBe(40 + 7 + 50)
    await s.close()
  })

  it('metric summaries (rows, NaN, last step and value) equal aggregate queries, across segments, compaction and ±Inf/NaN last values', async () => {
    const dir = await populated()
    const s = await openStore(dir, { rowGroupRows: 16, segmentRows: 50 })
    // A later segment overwrites the end of r2/loss; r3 ends on +Inf, r1 on NaN; a metric named "__proto__".
    await s.write(rows('r2', 'loss', 40, 90, (x) => (x === 89 ? Number.NEGATIVE_INFINITY : x)))
    await s.write(rows('r3', 'loss', 40, 41, () => Number.POSITIVE_INFINITY))
    await s.write(rows('r1', 'grad', 0, 30, (x) => (x % 4 === 0 ? Number.NaN : x)))
    await s.write(rows('r0', '__proto__', 0, 3))
    await s.seal()
    await s.compact({ runs: ['r3'] })
    const want = new Map<string, { rows: number; nan: number; lastStep: number; last: number }>()
    const [last, count] = await Promise.all([s.query({ aggregate: 'last' }), s.query({ aggregate: 'count' })])
    for (const x of last.series) want.set(`${x.runId}/${x.metric}`, { rows: 0, nan: 0, lastStep: x.x[0]!, last: x.value[0]! })
    for (const x of count.series) {
      const w = want.get(`${x.runId}/${x.metric}`)!
      w.rows = x.value[0]!
      w.nan = (await s.query({ runs: [x.runId], metrics: [x.metric] })).series[0]!.value.filter((v) => Number.isNaN(v)).length
    }
    const got = new Map<string, unknown>()
    for (const r of await s.metricSummaries()) for (const m of r.metrics) got.set(`${r.runId}/${m.name}`, { rows: m.rows, nan: m.nan, lastStep: m.lastStep, last: m.last })
    expect(got).toEqual(want)
    expect(got.get('r2/loss')).toEqual({ rows: 90, nan: 0, lastStep: 89, last: Number.NEGATIVE_INFINITY })
    expect(got.get('r1/grad')).toMatchObject({ rows: 30, nan: 8, lastStep: 29, last: 29 })
    expect(got.get('r3/loss')).toMatchObject({ lastStep: 49, last: 4.9 })
    expect(got.get('r0/__proto__')).toMatchObject({ rows: 3 })
    await s.close()
    // The figures are kept in the catalog: the next process reads them without decoding a segment.
    const again = await openStore(dir)
    const before = again.stats().cacheBytes
    expect((await again.metricSummaries()).flatMap((r) => r.metrics.map((m) => `${r.runId}/${m.name}`)).sort()).toEqual([...want.keys()].sort())
    expect(again.stats().cacheBytes).toBe(before)
    await again.close()
  })

  it('a catalog written before it kept metric figures is completed once, quietly', async () => {
    const dir = await populated()
    const path = join(dir, RUN_CATALOG)
    const { crc32 } = await import('../src/node/io.js')
    const c = JSON.parse(readFileSync(path, 'utf8').split('\n')[1]!) as { runDirs: Record<string, { segments: Record<string, { stats?: unknown }> }> }
    for (const d of Object.values(c.runDirs)) for (const g of Object.values(d.segments)) delete g.stats
    const body = JSON.stringify(c)
    writeFileSync(path, `${JSON.stringify({ crc: crc32(new TextEncoder().encode(body)) })}\n${body}`)
    ageDirs(dir)
    const problems: string[] = []
    const s = await openStore(dir, { onCorrupt: (e) => problems.push(e.message) })
    const old = await s.runSummaries()
    const m = await s.metricSummaries()
    expect(m.find((r) => r.runId === 'r4')!.metrics).toEqual([
      { name: 'acc', rows: 7, nan: 7, lastStep: 6, last: Number.NaN },
      { name: 'loss', rows: 60, nan: 0, lastStep: 59, last: 5.9 },
    ])
    expect(await s.runSummaries()).toEqual(old)
    expect(problems).toEqual([])
    await s.close()
    expect(readFileSync(path, 'utf8')).toContain('"stats"')
  })

  it('a forged metric figure with a valid checksum is refused and rebuilt', async () => {
    const dir = await populated()
    const path = join(dir, RUN_CATALOG)
    const { crc32 } = await import('../src/node/io.js')
    const good = readFileSync(path, 'utf8')
    for (const bad of [[-1, 0, 1, 1], [5, 9, 1, 1], [1, 0, 1, 'oops'], [1, 0, Number.NaN, 1], 'x']) {
      const c = JSON.parse(good.split('\n')[1]!) as { runDirs: Record<string, { segments: Record<string, { stats: Record<string, unknown> }> }> }
      const seg = Object.values(c.runDirs.r0!.segments)[0]!
      seg.stats.loss = bad
      const body = JSON.stringify(c)
      writeFileSync(path, `${JSON.stringify({ crc: crc32(new TextEncoder().encode(body)) })}\n${body}`)
      ageDirs(dir)
      const problems: string[] = []
      const s = await openStore(dir, { onCorrupt: (e) => problems.push(e.code) })
      expect((await s.metricSummaries()).find((r) => r.runId === 'r0')!.metrics.find((x) => x.name === 'loss')).toMatchObject({ rows: 20, nan: 0, lastStep: 19 })
      expect(problems).toContain('ENTRENAR_DB_CORRUPT')
      await s.close()
    }
  })
})
