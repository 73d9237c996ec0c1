import { createSeriesBuffer, type SeriesBuffer } from '../series/buffer.js'
import { createSmoother, type SmoothOptions, type Smoother, smooth } from '../series/smooth.js'

interface Cached {
  readonly key: string
  generation: number
  buf: SeriesBuffer
  smoother: Smoother | undefined
  upTo: number
}

const cache = new WeakMap<SeriesBuffer, Map<string, Cached>>()

/**
 * The series smoothed with `options`, cached per raw buffer: causal kinds (EMA, running, time-EMA
 * with a window) extend incrementally as rows arrive; the others are recomputed when rows arrive.
 * Smoothing happens before bucketing, so a spike's raw extent is still shown through the markers.
 */
export function smoothedSeries(raw: SeriesBuffer, options: SmoothOptions): SeriesBuffer {
  const key = JSON.stringify([options.kind, options.weight, options.window, options.sigma])
  let byKey = cache.get(raw)
  if (!byKey) {
    byKey = new Map()
    cache.set(raw, byKey)
  }
  let c = byKey.get(key)
  if (!c) {
    c = { key, generation: raw.generation, buf: createSeriesBuffer(Math.max(16, raw.length)), smoother: createSmoother(options), upTo: 0 }
    byKey.set(key, c)
  }
  if (c.generation !== raw.generation) {
    // The raw buffer thinned itself: smooth the kept rows afresh, then continue incrementally.
    c.generation = raw.generation
    c.buf = createSeriesBuffer(Math.max(16, raw.length))
    c.smoother = createSmoother(options)
    c.upTo = 0
  }
  const n = raw.length
  if (c.upTo === n) return c.buf
  const x = raw.x
  const y = raw.y
  if (c.smoother) {
    for (let i = c.upTo; i < n; i++) c.buf.append(x[i]!, c.smoother.next(x[i]!, y[i]!))
  } else {
    const s = smooth(x, y, options)
    const buf = createSeriesBuffer(n)
    for (let i = 0; i < n; i++) buf.append(x[i]!, s[i]!)
    c.buf = buf
  }
  c.upTo = n
  return c.buf
}
