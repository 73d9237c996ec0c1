import type { Derivation, LineageGraph, MetricStore, ModelNode, RecordRow } from '@entrenar/core'
import { batchFromRows } from '@entrenar/core'
import { createLineage } from '@entrenar/graph'

/** Writes `n` points of `metric` for `run` from step `from`, values from `f(step)`. */
export async function writeSeries(store: MetricStore, run: string, metric: string, from: number, n: number, f: (step: number) => number): Promise<void> {
  const rows: Omit<RecordRow, 'runId'>[] = []
  for (let s = from; s < from + n; s++) rows.push({ metric, value: f(s), step: s, timestampUs: 1_700_000_000_000_000 + s * 1000, epoch: null, batch: null, tags: null })
  await store.write(batchFromRows(run, rows))
  await store.flush()
}

/** A real lineage graph (from @entrenar/graph, composed here in the test) holding `models` and `edges`. */
export async function lineageOf(models: readonly ModelNode[], edges: readonly Derivation[]): Promise<LineageGraph> {
  const graph = await createLineage()
  for (const m of models) await graph.addModel(m)
  for (const e of edges) await graph.derive(e)
  return graph
}
