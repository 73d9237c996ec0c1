import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  chiSquareSurvival,
  chiSquareTest,
  featureDriftSummary,
  kolmogorovSurvival,
  ksExactSurvival,
  ksTest,
  normalSurvival,
  performanceDrift,
  psi,
  psiBand,
  seededRandom,
  studentTSurvival,
  wasserstein,
} from '@entrenar/drift'

/** P(D ≥ d) by enumerating every split of the pooled ranks (only for tiny n, m). */
function bruteForceKs(n: number, m: number, d: number): number {
  const total = n + m
  let hit = 0
  let all = 0
  for (let mask = 0; mask < 1 << total; mask++) {
    let bits = 0
    for (let b = 0; b < total; b++) if (mask & (1 << b)) bits++
    if (bits !== n) continue
    all++
    let i = 0
    let j = 0
    let dd = 0
    for (let b = 0; b < total; b++) {
      if (mask & (1 << b)) i++
      else j++
      dd = Math.max(dd, Math.abs(i / n - j / m))
    }
    if (dd >= d - 1e-12) hit++
  }
  return hit / all
}

describe('ksTest', () => {
  it('gives the exact p-value 2 / C(6, 3) = 0.1 for fully separated samples of 3', () => {
    const r = ksTest([1, 2, 3], [4, 5, 6])
    expect(r.statistic).toBe(1)
    expect(r.pValue).toBeCloseTo(0.1, 12)
    expect(r.method).toBe('exact')
  })

  it('gives 2 / C(8, 4) for fully separated samples of 4', () => {
    expect(ksTest([1, 2, 3, 4], [5, 6, 7, 8]).pValue).toBeCloseTo(2 / 70, 12)
  })

  it('matches a brute-force enumeration of every split (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 1000 }), (n, m, seed) => {
        const rng = seededRandom(seed)
        const a = Array.from({ length: n }, () => rng.next())
        const b = Array.from({ length: m }, () => rng.next())
        const r = ksTest(a, b)
        expect(r.pValue).toBeCloseTo(bruteForceKs(n, m, r.statistic), 10)
      }),
      { numRuns: 60 },
    )
  })

  it('uses the asymptotic Kolmogorov distribution above 10 000 values a side, as scipy (Q(1.36) ≈ 0.05, Q(1.63) ≈ 0.01)', () => {
    expect(kolmogorovSurvival(1.3581)).toBeCloseTo(0.05, 3)
    expect(kolmogorovSurvival(1.6276)).toBeCloseTo(0.01, 3)
    const rng = seededRandom(3)
    const a = Array.from({ length: 10_001 }, () => rng.normal())
    const b = Array.from({ length: 500 }, () => rng.normal() + 0.5)
    const r = ksTest(a, b)
    expect(r.method).toBe('asymptotic')
    expect(r.pValue).toBeLessThan(1e-6)
    // 500 × 500 (n·m above the old 10 000 cut) is exact, as scipy's method='auto'.
    expect(ksTest(a.slice(0, 500), b).method).toBe('exact')
  })

  it('handles ties exactly in D and reports NaN/±Inf instead of dropping them silently', () => {
    const r = ksTest([0, 0, 1, 1, Number.NaN], [0, 1, 1, 1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
    expect(r.statistic).toBeCloseTo(0.25, 12)
    expect(r.n).toBe(4)
    expect(r.m).toBe(4)
    expect(r.nonFinite).toEqual({ reference: 1, current: 2 })
  })

  it('statistic and p-value stay in [0, 1] and the test is symmetric (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 60 }), fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 60 }), (a, b) => {
        const r = ksTest(a, b)
        const s = ksTest(b, a)
        expect(r.statistic).toBeGreaterThanOrEqual(0)
        expect(r.statistic).toBeLessThanOrEqual(1)
        expect(r.pValue).toBeGreaterThanOrEqual(0)
        expect(r.pValue).toBeLessThanOrEqual(1)
        expect(s.statistic).toBe(r.statistic)
        expect(s.pValue).toBeCloseTo(r.pValue, 12)
      }),
    )
  })

  it('rejects an empty sample with ENTRENAR_DRIFT_INSUFFICIENT_DATA', () => {
    expect(() => ksTest([], [1])).toThrow(expect.objectContaining({ code: 'ENTRENAR_DRIFT_INSUFFICIENT_DATA' }))
    expect(() => ksTest([1], [Number.NaN])).toThrow(expect.objectContaining({ code: 'ENTRENAR_DRIFT_INSUFFICIENT_DATA' }))
  })

  it('exact survival is 1 at d = 0 and decreasing in d', () => {
    expect(ksExactSurvival(0, 10, 12)).toBe(1)
    let previous = 1
    for (let k = 1; k <= 10; k++) {
      const p = ksExactSurvival(k / 10, 10, 10)
      expect(p).toBeLessThanOrEqual(previous)
      previous = p
    }
  })
})

describe('chi-square', () => {
  it('survival matches the published 5 % critical values (df 1, 2, 5, 10)', () => {
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 8)
    expect(chiSquareSurvival(5.991464547107979, 2)).toBeCloseTo(0.05, 8)
    expect(chiSquareSurvival(11.070497693516351, 5)).toBeCloseTo(0.05, 8)
    expect(chiSquareSurvival(18.307038053275146, 10)).toBeCloseTo(0.05, 8)
  })

  it('computes the 2 × 2 homogeneity test by hand: [50, 50] vs [30, 70] gives χ² = 8.333, p = 0.00389', () => {
    const r = chiSquareTest([50, 50], [30, 70])
    expect(r.statistic).toBeCloseTo(25 / 3, 10)
    expect(r.degreesOfFreedom).toBe(1)
    expect(r.pValue).toBeCloseTo(0.003892417122778627, 8)
  })

  it('ignores categories empty on both sides and rejects bad counts', () => {
    expect(chiSquareTest([10, 0, 10], [10, 0, 10]).degreesOfFreedom).toBe(1)
    expect(chiSquareTest([10, 0, 10], [10, 0, 10]).pValue).toBe(1)
    expect(() => chiSquareTest([1, 2], [1])).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_VALUE' }))
    expect(() => chiSquareTest([1, -2], [1, 1])).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_VALUE' }))
    expect(() => chiSquareTest([0, 0], [1, 1])).toThrow(expect.objectContaining({ code: 'ENTRENAR_DRIFT_INSUFFICIENT_DATA' }))
  })
})

describe('psi', () => {
  const reference = Array.from({ length: 100 }, (_, i) => i)

  it('cuts bins at the baseline deciles (type-7 quantiles)', () => {
    const r = psi(reference, reference)
    ;[9.9, 19.8, 29.7, 39.6, 49.5, 59.4, 69.3, 79.2, 89.1].forEach((e, i) => {
      expect(r.edges[i]).toBeCloseTo(e, 12)
    })
    expect(Array.from(r.reference)).toEqual(new Array(10).fill(0.1))
    expect(r.psi).toBeCloseTo(0, 12)
    expect(r.band).toBe('none')
  })

  it('matches a hand computation: half the mass in each outer decile', () => {
    const current = [...reference.slice(0, 10), ...reference.slice(0, 10), ...reference.slice(0, 5), ...reference.slice(90), ...reference.slice(90), ...reference.slice(95)]
    const r = psi(reference, current)
    const e = 1e-4
    const term = (c: number, ref: number) => (c + e - (ref + e)) * Math.log((c + e) / (ref + e))
    const expected = 2 * term(0.5, 0.1) + 8 * term(0, 0.1)
    expect(expected).toBeCloseTo(6.813914537135123, 12)
    expect(r.psi).toBeCloseTo(expected, 12)
    expect(r.band).toBe('significant')
  })

  it('bands at 0.1 and 0.25', () => {
    expect(psiBand(0.0999)).toBe('none')
    expect(psiBand(0.1)).toBe('moderate')
    expect(psiBand(0.2499)).toBe('moderate')
    expect(psiBand(0.25)).toBe('significant')
  })

  it('is never negative and near 0 for a sample against itself (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }), { minLength: 2, maxLength: 200 }), fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }), { minLength: 1, maxLength: 200 }), (a, b) => {
        expect(psi(a, b).psi).toBeGreaterThanOrEqual(-1e-12)
        expect(Math.abs(psi(a, a).psi)).toBeLessThan(1e-9)
      }),
    )
  })

  it('rejects a bad bin count', () => {
    expect(() => psi(reference, reference, { bins: 1 })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })
})

describe('wasserstein', () => {
  it('matches scipy’s documented example: W1([0, 1, 3], [5, 6, 8]) = 5', () => {
    expect(wasserstein([0, 1, 3], [5, 6, 8])).toBeCloseTo(5, 12)
  })

  it('is the shift for a shifted copy, symmetric, and at least the mean difference (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e3, max: 1e3 }), { minLength: 1, maxLength: 50 }), fc.double({ noNaN: true, min: -100, max: 100 }), (a, c) => {
        const b = a.map((x) => x + c)
        expect(wasserstein(a, b)).toBeCloseTo(Math.abs(c), 6)
        const other = a.map((x) => x * 2)
        expect(wasserstein(a, other)).toBeCloseTo(wasserstein(other, a), 9)
        const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length
        expect(wasserstein(a, other)).toBeGreaterThanOrEqual(Math.abs(mean(a) - mean(other)) - 1e-9)
      }),
    )
  })
})

describe('special functions', () => {
  it('Student t and normal tails match published critical values', () => {
    expect(studentTSurvival(2.2281388519649385, 10)).toBeCloseTo(0.025, 9)
    expect(studentTSurvival(1.8124611228107335, 10)).toBeCloseTo(0.05, 9)
    expect(studentTSurvival(-1.8124611228107335, 10)).toBeCloseTo(0.95, 9)
    expect(studentTSurvival(12.706204736174698, 1)).toBeCloseTo(0.025, 9)
    expect(normalSurvival(1.959963984540054)).toBeCloseTo(0.025, 6)
  })
})

describe('performanceDrift', () => {
  const rng = seededRandom(11)
  const around = (mean: number, n: number) => Array.from({ length: n }, () => mean + 0.01 * rng.normal())

  it('warns on a significant drop of 5 % or more', () => {
    const r = performanceDrift(around(0.9, 50), around(0.8, 50))
    expect(r.level).toBe('warning')
    expect(r.significant).toBe(true)
    expect(r.relativeDrop).toBeCloseTo(0.111, 1)
    expect(r.pValue).toBeLessThan(1e-10)
  })

  it('stays ok for a significant but small drop, and for an improvement', () => {
    expect(performanceDrift(around(0.9, 50), around(0.88, 50)).level).toBe('ok')
    const better = performanceDrift(around(0.8, 50), around(0.9, 50))
    expect(better.level).toBe('ok')
    expect(better.pValue).toBeGreaterThan(0.99)
  })

  it('computes Welch’s t by hand on a small example', () => {
    // a = [1, 2, 3, 4] (mean 2.5, var 5/3), b = [0, 1, 1, 2] (mean 1, var 2/3): t = 1.5 / √(7/12), df = (7/12)² / ((5/12)²/3 + (1/6)²/3).
    const r = performanceDrift([1, 2, 3, 4], [0, 1, 1, 2], { dropKind: 'absolute' })
    const t = 1.5 / Math.sqrt(7 / 12)
    const df = (7 / 12) ** 2 / ((5 / 12) ** 2 / 3 + (1 / 6) ** 2 / 3)
    expect(r.statistic).toBeCloseTo(t, 12)
    expect(r.degreesOfFreedom).toBeCloseTo(df, 12)
    expect(r.pValue).toBeCloseTo(studentTSurvival(t, df), 12)
    expect(r.drop).toBe(1.5)
  })

  it('treats zero variance as a deterministic answer', () => {
    expect(performanceDrift([0.9, 0.9], [0.8, 0.8]).pValue).toBe(0)
    expect(performanceDrift([0.9, 0.9], [0.8, 0.8]).level).toBe('warning')
    expect(performanceDrift([0.9, 0.9], [0.9, 0.9]).pValue).toBe(1)
  })
})

describe('featureDriftSummary', () => {
  it('flags the shifted feature only', () => {
    const rng = seededRandom(8)
    const col = (shift: number) => Array.from({ length: 1000 }, () => rng.normal() + shift)
    const s = featureDriftSummary({ stable: col(0), shifted: col(0) }, { stable: col(0), shifted: col(1.5), extra: col(0) })
    expect(s.total).toBe(2)
    const byName = Object.fromEntries(s.features.map((f) => [f.feature, f]))
    expect(byName.shifted!.level).toBe('critical')
    expect(byName.shifted!.wasserstein).toBeGreaterThan(1)
    expect(byName.stable!.level, JSON.stringify({ p: byName.stable!.ks.pValue, psi: byName.stable!.psi })).not.toBe('critical')
    expect(s.drifted).toBe(1)
    expect(s.driftShare).toBe(0.5)
  })
})
