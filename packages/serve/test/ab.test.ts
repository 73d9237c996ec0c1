import { batchFromRows, createMemoryStore, isEntrenarError } from '@entrenar/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { abSplit, abTest, chiSquareSf, compareCurves, compareRuns, normalCdf, normalQuantile, srmCheck, studentTCdf, studentTQuantile } from '../src/index.js'

// Reference values computed with SciPy 1.17 (scipy.stats norm, t, chi2, ttest_ind(equal_var=False)).
describe('distributions match SciPy', () => {
  it('normal, t and χ²', () => {
    expect(2 * (1 - normalCdf(1.96))).toBeCloseTo(0.04999579029644087, 12)
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12)
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 10)
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212335729143, 12)
    expect(studentTCdf(2.1, 7.3)).toBeCloseTo(0.9638766432875733, 10)
    expect(studentTQuantile(0.975, 4.5)).toBeCloseTo(2.6589123472044034, 9)
    expect(studentTQuantile(0.8, 3.2)).toBeCloseTo(0.9688795926418267, 9)
    expect(chiSquareSf(3.84, 1)).toBeCloseTo(0.05004352124870519, 12)
    expect(chiSquareSf(20.5, 3)).toBeCloseTo(0.00013369478402083598, 14)
  })
  it('the normal quantile inverts the CDF (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 1 - 1e-12, noNaN: true }), (p) => {
        expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 12)
      }),
    )
  })
  it('the t quantile inverts the t CDF (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 0.999, noNaN: true }), fc.double({ min: 1, max: 200, noNaN: true }), (p, df) => {
        expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 9)
      }),
      { numRuns: 50 },
    )
  })
})

describe('abTest', () => {
  it('two-proportion z-test: statistic, p, CI and MDE as computed with SciPy', () => {
    const r = abTest({ a: { successes: 480, trials: 5000 }, b: { successes: 560, trials: 5000 }, metric: 'ctr' })
    expect(r.test).toBe('two-proportion-z')
    expect(r.statistic).toBeCloseTo(2.620712091804796, 10)
    expect(r.pValue).toBeCloseTo(0.008774633060101168, 12)
    expect(r.ci[0]).toBeCloseTo(0.004038116446260866, 12)
    expect(r.ci[1]).toBeCloseTo(0.027961883553739134, 12)
    expect(r.mde).toBeCloseTo(0.01710426858027651, 12)
    expect(r.significant).toBe(true)
    expect(r.winner).toBe('b')
    expect(r.srm.mismatch).toBe(false)
    expect(r.srm.pValue).toBe(1)
  })
  it("Welch's t-test across seeds matches scipy.stats.ttest_ind(equal_var=False)", () => {
    const a = [0.412, 0.405, 0.419, 0.409, 0.415]
    const b = [0.398, 0.391, 0.401, 0.405]
    const r = abTest({ a, b, metric: 'val_loss' })
    expect(r.test).toBe('welch-t')
    expect(r.statistic).toBeCloseTo(-3.4761261232552867, 10)
    expect(r.df).toBeCloseTo(6.243718326753975, 10)
    expect(r.pValue).toBeCloseTo(0.012386067047976037, 10)
    expect(r.ci[0]).toBeCloseTo(-0.022489384695585528, 10)
    expect(r.ci[1]).toBeCloseTo(-0.004010615304414551, 10)
    expect(r.direction).toBe('lower')
    expect(r.winner).toBe('b')
  })
  it('NaN and Inf samples are counted, not used; too few finite samples is a coded error', () => {
    const r = abTest({ a: [1, 2, 3, Number.NaN], b: [2, 3, 4, Number.POSITIVE_INFINITY, Number.NaN], metric: 'accuracy' })
    expect(r.a.nonFinite).toBe(1)
    expect(r.b.nonFinite).toBe(2)
    expect(r.a.n).toBe(3)
    try {
      abTest({ a: [1, Number.NaN], b: [1, 2] })
      expect.unreachable()
    } catch (e) {
      expect(isEntrenarError(e, 'ENTRENAR_SERVE_TOO_FEW_SAMPLES')).toBe(true)
    }
  })
  it('bad input is a coded error', () => {
    expect(() => abTest({ a: { successes: 5, trials: 3 }, b: { successes: 1, trials: 3 } })).toThrow(/successes 5/)
    expect(() => abTest({ a: [1, 2], b: { successes: 1, trials: 3 } })).toThrow(/both arms/)
    expect(() => abTest({ a: [1, 2], b: [1, 2], alpha: 2 })).toThrow(/alpha/)
  })
  it('identical arms are not significant; under H0 the z-test rejects about alpha of the time', () => {
    expect(abTest({ a: [1, 1, 1], b: [1, 1, 1] }).pValue).toBe(1)
    // Deterministic LCG draws of Bernoulli(0.3) under H0: the false-positive rate should be near 5%.
    let s = 12345
    const rnd = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0
      return s / 2 ** 32
    }
    let rejections = 0
    const trials = 400
    for (let k = 0; k < trials; k++) {
      let xa = 0
      let xb = 0
      for (let i = 0; i < 500; i++) {
        if (rnd() < 0.3) xa++
        if (rnd() < 0.3) xb++
      }
      if (abTest({ a: { successes: xa, trials: 500 }, b: { successes: xb, trials: 500 } }).significant) rejections++
    }
    expect(rejections / trials).toBeGreaterThan(0.02)
    expect(rejections / trials).toBeLessThan(0.09)
  })
})

describe('SRM and abSplit', () => {
  it('srmCheck matches scipy.stats.chisquare', () => {
    const r = srmCheck([821, 9179], [0.1, 0.9])
    expect(r.chiSquare).toBeCloseTo(35.60111111111111, 10)
    expect(r.pValue).toBeCloseTo(2.421493830358552e-9, 18)
    expect(r.mismatch).toBe(true)
  })
  it('assignment is deterministic, close to the designed split, and passes SRM', () => {
    const ab = abSplit({ split: 0.1, seed: 42 })
    const again = abSplit({ split: 0.1, seed: 42 })
    let disagree = 0
    for (let i = 0; i < 20_000; i++) {
      const id = `req-${i}`
      if (ab.assign(id) !== again.arm(id)) disagree++
    }
    expect(disagree).toBe(0)
    const { a, b } = ab.counts()
    expect(a + b).toBe(20_000)
    expect(b / 20_000).toBeGreaterThan(0.09)
    expect(b / 20_000).toBeLessThan(0.11)
    expect(ab.srm().mismatch).toBe(false)
    // Another seed reshuffles.
    const other = abSplit({ split: 0.1, seed: 43 })
    let same = 0
    for (let i = 0; i < 2000; i++) if (other.arm(`req-${i}`) === ab.arm(`req-${i}`)) same++
    expect(same).toBeLessThan(1900)
  })
  it('a broken split (a filter dropping b units) is flagged', () => {
    const ab = abSplit({ split: 0.5, seed: 1 })
    let kept = 0
    for (let i = 0; i < 10_000; i++) {
      const id = `u${i}`
      // Simulates a bug that loses 10% of b's traffic before it is logged.
      if (ab.arm(id) === 'b' && i % 10 === 0) continue
      ab.assign(id)
      kept++
    }
    expect(kept).toBeLessThan(10_000)
    expect(ab.srm().mismatch).toBe(true)
  })
  it('latency per arm renders as a histogram', () => {
    const ab = abSplit({ split: 0.2, name: 'v2' })
    ab.observeLatency('a', 0.004)
    ab.observeLatency('b', 0.03)
    ab.observeLatency('b', 0.07)
    expect(ab.latency.count({ arm: 'b' })).toBe(2)
    const q = ab.latency.quantile(0.5, { arm: 'b' })
    expect(q).toBeGreaterThan(0.025)
    expect(q).toBeLessThanOrEqual(0.05)
    expect(ab.latency.render('prometheus')).toContain('entrenar_ab_inference_latency_seconds_bucket{arm="b",experiment="v2",le="0.05"} 1')
  })
  it('rejects a split outside (0, 1)', () => {
    expect(() => abSplit({ split: 1.5 })).toThrow(/split/)
  })
})

describe('compareRuns', () => {
  it('compares seeds in a MetricStore on their last value, keeping a diverged seed visible', async () => {
    const store = createMemoryStore()
    const finals: Record<string, number> = { a1: 0.41, a2: 0.42, a3: 0.4, b1: 0.35, b2: 0.36, b3: 0.34, b4: Number.NaN }
    for (const [run, final] of Object.entries(finals)) {
      await store.write(
        batchFromRows(run, [
          { metric: 'val_loss', value: 1, step: 1, timestampUs: 1, epoch: null, batch: null, tags: null },
          { metric: 'val_loss', value: final, step: 2, timestampUs: 2, epoch: null, batch: null, tags: null },
        ]),
      )
    }
    await store.flush()
    const r = await compareRuns(store, ['a1', 'a2', 'a3'], ['b1', 'b2', 'b3', 'b4', 'missing'], 'val_loss')
    expect(r.missing).toEqual(['missing'])
    expect(r.b.nonFinite).toBe(1)
    expect(r.values.b.find((x) => x.runId === 'b4')?.value).toBeNaN()
    expect(r.a.mean).toBeCloseTo(0.41, 12)
    expect(r.b.mean).toBeCloseTo(0.35, 12)
    expect(r.significant).toBe(true)
    expect(r.winner).toBe('b')
    await expect(compareRuns(store, ['a1'], ['a1'], 'val_loss')).rejects.toThrow(/both arms/)
  })
})

describe('compareCurves', () => {
  it('aligns seeds on steps and gives a pointwise Welch band of the difference', async () => {
    const store = createMemoryStore()
    // Arm a: loss 1/step + noise; arm b: 0.2 lower from step 5 on. Three seeds each, deterministic noise.
    const noise = [0.01, -0.012, 0.004]
    for (const arm of ['a', 'b'] as const) {
      for (let s = 0; s < 3; s++) {
        const rows = Array.from({ length: 10 }, (_, i) => {
          const step = i + 1
          return { metric: 'loss', value: 1 / step + noise[s]! * (arm === 'a' ? 1 : -1) - (arm === 'b' && step >= 5 ? 0.2 : 0), step, timestampUs: step, epoch: null, batch: null, tags: null }
        })
        if (arm === 'b' && s === 2) rows[2] = { ...rows[2]!, value: Number.NaN }
        await store.write(batchFromRows(`${arm}${s}`, rows))
      }
    }
    await store.flush()
    const c = await compareCurves(store, ['a0', 'a1', 'a2'], ['b0', 'b1', 'b2'], 'loss')
    expect(Array.from(c.x)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(c.nB[2]).toBe(2)
    // Before step 5 the band covers 0; from step 5 on it lies below 0.
    for (let i = 0; i < 4; i++) expect(c.lo[i]! < 0 && c.hi[i]! > 0).toBe(true)
    for (let i = 4; i < 10; i++) {
      expect(c.hi[i]!).toBeLessThan(0)
      expect(c.difference[i]).toBeCloseTo(-0.2 + (mean3([-0.01, 0.012, -0.004]) - mean3(noise)), 12)
    }
    const single = await compareCurves(store, ['a0'], ['b0', 'b1'], 'loss')
    expect(single.lo[0]).toBeNaN()
    expect(single.difference[0]).toBeCloseTo((-0.01 + 0.012) / 2 - 0.01, 12)
  })
})

function mean3(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length
}
