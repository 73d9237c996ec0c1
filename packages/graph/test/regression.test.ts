import fc from 'fast-check'
import { CHANGE_TYPES } from '@entrenar/core'
import { createLineage, type Lineage } from '@entrenar/graph'
import { describe, expect, it } from 'vitest'

const better = (x: number, y: number, hib: boolean) => (Number.isNaN(x) ? false : Number.isNaN(y) ? true : hib ? x > y : x < y)

/**
 * Reference on a chain, written from the documented rule: the baseline is the best value on the
 * path (oldest on ties); the source is the first drop after the path last stood at that value.
 */
function chainReference(values: (number | undefined)[], at: number, hib: boolean): { model: number; parent: number } | undefined {
  const x = values[at]
  if (x === undefined) return undefined
  let peak: number | undefined
  let dropAt: number | undefined
  let last: number | undefined
  for (let i = 0; i <= at; i++) {
    const v = values[i]
    if (v === undefined) continue
    if (peak === undefined || better(v, peak, hib)) {
      peak = v
      dropAt = undefined
    } else if (!better(peak, v, hib)) dropAt = undefined
    else if (dropAt === undefined && last !== undefined) dropAt = i
    last = v
  }
  if (dropAt === undefined || !better(peak!, x, hib)) return undefined
  return { model: dropAt, parent: dropAt - 1 }
}

const value = fc.oneof(fc.constant(undefined), fc.constant(Number.NaN), fc.integer({ min: 0, max: 4 }).map((x) => x / 4))

describe('regressionSource', () => {
  it('matches the documented rule on chains, for both directions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(value, { minLength: 1, maxLength: 30 }), fc.boolean(), async (values, hib) => {
        const g = await createLineage()
        for (let i = 0; i < values.length; i++) {
          await g.addModel({ id: `m${i}`, metrics: values[i] === undefined ? {} : { acc: values[i]! }, createdAtMs: i })
          if (i > 0) await g.derive({ parent: `m${i - 1}`, child: `m${i}`, changeType: 'retrain' })
        }
        for (let at = 0; at < values.length; at++) {
          const got = await g.regressionSource(`m${at}`, { metric: 'acc', higherIsBetter: hib })
          const want = chainReference(values, at, hib)
          expect(got ? { model: got.model, parent: got.parent } : undefined).toEqual(want ? { model: `m${want.model}`, parent: `m${want.parent}` } : undefined)
        }
      }),
      { numRuns: 60, seed: 101 },
    )
  })

  it('answers the same on random DAGs whether built incrementally with queries in between, replaced, or fresh', async () => {
    const dag = fc.array(fc.tuple(value, fc.array(fc.nat(), { maxLength: 3 }), fc.nat()), { minLength: 1, maxLength: 40 })
    await fc.assert(
      fc.asyncProperty(dag, fc.array(fc.tuple(fc.nat(), value), { maxLength: 8 }), async (nodes, updates) => {
        const edges: [number, number][] = []
        nodes.forEach(([, ps], i) => {
          for (const p of new Set(ps.map((x) => (i === 0 ? -1 : x % i)))) if (p >= 0) edges.push([p, i])
        })
        const finalValue = nodes.map(([v]) => v)
        for (const [k, v] of updates) finalValue[k % nodes.length] = v
        const add = (g: Lineage, i: number, v: number | undefined) => g.addModel({ id: `m${i}`, metrics: v === undefined ? {} : { acc: v }, createdAtMs: i })
        const inc = await createLineage()
        for (let i = 0; i < nodes.length; i++) {
          await add(inc, i, nodes[i]![0])
          // Queried before and between its parent edges arrive: each edge must invalidate the memo.
          await inc.regressionSource(`m${i}`, { metric: 'acc', higherIsBetter: true })
          for (const [p, c] of edges) if (c === i) await inc.regressionSource(`m${i}`, { metric: 'acc', higherIsBetter: true }).then(() => inc.derive({ parent: `m${p}`, child: `m${c}`, changeType: CHANGE_TYPES[(p + c) % 6]! }))
          await inc.regressionSource(`m${i}`, { metric: 'acc', higherIsBetter: true })
          await inc.regressionSource(`m${nodes[i]![2] % (i + 1)}`, { metric: 'acc', higherIsBetter: true })
        }
        for (const [k, v] of updates) {
          await inc.regressionSource(`m${k % nodes.length}`, { metric: 'acc', higherIsBetter: true })
          await add(inc, k % nodes.length, v)
          await inc.regressionSource(`m${nodes.length - 1}`, { metric: 'acc', higherIsBetter: true })
        }
        const fresh = await createLineage()
        for (let i = 0; i < nodes.length; i++) await add(fresh, i, finalValue[i])
        for (const [p, c] of edges) await fresh.derive({ parent: `m${p}`, child: `m${c}`, changeType: CHANGE_TYPES[(p + c) % 6]! })
        for (let i = 0; i < nodes.length; i++) {
          const a = await inc.regressionSource(`m${i}`, { metric: 'acc', higherIsBetter: true })
          const b = await fresh.regressionSource(`m${i}`, { metric: 'acc', higherIsBetter: true })
          expect(a).toEqual(b)
          if (b) {
            // The source lies in the ancestry, the value is worse than the baseline, the drop is real.
            const anc = await fresh.ancestors(`m${i}`)
            expect(anc).toContain(b.baseline)
            expect(b.model === `m${i}` || anc.includes(b.model)).toBe(true)
            expect(better(b.baselineValue, b.value, true)).toBe(true)
            expect(better(b.before, b.after, true)).toBe(true)
            expect(await fresh.parents(b.model)).toContain(b.parent)
          }
        }
      }),
      { numRuns: 60, seed: 202 },
    )
  })
})
