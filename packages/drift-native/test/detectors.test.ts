import { isEntrenarError } from '@entrenar/core'
import * as ts from '@entrenar/drift'
import { adwin, ddm, eddm, hddmA, kswin, pageHinkley, SIGNALS } from '@entrenar/drift-native'
import { describe, expect, it } from 'vitest'

function message(f: () => unknown): { code: string; message: string } {
  try {
    f()
  } catch (e) {
    if (!isEntrenarError(e)) throw e
    return { code: e.code, message: e.message }
  }
  throw new Error('expected an error')
}

describe('options', () => {
  // The Rust side validates ranges with @entrenar/drift's own messages.
  const bad: [string, () => unknown, () => unknown][] = [
    ['pageHinkley threshold 0', () => pageHinkley({ threshold: 0 }), () => ts.pageHinkley({ threshold: 0 })],
    ['pageHinkley minInstances 1.5', () => pageHinkley({ minInstances: 1.5 }), () => ts.pageHinkley({ minInstances: 1.5 })],
    ['pageHinkley mode sideways', () => pageHinkley({ mode: 'sideways' as 'up' }), () => ts.pageHinkley({ mode: 'sideways' as 'up' })],
    ['adwin delta NaN', () => adwin({ delta: Number.NaN }), () => ts.adwin({ delta: Number.NaN })],
    ['adwin clock Infinity', () => adwin({ clock: Number.POSITIVE_INFINITY }), () => ts.adwin({ clock: Number.POSITIVE_INFINITY })],
    ['adwin maxBuckets 1', () => adwin({ maxBuckets: 1 }), () => ts.adwin({ maxBuckets: 1 })],
    ['kswin statSize above half', () => kswin({ windowSize: 10, statSize: 6 }), () => ts.kswin({ windowSize: 10, statSize: 6 })],
    ['kswin seed 2^32', () => kswin({ seed: 2 ** 32 }), () => ts.kswin({ seed: 2 ** 32 })],
    ['ddm drift below warning', () => ddm({ warningThreshold: 3, driftThreshold: 2 }), () => ts.ddm({ warningThreshold: 3, driftThreshold: 2 })],
    ['eddm alpha below beta', () => eddm({ alpha: 0.5, beta: 0.8 }), () => ts.eddm({ alpha: 0.5, beta: 0.8 })],
    ['eddm beta 0', () => eddm({ beta: 0 }), () => ts.eddm({ beta: 0 })],
    ['hddmA warning below drift', () => hddmA({ driftConfidence: 0.01, warningConfidence: 0.001 }), () => ts.hddmA({ driftConfidence: 0.01, warningConfidence: 0.001 })],
  ]
  for (const [name, native, reference] of bad) {
    it(`${name}: same code and message as @entrenar/drift`, () => {
      const got = message(native)
      expect(got.code).toBe('ENTRENAR_INVALID_CONFIG')
      expect(got).toEqual(message(reference))
    })
  }

  it('unknown keys, wrong types and non-objects are refused', () => {
    expect(message(() => adwin({ delta: 0.01, deltaa: 1 } as never)).message).toBe(
      'entrenar/drift: unknown option "deltaa" for adwin; known: delta, clock, maxBuckets, minWindowLength, gracePeriod, mode, libraryPath',
    )
    expect(message(() => ddm({ warmStart: '30' as unknown as number })).message).toBe('entrenar/drift: warmStart must be a number, got string 30')
    expect(message(() => hddmA({ twoSided: 1 as unknown as boolean })).message).toBe('entrenar/drift: twoSided must be a boolean, got 1')
    expect(message(() => eddm(42 as never)).message).toBe('entrenar/drift: eddm options must be an object, got number')
    expect(message(() => kswin({ libraryPath: 7 as unknown as string })).message).toBe('entrenar/drift: libraryPath must be a string, got number')
    // Inherited properties are not options.
    const proto = Object.create({ threshold: 0 }) as { threshold?: number }
    expect(pageHinkley(proto).name).toBe('page_hinkley')
  })

  it('defaults are river’s, as the TypeScript factories’', () => {
    const xs = Float64Array.from({ length: 3000 }, (_, i) => (i < 1500 ? i % 2 : 3 + (i % 3)))
    for (const [n, t] of [
      [pageHinkley(), ts.pageHinkley()],
      [adwin(), ts.adwin()],
      [kswin(), ts.kswin()],
    ] as const) {
      const signals = n.updateBatch(xs)
      const expected = Array.from(xs, (x) => t.update(x))
      expect(Array.from(signals, (b) => SIGNALS[b])).toEqual(expected)
    }
  })
})

describe('the detector objects', () => {
  it('expose the same extra getters as @entrenar/drift', () => {
    const xs = Array.from({ length: 2000 }, (_, i) => (i < 1000 ? i % 2 : 4 + (i % 4)))
    const n = pageHinkley()
    const t = ts.pageHinkley()
    const a = adwin()
    const ta = ts.adwin()
    const k = kswin({ seed: 9 })
    const tk = ts.kswin({ seed: 9 })
    const d = ddm()
    const td = ts.ddm()
    for (const x of xs) {
      n.update(x)
      t.update(x)
      a.update(x)
      ta.update(x)
      k.update(x)
      tk.update(x)
      d.update(x % 2)
      td.update(x % 2)
    }
    expect([n.direction, n.mean, n.samples, n.statistic]).toEqual([t.direction, t.mean, t.samples, t.statistic])
    expect([a.width, a.mean, a.variance]).toEqual([ta.width, ta.mean, ta.variance])
    // @entrenar/drift's ksTest computes exact tails by Viehmann's recursion; the Rust port keeps 1 − CDF,
    // which agrees to the last bits where KSWIN decides (signals are compared exactly in differential.test.ts).
    expect(Math.abs(k.pValue - tk.pValue)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(tk.pValue)))
    expect(d.errorRate).toBe(td.errorRate)
    expect(n.severity).toBeUndefined()
  })

  it('close() frees the handle; later use is ENTRENAR_CLOSED, a second close is harmless', () => {
    const d = adwin()
    d.update(1)
    d.close()
    d.close()
    for (const use of [() => d.update(1), () => d.updateBatch(new Float64Array(3)), () => d.reset(), () => d.statistic, () => d.samples, () => d.width]) {
      expect(message(use).code).toBe('ENTRENAR_CLOSED')
    }
  })

  it('updateBatch reads a subarray view from its own offset, not from the start of the buffer', () => {
    const buffer = Float64Array.from({ length: 3000 }, (_, i) => (i < 1000 ? 100 : i < 2000 ? i % 2 : 4 + (i % 4)))
    const view = buffer.subarray(1000)
    const a = pageHinkley()
    const b = pageHinkley()
    expect(Array.from(a.updateBatch(view))).toEqual(Array.from(b.updateBatch(Float64Array.from(view))))
    expect(a.mean).toBe(b.mean)
  })

  it('mode strings are matched as own keys only', () => {
    for (const mode of ['__proto__', 'constructor', 'toString', 'UP', '']) {
      expect(message(() => adwin({ mode: mode as 'up' })).message).toBe(`entrenar/drift: mode must be up, down or both, got ${mode}`)
    }
  })

  it('updateBatch takes an empty batch and non-Float64Array input', () => {
    const d = ddm()
    expect(d.updateBatch(new Float64Array(0))).toEqual(new Uint8Array(0))
    expect(Array.from(d.updateBatch([0, 1, Number.NaN, 2] as unknown as Float64Array))).toEqual([0, 0, 3, 3])
    expect(d.samples).toBe(2)
  })
})
