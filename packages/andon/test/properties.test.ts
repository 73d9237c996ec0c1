import { createAndon, type RuleSet } from '@entrenar/andon'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

const OFF: RuleSet = { nonFinite: false, divergence: false, accuracyDrop: false, plateau: false, stall: false, gradientExplosion: false, vanishingGradients: false, drift: false }

describe('property: Prometheus-style `for`', () => {
  it('fires exactly when a run of holding evaluations reaches N, once per run', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.boolean(), { maxLength: 120 }), (n, conds) => {
        const a = createAndon({ timers: false, throttleMs: 0, rules: { ...OFF, threshold: [{ name: 't', metrics: ['m'], above: 1, for: n }] } })
        const got: number[] = []
        conds.forEach((c, i) => {
          if (a.observeValue('m', c ? 2 : 0, i) !== 'continue') got.push(i)
        })
        // Independent model: count the current run of trues.
        const want: number[] = []
        let run = 0
        conds.forEach((c, i) => {
          run = c ? run + 1 : 0
          if (run === n) want.push(i)
        })
        expect(got).toEqual(want)
        expect(a.history().map((x) => x.step)).toEqual(want)
      }),
      { numRuns: 300 },
    )
  })
})

describe('property: keep_firing_for', () => {
  it('an episode outlives its condition by K evaluations: a flapping condition raises one incident', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 5 }), fc.array(fc.boolean(), { maxLength: 120 }), (n, k, conds) => {
        const a = createAndon({ timers: false, throttleMs: 0, rules: { ...OFF, threshold: [{ name: 't', metrics: ['m'], above: 1, for: n, keepFiringFor: k }] } })
        conds.forEach((c, i) => {
          a.observeValue('m', c ? 2 : 0, i)
        })
        // Independent model of Prometheus for + keep_firing_for over evaluations.
        const want: number[] = []
        let run = 0
        let firing = false
        let cool = 0
        conds.forEach((c, i) => {
          if (c) {
            run++
            cool = 0
            if (run >= n && !firing) {
              firing = true
              want.push(i)
            }
          } else {
            run = 0
            if (firing && cool < k) cool++
            else {
              firing = false
              cool = 0
            }
          }
        })
        expect(a.history().map((x) => x.step)).toEqual(want)
      }),
      { numRuns: 300 },
    )
  })
})

describe('property: throttling', () => {
  const episodeStarts = (conds: readonly boolean[]) => conds.flatMap((c, i) => (c && (i === 0 || !conds[i - 1]) ? [i] : []))

  it('incidents of one key are at least throttleMs apart and each starts an episode', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 2000 })), { maxLength: 150 }), (throttleMs, seq) => {
        let now = 0
        const a = createAndon({ timers: false, now: () => now, throttleMs, rules: { ...OFF, threshold: [{ name: 't', metrics: ['m'], above: 1 }] } })
        const at: number[] = []
        seq.forEach(([c, dt], i) => {
          now += dt
          if (a.observeValue('m', c ? 2 : 0, i) !== 'continue') at.push(now)
        })
        for (let k = 1; k < at.length; k++) expect(at[k]! - at[k - 1]!).toBeGreaterThanOrEqual(throttleMs)
        const starts = new Set(episodeStarts(seq.map(([c]) => c)))
        for (const inc of a.history()) expect(starts.has(inc.step!)).toBe(true)
        const s = a.stats()
        expect(s.incidents + s.throttled).toBe(starts.size)
      }),
      { numRuns: 300 },
    )
  })

  it('step throttling matches an independent model', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.boolean(), { maxLength: 150 }), (throttleSteps, conds) => {
        const a = createAndon({ timers: false, throttleMs: 0, rules: { ...OFF, threshold: [{ name: 't', metrics: ['m'], above: 1, throttleSteps }] } })
        conds.forEach((c, i) => {
          a.observeValue('m', c ? 2 : 0, i)
        })
        const want: number[] = []
        let last = Number.NEGATIVE_INFINITY
        for (const s of episodeStarts(conds)) {
          if (s - last >= throttleSteps) {
            want.push(s)
            last = s
          }
        }
        expect(a.history().map((x) => x.step)).toEqual(want)
      }),
      { numRuns: 300 },
    )
  })
})

describe('property: decisions', () => {
  const rank = { continue: 0, warn: 1, act: 2, pause: 3, stop: 4 } as const

  it('the decision of a value is the strongest decision recorded by it, and the signal aborts iff a stop was recorded', () => {
    const value = fc.oneof(fc.double({ noDefaultInfinity: false }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 0, 1e-9))
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('loss', 'accuracy', 'grad_norm', 'lr'), value), { maxLength: 200 }), (rows) => {
        const a = createAndon({ timers: false, throttleMs: 0, onLearningRate: () => {} })
        rows.forEach(([m, v], i) => {
          const before = a.history().length
          const d = a.observeValue(m, v, i)
          const fresh = a.history().slice(before)
          expect(rank[d]).toBe(Math.max(0, ...fresh.map((x) => rank[x.decision])))
        })
        expect(a.signal.aborted).toBe(a.history().some((x) => x.decision === 'stop'))
      }),
      { numRuns: 150 },
    )
  })

  it('a finite, non-increasing loss and a steady gradient norm never raise an incident under the default rules', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 0.05, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.double({ min: 0.1, max: 10, noNaN: true }), (drops, g) => {
        const a = createAndon({ timers: false })
        let loss = 10
        drops.forEach((d, i) => {
          loss *= 1 - d
          a.observeValue('loss', loss, i)
          a.observeValue('grad_norm', g, i)
        })
        expect(a.history()).toEqual([])
      }),
      { numRuns: 100 },
    )
  })
})
