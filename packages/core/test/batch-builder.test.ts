import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { batchToRows, NULL_INT32, type RecordBatch, RecordBatchBuilder } from '../src/index.js'

describe('RecordBatchBuilder.appendRows', () => {
  it('makes the same rows as one append per value, across growth of the columns', () => {
    const one = new RecordBatchBuilder('r', 2)
    const many = new RecordBatchBuilder('r', 2)
    for (const b of [one, many]) for (const m of ['loss', 'acc', 'lr']) b.metricId(m)
    const tag = many.tagSetId({ split: 'val' })
    expect(one.tagSetId({ split: 'val' })).toBe(tag)
    const ids = Int32Array.from([2, 0, 1])
    const vals = Float64Array.from([0.5, Number.NaN, Number.NEGATIVE_INFINITY])
    for (let step = 0; step < 7; step++) {
      const n = (step % 3) + 1 // 1, 2, 3 rows per step: grows past the capacity of 2 several times
      const epoch = step % 2 === 0 ? NULL_INT32 : step
      many.appendRows(ids, vals, n, Float64Array.of(step, 1_000 + step), epoch, 3, step % 2 === 0 ? tag : -1)
      for (let i = 0; i < n; i++) one.append(ids[i]!, vals[i]!, step, 1_000 + step, epoch, 3, step % 2 === 0 ? tag : -1)
    }
    expect(many.length).toBe(one.length)
    expect(batchToRows(many.finish())).toEqual(batchToRows(one.finish()))
  })

  it('appends nothing for n = 0', () => {
    const b = new RecordBatchBuilder('r', 1)
    b.appendRows(new Int32Array(0), new Float64Array(0), 0, Float64Array.of(1, 1))
    expect(b.length).toBe(0)
  })

  it('keeps every column apart, through growth, detach and recycled columns (the columns share two arrays)', () => {
    const b = new RecordBatchBuilder('r', 3)
    for (const m of ['a', 'b', 'c', 'd']) b.metricId(m)
    const tag = b.tagSetId({ k: 'v' })
    const expected: { metric: string; value: number; step: number; timestampUs: number; epoch: number; batch: number; tags: Record<string, string> | null }[] = []
    const got: ReturnType<typeof batchToRows> = []
    for (let step = 0; step < 40; step++) {
      const n = (step % 4) + 1
      const ids = Int32Array.from({ length: n }, (_, i) => (step + i) % 4)
      const vals = Float64Array.from({ length: n }, (_, i) => step * 10 + i + 0.25)
      b.appendRows(ids, vals, n, Float64Array.of(step * 7, 1e15 + step), step + 100, step + 200, step % 3 === 0 ? tag : -1)
      for (let i = 0; i < n; i++) {
        expected.push({
          metric: ['a', 'b', 'c', 'd'][ids[i]!]!,
          value: vals[i]!,
          step: step * 7,
          timestampUs: 1e15 + step,
          epoch: step + 100,
          batch: step + 200,
          tags: step % 3 === 0 ? { k: 'v' } : null,
        })
      }
      if (step % 9 === 8) {
        const batch = b.detach()
        got.push(...batchToRows(batch))
        b.recycle(batch)
      }
    }
    got.push(...batchToRows(b.finish()))
    expect(got.map(({ runId: _, ...r }) => r)).toEqual(expected)
  })

  it('tells the column space a detached batch holds until it is recycled, and 0 for any other batch', () => {
    const b = new RecordBatchBuilder('r', 8)
    const id = b.metricId('a')
    for (let i = 0; i < 5; i++) b.append(id, i, i, i)
    const small = b.detach()
    expect(b.capacityOf(small)).toBe(8)
    for (let i = 0; i < 20; i++) b.append(id, i, i, i) // grows 8 → 16 → 32
    const grown = b.detach()
    expect([grown.length, b.capacityOf(grown)]).toEqual([20, 32])
    b.recycle(small)
    expect(b.capacityOf(small)).toBe(0)
    b.append(id, 1, 1, 1)
    expect(b.capacityOf(b.finish())).toBe(0)
    expect(b.capacityOf(new RecordBatchBuilder('r').finish())).toBe(0)
  })

  it('gives every row its own timestamp, epoch, batch and tags whatever the calls, growth, finish and detach between them', () => {
    // appendRows writes the timestamp, epoch, batch and tag columns of a run of rows that share them when
    // the run ends: any mix of calls must give what one append per row gives.
    const op = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant('rows' as const),
          n: fc.integer({ min: 0, max: 5 }),
          ts: fc.constantFrom(0, -0, 1, 1e15, 1e15 + 1, Number.NaN),
          epoch: fc.constantFrom(NULL_INT32, 0, 1),
          batch: fc.constantFrom(NULL_INT32, 0, 7),
          tag: fc.constantFrom(-1, 0),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('one' as const), ts: fc.constantFrom(0, 2, 1e15), epoch: fc.constantFrom(NULL_INT32, 3), tag: fc.constantFrom(-1, 0) }) },
      { weight: 1, arbitrary: fc.constantFrom({ kind: 'finish' as const }, { kind: 'detach' as const }) },
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 9 }), (ops, capacity) => {
        const b = new RecordBatchBuilder('r', capacity)
        const ref = new RecordBatchBuilder('r', capacity)
        for (const x of [b, ref]) {
          x.metricId('a')
          x.metricId('b')
          x.tagSetId({ k: 'v' })
        }
        const got: ReturnType<typeof batchToRows> = []
        const want: ReturnType<typeof batchToRows> = []
        const held: RecordBatch[] = []
        let step = 0
        const drain = (kind: 'finish' | 'detach') => {
          want.push(...batchToRows(ref.finish()))
          if (kind === 'finish') got.push(...batchToRows(b.finish()))
          else {
            const batch = b.detach()
            got.push(...batchToRows(batch))
            held.push(batch)
            if (held.length > 2) b.recycle(held.shift()!) // reused columns come back with old contents
          }
        }
        for (const o of ops) {
          step++
          if (o.kind === 'rows') {
            const ids = Int32Array.from({ length: o.n }, (_, i) => i % 2)
            const vals = Float64Array.from({ length: o.n }, (_, i) => step + i / 10)
            b.appendRows(ids, vals, o.n, Float64Array.of(step, o.ts), o.epoch, o.batch, o.tag)
            for (let i = 0; i < o.n; i++) ref.append(ids[i]!, vals[i]!, step, o.ts, o.epoch, o.batch, o.tag)
          } else if (o.kind === 'one') {
            b.append(1, -step, step, o.ts, o.epoch, NULL_INT32, o.tag)
            ref.append(1, -step, step, o.ts, o.epoch, NULL_INT32, o.tag)
          } else drain(o.kind)
          expect(b.length).toBe(ref.length)
        }
        drain('finish')
        expect(got.length).toBe(want.length)
        // Object.is per field: -0 and NaN timestamps are kept as they are.
        got.forEach((r, i) => {
          const w = want[i]!
          for (const k of Object.keys(w) as (keyof typeof w)[]) expect(typeof w[k] === 'number' ? Object.is(r[k], w[k]) : JSON.stringify(r[k]) === JSON.stringify(w[k]), `row ${i} ${k}`).toBe(true)
        })
      }),
      { numRuns: 300, seed: Number(process.env.FC_SEED ?? 20261208) },
    )
  })
})
