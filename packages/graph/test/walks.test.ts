import { createLineage, memoryStorage } from '@entrenar/graph'
import { describe, expect, it } from 'vitest'

/** Naive breadth-first walk over plain adjacency lists: the reference for the CSR + overlay walks. */
function naive(adj: number[][], start: number, depth: number): number[] {
  const seen = new Set([start])
  let frontier = [start]
  const out: number[] = []
  for (let level = 0; level < depth && frontier.length > 0; level++) {
    const next: number[] = []
    for (const v of frontier) for (const w of adj[v]!) {
        if (seen.has(w)) continue
        seen.add(w)
        next.push(w)
        out.push(w)
      }
    frontier = next
  }
  return out
}

describe('walks over CSR arrays and the overlay of recent edges', () => {
  it('agree with a naive walk across overlay rebuilds (10k models, ~20k edges) and after a reload', async () => {
    const n = 10_000
    let seed = 3
    const rand = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0
      return seed / 2 ** 32
    }
    const storage = memoryStorage()
    const g = await createLineage({ storage })
    const up: number[][] = Array.from({ length: n }, () => [])
    const down: number[][] = Array.from({ length: n }, () => [])
    for (let i = 0; i < n; i++) await g.addModel({ id: `m${i}`, metrics: { acc: rand() }, createdAtMs: i })
    // Edges arrive in a shuffled order (not by child), so the overlay holds edges of old nodes too.
    const edges: [number, number][] = []
    for (let c = 1; c < n; c++) {
      const k = 1 + Math.floor(rand() * 3)
      for (const p of new Set(Array.from({ length: k }, () => Math.floor(rand() * c)))) edges.push([p, c])
    }
    for (let i = edges.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1))
      ;[edges[i], edges[j]] = [edges[j]!, edges[i]!]
    }
    for (const [p, c] of edges) {
      await g.derive({ parent: `m${p}`, child: `m${c}`, changeType: 'merge' })
      up[c]!.push(p)
      down[p]!.push(c)
    }
    const h = await createLineage({ storage })
    expect(h.stats().models).toBe(0) // nothing flushed yet
    await g.flush()
    const loaded = await createLineage({ storage })
    for (const graph of [g, loaded]) {
      for (const v of [n - 1, n / 2, 17]) {
        expect(await graph.ancestors(`m${v}`)).toEqual(naive(up, v, Number.POSITIVE_INFINITY).map((x) => `m${x}`))
        expect(await graph.ancestors(`m${v}`, { depth: 2 })).toEqual(naive(up, v, 2).map((x) => `m${x}`))
        expect(await graph.descendants(`m${v}`, { depth: 3 })).toEqual(naive(down, v, 3).map((x) => `m${x}`))
        expect(await graph.parents(`m${v}`)).toEqual(up[v]!.map((x) => `m${x}`))
        expect(await graph.children(`m${v}`)).toEqual(down[v]!.map((x) => `m${x}`))
      }
    }
    // Every model has a parent older than itself, so m0 is the only root and reaches everything.
    expect((await loaded.descendants('m0')).length).toBe(n - 1)
    await expect(g.derive({ parent: `m${n - 1}`, child: 'm0', changeType: 'retrain' })).rejects.toMatchObject({ code: 'ENTRENAR_LINEAGE_CYCLE' })
  })

  it('a 50k-model chain: lineage, ancestors and the regression source at the tail', async () => {
    const g = await createLineage()
    const n = 50_000
    for (let i = 0; i < n; i++) await g.addModel({ id: `c${i}`, metrics: { acc: i === 500 ? 0.99 : i === 501 ? 0.5 : 0.6 }, createdAtMs: i })
    for (let i = 1; i < n; i++) await g.derive({ parent: `c${i - 1}`, child: `c${i}`, changeType: i === 501 ? 'architecture' : 'retrain' })
    const chain = await g.lineage(`c${n - 1}`)
    expect(chain.length).toBe(n)
    expect(chain[0]).toBe('c0')
    expect((await g.ancestors(`c${n - 1}`)).length).toBe(n - 1)
    const r = await g.regressionSource(`c${n - 1}`, { metric: 'acc', higherIsBetter: true })
    expect(r).toMatchObject({ model: 'c501', parent: 'c500', baseline: 'c500', before: 0.99, after: 0.5, value: 0.6 })
    expect(r?.derivation.changeType).toBe('architecture')
  })
})
