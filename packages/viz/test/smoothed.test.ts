import { describe, expect, it } from 'vitest'
import { smoothedSeries } from '../src/model/smoothed.js'
import { createSeriesBuffer } from '../src/series/buffer.js'
import { createSmoother, type SmoothOptions, smooth } from '../src/series/smooth.js'

/** Deterministic uniform noise in [0, 1) (LCG of Numerical Recipes). */
function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** A noisy decaying loss at irregular steps, with NaN and ±Inf rows. */
function series(n: number, seed: number): { x: Float64Array; y: Float64Array } {
  const rand = lcg(seed)
  const x = new Float64Array(n)
  const y = new Float64Array(n)
  let step = 0
  for (let i = 0; i < n; i++) {
    step += 1 + Math.floor(4 * rand())
    x[i] = step
    y[i] = 2 * Math.exp(-i / (n / 4)) + 0.2 * rand()
  }
  y[Math.floor(n / 3)] = Number.NaN
  y[Math.floor(n / 2)] = Number.POSITIVE_INFINITY
  y[Math.floor((2 * n) / 3)] = Number.NEGATIVE_INFINITY
  return { x, y }
}

/** Element-wise equality: non-finite values identical, finite ones within 1e-9 of the data's scale (~2). */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length)
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!
    const w = want[i]!
    if (Number.isFinite(w)) expect(Math.abs(g - w), `row ${i}`).toBeLessThanOrEqual(1e-9)
    else expect(Object.is(g, w), `row ${i}: ${g} vs ${w}`).toBe(true)
  }
}

const CAUSAL: SmoothOptions[] = [
  { kind: 'ema', weight: 0.9 },
  { kind: 'ema', weight: 0 },
  { kind: 'running', window: 7 },
  { kind: 'time-ema', weight: 0.6, window: 5 },
]

describe('streaming smoothers (createSmoother)', () => {
  it('give what smooth() gives over the whole series, NaN and ±Inf passed through', () => {
    const { x, y } = series(2000, 5)
    for (const o of CAUSAL) {
      const s = createSmoother(o)!
      const streamed = Array.from(y, (v, i) => s.next(x[i]!, v))
      expectClose(streamed, smooth(x, y, o))
    }
  })

  it('exist only for the causal kinds', () => {
    expect(createSmoother({ kind: 'gaussian', sigma: 2 })).toBeUndefined()
    expect(createSmoother({ kind: 'time-ema', weight: 0.6 })).toBeUndefined() // its unit depends on the whole x range
    expect(() => createSmoother({ kind: 'running', window: 0 })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })
})

describe('smoothedSeries (cached per raw buffer)', () => {
  it('extends as rows arrive and always equals smooth() over the rows held, for every kind', () => {
    const { x, y } = series(1500, 9)
    for (const o of [...CAUSAL, { kind: 'gaussian', sigma: 3 } as const, { kind: 'time-ema', weight: 0.6 } as const]) {
      const raw = createSeriesBuffer()
      let at = 0
      for (const chunk of [1, 10, 300, 1189]) {
        for (let i = at; i < at + chunk; i++) raw.append(x[i]!, y[i]!)
        at += chunk
        const got = smoothedSeries(raw, o)
        expect(got.length).toBe(at)
        expectClose(got.y, smooth(x.subarray(0, at), y.subarray(0, at), o))
        expect(Array.from(got.x)).toEqual(Array.from(x.subarray(0, at)))
      }
      expect(smoothedSeries(raw, o)).toBe(smoothedSeries(raw, o)) // nothing new: the cached buffer
    }
  })

  it('starts afresh when the raw buffer thins itself, then matches smooth() over the rows it kept', () => {
    const { x, y } = series(3000, 13)
    const raw = createSeriesBuffer({ maxPoints: 1024 })
    const o: SmoothOptions = { kind: 'ema', weight: 0.8 }
    for (let i = 0; i < 500; i++) raw.append(x[i]!, y[i]!)
    smoothedSeries(raw, o)
    const generation = raw.generation
    for (let i = 500; i < 3000; i++) raw.append(x[i]!, y[i]!)
    expect(raw.generation).toBeGreaterThan(generation)
    const got = smoothedSeries(raw, o)
    expect(got.length).toBe(raw.length)
    expectClose(got.y, smooth(raw.x.slice(), raw.y.slice(), o))
  })
})
