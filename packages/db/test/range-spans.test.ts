import { batchFromRows, batchToRows, createMemoryStore, type RecordRow } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { openStore } from '../src/index.js'
import { prng, T0, tempDir } from './helpers/fixtures.js'

/**
 * `range()` skips a metric run wholly outside the window, takes one wholly inside without row tests and
 * bisects the window's edges in a run whose timestamps never decrease: the rows returned, and their
 * order, must equal the in-memory reference whatever the window, for runs whose clock goes back too.
 */
describe('range() over metric runs', () => {
  it('returns exactly the reference rows, in order, for windows cutting runs that are ordered in time and runs that are not', async () => {
    const rnd = prng(5)
    const mem = createMemoryStore()
    const dir = tempDir('range-spans')
    const s = await openStore(dir, { rowGroupRows: 40, segmentRows: 2000, cacheDir: false })
    const rows: Omit<RecordRow, 'runId'>[] = []
    for (const [k, metric] of ['a', 'b', 'c', 'd'].entries()) {
      const len = 90 + k * 53
      for (let step = 0; step < len; step++) {
        // 'c' logs with a clock that goes back and forth; 'd' repeats timestamps.
        const at = metric === 'c' ? (step * 31) % len : metric === 'd' ? step >> 2 : step
        rows.push({ metric, step, value: rnd(), timestampUs: T0 + at * 1000, epoch: step % 3 === 0 ? step : null, batch: null, tags: step % 5 === 0 ? { p: 'x' } : null })
      }
    }
    const b = batchFromRows('r', rows)
    await mem.write(b)
    await s.write(b)
    await s.seal()
    const rowsOf = (bs: readonly { runId: string }[]) => bs.flatMap((x) => batchToRows(x as Parameters<typeof batchToRows>[0]))
    const windows: [number, number][] = [
      [T0, T0 + 500_000],
      [T0 + 17_000, T0 + 61_500],
      [T0 + 60_000, T0 + 60_000],
      [T0 + 100_500, T0 + 140_000],
      [T0 - 5_000, T0 - 1],
      [T0 + 3_000, T0 + 250_000],
    ]
    for (const [from, to] of windows) {
      for (const filter of [undefined, { metrics: ['c', 'd'] }, { metrics: ['a'] }]) {
        const want = rowsOf(await mem.range(from, to, filter))
        for (let round = 0; round < 2; round++) expect(rowsOf(await s.range(from, to, filter)), `${from - T0}..${to - T0} ${JSON.stringify(filter)}`).toEqual(want)
      }
    }
    await s.close()
  })
})
