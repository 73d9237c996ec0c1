import { describe, expect, it } from 'vitest'
import { batchToRows, NULL_INT32, RecordBatchBuilder } from '../src/index.js'

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
})
