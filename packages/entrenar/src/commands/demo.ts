import { join, resolve } from 'node:path'
import { autoMonitor } from '../auto-monitor.js'
import { demoAndonRules } from '../demo/rules.js'
import { spiral, TinyMlp } from '../demo/spiral.js'
import { EXIT, type Io, levelColor, num, paint, progress, table, toJson, usage } from '../io.js'

/** Flags of `entrenar demo`. */
export interface DemoFlags {
  /** `--dir <dir>`: store directory. Default `./runs`. */
  readonly dir?: string
  /** `--epochs <n>`: epochs per run (an integer, at least {@link DEMO_MIN_EPOCHS}). Default 40. */
  readonly epochs?: string
  /** Draw the live terminal dashboard (default: when stdout is a TTY). */
  readonly dashboard?: boolean
}

/** The outcome of one demo run. */
export interface DemoRun {
  /** The run id in the store. */
  readonly runId: string
  /** The learning rate the MLP trained with. */
  readonly learningRate: number
  /** Final run status: `finished` or `stopped`. */
  readonly status: string
  /** Steps trained. */
  readonly steps: number
  /** Step at which the Andon stopped the run, if it did. */
  readonly stoppedAt: number | undefined
  /** The stop reason, if stopped. */
  readonly reason: string | undefined
  /** Last validation accuracy (fraction, 0–1). */
  readonly valAccuracy: number
  /** The Hansei report's verdict: `healthy`, `degraded` or `failed`. */
  readonly verdict: string | undefined
  /** The report's findings, one line each. */
  readonly findings: readonly string[]
  /** Path of the Markdown Hansei report written for the run. */
  readonly report: string
}

/**
 * The fewest epochs that show what the demo is for: with lr = 12 the diverging run's loss reaches the Andon's
 * stop at step 22 (10 batches per epoch), inside its third epoch. With fewer, both runs finish and the demo's
 * own check fails, so `--epochs 1` is refused up front with the reason instead.
 */
export const DEMO_MIN_EPOCHS = 3

/**
 * `entrenar demo`: the main job. Trains a small MLP on the spiral data set twice under `autoMonitor`
 * into a Parquet store: a healthy run (learning rate 1), then the same model with a learning rate 12×
 * too large, which the Andon stops; prints each run's Hansei verdict and the commands to look further.
 */
export async function demoCommand(flags: DemoFlags, io: Io): Promise<number> {
  const dir = resolve(flags.dir ?? './runs')
  const epochs = flags.epochs === undefined ? 40 : Number(flags.epochs)
  if (!(Number.isInteger(epochs) && epochs > 0)) throw usage(`--epochs must be a positive integer, got ${flags.epochs}`)
  if (epochs < DEMO_MIN_EPOCHS) {
    throw usage(`--epochs must be at least ${DEMO_MIN_EPOCHS}, got ${epochs}: the diverging run reaches the Andon's stop in its third epoch (step 22), so with fewer nothing is stopped`)
  }
  const stamp = new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)
  const train = spiral(100, 1)
  const val = spiral(40, 2)
  const results: DemoRun[] = []
  if (!io.json) io.out(`Entrenar demo: a 2-32-3 MLP on the spiral data set, monitored into ${dir}\n\n`)
  for (const [name, lr] of [
    ['healthy', 1],
    ['diverging', 12],
  ] as const) {
    const runId = `spiral-${name}-${stamp}`
    const model = new TinyMlp(32, lr, 7)
    const monitor = await autoMonitor({
      dir,
      runId,
      name: `spiral lr=${lr}`,
      config: { learning_rate: lr, epochs, batch_size: 30, hidden: 32, num_classes: 3, data: 'spiral(100/class, seed 1)' },
      renacer: false,
      ...demoAndonRules(runId, dir),
      dashboard: flags.dashboard ?? (io.stdoutTty && !io.json),
      ...(io.terminal ? { stream: io.terminal } : {}),
      system: false,
    })
    const batches = Math.ceil(train.rows / 30)
    const bar = progress(io, runId, epochs)
    let step = 0
    let stoppedAt: number | undefined
    let valAccuracy = Number.NaN
    outer: for (let epoch = 0; epoch < epochs; epoch++) {
      for (let b = 0; b < batches; b++, step++) {
        const s = model.run(train, b * 30, 30, true)
        monitor.log({ loss: s.loss, accuracy: s.accuracy, gradient_norm: s.gradientNorm, learning_rate: model.learningRate }, { step, epoch, batch: b })
        if (monitor.signal.aborted) {
          stoppedAt = step
          break outer
        }
        await monitor.gate()
      }
      const v = model.run(val, 0, val.rows, false)
      valAccuracy = v.accuracy
      monitor.log({ val_loss: v.loss, val_accuracy: v.accuracy }, { step: step - 1, epoch })
      if ((epoch + 1) % 10 === 0) monitor.log({ checkpoint: epoch + 1 }, { step: step - 1, epoch })
      bar.tick()
    }
    bar.done()
    await monitor.close()
    await monitor.andon.close?.()
    const summary = monitor.summary()
    const report = monitor.report
    results.push({
      runId,
      learningRate: lr,
      status: summary.status,
      steps: stoppedAt === undefined ? step : stoppedAt + 1,
      stoppedAt,
      reason: summary.reason,
      valAccuracy,
      verdict: report?.verdict,
      findings: report?.findings.map((f) => `${f.severity} ${f.code}: ${f.message}`) ?? [],
      report: `${dir}/reports/${runId}.md`,
    })
  }
  if (io.json) {
    io.out(toJson({ dir, runs: results }))
  } else {
    io.out(
      table(
        ['run', 'lr', 'status', 'steps', 'val acc', 'verdict'],
        results.map((r) => [r.runId, String(r.learningRate), r.status, String(r.steps), num(r.valAccuracy), r.verdict ?? '-']),
        [0, 2, 5],
      ),
    )
    for (const r of results) {
      io.out(`\n${paint(io, 'bold', r.runId)}: ${paint(io, levelColor(r.verdict ?? ''), r.verdict ?? '-')}${r.stoppedAt === undefined ? '' : `, stopped at step ${r.stoppedAt}: ${r.reason}`}\n`)
      for (const f of r.findings.slice(0, 4)) io.out(`  ${f}\n`)
      io.out(`  report: ${r.report}\n`)
    }
    // As typed where entrenar is a project dependency (npx), writing inside the store directory only.
    io.out(`\nNext: npx entrenar runs ${dir} · npx entrenar report ${dir} ${results[1]?.runId} --format html --out ${join(dir, 'report.html')} · npx entrenar dashboard ${dir} --png ${join(dir, 'dash.png')}\n`)
  }
  const healthyOk = results[0]?.stoppedAt === undefined
  const divergentStopped = results[1]?.stoppedAt !== undefined
  if (!healthyOk || !divergentStopped) io.err(`demo: expected the healthy run to finish and the diverging run to be stopped (healthy stopped: ${!healthyOk}, diverging stopped: ${divergentStopped})\n`)
  return healthyOk && divergentStopped ? EXIT.OK : EXIT.FAILURE
}
