import { type ChangeType, createMemoryStore, type MetricStore, type RegressionSource } from '@entrenar/core'
import { createLineage, type Lineage } from '@entrenar/graph'
import { createMonitor } from '@entrenar/monitor'
import { iris } from '@entrenar/example-demo'

export { iris } from '@entrenar/example-demo'

/** Hyper-parameters of one model version. */
export interface Version {
  readonly id: string
  /** Share of the training rows used. */
  readonly dataShare: number
  /** L2 weight decay. */
  readonly weightDecay: number
  readonly epochs: number
  readonly parent?: { readonly id: string; readonly changeType: ChangeType; readonly description: string }
}

/** The three versions: a baseline, more data (better), then a hyper-parameter change (worse). */
export const VERSIONS: readonly Version[] = [
  { id: 'iris-v1', dataShare: 0.3, weightDecay: 0, epochs: 150 },
  { id: 'iris-v2', dataShare: 1, weightDecay: 0, epochs: 150, parent: { id: 'iris-v1', changeType: 'add_data', description: 'all 120 training rows instead of 36' } },
  { id: 'iris-v3', dataShare: 1, weightDecay: 0.5, epochs: 150, parent: { id: 'iris-v2', changeType: 'hyperparams', description: 'weight decay 0 → 0.5' } },
]

/** Trains softmax regression on Iris under a monitor; returns the validation accuracy and loss. */
export async function trainVersion(v: Version, store: MetricStore): Promise<{ accuracy: number; loss: number }> {
  const { x, y } = iris(11)
  const val = { x: x.slice(120), y: y.slice(120) }
  const n = Math.round(120 * v.dataShare)
  const tx = x.slice(0, n)
  const ty = y.slice(0, n)
  const W = new Float64Array(5 * 3) // 4 features + bias → 3 classes
  const monitor = await createMonitor({ runId: v.id, name: v.id, config: { data_share: v.dataShare, weight_decay: v.weightDecay, epochs: v.epochs, lr: 0.5 }, store })
  const probs = (row: readonly number[]) => {
    const z = [0, 1, 2].map((k) => W[4 * 3 + k]! + row.reduce((s, xi, i) => s + xi * W[i * 3 + k]!, 0))
    const m = Math.max(...z)
    const e = z.map((t) => Math.exp(t - m))
    const s = e.reduce((a, b) => a + b, 0)
    return e.map((t) => t / s)
  }
  const evaluate = (xs: readonly (readonly number[])[], ys: readonly number[]) => {
    let loss = 0
    let ok = 0
    xs.forEach((row, i) => {
      const p = probs(row)
      loss -= Math.log(Math.max(p[ys[i]!]!, 1e-300))
      if (p.indexOf(Math.max(...p)) === ys[i]) ok++
    })
    return { loss: loss / xs.length, accuracy: ok / xs.length }
  }
  for (let epoch = 0; epoch < v.epochs; epoch++) {
    const g = new Float64Array(W.length)
    tx.forEach((row, i) => {
      const p = probs(row)
      for (let k = 0; k < 3; k++) {
        const e = (p[k]! - (k === ty[i] ? 1 : 0)) / n
        row.forEach((xi, j) => {
          g[j * 3 + k] = g[j * 3 + k]! + e * xi
        })
        g[4 * 3 + k] = g[4 * 3 + k]! + e
      }
    })
    for (let j = 0; j < 4 * 3; j++) g[j] = g[j]! + v.weightDecay * W[j]!
    for (let j = 0; j < W.length; j++) W[j] = W[j]! - 0.5 * g[j]!
    const tr = evaluate(tx, ty)
    const va = evaluate(val.x, val.y)
    monitor.log({ loss: tr.loss, accuracy: tr.accuracy, val_loss: va.loss, val_accuracy: va.accuracy }, { step: epoch, epoch })
  }
  await monitor.close()
  return evaluate(val.x, val.y)
}

/** Trains the three versions, registers them in the lineage and asks where `accuracy` regressed. */
export async function buildLineage(options: { dir?: string } = {}): Promise<{ lineage: Lineage; results: Record<string, { accuracy: number; loss: number }>; source: RegressionSource | undefined }> {
  const store = createMemoryStore()
  const lineage = await createLineage(options.dir ? { dir: options.dir } : {})
  const results: Record<string, { accuracy: number; loss: number }> = {}
  for (const v of VERSIONS) {
    const r = await trainVersion(v, store)
    results[v.id] = r
    await lineage.register({
      model: { id: v.id, version: v.id.slice(-2), runId: v.id, metrics: { accuracy: r.accuracy, loss: r.loss }, createdAtMs: Date.now(), config: { data_share: v.dataShare, weight_decay: v.weightDecay, epochs: v.epochs } },
      ...(v.parent ? { parents: [v.parent] } : {}),
    })
  }
  const source = await lineage.regressionSource('iris-v3', { metric: 'accuracy', higherIsBetter: true })
  return { lineage, results, source }
}
