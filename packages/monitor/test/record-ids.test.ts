import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DDSketch, MetricsCollector } from '@entrenar/monitor/collector'
import { DDSketch as Reference } from './fixtures/ddsketch-reference.js'

// Values the batched path must treat exactly as the per-value one: NaN, ±Inf, ±0, subnormals, values at
// and around the zero threshold (1e-300), huge and tiny magnitudes, powers of two (bucket edges).
const special = fc.constantFrom(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0,
  -0,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  1e-300,
  -1e-300,
  1e-300 * (1 + Number.EPSILON),
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  1,
  -1,
  0.5,
  2 ** 40,
  -(2 ** -40),
)
const value = fc.oneof(special, fc.double(), fc.double({ min: -1e6, max: 1e6, noNaN: true }))

describe('MetricsCollector.recordIds (the monitor path) against recordId value by value', () => {
  it('gives every metric the same statistics, quantiles and non-finite count', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), value), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 8 }), (rows, width) => {
        const one = new MetricsCollector()
        const batched = new MetricsCollector()
        for (let m = 0; m < 6; m++) {
          one.metricId(`m${m}`)
          batched.metricId(`m${m}`)
        }
        let nonFinite = 0
        for (const [id, x] of rows) {
          one.recordId(id, x)
          if (x - x !== 0) nonFinite++
        }
        let counted = 0
        for (let i = 0; i < rows.length; i += width) {
          const part = rows.slice(i, i + width)
          counted += batched.recordIds(Int32Array.from(part.map((r) => r[0])), Float64Array.from(part.map((r) => r[1])), part.length)
        }
        expect(counted).toBe(nonFinite)
        expect(batched.summary()).toEqual(one.summary())
      }),
      { numRuns: 300 },
    )
  })

  it('fails when a value is left out of a sketch (the comparison can fail)', () => {
    const one = new MetricsCollector()
    const other = new MetricsCollector()
    one.recordIds(Int32Array.of(one.metricId('a'), one.metricId('a')), Float64Array.of(1, 100), 2)
    other.recordIds(Int32Array.of(other.metricId('a')), Float64Array.of(1), 1)
    other.recordId(other.metricId('a'), 100)
    expect(other.summary()).toEqual(one.summary())
    other.recordIds(Int32Array.of(0), Float64Array.of(3), 1)
    expect(other.summary()).not.toEqual(one.summary())
  })
})

describe('DDSketch.addWords (the key read from the bits) against the reference sketch', () => {
  it('answers every quantile exactly as the reference on any stream of finite values, signs, zeros and subnormals included, int32 and wide keys', () => {
    const finite = fc.oneof(
      special.filter((x) => Number.isFinite(x)),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
    )
    const QS = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1]
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 400 }), fc.constantFrom(16, 2048), fc.constantFrom(0.01, 0.05, 1e-7), (xs, maxBins, relativeAccuracy) => {
        // α = 1e-7: keys beyond an int32, the sketch's wide path.
        const a = new DDSketch({ maxBins, relativeAccuracy })
        const b = new Reference({ maxBins, relativeAccuracy })
        const bits = new Float64Array(1)
        const words = new Uint32Array(bits.buffer)
        const hi = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0
        for (const x of xs) {
          bits[0] = x
          a.addWords(x, words[hi]!, words[1 - hi]!)
          b.add(x)
        }
        expect(a.count).toBe(b.count)
        for (const q of QS) expect(a.quantile(q)).toBe(b.quantile(q))
      }),
      { numRuns: 300 },
    )
  })
})
