// ksTest against SciPy 1.17 `ks_2samp(method='auto')` (fixtures/ks-scipy.py printed fixtures/ks-scipy.json).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ksTest } from '@entrenar/drift'

interface Row {
  n: number
  m: number
  shift: number
  statistic: number
  pvalue: number
  method: 'exact' | 'asymptotic'
}
const { rows } = JSON.parse(readFileSync(new URL('./fixtures/ks-scipy.json', import.meta.url), 'utf8')) as { rows: Row[] }

const sample = (n: number, m: number, shift: number) => [Array.from({ length: n }, (_, i) => i / n), Array.from({ length: m }, (_, j) => (j + 0.5) / m + shift)] as const

describe('ksTest agrees with scipy ks_2samp(method="auto")', () => {
  it.each(rows.map((r) => [`n ${r.n}, m ${r.m}, shift ${r.shift}: p ${r.pvalue.toExponential(3)} (${r.method})`, r] as const))('%s', (_, r) => {
    const [a, b] = sample(r.n, r.m, r.shift)
    const got = ksTest(a, b)
    expect(got.statistic).toBeCloseTo(r.statistic, 14)
    expect(got.method).toBe(r.method)
    const rel = Math.abs(got.pValue - r.pvalue) / r.pvalue
    // Exact: the same lattice-path tail, computed directly (SciPy uses a closed form when n = m), so
    // relative agreement to rounding even at 1e-175. Asymptotic: Stephens' limit vs SciPy's kstwo.
    expect(rel).toBeLessThan(r.method === 'exact' ? 1e-9 : 0.04)
  })

  it('small tails are tails, not 1 − CDF: separated samples of 100 give 2/C(200,100), of 50 give 2/C(100,50)', () => {
    const [a, b] = sample(100, 100, 10)
    expect(ksTest(a, b).pValue / 2.2087606931995054e-59).toBeCloseTo(1, 10)
    const [c, d] = sample(50, 50, 10)
    expect(ksTest(c, d).pValue).toBeGreaterThan(0)
  })
})
