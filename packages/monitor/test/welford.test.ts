import { describe, expect, it } from 'vitest'
import { MetricsCollector, Welford } from '@entrenar/monitor/collector'

function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

describe('Welford', () => {
  it('matches the reference on [2,4,4,4,5,5,7,9] and is empty-safe', () => {
    const w = new Welford()
    expect([w.count, w.mean, w.variance, w.std, w.populationVariance]).toEqual([0, 0, 0, 0, 0])
    for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) w.add(x)
    expect(w.mean).toBe(5)
    expect(w.populationVariance).toBe(4)
    expect(w.std).toBeCloseTo(2.138, 3)
    w.clear()
    expect([w.count, w.nonFinite, w.mean]).toEqual([0, 0, 0])
  })

  it('counts NaN and ±Inf apart and never folds them into the mean', () => {
    const w = new Welford()
    for (const x of [1, Number.NaN, 3, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) w.add(x)
    expect([w.count, w.nonFinite, w.mean, w.variance]).toEqual([2, 3, 2, 2])
  })

  it('stays exact where the naive sum of squares cancels (values around 1e9)', () => {
    const w = new Welford()
    for (const x of [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]) w.add(x)
    expect(w.variance).toBe(30)
  })

  it('merging the parts of seeded streams equals one pass over the union, and agrees with MetricsCollector', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const u = lcg(seed)
      const n = 1 + Math.floor(u() * 200)
      const cut = Math.floor(u() * (n + 1))
      const scale = 10 ** Math.floor(u() * 6 - 3)
      const xs = Array.from({ length: n }, () => (u() < 0.03 ? Number.NaN : (u() - 0.3) * scale))
      const whole = new Welford()
      const a = new Welford()
      const b = new Welford()
      const c = new MetricsCollector()
      xs.forEach((x, i) => {
        whole.add(x)
        ;(i < cut ? a : b).add(x)
        c.record('m', x)
      })
      a.merge(b)
      const tol = 1e-12 * scale * scale * n
      expect(a.count).toBe(whole.count)
      expect(a.nonFinite).toBe(whole.nonFinite)
      expect(Math.abs(a.mean - whole.mean)).toBeLessThanOrEqual(1e-12 * scale * n)
      expect(Math.abs(a.variance - whole.variance)).toBeLessThanOrEqual(tol)
      const s = c.stats('m')!
      expect(s.count).toBe(whole.count)
      expect(Math.abs(s.mean - whole.mean)).toBeLessThanOrEqual(1e-12 * scale * n)
      expect(Math.abs(s.std - whole.std)).toBeLessThanOrEqual(1e-9 * scale)
    }
  })
})
