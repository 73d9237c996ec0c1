import type { Derivation, LineageGraph, MetricDelta, MetricStore, ModelNode, RecordRow } from '@entrenar/core'
import { batchFromRows, EntrenarError, ErrorCodes } from '@entrenar/core'

/** Writes `n` points of `metric` for `run` from step `from`, values from `f(step)`. */
export async function writeSeries(store: MetricStore, run: string, metric: string, from: number, n: number, f: (step: number) => number): Promise<void> {
  const rows: Omit<RecordRow, 'runId'>[] = []
  for (let s = from; s < from + n; s++) rows.push({ metric, value: f(s), step: s, timestampUs: 1_700_000_000_000_000 + s * 1000, epoch: null, batch: null, tags: null })
  await store.write(batchFromRows(run, rows))
  await store.flush()
}

/** A small in-memory LineageGraph for the lineage view (the real one lives in @entrenar/graph). */
export function fakeLineage(models: readonly ModelNode[], edges: readonly Derivation[]): LineageGraph {
  const byId = new Map(models.map((m) => [m.id, m]))
  const need = (id: string): ModelNode => {
    const m = byId.get(id)
    if (!m) throw new EntrenarError(ErrorCodes.NOT_FOUND, `test lineage: no model ${id}`)
    return m
  }
  const walk = (id: string, next: (id: string) => string[], depth = Number.POSITIVE_INFINITY): string[] => {
    const out: string[] = []
    let frontier = [id]
    const seen = new Set([id])
    for (let d = 0; d < depth && frontier.length > 0; d++) {
      const nf: string[] = []
      for (const f of frontier) for (const n of next(f)) if (!seen.has(n)) (seen.add(n), out.push(n), nf.push(n))
      frontier = nf
    }
    return out
  }
  const parents = (id: string) => edges.filter((e) => e.child === id).map((e) => e.parent)
  const children = (id: string) => edges.filter((e) => e.parent === id).map((e) => e.child)
  return {
    addModel: async () => {},
    derive: async () => {},
    getModel: async (id) => byId.get(id),
    parents: async (id) => (need(id), parents(id)),
    children: async (id) => (need(id), children(id)),
    ancestors: async (id, o) => walk(id, parents, o?.depth),
    descendants: async (id, o) => walk(id, children, o?.depth),
    compare: async (a, b): Promise<MetricDelta[]> =>
      Object.keys(need(a).metrics).map((metric) => {
        const x = need(a).metrics[metric]!
        const y = need(b).metrics[metric] ?? Number.NaN
        return { metric, a: x, b: y, delta: y - x, relative: x === 0 ? Number.NaN : (y - x) / Math.abs(x) }
      }),
    regressionSource: async () => undefined,
    export: async (format) => (format === 'mermaid' ? `graph LR\n${edges.map((e) => `  ${e.parent} --> ${e.child}`).join('\n')}\n` : `digraph { ${edges.map((e) => `"${e.parent}" -> "${e.child}"`).join('; ')} }`),
  }
}
