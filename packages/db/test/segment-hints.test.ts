import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { MetricQuery } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { openStore, RUN_CATALOG } from '../src/index.js'
import { crc32 } from '../src/node/io.js'
import { rows, T0, tempDir } from './helpers/fixtures.js'

const SEGMENTS = 5
const STEPS = 100

/** One run of five segments, each 100 steps of `loss` (and `acc` in the even ones), the run catalog written at close. */
async function store(): Promise<string> {
  const dir = tempDir('hints')
  const s = await openStore(dir, { rowGroupRows: 32, sealAfterMs: Number.POSITIVE_INFINITY })
  for (let k = 0; k < SEGMENTS; k++) {
    await s.write(rows('r', 'loss', k * STEPS, (k + 1) * STEPS))
    if (k % 2 === 0) await s.write(rows('r', 'acc', k * STEPS, (k + 1) * STEPS - 10 * k))
    await s.seal()
  }
  await s.close()
  return dir
}

const at = (step: number) => T0 + step * 1000
/** Queries that select rows of one segment (by time, by step, by time with a metric), and one of none. */
const QUERIES: MetricQuery[] = [
  { from: at(250), to: at(260), aggregate: 'count' },
  { steps: [310, 320] },
  { from: at(400), metrics: ['acc'], aggregate: 'sum' },
  { to: at(50), metrics: ['loss'], bucket: { points: 4, mode: 'minmax-last' } },
  { from: at(10_000) },
]

function editCatalog(dir: string, edit: (segment: Record<string, unknown>) => void): void {
  const path = join(dir, RUN_CATALOG)
  const c = JSON.parse(readFileSync(path, 'utf8').split('\n')[1]!) as { runDirs: Record<string, { segments: Record<string, Record<string, unknown>> }> }
  for (const d of Object.values(c.runDirs)) for (const g of Object.values(d.segments)) edit(g)
  const body = JSON.stringify(c)
  writeFileSync(path, `${JSON.stringify({ crc: crc32(new TextEncoder().encode(body)) })}\n${body}`)
}

/** Every query's answer and the footers it opened, each on a fresh read-only store. */
async function answers(dir: string): Promise<{ results: unknown[]; opened: number[]; ranges: unknown[]; problems: string[] }> {
  const results: unknown[] = []
  const opened: number[] = []
  const ranges: unknown[] = []
  const problems: string[] = []
  for (const q of QUERIES) {
    const s = await openStore(dir, { readOnly: true, onCorrupt: (e) => problems.push(e.code) })
    results.push(await s.query(q))
    opened.push(s.stats().segmentsOpen)
    await s.close()
  }
  const s = await openStore(dir, { readOnly: true })
  ranges.push(await s.range(at(120), at(130)), await s.range(at(95), at(105), { metrics: ['acc'] }))
  await s.close()
  return { results, opened, ranges, problems }
}

describe('segment bounds in the run catalog', () => {
  it('a filtered read opens only the footers of segments its filter may select, and answers as with every footer open', async () => {
    const dir = await store()
    const withHints = await answers(dir)
    const bare = join(tempDir('hints-bare'), 's')
    cpSync(dir, bare, { recursive: true })
    rmSync(join(bare, RUN_CATALOG))
    const without = await answers(bare)
    expect(withHints.results).toEqual(without.results)
    expect(withHints.ranges).toEqual(without.ranges)
    expect(without.opened).toEqual(QUERIES.map(() => SEGMENTS))
    // Steps 250–260, 310–320: one segment each; `acc` from step 400: segment 4 holds it; up to step 50: segment 0; none past the end.
    expect(withHints.opened).toEqual([1, 1, 1, 1, 0])
    expect((withHints.results[0] as { series: { value: Float64Array }[] }).series[0]!.value[0]).toBe(11)
    expect(withHints.problems).toEqual([])
  })

  it('an older catalog (no bounds) still answers, opening every footer its metrics do not exclude; a new listing of the partition adds them', async () => {
    const dir = await store()
    const want = await answers(dir)
    editCatalog(dir, (g) => {
      delete g.bounds
    })
    const old = await answers(dir)
    expect(old.results).toEqual(want.results)
    // Only the metric names (kept since the first catalogs) exclude segments: the two without `acc`.
    expect(old.opened).toEqual([5, 5, 3, 5, 5])
    // A write changes the partition: its listing at close gives every entry its bounds (footers only).
    const s = await openStore(dir, { sealAfterMs: Number.POSITIVE_INFINITY })
    await s.write(rows('r', 'loss', 1000, 1010))
    await s.close()
    expect(s.stats().catalogSegmentsDecoded).toBe(1)
    const again = await answers(dir)
    expect(again.opened.slice(0, 4)).toEqual([1, 1, 1, 1])
  })

  it('a segment whose size differs from its entry (rewritten under its name) is opened, never judged by the entry', async () => {
    const dir = await store()
    const part = join(dir, 'metrics', 'run_id=r')
    const names = readdirSync(part)
      .filter((n) => n.endsWith('.parquet'))
      .sort()
    // Segment 1's name now holds segment 2's rows (another size): a query of segment 2's steps must see them twice.
    cpSync(join(part, names[2]!), join(part, names[1]!))
    const bare = join(tempDir('hints-bare'), 's')
    cpSync(dir, bare, { recursive: true })
    rmSync(join(bare, RUN_CATALOG))
    const got = await answers(dir)
    const want = await answers(bare)
    expect(got.results).toEqual(want.results)
    expect(got.ranges).toEqual(want.ranges)
    expect((got.results[0] as { series: { value: Float64Array }[] }).series[0]!.value[0]).toBe(22)
  })

  it('bounds that are not finite, inverted or not numbers make the catalog damaged: reported, rebuilt, reads open every footer', async () => {
    for (const bad of [[0, 1, 2], ['0', 1, 2, 3], [5, 1, 0, 1], [0, 1, 9, 2], 'x', {}] as unknown[]) {
      const dir = await store()
      const want = await answers(dir)
      editCatalog(dir, (g) => {
        g.bounds = bad
      })
      const got = await answers(dir)
      expect(got.results).toEqual(want.results)
      expect(got.opened).toEqual(QUERIES.map(() => SEGMENTS))
      const problems: string[] = []
      const s = await openStore(dir, { onCorrupt: (e) => problems.push(e.code) })
      await s.runSummaries()
      await s.close()
      expect(problems).toEqual(['ENTRENAR_DB_CORRUPT'])
    }
  })
})
