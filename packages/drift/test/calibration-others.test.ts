// Calibrated ADWIN, KSWIN and HDDM_A: thresholds from each detector's own bound (ADWIN's cut bound,
// the exact KS p-value, Hoeffding), union-bounded over updates. Seeded; bench/quality.mjs has the 10⁶ grid.
import type { ChangeDetector } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { adwin, ddm, detectorFromSpec, eddm, hddmA, kswin, type Random, seededRandom } from '@entrenar/drift'

const t3 = (r: Random): number => {
  const z = r.normal()
  const a = r.normal()
  const b = r.normal()
  const c = r.normal()
  return z / Math.sqrt((a * a + b * b + c * c) / 3)
}
const noises: [string, (r: Random) => number][] = [
  ['gaussian', (r) => r.normal()],
  ['t3', t3],
]
const CELLS: [number, number][] = [
  [1e-9, 0],
  [1e-9, 1e6],
  [1, 0],
  [1e3, -1e6],
  [1e9, 0],
]

const alarms = (d: ChangeDetector, n: number, next: (i: number) => number): number[] => {
  const at: number[] = []
  for (let i = 0; i < n; i++) if (d.update(next(i)) === 'drift') at.push(i)
  return at
}

describe.each([
  ['adwin', (budget: number) => adwin({ falseAlarmsPerMillion: budget }), 100_000],
  ['kswin', (budget: number) => kswin({ falseAlarmsPerMillion: budget }), 20_000],
] as const)('calibrated %s on real-valued noise', (_, make, perCell) => {
  it('stays within a generous budget (200 per 10⁶) at every scale and offset, Gaussian and t(3)', () => {
    let total = 0
    let values = 0
    let seed = 11
    for (const [, gen] of noises) {
      for (const [scale, offset] of CELLS) {
        const r = seededRandom(seed++)
        total += alarms(make(200), perCell, () => offset + scale * gen(r)).length
        values += perCell
      }
    }
    // The union bound is an upper bound: the count may be far below (200 · values / 10⁶ expected at most).
    expect(total).toBeLessThanOrEqual((200 * values) / 1e6)
  })

  it('catches a 3σ shift at every scale and offset (the same alarm index up to rounding)', () => {
    const at = CELLS.map(([scale, offset]) => {
      const r = seededRandom(5)
      return alarms(make(1), 4000, (i) => offset + scale * (r.normal() + (i >= 2000 ? 3 : 0)))
    })
    for (const a of at) {
      expect(a.length).toBeGreaterThan(0)
      expect(a[0]).toBeGreaterThanOrEqual(2000)
      expect(a[0]).toBeLessThan(2200)
      expect(Math.abs(a[0]! - at[2]![0]!)).toBeLessThanOrEqual(40)
    }
  })
})

describe('calibrated ADWIN', () => {
  it('river ADWIN is not scale-free (its Bernstein term is in the data’s units); the calibrated one is', () => {
    const shift = (scale: number, make: () => ChangeDetector) => {
      const r = seededRandom(8)
      return alarms(make(), 6000, (i) => scale * (r.normal() + (i >= 3000 ? 1 : 0))).filter((i) => i >= 3000).length
    }
    expect(shift(1e-9, () => adwin())).toBe(0)
    expect(shift(1, () => adwin())).toBeGreaterThan(0)
    expect(shift(1e-9, () => adwin({ falseAlarmsPerMillion: 1 }))).toBeGreaterThan(0)
  })

  it('reports the budget and threshold, warms up again after a drift, and rejects river’s δ alongside a budget', () => {
    const d = adwin({ falseAlarmsPerMillion: 1, warmUp: 50 })
    expect([d.falseAlarmsPerMillion, d.threshold, adwin().falseAlarmsPerMillion]).toEqual([1, 1, undefined])
    const r = seededRandom(3)
    let fired = -1
    for (let i = 0; i < 3000 && fired < 0; i++) if (d.update(r.normal() + (i >= 1000 ? 4 : 0)) === 'drift') fired = i
    expect(fired).toBeGreaterThanOrEqual(1000)
    d.update(4)
    expect(d.samples).toBe(1)
    expect(() => adwin({ falseAlarmsPerMillion: 1, delta: 0.01 })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
    expect(() => adwin({ warmUp: 50 })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
    expect(() => adwin({ detla: 0.01 } as never)).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })
})

describe('calibrated HDDM_A on error indicators', () => {
  it('stays within the budget on Bernoulli(p) streams, p from 0.01 to 0.5, and on rates in [0, 1]', () => {
    let total = 0
    let values = 0
    for (const [seed, p] of [0.01, 0.1, 0.3, 0.5].entries()) {
      const r = seededRandom(40 + seed)
      total += alarms(hddmA({ falseAlarmsPerMillion: 200 }), 200_000, () => (r.next() < p ? 1 : 0)).length
      values += 200_000
    }
    const r = seededRandom(77)
    total += alarms(hddmA({ falseAlarmsPerMillion: 200, twoSided: true }), 200_000, () => r.next()).length
    values += 200_000
    expect(total).toBeLessThanOrEqual((200 * values) / 1e6)
    // River's defaults (δ 0.001 per update) are a different budget: up to 1000 per 10⁶.
    const q = seededRandom(41)
    expect(alarms(hddmA(), 200_000, () => (q.next() < 0.3 ? 1 : 0)).length).toBeGreaterThan(0)
  })

  it('catches an error rate rising from 0.1 to 0.5', () => {
    const r = seededRandom(6)
    const at = alarms(hddmA({ falseAlarmsPerMillion: 1 }), 6000, (i) => (r.next() < (i < 3000 ? 0.1 : 0.5) ? 1 : 0))
    expect(at[0]).toBeGreaterThanOrEqual(3000)
    expect(at[0]).toBeLessThan(3300)
  })
})

describe('calibrated mode options', () => {
  it.each([
    ['kswin alpha with a budget', () => kswin({ falseAlarmsPerMillion: 1, alpha: 0.01 })],
    ['kswin unknown key', () => kswin({ aplha: 0.01 } as never)],
    ['hddmA driftConfidence with a budget', () => hddmA({ falseAlarmsPerMillion: 1, driftConfidence: 0.01 })],
    ['hddmA budget 0', () => hddmA({ falseAlarmsPerMillion: 0 })],
    ['ddm has no calibrated mode', () => ddm({ falseAlarmsPerMillion: 1 } as never)],
    ['eddm has no calibrated mode', () => eddm({ falseAlarmsPerMillion: 1 } as never)],
  ])('%s → ENTRENAR_INVALID_CONFIG', (_, make) => {
    expect(make).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })

  it('specs build the calibrated modes (kind is not an option)', () => {
    for (const kind of ['page_hinkley', 'adwin', 'kswin', 'hddm_a'] as const) {
      expect(detectorFromSpec({ kind, falseAlarmsPerMillion: 1 }).falseAlarmsPerMillion).toBe(1)
    }
  })
})
