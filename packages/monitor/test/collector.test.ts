import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DDSketch, MetricsCollector } from '@entrenar/monitor'

function exactQuantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(q * (s.length - 1))]!
}

describe('MetricsCollector', () => {
  it('matches the Rust reference on [2,4,4,4,5,5,7,9]', () => {
    const c = new MetricsCollector()
    for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) c.record('loss', x)
    const s = c.stats('loss')!
    expect(s.mean).toBe(5)
    expect(s.std).toBeCloseTo(2.138, 3)
    expect([s.min, s.max, s.count, s.sum]).toEqual([2, 9, 8, 40])
  })

  it('counts NaN and ±Inf apart, never in the mean; Inf moves min/max', () => {
    const c = new MetricsCollector()
    for (const x of [1, Number.NaN, 3, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]) c.record('m', x)
    const s = c.stats('m')!
    expect(s.count).toBe(2)
    expect(s.mean).toBe(2)
    expect(s.nanCount).toBe(2)
    expect(s.posInfCount).toBe(1)
    expect(s.negInfCount).toBe(1)
    expect(s.samples).toBe(6)
    expect(s.min).toBe(Number.NEGATIVE_INFINITY)
    expect(s.max).toBe(Number.POSITIVE_INFINITY)
    expect(Number.isNaN(s.last)).toBe(true)
    expect(c.sampleCount('m')).toBe(6)
    expect(c.sampleCount('never')).toBe(0)
  })

  it('a metric with only NaN reports count 0, mean 0, min +Inf, max −Inf', () => {
    const c = new MetricsCollector()
    c.record('m', Number.NaN)
    expect(c.stats('m')).toMatchObject({ count: 0, mean: 0, std: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, nanCount: 1 })
  })

  it('mean within [min, max], std ≥ 0, count = insertions (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1000, max: 1000, noNaN: true }), { minLength: 1, maxLength: 99 }), (xs) => {
        const c = new MetricsCollector()
        for (const x of xs) c.record('m', x)
        const s = c.stats('m')!
        expect(s.count).toBe(xs.length)
        expect(s.mean).toBeGreaterThanOrEqual(s.min - 1e-9)
        expect(s.mean).toBeLessThanOrEqual(s.max + 1e-9)
        expect(s.std).toBeGreaterThanOrEqual(0)
        expect(s.min).toBe(Math.min(...xs))
        expect(s.max).toBe(Math.max(...xs))
      }),
    )
  })

  it('merge equals the collector of the union (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true })), fc.array(fc.double({ min: -1e3, max: 1e3 })), (a, b) => {
        const ca = new MetricsCollector()
        const cb = new MetricsCollector()
        const cu = new MetricsCollector()
        for (const x of a) {
          ca.record('m', x)
          cu.record('m', x)
        }
        for (const x of b) {
          cb.record('m', x)
          cu.record('m', x)
        }
        ca.merge(cb)
        const m = ca.stats('m')
        const u = cu.stats('m')
        if (!u) {
          expect(m).toBeUndefined()
          return
        }
        expect(m!.count).toBe(u.count)
        expect(m!.nanCount).toBe(u.nanCount)
        expect(m!.mean).toBeCloseTo(u.mean, 6)
        expect(m!.std).toBeCloseTo(u.std, 6)
        expect(m!.p50).toBe(u.p50)
      }),
    )
  })

  it('rejects a bad metric name with a coded error', () => {
    const c = new MetricsCollector()
    expect(() => c.record('', 1)).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_METRIC_NAME' }))
    expect(() => c.record('m', '1' as unknown as number)).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_VALUE' }))
  })
})

describe('DDSketch (Masson et al. 2019)', () => {
  it('quantiles are within 1% relative error of a true sample (property)', () => {
    fc.assert(
      fc.property(
        // 2048 bins at α = 1% span ~15 decades per sign before the lowest buckets collapse (tested below),
        // so generated magnitudes stay in [1e-9, 1e6] or are exactly 0.
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((x) => (Math.abs(x) < 1e-9 ? 0 : x)), { minLength: 1, maxLength: 500 }),
        fc.constantFrom(0, 0.1, 0.5, 0.9, 0.99, 1),
        (xs, q) => {
          const s = new DDSketch()
          for (const x of xs) s.add(x)
          expect(s.collapsed).toBe(false)
          const got = s.quantile(q)
          const want = exactQuantile(xs, q)
          // α is exact in real arithmetic; γ^k at |k| ~ 3e4 adds ~1e-12 of float error, hence the 1e-9 slack.
          expect(Math.abs(got - want)).toBeLessThanOrEqual(0.01 * Math.abs(want) * (1 + 1e-9))
        },
      ),
    )
  })

  it('p99 of a lognormal-ish stream of 100k values is within 1%', () => {
    const s = new DDSketch()
    const xs: number[] = []
    let seed = 42
    const rand = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0
      return (seed + 0.5) / 2 ** 32
    }
    for (let i = 0; i < 100_000; i++) {
      const x = Math.exp(3 * Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand()))
      xs.push(x)
      s.add(x)
    }
    for (const q of [0.5, 0.9, 0.99]) {
      const want = exactQuantile(xs, q)
      expect(Math.abs(s.quantile(q) - want) / want).toBeLessThanOrEqual(0.01)
    }
    expect(s.collapsed).toBe(false)
  })

  it('memory stays bounded: a range beyond maxBins collapses the lowest buckets, high quantiles stay exact', () => {
    const s = new DDSketch({ maxBins: 64 })
    for (let e = -300; e <= 300; e++) s.add(10 ** e)
    expect(s.collapsed).toBe(true)
    expect(s.count).toBe(601)
    expect(Math.abs(s.quantile(1) - 1e300) / 1e300).toBeLessThanOrEqual(0.01)
  })

  it('merge of sketches equals the sketch of the union', () => {
    const a = new DDSketch()
    const b = new DDSketch()
    const u = new DDSketch()
    for (let i = 1; i <= 1000; i++) {
      const x = (i % 7) * i - 300
      ;(i % 2 ? a : b).add(x)
      u.add(x)
    }
    a.merge(b)
    for (const q of [0, 0.25, 0.5, 0.75, 0.99, 1]) expect(a.quantile(q)).toBe(u.quantile(q))
    expect(() => a.merge(new DDSketch({ relativeAccuracy: 0.02 }))).toThrow(RangeError)
  })

  it('an empty sketch answers NaN', () => {
    expect(new DDSketch().quantile(0.5)).toBeNaN()
  })
})
