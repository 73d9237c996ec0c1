import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as stats from '@entrenar/core/stats'
import {
  betaInc,
  chiSquareCdf,
  chiSquareSurvival,
  erf,
  erfc,
  gammaP,
  gammaQ,
  kolmogorovCdf,
  kolmogorovSurvival,
  ksExactSurvival,
  logBeta,
  logGamma,
  normalCdf,
  normalQuantile,
  normalSurvival,
  normalTwoSided,
  studentTCdf,
  studentTQuantile,
  studentTSurvival,
  studentTTwoSided,
} from '@entrenar/core/stats'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

// Reference values: mpmath 1.3.0 at 60 digits, with SciPy 1.17.1 beside them (fixtures/stats-reference.py
// regenerates the file). Rows are [arguments, mpmath value, SciPy value]; the KS rows come from exact
// integer lattice-path counts instead of SciPy.
type Row = [number[], number, number | null]
const reference = JSON.parse(readFileSync(new URL('./fixtures/stats-reference.json', import.meta.url), 'utf8')) as Record<string, Row[]>
const fns = stats as unknown as Record<string, (...args: number[]) => number>

/**
 * Relative tolerance of each reference row. The continued fractions of Numerical Recipes lose about
 * eps·(size of the cancelled terms): ~1e-12 for shape parameters near 1e4, ~1e-10 near 1e6.
 */
function tolerance(name: string, args: number[]): number {
  const largest = Math.max(...args.map(Math.abs))
  // The tail is computed directly (no 1 − CDF): relative precision, see ksExactSurvival.
  if (name === 'ksExactSurvival') return 1e-12
  if (name.startsWith('studentT')) return args[1]! >= 1e5 ? 2e-10 : 2e-12
  if (name === 'betaInc') return largest >= 1e5 ? 2e-10 : largest >= 1e3 ? 5e-12 : 1e-12
  if (name.startsWith('gamma') || name.startsWith('chiSquare')) return largest >= 1e5 ? 2e-12 : 5e-13
  return 5e-13
}

/** |got − want| / |want|; absolute where the reference is exactly 0 (ln Γ(1), a quantile at ½). */
function relativeError(got: number, want: number): number {
  if (got === want) return 0
  return Math.abs(got - want) / (want === 0 ? 1 : Math.abs(want))
}

describe('@entrenar/core/stats against mpmath and SciPy reference values', () => {
  for (const [name, rows] of Object.entries(reference)) {
    it(`${name}: ${rows.length} values within their relative tolerance`, () => {
      const fn = fns[name]
      expect(fn, name).toBeTypeOf('function')
      for (const [args, want] of rows) {
        const got = fn!(...args)
        const tol = tolerance(name, args)
        expect(relativeError(got, want), `${name}(${args.join(', ')}) = ${got}, want ${want}`).toBeLessThanOrEqual(tol)
      }
    })
  }

  it('agrees with SciPy wherever SciPy is itself accurate (it is not for gammainc at a = 1e6)', () => {
    let compared = 0
    for (const [name, rows] of Object.entries(reference)) {
      for (const [args, want, scipy] of rows) {
        if (scipy === null || relativeError(scipy, want) > 1e-13) continue
        compared++
        expect(relativeError(fns[name]!(...args), scipy), `${name}(${args.join(', ')})`).toBeLessThanOrEqual(tolerance(name, args) + 1e-13)
      }
    }
    expect(compared).toBeGreaterThan(500)
  })

  it('matches published table values to the digits they print', () => {
    // Abramowitz & Stegun Table 26.1: Φ(1.96) = 0.9750021048517795 (printed to 15 digits); z₀.₉₇₅ = 1.959963985.
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 15)
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 9)
    // A&S Table 26.8 (χ² percentage points at 5%): 3.84146 for 1 df, 18.3070 for 10 df.
    expect(chiSquareSurvival(3.84146, 1)).toBeCloseTo(0.05, 6)
    expect(chiSquareSurvival(18.307, 10)).toBeCloseTo(0.05, 5)
    // A&S Table 26.10 (Student t percentage points): t₀.₉₇₅ = 12.706 for 1 df, 2.228 for 10 df.
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706, 3)
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228, 3)
    // Kolmogorov's critical values (Smirnov 1948): 1.3581 at 5%, 1.6276 at 1%.
    expect(kolmogorovSurvival(1.3581)).toBeCloseTo(0.05, 4)
    expect(kolmogorovSurvival(1.6276)).toBeCloseTo(0.01, 4)
    // DLMF 5.4.6: Γ(½) = √π.
    expect(relativeError(logGamma(0.5), 0.5 * Math.log(Math.PI))).toBeLessThan(1e-15)
  })
})

describe('closed forms', () => {
  const seed = { seed: 20260411, numRuns: 300 }
  it('χ² with 2 df is exponential: P(X > x) = e^{−x/2}', () => {
    fc.assert(fc.property(fc.double({ min: 1e-6, max: 1400, noNaN: true }), (x) => relativeError(chiSquareSurvival(x, 2), Math.exp(-x / 2)) < 1e-13), seed)
  })
  it('Student t with 1 df is Cauchy, with 2 df has an algebraic CDF', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (t) => {
        const cauchy = 0.5 + Math.atan(t) / Math.PI
        const two = 0.5 + t / (2 * Math.sqrt(2 + t * t))
        // Both closed forms cancel in the lower tail; compare on the side where they do not.
        const tol = 1e-13 / Math.min(1, Math.min(cauchy, 1 - cauchy) * 10)
        return Math.abs(studentTCdf(t, 1) - cauchy) <= tol * cauchy && Math.abs(studentTCdf(t, 2) - two) <= 1e-13 + 1e-12 * two
      }),
      seed,
    )
  })
  it('I_x(a, 1) = xᵃ and I_x(1, b) = 1 − (1 − x)ᵇ (DLMF 8.17.1 with b = 1 or a = 1)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.double({ min: 0.1, max: 50, noNaN: true }), (x, a) => {
        return relativeError(betaInc(a, 1, x), x ** a) < 1e-12 && relativeError(betaInc(1, a, x), 1 - (1 - x) ** a) < 1e-12
      }),
      seed,
    )
  })
})

describe('identities (seeded property tests)', () => {
  const seed = { seed: 7, numRuns: 300 }
  const positive = fc.double({ min: 0.05, max: 2000, noNaN: true })
  it('P(a, x) + Q(a, x) = 1', () => {
    fc.assert(fc.property(positive, positive, (a, x) => Math.abs(gammaP(a, x) + gammaQ(a, x) - 1) < 1e-12), seed)
  })
  it('I_x(a, b) = 1 − I_{1−x}(b, a) (DLMF 8.17.4)', () => {
    const shape = fc.double({ min: 0.05, max: 500, noNaN: true })
    fc.assert(
      fc.property(shape, shape, fc.double({ min: 0.001, max: 0.999, noNaN: true }), (a, b, x) => Math.abs(betaInc(a, b, x) + betaInc(b, a, 1 - x) - 1) < 1e-12),
      seed,
    )
  })
  it('erf + erfc = 1, erf is odd, Φ + (1 − Φ) = 1', () => {
    fc.assert(
      fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (x) => {
        return Math.abs(erf(x) + erfc(x) - 1) < 1e-15 && erf(-x) === -erf(x) && Math.abs(normalCdf(x) + normalSurvival(x) - 1) < 1e-15
      }),
      seed,
    )
  })
  it('normal and Student t quantiles invert their CDFs', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 1 - 1e-12, noNaN: true }), fc.double({ min: 0.5, max: 1e4, noNaN: true }), (p, df) => {
        const tail = Math.min(p, 1 - p)
        // Above ½, p itself is only known to its spacing 2⁻⁵³ ≈ 1.1e-16: allow two of them.
        const ulp = 2.3e-16
        return Math.abs(normalCdf(normalQuantile(p)) - p) <= 1e-14 * tail + ulp && Math.abs(studentTCdf(studentTQuantile(p, df), df) - p) <= 1e-11 * tail + ulp
      }),
      seed,
    )
  })
  it('two-sided tails are twice the one-sided ones, Kolmogorov CDF and survival sum to 1', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 12, noNaN: true }), fc.double({ min: 0.5, max: 1e4, noNaN: true }), (z, df) => {
        return (
          relativeError(normalTwoSided(z), 2 * normalSurvival(z)) < 1e-13 &&
          relativeError(studentTTwoSided(z, df), 2 * studentTSurvival(z, df)) < 1e-12 &&
          Math.abs(kolmogorovCdf(z / 4) + kolmogorovSurvival(z / 4) - 1) < 1e-15
        )
      }),
      seed,
    )
  })
  it('ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b) where that is well conditioned', () => {
    const shape = fc.double({ min: 0.1, max: 60, noNaN: true })
    fc.assert(
      fc.property(shape, shape, (a, b) => Math.abs(logBeta(a, b) - (logGamma(a) + logGamma(b) - logGamma(a + b))) < 1e-12 * Math.max(1, logGamma(a + b))),
      seed,
    )
  })
})

describe('edges: NaN and invalid parameters give NaN (as SciPy), infinities their limits', () => {
  it('NaN in, NaN out', () => {
    for (const v of [
      logGamma(Number.NaN),
      gammaP(1, Number.NaN),
      gammaQ(Number.NaN, 1),
      betaInc(1, 1, Number.NaN),
      erf(Number.NaN),
      erfc(Number.NaN),
      normalCdf(Number.NaN),
      normalQuantile(Number.NaN),
      studentTCdf(Number.NaN, 3),
      studentTQuantile(0.5, Number.NaN),
      chiSquareSurvival(Number.NaN, 2),
      kolmogorovSurvival(Number.NaN),
      ksExactSurvival(Number.NaN, 5, 5),
    ])
      expect(v).toBeNaN()
  })
  it('invalid parameters give NaN', () => {
    for (const v of [
      gammaP(0, 1),
      gammaQ(-1, 1),
      gammaP(1, -1),
      betaInc(0, 1, 0.5),
      logBeta(-1, 2),
      normalQuantile(1.5),
      normalQuantile(-0.1),
      studentTCdf(1, 0),
      studentTQuantile(0.3, -2),
      chiSquareCdf(1, 0),
      chiSquareSurvival(1, -3),
    ])
      expect(v).toBeNaN()
  })
  it('limits at 0, ±Infinity and the poles', () => {
    expect(logGamma(0)).toBe(Number.POSITIVE_INFINITY)
    expect(logGamma(-3)).toBe(Number.POSITIVE_INFINITY)
    expect(logGamma(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY)
    expect([gammaP(2, 0), gammaQ(2, 0), gammaP(2, Number.POSITIVE_INFINITY), gammaQ(2, Number.POSITIVE_INFINITY)]).toEqual([0, 1, 1, 0])
    expect([betaInc(2, 3, 0), betaInc(2, 3, 1), betaInc(2, 3, -1), betaInc(2, 3, 2)]).toEqual([0, 1, 0, 1])
    expect([erf(Number.POSITIVE_INFINITY), erf(Number.NEGATIVE_INFINITY), erfc(Number.NEGATIVE_INFINITY)]).toEqual([1, -1, 2])
    expect([normalCdf(Number.NEGATIVE_INFINITY), normalCdf(Number.POSITIVE_INFINITY), normalTwoSided(Number.POSITIVE_INFINITY)]).toEqual([0, 1, 0])
    expect([normalQuantile(0), normalQuantile(1), normalQuantile(0.5)]).toEqual([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 0])
    expect([studentTCdf(Number.NEGATIVE_INFINITY, 3), studentTCdf(Number.POSITIVE_INFINITY, 3), studentTTwoSided(Number.POSITIVE_INFINITY, 3)]).toEqual([0, 1, 0])
    expect([studentTQuantile(0, 3), studentTQuantile(1, 3), studentTQuantile(0.5, 3)]).toEqual([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 0])
    expect(studentTCdf(1.3, Number.POSITIVE_INFINITY)).toBe(normalCdf(1.3))
    expect(studentTQuantile(0.9, Number.POSITIVE_INFINITY)).toBe(normalQuantile(0.9))
    expect([chiSquareCdf(-1, 3), chiSquareSurvival(-1, 3), chiSquareSurvival(0, 3)]).toEqual([0, 1, 1])
    expect([kolmogorovCdf(0), kolmogorovSurvival(-1), kolmogorovSurvival(Number.POSITIVE_INFINITY)]).toEqual([0, 1, 0])
    expect([ksExactSurvival(0, 10, 12), ksExactSurvival(1.5, 10, 12)]).toEqual([1, 0])
  })
  it('reflection: ln|Γ(−0.5)| = ln(2√π)', () => {
    expect(relativeError(logGamma(-0.5), Math.log(2 * Math.sqrt(Math.PI)))).toBeLessThan(1e-15)
  })
  it('ksExactSurvival reuses a scratch buffer and gives the same answer', () => {
    const scratch = new Float64Array(64)
    expect(ksExactSurvival(0.5, 10, 10, scratch)).toBe(ksExactSurvival(0.5, 10, 10))
  })
})

describe('module surface', () => {
  it('@entrenar/core/stats exports exactly these functions', () => {
    expect(Object.keys(stats).sort()).toEqual([
      'betaInc',
      'chiSquareCdf',
      'chiSquareSurvival',
      'erf',
      'erfc',
      'gammaP',
      'gammaQ',
      'kolmogorovCdf',
      'kolmogorovSurvival',
      'ksExactSurvival',
      'logBeta',
      'logGamma',
      'normalCdf',
      'normalQuantile',
      'normalSurvival',
      'normalTwoSided',
      'stirlingCorrection',
      'studentTCdf',
      'studentTQuantile',
      'studentTSurvival',
      'studentTTwoSided',
    ])
  })
  it('src/stats is browser-safe: relative imports only, no Node globals', () => {
    const root = new URL('../src/stats/', import.meta.url).pathname
    const files = readdirSync(root).filter((f) => f.endsWith('.ts'))
    expect(files.length).toBeGreaterThan(5)
    for (const f of files) {
      const text = readFileSync(join(root, f), 'utf8')
      for (const m of text.matchAll(/from '([^']+)'/g)) expect(m[1]!.startsWith('./'), `${f} imports ${m[1]}`).toBe(true)
      expect(/\bprocess\.|\bBuffer\b|\brequire\(/.test(text), `${f} uses a Node global`).toBe(false)
    }
  })
})
