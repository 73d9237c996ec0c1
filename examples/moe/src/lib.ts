import { createAndon } from '@entrenar/andon'
import { createMemoryStore, type DriftEvent, type Incident, type MetricStore } from '@entrenar/core'
import { pageHinkley } from '@entrenar/drift'
import { analyzeRun, createMonitor, type HanseiReport } from '@entrenar/monitor'
import { batch, MixtureOfExperts, mulberry32 } from './moe.js'

export { batch, type ExpertStats, MixtureOfExperts, mulberry32 } from './moe.js'

/** Options of {@link runMoe}. */
export interface MoeOptions {
  readonly steps?: number
  /** Step of the faulty restore that kills experts 2 and 3. */
  readonly incidentStep?: number
  readonly store?: MetricStore
  readonly runId?: string
}

/** What the run found. */
export interface MoeResult {
  readonly finalLoss: number
  readonly incidents: readonly Incident[]
  readonly driftEvents: readonly DriftEvent[]
  readonly report: HanseiReport
}

const EXPERTS = 4
const DEAD = [2, 3]

/**
 * Trains a four-expert mixture; at `incidentStep` two experts silently stop learning. The total loss
 * keeps falling, so nothing looks wrong on a loss curve. Entrenar catches it three ways: per-expert
 * metrics (`expert_<i>/grad_norm`, `/update_ratio`, `/load`), Page-Hinkley detectors on each expert's gradient
 * norm (a downward change), and the Andon's vanishing-gradient rule; the Hansei report then names the
 * dead experts.
 */
export async function runMoe(o: MoeOptions = {}): Promise<MoeResult> {
  const steps = o.steps ?? 600
  const incidentStep = o.incidentStep ?? Math.floor(steps / 3)
  const runId = o.runId ?? `moe-${Date.now()}`
  const store = o.store ?? createMemoryStore()
  const grads = Array.from({ length: EXPERTS }, (_, e) => `expert_${e}/grad_norm`)
  const logGrads = Array.from({ length: EXPERTS }, (_, e) => `expert_${e}/log10_grad_norm`)
  const andon = createAndon({
    runId,
    timers: false,
    handlers: [],
    rules: {
      // A dead expert's gradient is exactly 0: warn after 10 steps below 1e-7 (once per expert: throttled by step).
      vanishingGradients: { metrics: grads, below: 1e-7, for: 10, level: 'error', action: 'warn', throttleSteps: 1_000_000 },
      // Not throttled by time: the warm-up change and the incident come seconds apart.
      drift: { warning: null, drift: 'warning', metrics: logGrads, throttleMs: 1 },
    },
  })
  // Page-Hinkley (Page 1954) on a downward change of each expert's log10 gradient norm: on a log scale
  // the test is the same for an expert whose norm is 0.5 or 0.02, and a dead one drops by ~10 decades.
  const detectors = Object.fromEntries(logGrads.map((g) => [g, [pageHinkley({ mode: 'down', delta: 0.1, threshold: 5, minInstances: 50 })]]))
  const monitor = await createMonitor({ runId, name: 'mixture of 4 experts', config: { experts: EXPERTS, hidden: 8, steps, batch: 32, lr: 0.05 }, store, andon, detectors })
  const model = new MixtureOfExperts(EXPERTS, 8, 0.05, 11)
  const rnd = mulberry32(5)
  let finalLoss = Number.NaN
  for (let step = 0; step < steps && !monitor.signal.aborted; step++) {
    if (step === incidentStep) model.corrupt(DEAD)
    const { x, y } = batch(rnd, 32)
    const r = model.step(x, y)
    finalLoss = r.loss
    const values: Record<string, number> = { loss: r.loss }
    r.experts.forEach((s, e) => {
      values[`expert_${e}/grad_norm`] = s.gradNorm
      values[`expert_${e}/log10_grad_norm`] = Math.log10(s.gradNorm + 1e-12)
      values[`expert_${e}/update_ratio`] = s.updateRatio
      values[`expert_${e}/load`] = s.load
    })
    monitor.log(values, { step })
  }
  await monitor.close()
  await andon.close()
  const summary = monitor.summary()
  const report = await analyzeRun(store, runId, { incidents: summary.incidents, driftEvents: summary.driftEvents })
  return { finalLoss, incidents: summary.incidents, driftEvents: summary.driftEvents, report }
}
