// Calibrated mode: false alarms per 10⁶ values against the budget, at any scale and offset, and the
// detection delay against the optimal CUSUM. Seeded, so every run sees the same streams; the full
// 10⁶-per-cell grid runs in bench/quality.mjs (docs/detector-quality.md).
import { describe, expect, it } from 'vitest'
import { cusumThreshold, siegmundArl } from '../src/detectors/calibration.js'
import { pageHinkley, type Random, seededRandom } from '@entrenar/drift'

const SCALES = [1e-9, 1e-3, 1, 1e3, 1e9]
const OFFSETS = [0, 1e6, -1e6]

/** Student t(3) from four normals: Z / √(χ²₃ / 3). */
const t3 = (r: Random): number => {
  const z = r.normal()
  const a = r.normal()
  const b = r.normal()
  const c = r.normal()
  return z / Math.sqrt((a * a + b * b + c * c) / 3)
}
const noise = { gaussian: (r: Random) => r.normal(), t3 } as const

/** Alarms of one detector over n values scale·e + offset. */
function countAlarms(make: () => { update(x: number): string }, gen: (r: Random) => number, seed: number, n: number, scale: number, offset: number): number {
  const r = seededRandom(seed)
  const d = make()
  let alarms = 0
  for (let i = 0; i < n; i++) if (d.update(offset + scale * gen(r)) === 'drift') alarms++
  return alarms
}

/** P(X ≥ k) for X ~ Poisson(mean): the chance of seeing at least k alarms when the rate is exactly the budget. */
function poissonUpperTail(k: number, mean: number): number {
  let term = Math.exp(-mean)
  let cdf = 0
  for (let i = 0; i < k; i++) {
    cdf += term
    term *= mean / (i + 1)
  }
  return Math.max(0, 1 - cdf)
}

describe('Siegmund threshold', () => {
  it('reproduces the tabulated two-sided ARL₀ of the k = 0.5 tabular CUSUM (168 at h = 4, 465 at h = 5)', () => {
    // Montgomery, Introduction to Statistical Quality Control: two-sided ARL₀ 168 (h = 4) and 465 (h = 5).
    expect(siegmundArl(0.5, 4) / 2).toBeCloseTo(168, -1)
    expect(siegmundArl(0.5, 5) / 2).toBeCloseTo(469, 0)
    expect(cusumThreshold(0.5, 2 * 465)).toBeGreaterThan(4.95)
    expect(cusumThreshold(0.5, 2 * 465)).toBeLessThan(5)
    // Out of control: a 1σ shift with k = 0.5, h = 5 takes ≈ 10.4 values (tabulated 10.4).
    expect(siegmundArl(0.5, 5, 1)).toBeCloseTo(10.3, 0)
  })

  it('inverts exactly and grows with the run length', () => {
    for (const arl of [100, 1e4, 1e6, 1e9]) expect(siegmundArl(0.5, cusumThreshold(0.5, arl)) / arl).toBeCloseTo(1, 9)
    expect(cusumThreshold(0.5, 1e6)).toBeGreaterThan(cusumThreshold(0.5, 1e4))
  })
})

describe('calibrated Page-Hinkley: false alarms within the budget at any scale', () => {
  // 30 cells (2 noises × 5 scales × 3 offsets). Budget 1 per 10⁶ over 2·10⁵ values a cell (6·10⁶ values,
  // ≤ 6 alarms expected), and budget 200 over 5·10⁴ a cell (1.5·10⁶ values, ≤ 300 expected) where the
  // count is large enough to see a miscalibration of 20 %.
  it.each([
    { budget: 1, perCell: 200_000, mode: 'up' as const },
    { budget: 200, perCell: 50_000, mode: 'both' as const },
  ])('budget $budget per 10⁶, mode $mode', ({ budget, perCell, mode }) => {
    let total = 0
    let values = 0
    const perNoise: Record<string, number> = { gaussian: 0, t3: 0 }
    let seed = 1
    for (const [name, gen] of Object.entries(noise)) {
      for (const scale of SCALES) {
        for (const offset of OFFSETS) {
          const a = countAlarms(() => pageHinkley({ falseAlarmsPerMillion: budget, mode }), gen, seed++, perCell, scale, offset)
          total += a
          perNoise[name]! += a
          values += perCell
        }
      }
    }
    const expected = (budget * values) / 1e6
    // Not significantly above the budget (one-sided, 0.1 %) …
    expect(poissonUpperTail(total, expected)).toBeGreaterThan(0.001)
    for (const a of Object.values(perNoise)) expect(poissonUpperTail(a, expected / 2)).toBeGreaterThan(0.001)
    // … and not a detector that never alarms: at budget 200 the clipped score runs at 0.5–1× the budget.
    if (budget >= 100) for (const a of Object.values(perNoise)) expect(a).toBeGreaterThan((0.3 * expected) / 2)
  })

  it('gives the same answers on a stream and on any scaling of it (up to rounding): scale-free', () => {
    const base = Array.from({ length: 20_000 }, (_, i) => {
      const r = seededRandom(7 + i)
      return r.normal() + (i > 10_000 ? 1 : 0)
    })
    const alarmsAt = (scale: number, offset: number) => {
      const d = pageHinkley({ falseAlarmsPerMillion: 1, mode: 'up' })
      const out: number[] = []
      base.forEach((x, i) => {
        if (d.update(offset + scale * x) === 'drift') out.push(i)
      })
      return out
    }
    const ref = alarmsAt(1, 0)
    expect(ref.length).toBeGreaterThan(0)
    expect(ref[0]).toBeGreaterThan(10_000)
    for (const scale of SCALES) expect(alarmsAt(scale, 0)).toEqual(ref)
    // Offsets of ±10⁶ round the values (at scale 10⁻⁹ to 0.12σ steps): the alarm moves by a few values at most.
    for (const scale of SCALES) {
      for (const offset of [1e6, -1e6]) {
        const got = alarmsAt(scale, offset)
        expect(Math.abs(got[0]! - ref[0]!)).toBeLessThanOrEqual(scale < 1e-6 ? 15 : 2)
      }
    }
  })

  it('river mode at the same scales: 10⁶ false alarms budget is not kept (why the calibrated mode exists)', () => {
    const at = (scale: number) => countAlarms(() => pageHinkley({ mode: 'up' }), noise.gaussian, 3, 100_000, scale, 0)
    expect(at(1)).toBeGreaterThan(5)
    expect(at(1e3)).toBeGreaterThan(1000)
    expect(countAlarms(() => pageHinkley({ mode: 'up', falseAlarmsPerMillion: 1 }), noise.gaussian, 3, 100_000, 1e3, 0)).toBeLessThanOrEqual(1)
  })
})

describe('calibrated Page-Hinkley: detection delay', () => {
  /** Optimal one-sided CUSUM for a known N(0, 1) → N(δ, 1) shift at the same ARL₀ (Lorden 1971). */
  const oracle = (delta: number, arl0: number) => {
    const k = delta / 2
    const h = cusumThreshold(k, arl0)
    let s = 0
    return {
      update(x: number) {
        s = Math.max(0, s + x - k)
        if (s > h) {
          s = 0
          return 'drift'
        }
        return 'stable'
      },
    }
  }
  /** Median number of shifted values consumed until the first alarm (shift at index 2000), over seeds without an earlier alarm. */
  const medianDelay = (make: () => { update(x: number): string }, delta: number, scale: number, offset: number, seeds = 41) => {
    const delays: number[] = []
    for (let seed = 1; seed <= seeds; seed++) {
      const r = seededRandom(1000 + seed)
      const d = make()
      for (let i = 0; i < 4000; i++) {
        const s = d.update(offset + scale * (r.normal() + (i >= 2000 ? delta : 0)))
        if (s === 'drift') {
          if (i >= 2000) delays.push(i - 2000 + 1)
          break
        }
      }
    }
    delays.sort((a, b) => a - b)
    return { median: delays[delays.length >> 1]!, caught: delays.length }
  }

  it.each([1, 3])('a %dσ shift at budget 1 per 10⁶: caught on every seed at every scale, against the optimal CUSUM', (delta) => {
    const arl0 = 1e6 - 100
    const best = medianDelay(() => oracle(delta, arl0), delta, 1, 0)
    const ours = medianDelay(() => pageHinkley({ falseAlarmsPerMillion: 1, mode: 'up' }), delta, 1, 0)
    expect(ours.caught).toBe(41)
    // Tuned for 1σ: within 1.5× of the optimal CUSUM there; a 3σ jump costs the clipped, 1σ-tuned score ≈ 2.5×.
    expect(ours.median / best.median).toBeLessThan(delta === 1 ? 1.5 : 3)
    expect(ours.median).toBeGreaterThanOrEqual(best.median)
    for (const scale of [1e-9, 1e9]) {
      for (const offset of [0, 1e6]) expect(Math.abs(medianDelay(() => pageHinkley({ falseAlarmsPerMillion: 1, mode: 'up' }), delta, scale, offset).median - ours.median)).toBeLessThanOrEqual(2)
    }
  })

  it('shift: 3 tunes for 3σ jumps (closer to the optimal CUSUM there)', () => {
    const tuned = medianDelay(() => pageHinkley({ falseAlarmsPerMillion: 1, mode: 'up', shift: 3 }), 3, 1, 0)
    const best = medianDelay(() => oracle(3, 1e6 - 100), 3, 1, 0)
    expect(tuned.median / best.median).toBeLessThan(2)
  })
})

describe('calibrated Page-Hinkley: edges', () => {
  it('a constant warm-up keeps warming up; the first spread ends it; NaN is invalid and never enters', () => {
    const d = pageHinkley({ falseAlarmsPerMillion: 1, warmUp: 10 })
    for (let i = 0; i < 50; i++) expect(d.update(5)).toBe('stable')
    expect(d.warmingUp).toBe(true)
    expect(d.update(Number.NaN)).toBe('invalid')
    for (let i = 0; i < 10; i++) d.update(5 + (i % 2))
    expect(d.warmingUp).toBe(false)
    expect(d.scale).toBeGreaterThan(0)
    expect(d.samples).toBe(60)
  })

  it('tied (quantised) data: MAD 0 falls back to the mean absolute deviation, no alarm storm', () => {
    const r = seededRandom(5)
    const d = pageHinkley({ falseAlarmsPerMillion: 1 })
    let alarms = 0
    // 80 % zeros, otherwise ±1: the median absolute deviation is 0.
    for (let i = 0; i < 200_000; i++) if (d.update(r.next() < 0.8 ? 0 : r.next() < 0.5 ? 1 : -1) === 'drift') alarms++
    expect(d.scale).toBeGreaterThan(0)
    expect(alarms).toBeLessThanOrEqual(2)
  })

  it('extreme magnitudes stay finite: values near ±1e300 and a collapse to a constant after noise', () => {
    const r = seededRandom(9)
    const d = pageHinkley({ falseAlarmsPerMillion: 1 })
    for (let i = 0; i < 1000; i++) expect(d.update(1e300 * r.normal())).not.toBe('invalid')
    expect(Number.isFinite(d.statistic)).toBe(true)
    const e = pageHinkley({ falseAlarmsPerMillion: 1 })
    for (let i = 0; i < 500; i++) e.update(r.normal())
    let fired = false
    for (let i = 0; i < 100_000 && !fired; i++) fired = e.update(3) === 'drift'
    expect(fired).toBe(true)
    expect(Number.isFinite(e.statistic)).toBe(true)
  })

  it('extreme but valid options build at once with a finite threshold (no hang, no overflow)', () => {
    for (const o of [{ falseAlarmsPerMillion: 1e-6 }, { falseAlarmsPerMillion: 1e4, warmUp: 10 }, { falseAlarmsPerMillion: 1, shift: 1e-9 }, { falseAlarmsPerMillion: 1, shift: 100 }]) {
      const d = pageHinkley(o)
      expect(Number.isFinite(d.threshold) && d.threshold >= 0).toBe(true)
    }
  })

  it('reports the budget, the threshold and the standardised statistic that crossed it', () => {
    const d = pageHinkley({ falseAlarmsPerMillion: 1, mode: 'up' })
    expect(d.falseAlarmsPerMillion).toBe(1)
    expect(d.threshold).toBeGreaterThan(11.5)
    expect(d.threshold).toBeLessThan(12.5)
    expect(pageHinkley({ falseAlarmsPerMillion: 1 }).threshold).toBeGreaterThan(d.threshold)
    const r = seededRandom(2)
    let s = 'stable'
    for (let i = 0; i < 3000 && s !== 'drift'; i++) s = d.update(r.normal() * 1e-6 + (i > 1000 ? 2e-6 : 0))
    expect(s).toBe('drift')
    expect(d.statistic).toBeGreaterThan(d.threshold)
    expect(d.direction).toBe('up')
    expect(pageHinkley().falseAlarmsPerMillion).toBeUndefined()
    expect(pageHinkley().threshold).toBe(50)
  })

  it.each([
    ['a typo selects nothing silently', { falseAlarmPerMillion: 1 }],
    ['budget 0', { falseAlarmsPerMillion: 0 }],
    ['budget NaN', { falseAlarmsPerMillion: Number.NaN }],
    ['budget leaving no run length', { falseAlarmsPerMillion: 1e4, warmUp: 100 }],
    ['threshold with a budget', { falseAlarmsPerMillion: 1, threshold: 10 }],
    ['delta with a budget', { falseAlarmsPerMillion: 1, delta: 0.1 }],
    ['warmUp without a budget', { warmUp: 50 }],
    ['warmUp 5', { falseAlarmsPerMillion: 1, warmUp: 5 }],
    ['shift 0', { falseAlarmsPerMillion: 1, shift: 0 }],
    ['memory below warmUp', { falseAlarmsPerMillion: 1, memory: 50 }],
    ['a warm-up that would allocate gigabytes', { falseAlarmsPerMillion: 1, warmUp: 1e9 }],
    ['a budget no stream could check (run length overflows)', { falseAlarmsPerMillion: 1e-320 }],
    ['budget as a string', { falseAlarmsPerMillion: '1' }],
  ])('%s → ENTRENAR_INVALID_CONFIG', (_, o) => {
    expect(() => pageHinkley(o as never)).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })
})
