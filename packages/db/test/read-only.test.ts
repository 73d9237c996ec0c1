import { createHash } from 'node:crypto'
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openStore, RUN_CATALOG } from '../src/index.js'
import { crc32 } from '../src/node/io.js'
import { rows, tempDir } from './helpers/fixtures.js'

/** A store whose catalog was written by an older version (segment summaries without metric figures). */
async function olderStore(): Promise<string> {
  const dir = tempDir('read-only')
  const s = await openStore(dir, { rowGroupRows: 16, segmentRows: 50, cacheDir: false })
  for (let i = 0; i < 5; i++) {
    await s.write(rows(`r${i}`, 'loss', 0, 30 + 10 * i))
    await s.write(rows(`r${i}`, 'acc', 0, 9, (x) => (x === 8 ? Number.NaN : x)))
    await s.putRun({ id: `r${i}`, status: 'finished', startTimeMs: 1_700_000_000_000 + i, config: {} })
  }
  await s.close()
  const path = join(dir, RUN_CATALOG)
  const c = JSON.parse(readFileSync(path, 'utf8').split('\n')[1]!) as { runDirs: Record<string, { segments: Record<string, { stats?: unknown }> }> }
  for (const d of Object.values(c.runDirs)) for (const g of Object.values(d.segments)) delete g.stats
  const body = JSON.stringify(c)
  writeFileSync(path, `${JSON.stringify({ crc: crc32(new TextEncoder().encode(body)) })}\n${body}`)
  // The catalog's own mtime late enough that no directory counts as changed in the same tick.
  const later = new Date(Date.now() + 5_000)
  utimesSync(path, later, later)
  return dir
}

/** Every file and directory under `dir` with its size and mtime: what a read-only open must leave as it was. */
function snapshot(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, f.name)
      const st = statSync(p, { bigint: true })
      out.push(`${p} ${st.size} ${st.mtimeNs} ${st.ino}`)
      if (f.isDirectory()) walk(p)
    }
  }
  walk(dir)
  return out.sort()
}

const cacheFileOf = (cacheDir: string, store: string) => join(cacheDir, `run-catalog-${createHash('sha256').update(realpathSync(store)).digest('hex').slice(0, 32)}.json`)

/** What a writable open of a copy answers: the reference for the read-only answers. */
async function reference(dir: string) {
  const copy = tempDir('read-only-ref')
  cpSync(dir, copy, { recursive: true })
  const s = await openStore(copy, { cacheDir: false })
  const out = { runs: await s.runs(), summaries: await s.runSummaries(), metrics: await s.metricSummaries() }
  await s.close()
  return out
}

describe('a store opened read-only', () => {
  it('writes nothing in the store directory, answers as a writable open does, and refuses writes with ENTRENAR_UNSUPPORTED', async () => {
    const dir = await olderStore()
    const want = await reference(dir)
    const before = snapshot(dir)
    const s = await openStore(dir, { readOnly: true, cacheDir: tempDir('read-only-cache') })
    expect(await s.runs()).toEqual(want.runs)
    expect(await s.runSummaries()).toEqual(want.summaries)
    expect(await s.metricSummaries()).toEqual(want.metrics)
    expect((await s.query({ runs: ['r2'], metrics: ['loss'], aggregate: 'count' })).series[0]!.value[0]).toBe(50)
    for (const op of [
      () => s.write(rows('r9', 'loss', 0, 3)),
      () => s.putRun({ id: 'r9', status: 'running', startTimeMs: 0, config: {} }),
      () => s.seal(),
      () => s.compact(),
      () => s.recover(),
      () => s.applyRetention(1),
    ] as (() => Promise<unknown>)[]) {
      await expect(Promise.resolve().then(op)).rejects.toMatchObject({ code: 'ENTRENAR_UNSUPPORTED' })
    }
    await s.close()
    expect(snapshot(dir)).toEqual(before)
  })

  it('completes an older catalog once per process, then once per user (the next open decodes nothing)', async () => {
    const dir = await olderStore()
    const want = await reference(dir)
    // Without a user cache: completed once in this process, then kept in memory.
    const mem = await openStore(dir, { readOnly: true, cacheDir: false })
    expect(await mem.metricSummaries()).toEqual(want.metrics)
    const once = mem.stats().catalogSegmentsDecoded
    expect(once).toBeGreaterThan(0)
    expect(await mem.metricSummaries()).toEqual(want.metrics)
    expect(mem.stats().catalogSegmentsDecoded).toBe(once)
    await mem.close()
    const cacheDir = join(tempDir('read-only-cache'), 'nested', 'entrenar')
    const a = await openStore(dir, { readOnly: true, cacheDir })
    expect(await a.metricSummaries()).toEqual(want.metrics)
    const decoded = a.stats().catalogSegmentsDecoded
    expect(decoded).toBeGreaterThan(0)
    expect(await a.metricSummaries()).toEqual(want.metrics)
    expect(await a.runSummaries()).toEqual(want.summaries)
    expect(a.stats().catalogSegmentsDecoded).toBe(decoded)
    await a.close()
    // The cache is private to this user.
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700)
    expect(statSync(cacheFileOf(cacheDir, dir)).mode & 0o777).toBe(0o600)
    const b = await openStore(dir, { readOnly: true, cacheDir })
    expect(await b.metricSummaries()).toEqual(want.metrics)
    expect(b.stats().catalogSegmentsDecoded).toBe(0)
    await b.close()
  })

  it('sees segments added after it completed the catalog in memory (checked against the directories like the file)', async () => {
    const dir = await olderStore()
    const ro = await openStore(dir, { readOnly: true, cacheDir: tempDir('read-only-cache') })
    await ro.metricSummaries()
    expect((await ro.runSummaries()).find((r) => r.runId === 'r1')!.points).toBe(40 + 9)
    // Another process adds segments (a copy of r0's under r1, and a new run r7); the catalog file is not rewritten.
    const src = join(dir, 'metrics', 'run_id=r0')
    const seg = readdirSync(src).find((f) => f.endsWith('.parquet'))!
    cpSync(join(src, seg), join(dir, 'metrics', 'run_id=r1', 'part-zzzz-00000099.parquet'))
    mkdirSync(join(dir, 'metrics', 'run_id=r7'))
    cpSync(join(src, seg), join(dir, 'metrics', 'run_id=r7', seg))
    const sums = await ro.runSummaries()
    expect(sums.find((r) => r.runId === 'r1')!.points).toBe(40 + 9 + 30 + 9)
    expect(sums.find((r) => r.runId === 'r7')!.points).toBe(30 + 9)
    const m = await ro.metricSummaries()
    expect(m.find((r) => r.runId === 'r7')!.metrics.find((x) => x.name === 'loss')).toMatchObject({ rows: 30, lastStep: 29 })
    await ro.close()
  })

  it('never trusts a planted cache: a forged figure is used only from a private file of this user, for the very segment file it names', async () => {
    const dir = await olderStore()
    const want = await reference(dir)
    const cacheDir = tempDir('read-only-cache')
    const a = await openStore(dir, { readOnly: true, cacheDir })
    await a.metricSummaries()
    await a.close()
    const file = cacheFileOf(cacheDir, dir)
    const good = readFileSync(file, 'utf8')
    const forge = (edit: (e: { id: Record<string, unknown>; summary: { stats: Record<string, unknown[]> } }) => void): string => {
      const c = JSON.parse(good.split('\n')[1]!) as { segments: Record<string, { id: Record<string, unknown>; summary: { stats: Record<string, unknown[]> } }> }
      for (const [k, e] of Object.entries(c.segments)) if (k.startsWith('r3/')) edit(e)
      const body = JSON.stringify(c)
      return `${JSON.stringify({ crc: crc32(new TextEncoder().encode(body)) })}\n${body}`
    }
    const lie = forge((e) => {
      e.summary.stats.loss = [1, 0, 1e9, 42]
    })
    const loss3 = async () => {
      const s = await openStore(dir, { readOnly: true, cacheDir })
      const m = await s.metricSummaries()
      const decoded = s.stats().catalogSegmentsDecoded
      await s.close()
      return { loss: m.find((r) => r.runId === 'r3')!.metrics.find((x) => x.name === 'loss')!, decoded, all: m }
    }
    // A file others may write (group or world writable) is not trusted.
    writeFileSync(file, lie)
    chmodSync(file, 0o666)
    let r = await loss3()
    expect(r.all).toEqual(want.metrics)
    expect(r.decoded).toBeGreaterThan(0)
    // A symbolic link in place of the file is not followed.
    const elsewhere = join(tempDir('read-only-planted'), 'cache.json')
    writeFileSync(elsewhere, lie, { mode: 0o600 })
    chmodSync(elsewhere, 0o600)
    writeFileSync(file, '')
    const { rmSync } = await import('node:fs')
    rmSync(file)
    symlinkSync(elsewhere, file)
    r = await loss3()
    expect(r.all).toEqual(want.metrics)
    // A directory others may write is not trusted either.
    rmSync(file)
    writeFileSync(file, lie, { mode: 0o600 })
    chmodSync(cacheDir, 0o777)
    r = await loss3()
    expect(r.all).toEqual(want.metrics)
    chmodSync(cacheDir, 0o700)
    // An entry made for another file (another inode or size: a different segment list) is not used.
    writeFileSync(file, forge((e) => {
      e.summary.stats.loss = [1, 0, 1e9, 42]
      e.id.ino = `${e.id.ino}1`
    }), { mode: 0o600 })
    r = await loss3()
    expect(r.all).toEqual(want.metrics)
    // A copy of the store (other inodes) finds no entry for its segments, even under the same cache.
    const copy = tempDir('read-only-copy')
    cpSync(dir, copy, { recursive: true })
    mkdirSync(cacheDir, { recursive: true })
    writeFileSync(cacheFileOf(cacheDir, copy), lie.replace(JSON.stringify(realpathSync(dir)), JSON.stringify(realpathSync(copy))), { mode: 0o600 })
    const c = await openStore(copy, { readOnly: true, cacheDir })
    expect(await c.metricSummaries()).toEqual(want.metrics)
    await c.close()
    // The boundary: this user's own private file naming this very segment is believed (it saves the decode).
    writeFileSync(file, lie, { mode: 0o600 })
    r = await loss3()
    expect(r.loss).toMatchObject({ rows: 1, lastStep: 1e9, last: 42 })
  })

  it('refuses a directory that holds no store instead of creating one, and rejects bad options', async () => {
    const empty = tempDir('read-only-empty')
    await expect(openStore(empty, { readOnly: true })).rejects.toMatchObject({ code: 'ENTRENAR_NOT_FOUND' })
    expect(readdirSync(empty)).toEqual([])
    await expect(openStore(empty, { readOnly: 'yes' as unknown as boolean })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    await expect(openStore(empty, { cacheDir: 'relative/dir' })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
  })
})
