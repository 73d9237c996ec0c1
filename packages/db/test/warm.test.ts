import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openStore } from '../src/index.js'
import { rows, tempDir } from './helpers/fixtures.js'

/** A store of `runs` runs, each with a few segments. */
async function store(runs: number): Promise<{ dir: string; segments: number }> {
  const dir = tempDir('warm')
  const s = await openStore(dir, { rowGroupRows: 16, segmentRows: 40, cacheDir: false })
  for (let i = 0; i < runs; i++) {
    await s.write(rows(`r${i}`, 'loss', 0, 50))
    await s.seal()
    await s.write(rows(`r${i}`, 'acc', 0, 20))
  }
  await s.close()
  let segments = 0
  for (const d of readdirSync(join(dir, 'metrics'))) segments += readdirSync(join(dir, 'metrics', d)).filter((f) => f.endsWith('.parquet')).length
  return { dir, segments }
}

describe('warm()', () => {
  it('opens every live footer in the background; the first query then opens none and answers the same', async () => {
    const { dir, segments } = await store(12)
    const cold = await openStore(dir, { cacheDir: false })
    const want = await cold.query({ metrics: ['loss'], aggregate: 'mean' })
    await cold.close()
    const s = await openStore(dir, { cacheDir: false })
    expect(s.stats().segmentsOpen).toBe(0)
    const r = await s.warm()
    expect(r).toMatchObject({ segments, complete: true })
    expect(r.footerBytes).toBeGreaterThan(0)
    expect(s.stats().segmentsOpen).toBe(segments)
    expect(await s.query({ metrics: ['loss'], aggregate: 'mean' })).toEqual(want)
    expect(s.stats().segmentsOpen).toBe(segments)
    // Again: nothing left to open.
    expect(await s.warm()).toMatchObject({ segments: 0, complete: true })
    await s.close()
  })

  it('stops at its byte bound, on abort, and at close (which waits for it; nothing is opened afterwards)', async () => {
    const { dir, segments } = await store(12)
    const a = await openStore(dir, { cacheDir: false })
    const bounded = await a.warm({ maxFooterBytes: 1 })
    expect(bounded).toMatchObject({ segments: 1, complete: false })
    const ac = new AbortController()
    ac.abort()
    expect(await a.warm({ signal: ac.signal })).toMatchObject({ segments: 0, complete: false })
    expect(a.stats().segmentsOpen).toBe(1)
    await a.close()

    const b = await openStore(dir, { cacheDir: false })
    const p = b.warm()
    await b.close()
    const r = await p
    expect(r.complete).toBe(false)
    expect(r.segments).toBeLessThan(segments)
    const after = b.stats().segmentsOpen
    await new Promise((res) => setTimeout(res, 20))
    expect(b.stats().segmentsOpen).toBe(after)
    await expect(Promise.resolve().then(() => b.warm())).rejects.toMatchObject({ code: 'ENTRENAR_CLOSED' })
  })

  it('waits while a query runs, so it never delays one', async () => {
    const { dir } = await store(12)
    // A run of many small segments: its query opens their footers one after the other.
    const w0 = await openStore(dir, { cacheDir: false })
    for (let k = 0; k < 60; k++) {
      await w0.write(rows('many', 'loss', k * 2, k * 2 + 2))
      await w0.seal()
    }
    await w0.close()
    const s = await openStore(dir, { cacheDir: false })
    const q = s.query({ runs: ['many'], metrics: ['loss'], aggregate: 'count' })
    const w = s.warm()
    // The query has the files to itself: when it resolves, only its own footers are open.
    const res = await q
    expect(res.series[0]!.value[0]).toBe(120)
    expect(s.stats().segmentsOpen).toBe(60)
    expect((await w).complete).toBe(true)
    expect(s.stats().segmentsOpen).toBe(60 + 24)
    await s.close()
  })

  it('rejects unknown options and a bad bound', async () => {
    const { dir } = await store(1)
    const s = await openStore(dir, { cacheDir: false })
    expect(() => s.warm({ nope: 1 } as never)).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
    expect(() => s.warm({ maxFooterBytes: 0 })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
    await s.close()
  })
})
