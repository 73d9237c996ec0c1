import { describe, expect, it } from 'vitest'
import { DDSketch, MIN_INDEXABLE } from '@entrenar/monitor/collector'

/** Relative error of the sketch's answer for a single value x (its bucket's representative). */
function err(x: number): number {
  const s = new DDSketch()
  s.add(x)
  return Math.abs(s.quantile(0.5) - x) / Math.abs(x)
}

describe('DDSketch interpolated mapping (sketches-java QuadraticallyInterpolatedMapping)', () => {
  it('every bucket keeps the 1% guarantee across the whole range of doubles (seeded sweep)', () => {
    let seed = 7
    const u = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0
      return seed / 2 ** 32
    }
    let worst = 0
    for (let i = 0; i < 20_000; i++) {
      const x = (u() < 0.5 ? -1 : 1) * 2 ** ((u() - 0.5) * 2040) * (1 + u())
      if (!Number.isFinite(x) || Math.abs(x) <= MIN_INDEXABLE) continue
      worst = Math.max(worst, err(x))
    }
    expect(worst).toBeGreaterThan(0.005) // the sweep does reach the edges of buckets
    expect(worst).toBeLessThanOrEqual(0.01 * (1 + 1e-9))
  })

  it('powers of two across the range and both ends of it stay within α', () => {
    for (let e = -996; e <= 1023; e += 7) expect(err(2 ** e)).toBeLessThanOrEqual(0.01 * (1 + 1e-9))
    for (const x of [Number.MAX_VALUE, -Number.MAX_VALUE, MIN_INDEXABLE * 1.0001, 1, 1.5, 1.999999]) {
      expect(err(x)).toBeLessThanOrEqual(0.01 * (1 + 1e-9))
    }
    const s = new DDSketch()
    s.add(Number.MAX_VALUE)
    expect(Number.isFinite(s.quantile(1))).toBe(true)
  })

  it('a coarser α keeps its own guarantee', () => {
    const s = new DDSketch({ relativeAccuracy: 0.05 })
    const xs = Array.from({ length: 999 }, (_, i) => 1.01 ** i)
    for (const x of xs) s.add(x)
    for (const q of [0, 0.5, 0.9, 1]) {
      const want = xs[Math.floor(q * (xs.length - 1))]!
      expect(Math.abs(s.quantile(q) - want) / want).toBeLessThanOrEqual(0.05 * (1 + 1e-9))
    }
  })
})
