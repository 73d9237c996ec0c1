import { batchFromRows, type RecordRow } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { openStore } from '../src/index.js'
import { prng, T0, tempDir } from './helpers/fixtures.js'

/** A store of one run: several metrics interleaved (row groups of several metrics), tags and epochs, values from `seed`. */
async function store(seed: number): Promise<string> {
  const dir = tempDir('read-buffer')
  const s = await openStore(dir, { rowGroupRows: 256 })
  const rand = prng(seed)
  const rows: Omit<RecordRow, 'runId'>[] = []
  for (let i = 0; i < 6000; i++) {
    rows.push({ metric: `m${Math.floor(rand() * 5)}`, step: i, value: rand() * seed, timestampUs: T0 + i * 10, epoch: rand() < 0.5 ? null : i, batch: null, tags: rand() < 0.3 ? { s: String(seed) } : null })
  }
  await s.write(batchFromRows('r', rows))
  await s.close()
  return dir
}

describe('the reused read buffer', () => {
  it('holds no bytes a decoded column still uses: other stores reading (in turn and at once) leave every answer as it was', async () => {
    const dirs = await Promise.all([1, 2, 3].map(store))
    const stores = await Promise.all(dirs.map((d) => openStore(d, { readOnly: true })))
    const q = { aggregate: 'sum' as const, from: T0 + 500, to: T0 + 50_000 }
    // First answers, each from a fresh store (nothing cached), one after the other.
    const first = []
    for (const s of stores) first.push({ query: await s.query(q), range: await s.range(T0, T0 + 30_000) })
    // Every store reads again at once, from fresh stores (so the buffer is shared and overwritten meanwhile)…
    const fresh = await Promise.all(dirs.map((d) => openStore(d, { readOnly: true })))
    const again = await Promise.all(fresh.map(async (s) => ({ query: await s.query(q), range: await s.range(T0, T0 + 30_000) })))
    expect(again).toEqual(first)
    // …and the first stores answer from their caches exactly as before.
    for (let i = 0; i < stores.length; i++) {
      expect(await stores[i]!.query(q)).toEqual(first[i]!.query)
      expect(await stores[i]!.range(T0, T0 + 30_000)).toEqual(first[i]!.range)
    }
    expect(first[0]).not.toEqual(first[1])
    await Promise.all([...stores, ...fresh].map((s) => s.close()))
  })
})
