import type { ChangeDetector, DetectorSignal } from '@entrenar/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { adwin, ddm, eddm, hddmA, kswin, pageHinkley, seededRandom, zScoreWindow } from '@entrenar/drift'

const SIGNALS: DetectorSignal[] = ['stable', 'warning', 'drift', 'invalid']
const all: [string, () => ChangeDetector][] = [
  ['zScoreWindow', () => zScoreWindow()],
  ['pageHinkley', () => pageHinkley()],
  ['adwin', () => adwin()],
  ['kswin', () => kswin()],
  ['ddm', () => ddm()],
  ['eddm', () => eddm()],
  ['hddmA', () => hddmA()],
]

const feed = (d: ChangeDetector, xs: readonly number[]) => xs.map((x) => d.update(x))

describe('every detector', () => {
  it.each(all)('%s never throws, answers a known signal and keeps an integer sample count (property)', (_, make) => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double(), fc.constantFrom(0, 1), fc.integer({ min: -5, max: 5 })), { maxLength: 400 }), (xs) => {
        const d = make()
        for (const x of xs) {
          expect(SIGNALS).toContain(d.update(x))
          expect(Number.isInteger(d.samples) && d.samples >= 0).toBe(true)
        }
      }),
      { numRuns: 40 },
    )
  })

  it.each([...all, ['pageHinkley calibrated', () => pageHinkley({ falseAlarmsPerMillion: 100, warmUp: 20 })], ['adwin calibrated', () => adwin({ falseAlarmsPerMillion: 100, warmUp: 20 })]] as [string, () => ChangeDetector][])(
    '%s: updateMany is update on each value in order (signals, drift count, final state)',
    (_, make) => {
      const rng = seededRandom(5)
      const xs = Float64Array.from({ length: 3000 }, (_, i) => (i % 97 === 0 ? Number.NaN : (rng.next() < (i < 1500 ? 0.2 : 0.7) ? 1 : 0) + 0.1 * rng.normal() * (i % 2)))
      const one = make()
      const expected = Array.from(xs, (x) => one.update(x))
      const many = make() as ChangeDetector & { updateMany(v: ArrayLike<number>, s?: Uint8Array): number }
      const codes = new Uint8Array(xs.length)
      const drifts = many.updateMany(xs.subarray(0, 1000), codes) + many.updateMany(xs.subarray(1000), codes.subarray(1000))
      expect(Array.from(codes, (c) => SIGNALS[c])).toEqual(expected)
      expect(drifts).toBe(expected.filter((x) => x === 'drift').length)
      expect([many.statistic, many.samples]).toEqual([one.statistic, one.samples])
      expect(() => (make() as typeof many).updateMany([1, 2, 3], new Uint8Array(2))).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
    },
  )

  it.each(all)('%s is deterministic and reset replays the same answers', (_, make) => {
    const rng = seededRandom(99)
    const xs = Array.from({ length: 1500 }, (_, i) => (i < 700 ? (rng.next() < 0.2 ? 1 : 0) : rng.next() < 0.8 ? 1 : 0))
    const d = make()
    const first = feed(d, xs)
    const stats = d.statistic
    d.reset()
    expect(feed(d, xs)).toEqual(first)
    expect(d.statistic).toBe(stats)
    expect(feed(make(), xs)).toEqual(first)
  })
})

describe('configuration fails fast', () => {
  it.each([
    ['window 1', () => zScoreWindow({ window: 1 })],
    ['threshold 0', () => zScoreWindow({ threshold: 0 })],
    ['PH mode', () => pageHinkley({ mode: 'sideways' as 'up' })],
    ['PH alpha 0', () => pageHinkley({ alpha: 0 })],
    ['ADWIN delta 1', () => adwin({ delta: 1 })],
    ['ADWIN clock 0.5', () => adwin({ clock: 0.5 })],
    ['KSWIN stat > window / 2', () => kswin({ windowSize: 50, statSize: 30 })],
    ['DDM drift < warning', () => ddm({ warningThreshold: 3, driftThreshold: 2 })],
    ['EDDM alpha < beta', () => eddm({ alpha: 0.5, beta: 0.9 })],
    ['HDDM warning < drift', () => hddmA({ driftConfidence: 0.01, warningConfidence: 0.001 })],
  ])('%s → ENTRENAR_INVALID_CONFIG', (_, make) => {
    expect(make).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })
})

describe('zScoreWindow', () => {
  // A baseline with mean 0 and sample σ exactly 1: ±√(n/(n−1)) alternating over an even window.
  const n = 20
  const a = Math.sqrt((n - 1) / n)
  const baseline = Array.from({ length: n }, (_, i) => (i % 2 ? a : -a))

  it('grades severity by entrenar’s bands: low 3–4σ, medium 4–5σ, high ≥ 5σ', () => {
    for (const [x, severity] of [
      [3.5, 'low'],
      [4.5, 'medium'],
      [6, 'high'],
      [-3.2, 'low'],
    ] as const) {
      const d = zScoreWindow({ window: n })
      feed(d, baseline)
      expect(d.std).toBeCloseTo(1, 12)
      expect(d.update(x)).toBe('drift')
      expect(d.statistic).toBeCloseTo(x, 9)
      expect(d.severity).toBe(severity)
    }
    const d = zScoreWindow({ window: n })
    feed(d, baseline)
    expect(d.update(2.9)).toBe('stable')
    expect(d.severity).toBeUndefined()
  })

  it('alarms on a departure from a constant baseline (σ floor), never on the constant itself', () => {
    const d = zScoreWindow()
    expect(feed(d, new Array(500).fill(5)).every((s) => s === 'stable')).toBe(true)
    expect(d.update(5.001)).toBe('drift')
    expect(d.severity).toBe('high')
  })

  it('needs minSamples values, reports NaN as invalid without touching the window, and restarts after a drift', () => {
    const d = zScoreWindow({ minSamples: 10 })
    expect(feed(d, [0, 1, 0, 1, 0, 1, 0, 1, 0]).every((s) => s === 'stable')).toBe(true)
    expect(d.update(100)).toBe('stable')
    const mean = d.mean
    expect(d.update(Number.NaN)).toBe('invalid')
    expect(d.update(Number.NEGATIVE_INFINITY)).toBe('invalid')
    expect(d.mean).toBe(mean)
    expect(d.samples).toBe(10)
    expect(d.update(1e6)).toBe('drift')
    d.update(1)
    expect(d.samples).toBe(1)
  })

  it('re-sums after the value carrying the variance leaves, so a constant window has σ = 0 exactly', () => {
    // Found by the property below (seed 520759600): the O(1) removal of 1085.22 left σ ≈ 6e-6 on [0, 0, 0, 0].
    const d = zScoreWindow({ window: 4, minSamples: 4, threshold: Number.MAX_VALUE, restartOnDrift: false })
    feed(d, [1085.2200920046664, 0, 0, 0, 0])
    expect(d.mean).toBe(0)
    expect(d.std).toBe(0)
  })

  it('keeps the exact window mean and σ with O(1) updates (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e4, max: 1e4 }), { minLength: 2, maxLength: 300 }), fc.integer({ min: 2, max: 40 }), (xs, w) => {
        const d = zScoreWindow({ window: w, minSamples: w, threshold: Number.MAX_VALUE, restartOnDrift: false })
        feed(d, xs)
        const last = xs.slice(-w)
        const mean = last.reduce((s, x) => s + x, 0) / last.length
        const sd = Math.sqrt(last.reduce((s, x) => s + (x - mean) ** 2, 0) / (last.length - 1))
        expect(d.mean).toBeCloseTo(mean, 6)
        expect(d.std).toBeCloseTo(sd, 5)
      }),
    )
  })
})

describe('pageHinkley', () => {
  it('detects a drop only in `down` or `both` mode and reports the direction', () => {
    const xs = [...new Array(200).fill(10), ...new Array(200).fill(5)]
    const both = pageHinkley()
    const i = feed(both, xs).indexOf('drift')
    expect(i).toBeGreaterThan(200)
    expect(both.direction).toBe('down')
    expect(feed(pageHinkley({ mode: 'up' }), xs)).not.toContain('drift')
    const up = pageHinkley({ mode: 'up' })
    feed(up, [...new Array(200).fill(5), ...new Array(200).fill(10)])
    expect(up.direction).toBe('up')
  })

  it('restarts after a drift: samples count from the value after it', () => {
    const d = pageHinkley({ threshold: 5 })
    const xs = [...new Array(100).fill(0), ...new Array(50).fill(3)]
    const at = feed(d, xs).indexOf('drift')
    expect(d.samples).toBe(xs.length - at - 1)
  })
})

describe('adwin', () => {
  it('drops the old concept on a drift and tracks the new mean', () => {
    const rng = seededRandom(4)
    const d = adwin()
    const xs = Array.from({ length: 3000 }, (_, i) => (i < 1500 ? 0.2 : 0.8) + 0.05 * rng.normal())
    const signals = feed(d, xs)
    expect(signals.slice(0, 1500)).not.toContain('drift')
    expect(signals.indexOf('drift')).toBeLessThan(1600)
    expect(d.width).toBeLessThan(1600)
    expect(d.mean).toBeCloseTo(0.8, 1)
    expect(d.statistic).toBeGreaterThanOrEqual(0)
  })

  it('summarises every value exactly while there is no drift (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: 0, max: 1 }), { minLength: 1, maxLength: 1000 }), (xs) => {
        const d = adwin({ delta: 1e-12 })
        const signals = feed(d, xs)
        if (signals.includes('drift')) return
        expect(d.width).toBe(xs.length)
        const mean = xs.reduce((s, x) => s + x, 0) / xs.length
        expect(d.mean).toBeCloseTo(mean, 9)
        const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length
        expect(d.variance).toBeCloseTo(variance, 9)
      }),
      { numRuns: 50 },
    )
  })
})

describe('kswin', () => {
  it('is reproducible for a seed and exposes its p-value', () => {
    const rng = seededRandom(2)
    const xs = Array.from({ length: 600 }, (_, i) => rng.normal() + (i < 300 ? 0 : 3))
    const a = kswin({ seed: 5 })
    const b = kswin({ seed: 5 })
    expect(feed(a, xs)).toEqual(feed(b, xs))
    const c = kswin({ seed: 5 })
    let at = -1
    for (let i = 0; i < xs.length && at < 0; i++) if (c.update(xs[i]!) === 'drift') at = i
    expect(at).toBeGreaterThanOrEqual(300)
    expect(at).toBeLessThan(340)
    expect(c.pValue).toBeLessThanOrEqual(0.005)
    expect(c.statistic).toBeGreaterThan(0.1)
  })
})

describe('error-rate detectors', () => {
  it.each([
    ['ddm', () => ddm()],
    ['eddm', () => eddm()],
    ['hddmA', () => hddmA()],
  ] as const)('%s answers invalid outside its domain', (name, make) => {
    const d = make()
    expect(d.update(2)).toBe('invalid')
    expect(d.update(-0.5)).toBe('invalid')
    expect(d.update(Number.NaN)).toBe('invalid')
    expect(d.samples).toBe(0)
    expect(d.update(name === 'eddm' ? 1 : 0.5)).not.toBe('invalid')
  })

  it('HDDM_A two-sided also catches a falling error rate', () => {
    const rng = seededRandom(8)
    const xs = Array.from({ length: 2000 }, (_, i) => (rng.next() < (i < 1000 ? 0.6 : 0.2) ? 1 : 0))
    expect(feed(hddmA(), xs).slice(1000)).not.toContain('drift')
    expect(feed(hddmA({ twoSided: true }), xs).slice(1000)).toContain('drift')
  })
})

describe('detectorFromSpec', () => {
  it('builds every kind with its options and names it as the spec', async () => {
    const { DETECTOR_KINDS, detectorFromSpec } = await import('@entrenar/drift')
    for (const kind of DETECTOR_KINDS) expect(detectorFromSpec({ kind }).name).toBe(kind)
    const ph = detectorFromSpec({ kind: 'page_hinkley', mode: 'up', threshold: 5 })
    feed(ph, [...new Array(100).fill(10), ...new Array(100).fill(0)])
    expect(ph.samples).toBe(200)
    expect(() => detectorFromSpec({ kind: 'cusum' } as never)).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
    expect(() => detectorFromSpec({ kind: 'adwin', delta: 2 })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })
})

describe('one-sided modes for training curves', () => {
  // A healthy run: accuracy climbs from 0.5 to 0.9, then collapses to 0.6 at step 3000.
  const rng = seededRandom(21)
  const accuracy = Array.from({ length: 4000 }, (_, t) => (t < 3000 ? 0.9 - 0.4 * Math.exp(-t / 400) : 0.6) + 0.01 * rng.normal())

  it('ADWIN in both modes alarms while accuracy improves; mode down follows it silently and catches the collapse', () => {
    const both = feed(adwin(), accuracy)
    expect(both.slice(0, 3000)).toContain('drift')
    const down = adwin({ mode: 'down' })
    const signals = feed(down, accuracy)
    expect(signals.slice(0, 3000)).not.toContain('drift')
    const at = signals.indexOf('drift')
    expect(at).toBeGreaterThanOrEqual(3000)
    expect(at).toBeLessThan(3100)
    expect(feed(adwin({ mode: 'up' }), accuracy).slice(3000)).not.toContain('drift')
  })

  it('zScoreWindow mode up ignores drops and still grades spikes', () => {
    const base = Array.from({ length: 50 }, (_, i) => (i % 2 ? 1 : -1))
    const up = zScoreWindow({ mode: 'up' })
    feed(up, base)
    expect(up.update(-20)).toBe('stable')
    expect(up.update(20)).toBe('drift')
    expect(up.severity).toBe('high')
    const down = zScoreWindow({ mode: 'down' })
    feed(down, base)
    expect(down.update(-4.5)).toBe('drift')
    expect(down.severity).toBe('medium')
    const downOnly = zScoreWindow({ mode: 'down' })
    feed(downOnly, base)
    expect(downOnly.update(20)).toBe('stable')
    expect(() => zScoreWindow({ mode: 'left' as 'up' })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })

  it('Page-Hinkley in both modes alarms on a healthy falling loss; mode up does not', () => {
    const loss = Array.from({ length: 3000 }, (_, t) => 2 * Math.exp(-t / 300) + 0.05 + 0.01 * rng.normal())
    expect(feed(pageHinkley(), loss)).toContain('drift')
    expect(feed(pageHinkley({ mode: 'up' }), loss)).not.toContain('drift')
  })
})
