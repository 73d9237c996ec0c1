import { aggregate } from '@entrenar/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createSeriesBuffer } from '../src/series/buffer.js'
import { bucketize, downsampleMinMaxLast } from '../src/series/downsample.js'
import { smooth } from '../src/series/smooth.js'
import { createStreamingStats, seriesStats } from '../src/series/stats.js'

const f64 = (a: number[]) => Float64Array.from(a)
const steps = (n: number) => Float64Array.from({ length: n }, (_, i) => i)


/** The value with −0 folded into 0, so `toBe` compares numerically and still matches NaN to NaN. */
const numeric = (v: number): number => (v === 0 ? 0 : v)

describe('downsampleMinMaxLast', () => {
  it('keeps a one-point spike that every-k-th sampling would lose', () => {
    const n = 10_000
    const y = new Float64Array(n).fill(1)
    y[4321] = 1000
    const d = downsampleMinMaxLast(steps(n), y, 100)
    expect(d.x.length).toBe(100)
    expect(Math.max(...d.max)).toBe(1000)
    expect(d.max[43]).toBe(1000)
    expect(d.last[43]).toBe(1)
  })

  it('per column: min, max, last and the x of the last row', () => {
    const d = downsampleMinMaxLast(f64([0, 1, 2, 3]), f64([5, 1, 7, 3]), 2)
    expect(Array.from(d.x)).toEqual([1, 3])
    expect(Array.from(d.min)).toEqual([1, 3])
    expect(Array.from(d.max)).toEqual([5, 7])
    expect(Array.from(d.last)).toEqual([1, 3])
  })

  it('counts NaN and ±Inf, keeps them as last, never folds them into min/max', () => {
    const d = downsampleMinMaxLast(f64([0, 1, 2, 3, 4, 5]), f64([1, Number.NaN, 2, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]), 3)
    expect(Array.from(d.nanCount)).toEqual([1, 0, 1])
    expect(Array.from(d.posInfCount)).toEqual([0, 1, 0])
    expect(Array.from(d.negInfCount)).toEqual([0, 0, 1])
    expect(Array.from(d.min)).toEqual([1, 2, Number.NaN])
    expect(Number.isNaN(d.last[0])).toBe(true)
    expect(d.last[1]).toBe(Number.POSITIVE_INFINITY)
  })

  it('drops empty columns and handles a single x', () => {
    const d = downsampleMinMaxLast(f64([0, 100]), f64([1, 2]), 10)
    expect(Array.from(d.x)).toEqual([0, 100])
    const one = downsampleMinMaxLast(f64([7, 7]), f64([3, 4]), 10)
    expect(Array.from(one.last)).toEqual([4])
    expect(downsampleMinMaxLast(f64([]), f64([]), 10).x.length).toBe(0)
  })

  it('rejects bad input with a coded error', () => {
    expect(() => downsampleMinMaxLast(f64([1]), f64([1, 2]), 10)).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
    expect(() => downsampleMinMaxLast(f64([1]), f64([1]), 0)).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
    expect(() => downsampleMinMaxLast(f64([1]), f64([1]), 2.5)).toThrow(/buckets/)
  })

  it('property: column min ≤ last ≤ max for finite last, and the global extremes survive', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 50 }), (vals, b) => {
        const y = f64(vals)
        const d = downsampleMinMaxLast(steps(vals.length), y, b)
        for (let i = 0; i < d.x.length; i++) {
          expect(d.min[i]!).toBeLessThanOrEqual(d.last[i]!)
          expect(d.last[i]!).toBeLessThanOrEqual(d.max[i]!)
        }
        expect(Math.max(...d.max)).toBe(Math.max(...vals))
        expect(Math.min(...d.min)).toBe(Math.min(...vals))
      }),
    )
  })
})

describe('bucketize against a naive reference', () => {
  it('each column holds exactly the rows whose x falls in its equal-width slice', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -50, max: 50 }), fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY))), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 40 }),
        (rows, b) => {
          const x = f64(rows.map((r) => r[0]))
          const y = f64(rows.map((r) => r[1]))
          const c = bucketize(x, y, b)
          const lo = Math.min(...x)
          const hi = Math.max(...x)
          for (let k = 0; k < b; k++) {
            // Same float expression as the implementation ((x − lo) · (b / (hi − lo))): (x − lo) / (hi − lo) · b
            // can round to the other side of a column edge (x = 0 over [−45, 45] with 26 columns).
            const inCol = rows.filter(([xi]) => (hi > lo ? Math.min(b - 1, Math.floor((xi - lo) * (b / (hi - lo)))) : 0) === k)
            expect(c.count[k]).toBe(inCol.length)
            const fin = inCol.map((r) => r[1]).filter(Number.isFinite)
            // Numeric equality: a column holding both 0 and −0 may report either zero as its min and max
            // (Math.min orders −0 below 0; a chart cannot tell them apart). Counterexample seed -66948068.
            expect(numeric(c.min[k]!)).toBe(numeric(fin.length ? Math.min(...fin) : Number.NaN))
            expect(numeric(c.max[k]!)).toBe(numeric(fin.length ? Math.max(...fin) : Number.NaN))
            expect(c.nanCount[k]).toBe(inCol.filter((r) => Number.isNaN(r[1])).length)
            if (inCol.length) expect(Object.is(c.last[k], inCol[inCol.length - 1]![1])).toBe(true)
          }
        },
      ),
      { numRuns: 100, examples: [[[[0, 0], [0, -0], [0, Number.NaN]], 1]] },
    )
  })
})

describe('SeriesBuffer', () => {
  it('bucketize through the block index equals a raw scan (sorted, unsorted, non-finite)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY))), { maxLength: 2000 }),
        fc.integer({ min: 1, max: 120 }),
        fc.boolean(),
        (rows, b, sorted) => {
          if (sorted) rows.sort((p, q) => p[0] - q[0])
          const buf = createSeriesBuffer(4)
          for (const [x, y] of rows) buf.append(x, y)
          const a = buf.bucketize(b)
          const r = bucketize(buf.x, buf.y, b)
          for (const k of ['x', 'min', 'max', 'last', 'count', 'nanCount', 'posInfCount', 'negInfCount'] as const) {
            expect(Array.from(a[k])).toEqual(Array.from(r[k]))
          }
        },
      ),
      { numRuns: 60 },
    )
  })

  it('the block index (16-ary, 4 levels at 30k rows) equals a raw scan on long series', () => {
    let seed = 3
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    }
    for (const sorted of [true, false]) {
      const buf = createSeriesBuffer(8)
      for (let i = 0; i < 30_000; i++) {
        const v = rnd()
        buf.append(sorted ? i : Math.floor(rnd() * 30_000), v < 0.001 ? Number.NaN : v < 0.002 ? Number.NEGATIVE_INFINITY : v)
      }
      for (const b of [1, 3, 7, 64, 333, 1000, 5000]) {
        const a = buf.bucketize(b)
        const r = bucketize(buf.x, buf.y, b)
        for (const k of ['x', 'min', 'max', 'last', 'count', 'nanCount', 'posInfCount', 'negInfCount'] as const) expect(Array.from(a[k])).toEqual(Array.from(r[k]))
        const sub = buf.bucketize(b, [5000.5, 17_000])
        const rs = bucketize(buf.x, buf.y, b, [5000.5, 17_000])
        for (const k of ['x', 'min', 'max', 'last', 'count'] as const) expect(Array.from(sub[k])).toEqual(Array.from(rs[k]))
      }
      const [lo, hi] = buf.yRange()
      expect(lo).toBe(Math.min(...Array.from(buf.y).filter(Number.isFinite)))
      expect(hi).toBe(Math.max(...Array.from(buf.y).filter(Number.isFinite)))
    }
  })

  it('with maxPoints it thins itself, keeping spikes, extremes, NaN/Inf markers and exact stats', () => {
    const buf = createSeriesBuffer({ maxPoints: 4096 })
    const n = 100_000
    let lowest = Number.POSITIVE_INFINITY
    let longest = 0
    for (let i = 0; i < n; i++) {
      let v = Math.sin(i / 500)
      if (i === 31_337) v = 50
      if (i === 77_777) v = Number.NaN
      if (i === 88_888) v = Number.NEGATIVE_INFINITY
      buf.append(i, v)
      if (v < lowest && Number.isFinite(v)) lowest = v
      if (buf.length > longest) longest = buf.length
    }
    expect(longest).toBeLessThanOrEqual(4096)
    expect(buf.generation).toBeGreaterThan(0)
    const cols = buf.bucketize(100)
    expect(Math.max(...Array.from(cols.max).filter(Number.isFinite))).toBe(50)
    expect(cols.max[31]).toBe(50)
    expect(cols.nanCount[77]).toBeGreaterThan(0)
    expect(cols.negInfCount[88]).toBeGreaterThan(0)
    expect(Math.min(...Array.from(cols.min).filter(Number.isFinite))).toBe(lowest)
    expect(buf.xRange()).toEqual([0, n - 1])
    const st = buf.stats()
    expect(st.count).toBe(n)
    expect(st.nanCount).toBe(1)
    expect(st.negInfCount).toBe(1)
    // the index is rebuilt exactly over the kept rows
    const raw = bucketize(buf.x, buf.y, 37)
    expect(Array.from(buf.bucketize(37).max)).toEqual(Array.from(raw.max))
    expect(() => createSeriesBuffer({ maxPoints: 10 })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })

  it('bucketize over a sub-range keeps only the rows inside it', () => {
    const buf = createSeriesBuffer()
    for (let i = 0; i < 3000; i++) buf.append(i, i)
    const c = buf.bucketize(10, [1000, 1999])
    expect(c.count.reduce((s, v) => s + v, 0)).toBe(1000)
    expect(c.min[0]).toBe(1000)
    expect(c.max[9]).toBe(1999)
  })
})

describe('smooth', () => {
  it('ema matches TensorBoard: debiased, first point equals the data', () => {
    const s = smooth(steps(3), f64([1, 2, 3]), { kind: 'ema', weight: 0.5 })
    // last: 0.5, 1.25, 2.125; debias: 0.5, 0.75, 0.875
    expect(Array.from(s)).toEqual([1, 1.25 / 0.75, 2.125 / 0.875])
  })

  it('ema passes NaN/Inf through without averaging them in, and keeps a constant series exact', () => {
    const s = smooth(steps(4), f64([1, Number.NaN, 3, Number.POSITIVE_INFINITY]), { kind: 'ema', weight: 0.5 })
    expect(Number.isNaN(s[1])).toBe(true)
    expect(s[3]).toBe(Number.POSITIVE_INFINITY)
    expect(s[2]).toBeCloseTo(1.75 / 0.75, 12)
    expect(Array.from(smooth(steps(3), f64([0.1, 0.1, 0.1]), { kind: 'ema', weight: 0.99 }))).toEqual([0.1, 0.1, 0.1])
  })

  it('time-ema follows the x gap: a long gap forgets more than a short one', () => {
    const y = f64([0, 10, 10])
    const near = smooth(f64([0, 1, 2]), y, { kind: 'time-ema', weight: 0.5, window: 1 })
    const far = smooth(f64([0, 10, 11]), y, { kind: 'time-ema', weight: 0.5, window: 1 })
    expect(near[1]).toBeCloseTo(10 / 1.5, 12)
    expect(far[1]!).toBeGreaterThan(near[1]!)
    // equal gaps of one window behave as a debiased EMA with the same weight
    const e = smooth(f64([0, 1, 2]), y, { kind: 'ema', weight: 0.5 })
    expect(near[2]).toBeCloseTo(e[2]!, 12)
  })

  it('running average over the last window finite values', () => {
    const s = smooth(steps(5), f64([1, 2, Number.NaN, 3, 4]), { kind: 'running', window: 2 })
    expect(Array.from(s)).toEqual([1, 1.5, Number.NaN, 2.5, 3.5])
  })

  it('gaussian is symmetric, preserves a constant and skips non-finite neighbours', () => {
    const s = smooth(steps(5), f64([0, 0, 1, 0, 0]), { kind: 'gaussian', sigma: 1 })
    expect(s[1]).toBeCloseTo(s[3]!, 12)
    expect(s[2]!).toBeLessThan(1)
    const c = smooth(steps(5), f64([2, 2, Number.NEGATIVE_INFINITY, 2, 2]), { kind: 'gaussian', sigma: 1 })
    expect(Array.from(c)).toEqual([2, 2, Number.NEGATIVE_INFINITY, 2, 2])
  })

  it('rejects bad options with ENTRENAR_INVALID_CONFIG', () => {
    for (const o of [{ kind: 'ema', weight: 1 }, { kind: 'running', window: 0 }, { kind: 'gaussian', sigma: -1 }, { kind: 'median' }] as const) {
      expect(() => smooth(steps(1), f64([1]), o as never)).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
    }
  })
})

describe('stats', () => {
  it('exact stats follow core aggregate semantics and count non-finite values', () => {
    const y = f64([1, 2, 3, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
    const s = seriesStats(y)
    expect(s).toMatchObject({ count: 6, mean: 2, std: 1, min: Number.NEGATIVE_INFINITY, max: Number.POSITIVE_INFINITY, nanCount: 1, posInfCount: 1, negInfCount: 1 })
    expect(s.p99).toBeCloseTo(2.98, 12)
  })

  it('streaming stats agree with the exact ones; P² p99 is close on 100k values', () => {
    const st = createStreamingStats()
    const y = new Float64Array(100_000)
    let seed = 7
    for (let i = 0; i < y.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648
      y[i] = seed / 2147483648
      st.push(y[i]!)
    }
    st.push(Number.NaN)
    const s = st.snapshot()
    expect(s.count).toBe(100_001)
    expect(s.nanCount).toBe(1)
    expect(s.mean).toBeCloseTo(aggregate('mean', y), 10)
    expect(s.std).toBeCloseTo(aggregate('std', y), 10)
    expect(Math.abs(s.p99 - aggregate('p99', y))).toBeLessThan(0.002)
    const small = createStreamingStats()
    for (const v of [3, 1, 2]) small.push(v)
    expect(small.snapshot().p99).toBeCloseTo(aggregate('p99', f64([3, 1, 2])), 12)
  })
})
