import { appendFileSync, existsSync, fsyncSync, mkdirSync, openSync, closeSync, readdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { incidentsPath, incidentToJson } from '@entrenar/andon'
import { type Incident, RecordBatchBuilder, type RunInfo } from '@entrenar/core'
import { openStore } from '@entrenar/db'
import { type Io, num, progress, toJson, usage } from '../io.js'

/** Sizes and seed of a generated store. */
export interface GenerateOptions {
  /** Number of runs (default 1000). */
  readonly runs?: number
  /** Metrics per run (default 20; the first five are loss, val_loss, accuracy, gradient_norm, learning_rate). */
  readonly metrics?: number
  /** Steps of the longest run (default 10,000); runs have 20–100 % of it. */
  readonly steps?: number
  /** Seed of the pseudo-random generator (default 1): the same options write the same store. */
  readonly seed?: number
  /** Called after each run is written. */
  readonly onRun?: (done: number, total: number) => void
}

/** What a generated store holds (checked by the tests against the store itself). */
export interface GenerateSummary {
  /** The store directory written. */
  readonly dir: string
  /** Runs written. */
  readonly runs: number
  /** Metrics per run. */
  readonly metrics: number
  /** Points written over all runs. */
  readonly points: number
  /** NaN values written (bursts in ordinary runs plus the values that stopped Andon runs). */
  readonly nanPoints: number
  /** +Inf values written (the tails of diverged runs). */
  readonly infPoints: number
  /** Runs stopped by the Andon (status `stopped`, a reason, an incident). */
  readonly stopped: readonly string[]
  /** Runs whose loss diverged (status `failed`). */
  readonly diverged: readonly string[]
  /** Runs with at least one NaN burst that were not stopped. */
  readonly nanBursts: readonly string[]
  /** Points per run id. */
  readonly pointsByRun: Readonly<Record<string, number>>
}

const BASE_METRICS = ['loss', 'val_loss', 'accuracy', 'gradient_norm', 'learning_rate']
const OPTION_KEYS = new Set(['runs', 'metrics', 'steps', 'seed', 'onRun'])

/** mulberry32: small, fast, seeded. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function positiveInt(name: string, v: unknown, dflt: number, max: number): number {
  const n = v === undefined ? dflt : v
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) throw usage(`generate: ${name} must be an integer from 1 to ${max}, got ${String(v)}`)
  return n
}

type Kind = 'normal' | 'nan-burst' | 'stopped' | 'diverged'

/**
 * Writes a realistic store through the public API (`openStore`, `write`, `putRun`, and the Andon's
 * incident log): `runs` runs × `metrics` metrics × up to `steps` steps, of different lengths; from 10 runs
 * on, 5 % of the runs are stopped by the Andon at a NaN loss (status, reason and an incident in
 * `<dir>/andon/incidents.jsonl`), 3 % diverge (loss grows to +Inf, status `failed`), 10 % carry NaN bursts,
 * and every run has a config and tags (run config `tags`, point tags `split`).
 * The directory must not hold a store already.
 */
export async function generateStore(dirArg: string, options: GenerateOptions = {}): Promise<GenerateSummary> {
  for (const k of Object.keys(options)) if (!OPTION_KEYS.has(k)) throw usage(`generate: unknown option ${JSON.stringify(k)}; expected ${[...OPTION_KEYS].join(', ')}`)
  const nRuns = positiveInt('runs', options.runs, 1000, 1_000_000)
  const nMetrics = positiveInt('metrics', options.metrics, 20, 10_000)
  const maxSteps = positiveInt('steps', options.steps, 10_000, 100_000_000)
  const seed = options.seed ?? 1
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw usage(`generate: seed must be an integer, got ${String(seed)}`)
  const dir = resolve(dirArg)
  if (existsSync(dir) && readdirSync(dir).length > 0) throw usage(`generate: ${dir} is not empty; generate into a new directory`)
  const rand = rng(seed)
  const names = Array.from({ length: nMetrics }, (_, i) => BASE_METRICS[i] ?? `layer${String(i - BASE_METRICS.length).padStart(2, '0')}/grad_norm`)
  const store = await openStore(dir)
  const incidentFile = incidentsPath(dir)
  const stopped: string[] = []
  const diverged: string[] = []
  const nanBursts: string[] = []
  const pointsByRun: Record<string, number> = {}
  let points = 0
  let nanPoints = 0
  let infPoints = 0
  const t0 = Date.UTC(2026, 0, 1)
  const pad = String(nRuns - 1).length
  try {
    // Fixed shares (at least one of each from 10 runs on), in seeded positions.
    const share = (f: number) => (nRuns >= 10 ? Math.max(1, Math.round(nRuns * f)) : 0)
    const kinds: Kind[] = [...Array<Kind>(share(0.05)).fill('stopped'), ...Array<Kind>(share(0.03)).fill('diverged'), ...Array<Kind>(share(0.1)).fill('nan-burst')]
    while (kinds.length < nRuns) kinds.push('normal')
    for (let i = kinds.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1))
      ;[kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!]
    }
    for (let r = 0; r < nRuns; r++) {
      const id = `run-${String(r).padStart(pad, '0')}`
      const kind = kinds[r]!
      const length = Math.max(1, rand() < 0.5 ? maxSteps : Math.round(maxSteps * (0.2 + 0.8 * rand())))
      const lr = 10 ** (-4 + 3 * rand())
      const batchSize = 2 ** (4 + Math.floor(rand() * 5))
      const decay = 3 / length
      const floor = 0.05 + 0.3 * rand()
      const startMs = t0 + r * 60_000
      const stepMs = 100
      // Where the run stops (Andon) or starts to diverge; where its NaN burst is.
      const stopAt = kind === 'stopped' ? Math.floor(length * (0.3 + 0.6 * rand())) : -1
      const divergeAt = kind === 'diverged' ? Math.floor(length * (0.2 + 0.5 * rand())) : -1
      const burstAt = kind === 'nan-burst' ? Math.floor(length * rand()) : -1
      const burstLen = kind === 'nan-burst' ? 1 + Math.floor(rand() * 50) : 0
      const last = stopAt >= 0 ? stopAt : length - 1
      const b = new RecordBatchBuilder(id, 65_536)
      const ids = names.map((n) => b.metricId(n))
      const train = b.tagSetId({ split: 'train' })
      const val = b.tagSetId({ split: 'val' })
      let n = 0
      for (let s = 0; s <= last; s++) {
        const ts = (startMs + s * stepMs) * 1000
        const epoch = Math.floor(s / 1000)
        const inBurst = s >= burstAt && s < burstAt + burstLen
        let loss = floor + 2 * Math.exp(-decay * s) + 0.05 * (rand() - 0.5)
        // Grows past the largest double (+Inf) about 70 % of the way from divergeAt to the end.
        if (divergeAt >= 0 && s >= divergeAt) loss = floor * Math.exp(((s - divergeAt) * 1000) / Math.max(1, length - divergeAt))
        for (let m = 0; m < nMetrics; m++) {
          let v: number
          switch (m) {
            case 0:
              v = loss
              break
            case 1:
              v = loss * 1.1 + 0.02
              break
            case 2:
              v = Math.max(0, Math.min(1, 1 - loss / 2.5))
              break
            case 3:
              v = loss * (0.5 + rand())
              break
            case 4:
              v = lr * Math.exp(-decay * s * 0.3)
              break
            default:
              v = (0.1 + rand()) * Math.exp(-decay * s * 0.5)
          }
          if (inBurst || (s === stopAt && m === 0)) v = Number.NaN
          if (Number.isNaN(v)) nanPoints++
          else if (v === Number.POSITIVE_INFINITY) infPoints++
          b.append(ids[m]!, v, s, ts, epoch, s % 1000, m === 1 ? val : train)
          n++
        }
        if (b.length >= 60_000) await store.write(b.finish())
      }
      if (b.length > 0) await store.write(b.finish())
      points += n
      pointsByRun[id] = n
      const endMs = startMs + last * stepMs
      const config = { learning_rate: lr, batch_size: batchSize, optimizer: rand() < 0.5 ? 'adamw' : 'sgd', seed: r, tags: [kind === 'normal' ? 'baseline' : kind, r % 2 === 0 ? 'sweep-a' : 'sweep-b'] }
      let run: RunInfo
      if (kind === 'stopped') {
        const message = `loss became NaN at step ${stopAt}`
        const incident: Incident = { level: 'critical', rule: 'non_finite', message, runId: id, metric: 'loss', step: stopAt, value: Number.NaN, timestampMs: endMs, decision: 'stop' }
        mkdirSync(dirname(incidentFile), { recursive: true })
        appendFileSync(incidentFile, `${JSON.stringify(incidentToJson(incident))}\n`)
        run = { id, name: `sweep ${id}`, config, status: 'stopped', startTimeMs: startMs, endTimeMs: endMs, reason: `non_finite: ${message}` }
        stopped.push(id)
      } else if (kind === 'diverged') {
        run = { id, name: `sweep ${id}`, config, status: 'failed', startTimeMs: startMs, endTimeMs: endMs, reason: `loss diverged after step ${divergeAt}` }
        diverged.push(id)
      } else {
        if (kind === 'nan-burst' && burstLen > 0 && burstAt <= last) nanBursts.push(id)
        run = { id, name: `sweep ${id}`, config, status: 'finished', startTimeMs: startMs, endTimeMs: endMs }
      }
      await store.putRun(run)
      options.onRun?.(r + 1, nRuns)
    }
    if (existsSync(incidentFile)) {
      const fd = openSync(incidentFile, 'r+')
      try {
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
    }
  } finally {
    await store.close()
  }
  return { dir, runs: nRuns, metrics: nMetrics, points, nanPoints, infPoints, stopped, diverged, nanBursts, pointsByRun }
}

/** Flags of `entrenar generate`. */
export interface GenerateFlags {
  /** `--runs <n>`: runs to write. Default 1000. */
  readonly runs?: string
  /** `--metrics <n>`: metrics per run. Default 20. */
  readonly metrics?: string
  /** `--steps <n>`: steps of the longest run (runs have 20–100 % of it). Default 10 000. */
  readonly steps?: string
  /** `--seed <n>`: the same flags and seed write the same store. Default 1. */
  readonly seed?: string
}

function intFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  if (!/^-?\d+$/.test(v)) throw usage(`--${name} must be an integer, got ${JSON.stringify(v)}`)
  return Number(v)
}

/** `entrenar generate <dir> [--runs N] [--metrics M] [--steps S] [--seed K]`. */
export async function generateCommand(dir: string, flags: GenerateFlags, io: Io): Promise<number> {
  const runs = intFlag('runs', flags.runs)
  const metrics = intFlag('metrics', flags.metrics)
  const steps = intFlag('steps', flags.steps)
  const seed = intFlag('seed', flags.seed)
  const started = performance.now()
  let bar: ReturnType<typeof progress> | undefined
  const s = await generateStore(dir, {
    ...(runs === undefined ? {} : { runs }),
    ...(metrics === undefined ? {} : { metrics }),
    ...(steps === undefined ? {} : { steps }),
    ...(seed === undefined ? {} : { seed }),
    onRun: (done, total) => {
      bar ??= progress(io, 'generate', total)
      bar.tick()
      if (done === total) bar.done()
    },
  })
  const seconds = (performance.now() - started) / 1000
  if (io.json) {
    const { pointsByRun: _, ...rest } = s
    io.out(toJson({ ...rest, seconds }))
    return 0
  }
  io.out(
    `wrote ${s.runs} runs × ${s.metrics} metrics, ${s.points} points (${s.nanPoints} NaN, ${s.infPoints} +Inf) into ${s.dir} in ${num(seconds)} s\n` +
      `${s.stopped.length} stopped by the Andon, ${s.diverged.length} diverged, ${s.nanBursts.length} with NaN bursts\n`,
  )
  return 0
}
