import { describe, expect, it } from 'vitest'
import { DDSketch } from '@entrenar/monitor/collector'
import { DDSketch as Reference } from './fixtures/ddsketch-reference.js'

const QS = Array.from({ length: 101 }, (_, i) => i / 100).concat([0.001, 0.999, 0.9999])

function rng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0
    return seed / 2 ** 32
  }
}

/** Streams that keep inside the window, move it both ways, and collapse it again and again. */
function streams(maxBins: number): [string, number[]][] {
  const u = rng(11)
  const n = 20_000
  const span = maxBins / 37.5 // octaves the window spans at α = 1%
  return [
    ['rising within the span (the window moves without collapsing)', Array.from({ length: n }, (_, i) => 2 ** ((0.8 * span * i) / n) * (1 + u() / 100))],
    ['falling within the span', Array.from({ length: n }, (_, i) => 2 ** ((-0.8 * span * i) / n) * (1 + u() / 100))],
    ['log-uniform over 6 decades', Array.from({ length: n }, () => Math.exp((u() - 0.5) * 14))],
    ['both signs and zeros', Array.from({ length: n }, () => (u() < 0.1 ? 0 : (u() < 0.5 ? -1 : 1) * Math.exp((u() - 0.5) * 20)))],
    ['drifting down 40 decades (collapses)', Array.from({ length: n }, (_, i) => 10 ** (20 - (40 * i) / n) * (1 + u()))],
    ['drifting up 40 decades', Array.from({ length: n }, (_, i) => 10 ** (-20 + (40 * i) / n) * (1 + u()))],
    ['tiny and huge alternating (below a collapsed window)', Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1e-200 * (1 + u()) : 1e200 * (1 + u())))],
    ['a spike then small values', Array.from({ length: n }, (_, i) => (i === 50 ? 1e250 : 1e-3 * (1 + u())))],
  ]
}

describe('DDSketch against the reference implementation', () => {
  for (const maxBins of [8, 64, 2048]) {
    it(`answers every quantile exactly as the reference, merged or not (maxBins ${maxBins})`, () => {
      for (const [name, xs] of streams(maxBins)) {
        const a = new DDSketch({ maxBins })
        const b = new Reference({ maxBins })
        const merged = new DDSketch({ maxBins })
        const half = new DDSketch({ maxBins })
        const refMerged = new Reference({ maxBins })
        const refHalf = new Reference({ maxBins })
        xs.forEach((x, i) => {
          a.add(x)
          b.add(x)
          ;(i % 2 === 0 ? merged : half).add(x)
          ;(i % 2 === 0 ? refMerged : refHalf).add(x)
        })
        merged.merge(half)
        refMerged.merge(refHalf)
        expect(a.count, name).toBe(b.count)
        expect(a.collapsed, name).toBe(b.collapsed)
        for (const q of QS) {
          const x = a.quantile(q)
          const y = b.quantile(q)
          expect(x, `${name} q=${q}`).toBe(y)
        }
        expect(merged.count, name).toBe(a.count)
        expect(merged.collapsed, name).toBe(refMerged.collapsed)
        for (const q of QS) expect(merged.quantile(q), `${name} merged q=${q}`).toBe(refMerged.quantile(q))
      }
    })
  }
})
