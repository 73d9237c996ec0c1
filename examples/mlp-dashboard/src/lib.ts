import type { MetricStore } from '@entrenar/core'
import { createMonitor, type MonitorSummary } from '@entrenar/monitor'
import { createTerminalDashboard, type TerminalStream } from '@entrenar/viz'
import { iris } from '@entrenar/example-demo'
import { Mlp } from './mlp.js'

export { iris } from '@entrenar/example-demo'
export { Mlp } from './mlp.js'

/** Options of {@link trainWithDashboard}. */
export interface DashboardRunOptions {
  readonly epochs?: number
  readonly learningRate?: number
  /** Where the dashboard draws (default `process.stdout`). */
  readonly stream?: TerminalStream
  /** Redraw period (default 250 ms). */
  readonly refreshMs?: number
  /** Pause per epoch so the live view can be watched (default 0). */
  readonly epochDelayMs?: number
  readonly store?: MetricStore
}

/**
 * Trains a 4-16-3 MLP on Iris; the monitor feeds the terminal dashboard as one of its sinks, so the
 * charts, the statistics table and the alert timeline redraw while training runs.
 */
export async function trainWithDashboard(o: DashboardRunOptions = {}): Promise<{ summary: MonitorSummary; frames: number; valAccuracy: number }> {
  const epochs = o.epochs ?? 80
  const { x, y } = iris(3)
  const cut = 120
  const [tx, ty, vx, vy] = [x.slice(0, cut), y.slice(0, cut), x.slice(cut), y.slice(cut)]
  const model = new Mlp(4, 16, 3, o.learningRate ?? 0.2, 5)
  const dashboard = createTerminalDashboard({
    title: 'Entrenar · Iris MLP',
    panels: ['loss', 'accuracy', 'gradient_norm', 'learning_rate'],
    refreshMs: o.refreshMs ?? 250,
    ...(o.stream ? { stream: o.stream } : {}),
  })
  const monitor = await createMonitor({ name: 'iris mlp', config: { epochs, hidden: 16, num_classes: 3 }, sinks: [dashboard], ...(o.store ? { store: o.store } : {}) })
  let step = 0
  let valAccuracy = Number.NaN
  for (let epoch = 0; epoch < epochs && !monitor.signal.aborted; epoch++) {
    for (let b = 0; b < cut; b += 16, step++) {
      const r = model.step(tx.slice(b, b + 16), ty.slice(b, b + 16), true)
      monitor.log({ loss: r.loss, accuracy: r.accuracy, gradient_norm: r.gradientNorm, learning_rate: model.learningRate }, { step, epoch })
    }
    const v = model.step(vx, vy, false)
    valAccuracy = v.accuracy
    monitor.log({ val_loss: v.loss, val_accuracy: v.accuracy }, { step: step - 1, epoch })
    // Cosine learning-rate decay (Loshchilov & Hutter 2017, SGDR without restarts).
    model.learningRate = 0.2 * 0.5 * (1 + Math.cos((Math.PI * (epoch + 1)) / epochs)) + 1e-3
    // Yield so the monitor hands batches to the dashboard and its timer can redraw.
    await new Promise((r) => setTimeout(r, o.epochDelayMs ?? 0))
  }
  await monitor.close()
  return { summary: monitor.summary(), frames: dashboard.frames, valAccuracy }
}
