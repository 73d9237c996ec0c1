import { aggregate } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { bucketsOf } from '../src/web/client/buckets.js'
import { alpha, formatDuration, formatTime, PALETTE } from '../src/web/client/format.js'
import { changePoints, collectorP99, pageStats } from '../src/web/client/stats.js'

const f64 = (xs: readonly number[]) => Float64Array.from(xs)

/** Deterministic uniform noise in [0, 1) (LCG of Numerical Recipes). */
function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

describe('statistics computed in the page (client/stats.ts)', () => {
  it('counts NaN and ±Inf, keeps ±Inf in min/max, and summarises raw rows exactly', () => {
    const values = [3, Number.NaN, 1, Number.POSITIVE_INFINITY, 2, Number.NEGATIVE_INFINITY, 5, 4]
    const s = pageStats(bucketsOf({ runId: 'r', metric: 'm', x: f64(values.map((_, i) => i * 10)), value: f64(values) }))
    expect(s).toMatchObject({ rows: 8, buckets: 8, exact: true, nan: 1, posInf: 1, negInf: 1, last: 4 })
    expect(s.min).toBe(Number.NEGATIVE_INFINITY)
    expect(s.max).toBe(Number.POSITIVE_INFINITY)
    const finite = [3, 1, 2, 5, 4]
    expect(s.mean).toBeCloseTo(aggregate('mean', finite), 12)
    expect(s.std).toBeCloseTo(Math.sqrt(2.5), 12) // sample std of 1..5
    expect(s.p50).toBe(3)
  })

  it('on minmax-last buckets: rows, NaN and extremes stay exact, the rest is marked approximate', () => {
    const s = pageStats(
      bucketsOf({
        runId: 'r',
        metric: 'm',
        x: f64([9, 19]),
        value: f64([0.5, 0.25]),
        min: f64([0.1, Number.NEGATIVE_INFINITY]),
        max: f64([1e9, 0.3]),
        count: f64([10, 10]),
        nanCount: f64([2, 0]),
      }),
    )
    expect(s).toMatchObject({ rows: 20, buckets: 2, exact: false, nan: 2, negInf: 1, posInf: 0, max: 1e9, min: Number.NEGATIVE_INFINITY, last: 0.25 })
    const empty = pageStats(bucketsOf({ runId: 'r', metric: 'm', x: f64([]), value: f64([]) }))
    expect(empty.rows).toBe(0)
    expect(Number.isNaN(empty.last)).toBe(true)
  })

  it('p99 through the collector’s DDSketch is within its 1% relative error of the exact p99', () => {
    const rand = lcg(11)
    const values = Array.from({ length: 5000 }, () => 1 + 99 * rand())
    const exact = aggregate('p99', values)
    const p99 = collectorP99(values)
    // DDSketch (Masson et al., VLDB 2019) bounds the relative error of the value at the quantile's rank by α = 1%;
    // one extra rank of slack (the exact p99 interpolates between neighbours ~0.02 apart here).
    expect(Math.abs(p99 - exact)).toBeLessThanOrEqual(0.01 * exact + 0.05)
    expect(Number.isNaN(collectorP99([]))).toBe(true)
  })

  it('ADWIN finds the shift of a noisy level after it happens, and nothing in a stationary series', () => {
    const rand = lcg(3)
    const n = 1200
    const x = Array.from({ length: n }, (_, i) => i)
    const shifted = x.map((i) => (i < 600 ? 0 : 1) + 0.1 * rand())
    const changes = changePoints(x, shifted)
    expect(changes.length).toBeGreaterThan(0)
    expect(changes[0]).toBeGreaterThanOrEqual(600)
    expect(changes[0]).toBeLessThan(800)
    const flat = x.map(() => 0.5)
    expect(changePoints(x, flat)).toEqual([])
    // Non-finite values are skipped by the detector, not turned into changes.
    expect(changePoints([0, 1, 2], [Number.NaN, Number.POSITIVE_INFINITY, 1])).toEqual([])
  })
})

describe('page formatting (client/format.ts)', () => {
  it('formats durations by their scale, and refuses negative or unknown ones', () => {
    expect(formatDuration(0)).toBe('0.0s')
    expect(formatDuration(12_345)).toBe('12.3s')
    expect(formatDuration(4 * 60_000 + 5_000)).toBe('4m 05s')
    expect(formatDuration(3 * 3_600_000 + 2 * 60_000 + 59_000)).toBe('3h 02m')
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(formatDuration(bad)).toBe('—')
  })

  it('formats a time as local YYYY-MM-DD hh:mm:ss that reads back to the same second; 0 is unknown', () => {
    expect(formatTime(0)).toBe('—')
    const ms = 1_700_000_123_456
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(formatTime(ms))
    expect(m).not.toBeNull()
    const [, y, mo, d, h, mi, s] = m!.map(Number)
    expect(new Date(y!, mo! - 1, d!, h!, mi!, s!).getTime()).toBe(Math.floor(ms / 1000) * 1000)
  })

  it('turns palette colours into rgba() with the given alpha', () => {
    expect(alpha('#4e9de0', 0.5)).toBe('rgba(78, 157, 224, 0.5)')
    expect(alpha('#000000', 1)).toBe('rgba(0, 0, 0, 1)')
    expect(new Set(PALETTE).size).toBe(10)
    for (const c of PALETTE) expect(c).toMatch(/^#[0-9a-f]{6}$/)
  })
})
