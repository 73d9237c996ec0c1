import { readFileSync } from 'node:fs'
import type { ChangeDetector } from '@entrenar/core'
import * as ts from '@entrenar/drift'
import * as native from '@entrenar/drift-native'
import { describe, expect, it } from 'vitest'

// Same stream in, same signal out at every index: the Rust detectors against the TypeScript ones.
const fixture = JSON.parse(readFileSync(new URL('../../drift/test/fixtures/river-streams.json', import.meta.url), 'utf8')) as {
  mean_shift: { values: number[] }
  bernoulli: { values: number[] }
}

const BYTE = { stable: 0, warning: 1, drift: 2, invalid: 3 } as const

function tsSignals(d: ChangeDetector, xs: Float64Array): { signals: Uint8Array; statistics: Float64Array } {
  const signals = new Uint8Array(xs.length)
  const statistics = new Float64Array(xs.length)
  for (let i = 0; i < xs.length; i++) {
    signals[i] = BYTE[d.update(xs[i]!)]
    statistics[i] = d.statistic
  }
  return { signals, statistics }
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i
  return a.length === b.length ? -1 : Math.min(a.length, b.length)
}

const count = (s: Uint8Array, byte: number) => s.reduce((n, x) => n + (x === byte ? 1 : 0), 0)

// ≥ 10^6 values: piecewise-stationary segments whose mean, noise and error rate change at random
// points (seeded), with NaN/±Inf and out-of-domain values sprinkled in.
function realStream(seed: number, n = 1_000_000): Float64Array {
  const rng = ts.seededRandom(seed)
  const xs = new Float64Array(n)
  let mean = 0
  let sd = 1
  let next = 0
  for (let i = 0; i < n; i++) {
    if (i === next) {
      mean = rng.next() < 0.5 ? mean : (rng.next() - 0.5) * 10
      sd = 0.2 + rng.next() * 2
      next = i + 2000 + rng.int(60_000)
    }
    const r = rng.next()
    xs[i] = r < 0.0005 ? Number.NaN : r < 0.0007 ? Number.POSITIVE_INFINITY : r < 0.0008 ? Number.NEGATIVE_INFINITY : mean + sd * rng.normal()
  }
  return xs
}

function binaryStream(seed: number, n = 1_000_000, fractional = false): Float64Array {
  const rng = ts.seededRandom(seed)
  const xs = new Float64Array(n)
  let p = 0.2
  let next = 0
  for (let i = 0; i < n; i++) {
    if (i === next) {
      p = rng.next() < 0.3 ? p : 0.05 + rng.next() * 0.9
      next = i + 500 + rng.int(15_000)
    }
    const r = rng.next()
    xs[i] = r < 0.0005 ? Number.NaN : r < 0.0007 ? 2 : r < 0.0009 ? -0.5 : fractional && r < 0.05 ? rng.next() : rng.next() < p ? 1 : 0
  }
  return xs
}

type Pair = [string, () => ChangeDetector, () => native.NativeChangeDetector]

const realPairs: Pair[] = [
  ['pageHinkley', () => ts.pageHinkley(), () => native.pageHinkley()],
  ['pageHinkley up, λ 20', () => ts.pageHinkley({ mode: 'up', threshold: 20, minInstances: 10 }), () => native.pageHinkley({ mode: 'up', threshold: 20, minInstances: 10 })],
  ['adwin', () => ts.adwin(), () => native.adwin()],
  ['adwin down, δ 0.05, clock 1', () => ts.adwin({ mode: 'down', delta: 0.05, clock: 1, maxBuckets: 3 }), () => native.adwin({ mode: 'down', delta: 0.05, clock: 1, maxBuckets: 3 })],
  ['kswin', () => ts.kswin(), () => native.kswin()],
  ['kswin seed 7, α 0.0001, window 120/40', () => ts.kswin({ seed: 7, alpha: 0.0001, windowSize: 120, statSize: 40 }), () => native.kswin({ seed: 7, alpha: 0.0001, windowSize: 120, statSize: 40 })],
]
// r > 100 takes the asymptotic p-value path for the critical D; O(r²) per update, so only on the short stream.
const wideKswin: Pair = ['kswin window 600/150 (asymptotic critical D)', () => ts.kswin({ seed: 3, windowSize: 600, statSize: 150 }), () => native.kswin({ seed: 3, windowSize: 600, statSize: 150 })]
const binaryPairs: Pair[] = [
  ['ddm', () => ts.ddm(), () => native.ddm()],
  ['ddm warm 100, 1.5/2.5', () => ts.ddm({ warmStart: 100, warningThreshold: 1.5, driftThreshold: 2.5 }), () => native.ddm({ warmStart: 100, warningThreshold: 1.5, driftThreshold: 2.5 })],
  ['eddm', () => ts.eddm(), () => native.eddm()],
  ['eddm 0.8/0.75', () => ts.eddm({ alpha: 0.8, beta: 0.75 }), () => native.eddm({ alpha: 0.8, beta: 0.75 })],
  ['hddmA', () => ts.hddmA(), () => native.hddmA()],
  ['hddmA two-sided', () => ts.hddmA({ twoSided: true, driftConfidence: 0.0001 }), () => native.hddmA({ twoSided: true, driftConfidence: 0.0001 })],
]

describe('river docstring streams: identical signals and statistics at every index', () => {
  const cases: [Pair, number[]][] = [...[...realPairs, wideKswin].map((p): [Pair, number[]] => [p, fixture.mean_shift.values]), ...binaryPairs.map((p): [Pair, number[]] => [p, fixture.bernoulli.values])]
  for (const [[name, makeTs, makeNative], values] of cases) {
    it(name, () => {
      const xs = Float64Array.from(values)
      const expected = tsSignals(makeTs(), xs)
      const d = makeNative()
      const got = tsSignals(d, xs)
      expect(firstDifference(got.signals, expected.signals)).toBe(-1)
      for (let i = 0; i < xs.length; i++) if (!Object.is(got.statistics[i], expected.statistics[i])) expect.fail(`statistic ${i}: native ${got.statistics[i]} vs ${expected.statistics[i]}`)
      // Not vacuous: the statistic moves (a down-mode detector on a rise only adapts, so no drift is asked).
      expect(new Set(expected.statistics).size).toBeGreaterThan(10)
      d.close()
    })
  }
  it('the docstring indices themselves (Page-Hinkley 1006, ADWIN 1023, DDM 1084/1334, EDDM 1059/1278, HDDM_A 451/1206)', () => {
    const at = (d: native.NativeChangeDetector, values: number[], byte: number) => native.SIGNALS[byte] && d.updateBatch(Float64Array.from(values)).indexOf(byte)
    expect(at(native.pageHinkley(), fixture.mean_shift.values, 2)).toBe(1006)
    expect(at(native.adwin(), fixture.mean_shift.values, 2)).toBe(1023)
    expect(at(native.ddm(), fixture.bernoulli.values, 1)).toBe(1084)
    expect(at(native.ddm(), fixture.bernoulli.values, 2)).toBe(1334)
    expect(at(native.eddm({ alpha: 0.8, beta: 0.75 }), fixture.bernoulli.values, 1)).toBe(1059)
    expect(at(native.eddm({ alpha: 0.8, beta: 0.75 }), fixture.bernoulli.values, 2)).toBe(1278)
    expect(at(native.hddmA(), fixture.bernoulli.values, 1)).toBe(451)
    expect(at(native.hddmA(), fixture.bernoulli.values, 2)).toBe(1206)
  })
})

describe('seeded streams of 10^6 values with changes: identical signals at identical indices', () => {
  const cases: [Pair, () => Float64Array][] = [
    ...realPairs.map((p, i): [Pair, () => Float64Array] => [p, () => realStream(100 + i)]),
    ...binaryPairs.map((p, i): [Pair, () => Float64Array] => [p, () => binaryStream(200 + i, 1_000_000, p[0].startsWith('ddm') || p[0].startsWith('hddmA'))]),
  ]
  for (const [[name, makeTs, makeNative], stream] of cases) {
    it(name, { timeout: 600_000 }, () => {
      const xs = stream()
      expect(xs.length).toBeGreaterThanOrEqual(1_000_000)
      const t = makeTs()
      const expected = tsSignals(t, xs)
      const d = makeNative()
      const got = d.updateBatch(xs)
      expect(firstDifference(got, expected.signals)).toBe(-1)
      // Not vacuous: the stream makes the detector alarm many times and carries invalid values.
      expect(count(expected.signals, 2)).toBeGreaterThan(5)
      expect(count(expected.signals, 3)).toBeGreaterThan(100)
      expect(Object.is(d.statistic, t.statistic)).toBe(true)
      expect(d.samples).toBe(t.samples)
      // One value per call agrees with the batch call (on a prefix, to keep the test short).
      const single = makeNative()
      const prefix = xs.subarray(0, 200_000)
      const bytes = new Uint8Array(prefix.length)
      for (let i = 0; i < prefix.length; i++) bytes[i] = BYTE[single.update(prefix[i]!)]
      expect(firstDifference(bytes, got.subarray(0, prefix.length))).toBe(-1)
      d.close()
      single.close()
    })
  }
})
