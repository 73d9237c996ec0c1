import type { AlertPolicy, MetricStore } from '@entrenar/core'
import { createMonitor, type MetricStats, type Monitor, type MonitorOptions, type MonitorSummary } from '@entrenar/monitor'
import { loadIris } from './data.js'
import { Mlp } from './mlp.js'

/** One monitored training run of the demo. */
export interface Scenario {
  readonly runId: string
  readonly name: string
  readonly learningRate: number
  readonly epochs: number
  readonly batchSize: number
  readonly seed: number
}

export interface ScenarioResult {
  readonly summary: MonitorSummary
  /** Step at which the monitor stopped the line, or undefined when the run completed. */
  readonly stoppedAt: number | undefined
  readonly steps: number
  readonly validation: { loss: number; accuracy: number }
}

/** Where the demo writes its progress (a TTY gets a live line; anything else gets a line every few epochs). */
export interface Output {
  write(text: string): void
  readonly isTTY: boolean
}

/**
 * Trains the Iris MLP under a monitor: per step loss, accuracy, learning rate and gradient norm; per
 * epoch validation loss and accuracy. Breaks out of the loop as soon as `monitor.signal` aborts.
 */
export async function runScenario(
  s: Scenario,
  deps: { store?: MetricStore; andon?: AlertPolicy; out?: Output; open?: (options: MonitorOptions) => Promise<Monitor> } = {},
): Promise<ScenarioResult> {
  const { train, validation } = loadIris(s.seed)
  const model = new Mlp({ inputs: train.features, hidden: 16, outputs: train.classes, learningRate: s.learningRate, seed: s.seed })
  const monitor = await (deps.open ?? createMonitor)({
    runId: s.runId,
    name: s.name,
    config: { learning_rate: s.learningRate, epochs: s.epochs, batch_size: s.batchSize, hidden: 16, seed: s.seed, data: 'iris' },
    ...(deps.store ? { store: deps.store } : {}),
    ...(deps.andon ? { andon: deps.andon } : {}),
  })
  const out = deps.out
  const batches = Math.ceil(train.rows / s.batchSize)
  let step = 0
  let stoppedAt: number | undefined
  let val = { loss: Number.NaN, accuracy: Number.NaN }
  // The per-batch metrics are bound once: each step then records without a name lookup or an object.
  const perBatch = monitor.metrics(['loss', 'accuracy', 'learning_rate', 'gradient_norm'])
  outer: for (let epoch = 0; epoch < s.epochs; epoch++) {
    perBatch.epoch = epoch
    for (let b = 0; b < batches; b++, step++) {
      const r = model.step(train, b * s.batchSize, s.batchSize)
      perBatch.batch = b
      perBatch.log(step, r.loss, r.accuracy, model.learningRate, r.gradientNorm)
      if (monitor.signal.aborted) {
        stoppedAt = step
        break outer
      }
      await monitor.gate()
    }
    val = model.evaluate(validation)
    monitor.log({ val_loss: val.loss, val_accuracy: val.accuracy }, { step: step - 1, epoch })
    if (out?.isTTY) {
      out.write(`\r\x1b[2K${s.name}  epoch ${epoch + 1}/${s.epochs}  step ${step}  loss ${fmt(monitor.collector.stats('loss')?.last)}  val_acc ${fmt(val.accuracy)}`)
    } else if (out && (epoch + 1) % 10 === 0) {
      out.write(`${s.name}  epoch ${epoch + 1}/${s.epochs}  step ${step}  loss ${fmt(monitor.collector.stats('loss')?.last)}  val_acc ${fmt(val.accuracy)}\n`)
    }
  }
  if (out?.isTTY) out.write('\n')
  await monitor.close()
  return { summary: monitor.summary(), stoppedAt, steps: stoppedAt === undefined ? step : stoppedAt + 1, validation: val }
}

export function fmt(x: number | undefined): string {
  if (x === undefined) return '-'
  if (!Number.isFinite(x)) return String(x)
  const a = Math.abs(x)
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(2) : x.toFixed(4)
}

/** The end-of-run table: one row per metric with count, mean, std, min, p50, p99, max, last and NaN/Inf counts. */
export function summaryTable(metrics: Readonly<Record<string, MetricStats>>): string {
  const head = ['metric', 'n', 'mean', 'std', 'min', 'p50', 'p99', 'max', 'last', 'NaN', 'Inf']
  const rows = Object.entries(metrics).map(([name, s]) => [
    name,
    String(s.samples),
    fmt(s.count ? s.mean : Number.NaN),
    fmt(s.std),
    fmt(s.min),
    fmt(s.p50),
    fmt(s.p99),
    fmt(s.max),
    fmt(s.last),
    String(s.nanCount),
    String(s.posInfCount + s.negInfCount),
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/**
 * The commands the demo suggests once it is done (each as argv after `npx entrenar`). Whatever they write
 * goes inside the store directory (git-ignored `./runs` by default), so following them leaves the
 * repository clean.
 */
export function lookFurther(dir: string, runId: string): string[][] {
  return [
    ['runs', dir],
    ['report', dir, runId],
    ['dashboard', dir, '--png', `${dir}/loss.png`],
  ]
}
