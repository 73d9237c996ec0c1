import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createAndon, incidentsPath } from '@entrenar/andon'
import type { Incident } from '@entrenar/core'
import { openStore } from '@entrenar/db'
import { analyzeRun, createMonitor, type HanseiReport, renderHanseiMarkdown } from '@entrenar/monitor'

/** mulberry32: seeded PRNG. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Options of {@link runDivergence}. */
export interface DivergenceOptions {
  /** Store directory (Parquet metrics, `andon/incidents.jsonl`, `reports/`). */
  readonly dir: string
  readonly runId?: string
  readonly maxSteps?: number
}

/** What happened. */
export interface DivergenceResult {
  readonly runId: string
  readonly stoppedAt: number | undefined
  readonly reason: string | undefined
  readonly incidents: readonly Incident[]
  /** Learning-rate scalings the Andon asked for (the gradient-explosion rule's `act`). */
  readonly lrScalings: readonly { step: number; scale: number }[]
  readonly report: HanseiReport
  readonly reportPath: string
  readonly incidentsPath: string
}

/**
 * Linear regression (8 features) by SGD with a learning-rate warm-up whose cap was forgotten: the rate
 * grows 4 % a step until it passes 2/λmax of the problem and the loss runs away. The Andon's
 * gradient-explosion rule first acts (halves the rate through `onLearningRate`), the schedule keeps
 * growing it, the explosion persists and the rule stops the line. The incidents land in
 * `<dir>/andon/incidents.jsonl`, the Hansei report in `<dir>/reports/<run>.md`.
 */
export async function runDivergence(o: DivergenceOptions): Promise<DivergenceResult> {
  const runId = o.runId ?? `lr-divergence-${Date.now()}`
  const d = 8
  const rnd = mulberry32(3)
  const trueW = Array.from({ length: d }, () => rnd() * 2 - 1)
  const w = new Float64Array(d)
  let lr = 0.01
  const lrScalings: { step: number; scale: number }[] = []
  let step = 0
  const store = await openStore(o.dir)
  const andon = createAndon({
    runId,
    storeDir: o.dir,
    timers: false,
    handlers: [],
    rules: {
      gradientExplosion: { metrics: ['gradient_norm'], factor: 10, minSamples: 20, lrScale: 0.5, persist: 3, level: 'warning', stopLevel: 'error' },
      // The loss rule would stop this run too (100× its best a few steps later); off here to show the gradient rule's act-then-stop.
      divergence: false,
    },
    onLearningRate: (scale) => {
      lr *= scale
      lrScalings.push({ step, scale })
    },
  })
  const monitor = await createMonitor({ runId, name: 'runaway warm-up', config: { lr0: 0.01, warmup_growth: 1.04, features: d, batch: 32 }, store, andon })
  let stoppedAt: number | undefined
  for (step = 0; step < (o.maxSteps ?? 2000); step++) {
    const g = new Float64Array(d)
    let loss = 0
    for (let i = 0; i < 32; i++) {
      const x = Array.from({ length: d }, () => (rnd() * 2 - 1) * 2)
      let err = -0.05 * (rnd() - 0.5)
      for (let j = 0; j < d; j++) err += x[j]! * (w[j]! - trueW[j]!)
      loss += err * err
      for (let j = 0; j < d; j++) g[j] = g[j]! + (2 * err * x[j]!) / 32
    }
    let norm = 0
    for (let j = 0; j < d; j++) {
      norm += g[j]! * g[j]!
      w[j] = w[j]! - lr * g[j]!
    }
    monitor.log({ loss: loss / 32, gradient_norm: Math.sqrt(norm), learning_rate: lr }, { step })
    if (monitor.signal.aborted) {
      stoppedAt = step
      break
    }
    lr *= 1.04 // the bug: the warm-up never reaches its cap
  }
  await monitor.close()
  await andon.close()
  const summary = monitor.summary()
  const report = await analyzeRun(store, runId, { incidents: summary.incidents, driftEvents: summary.driftEvents })
  await store.close()
  await mkdir(join(o.dir, 'reports'), { recursive: true })
  const reportPath = join(o.dir, 'reports', `${runId}.md`)
  await writeFile(reportPath, renderHanseiMarkdown(report))
  return { runId, stoppedAt, reason: summary.reason, incidents: summary.incidents, lrScalings, report, reportPath, incidentsPath: incidentsPath(o.dir) }
}
