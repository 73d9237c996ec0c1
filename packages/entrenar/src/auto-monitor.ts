import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createAndon, loadRenacerConfig } from '@entrenar/andon'
import { type AlertPolicy, type ChangeType, type EntrenarError, ErrorCodes, healthEventFromDrift, healthEventFromIncident, type MetricSink, type MetricStore, toEntrenarError } from '@entrenar/core'
import { openStore } from '@entrenar/db'
import { pageHinkley } from '@entrenar/drift'
import { createLineage } from '@entrenar/graph'
import { analyzeRun, createMonitor, type HanseiReport, type Monitor, type MonitorOptions, type MonitorSummary, renderHanseiJson, renderHanseiMarkdown } from '@entrenar/monitor'
import { createTerminalDashboard, type TerminalStream } from '@entrenar/viz'
import { recordingPolicy } from './events/recording-policy.js'
import { forwardTo } from './forward.js'
import { type DriftLog, driftEventsPath, openDriftLog } from './node/drift-log.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** What `autoMonitor` registers in the lineage graph when the run closes. */
export interface AutoLineageOptions {
  /** Model id. Default: the run id. */
  readonly modelId?: string
  /** Version label of the model node (free text, e.g. a git tag). */
  readonly version?: string
  /** Parent models and how this one derives from them. */
  readonly parents?: readonly {
    /** Id of a parent model already in the lineage (else the registration fails with `ENTRENAR_NOT_FOUND`). */
    readonly id: string
    /** What changed from that parent. */
    readonly changeType: ChangeType
    /** Free text about the change. */
    readonly description?: string
  }[]
  /** Tags of the model node (default: the run tags given to `autoMonitor`). */
  readonly tags?: Readonly<Record<string, string>>
  /** Final metrics of the model. Default: the last value of every metric (`val_*` included). */
  readonly metrics?: (summary: MonitorSummary) => Record<string, number>
}

/** Options of {@link autoMonitor}: every {@link MonitorOptions} field plus the defaults it wires. */
export interface AutoMonitorOptions extends Omit<MonitorOptions, 'store' | 'andon'> {
  /** Store directory. Default `./runs` (or `$ENTRENAR_DIR`). */
  readonly dir?: string
  /** Labels of the whole run (`team`, `dataset` …) that silence matchers can select (`team=vision`). */
  readonly tags?: Readonly<Record<string, string>>
  /** A store to use instead of opening `dir` (it is not closed by the monitor). */
  readonly store?: MetricStore
  /** renacer.toml with the Andon rules and budgets. Default `./renacer.toml` when it exists; `false` ignores it. */
  readonly renacer?: string | false
  /** Replaces the Andon built from renacer.toml. */
  readonly andon?: AlertPolicy
  /** Learning-rate hook of the gradient-explosion rule (when the Andon is built here). */
  readonly onLearningRate?: (scale: number) => void
  /** Live terminal dashboard. Default: when stdout is a TTY. */
  readonly dashboard?: boolean
  /** Stream of the dashboard (default `process.stdout`). */
  readonly stream?: TerminalStream
  /** Lineage registration on close (in `<dir>/lineage`). Default true; `false` turns it off. */
  readonly lineage?: boolean | AutoLineageOptions
  /** Writes the Hansei report to `<dir>/reports/<run>.md` and `.json` on close. Default true. */
  readonly report?: boolean
  /**
   * Appends every drift event of the detectors to `<dir>/drift/events.jsonl` as it happens (fsync'd, one
   * core `AlertEventWire` drift object a line), so `entrenar report` shows them after the run, even after
   * a crash. Default true.
   */
  readonly driftLog?: boolean
}

/** A monitor with the defaults wired; see {@link autoMonitor}. */
export interface AutoMonitor extends Monitor {
  /** The store directory in use: `dir`, else `$ENTRENAR_DIR`, else `./runs`, as given. */
  readonly dir: string
  /** The store the points go to: the one passed in, or the Parquet store opened on `dir`. */
  readonly store: MetricStore
  /** The Andon in use: the one passed in, or the one built from `renacer.toml` and the defaults. */
  readonly andon: AlertPolicy
  /** The Hansei report written on close (undefined before, or with `report: false`). */
  readonly report: HanseiReport | undefined
}

/**
 * A {@link Monitor} with Entrenar's defaults: a Parquet store in `./runs` (`@entrenar/db`), the Andon
 * from `renacer.toml` writing `<dir>/andon/incidents.jsonl` (`@entrenar/andon`), a calibrated
 * Page-Hinkley detector on rises of `loss` and `val_loss` (`@entrenar/drift`, `falseAlarmsPerMillion: 1`:
 * scale-free, after a 100-value warm-up; the incident names the budget and the standardised statistic), the live terminal dashboard when stdout
 * is a TTY (`@entrenar/viz`), and on close: the lineage node of the run with its incidents
 * (`@entrenar/graph`) and the Hansei report in `<dir>/reports/`.
 *
 * @example
 * ```ts
 * import { autoMonitor } from 'entrenar'
 * const monitor = await autoMonitor({ name: 'mnist', config: { lr: 0.01 } })
 * for (let step = 0; step < 1000 && !monitor.signal.aborted; step++) monitor.log({ loss: train() }, { step })
 * await monitor.close() // report in ./runs/reports/<run id>.md
 * ```
 */
export async function autoMonitor(options: AutoMonitorOptions = {}): Promise<AutoMonitor> {
  checkOptions('entrenar: autoMonitor', options, AUTO_MONITOR_OPTIONS, { storeDir: 'dir', directory: 'dir', config_file: 'renacer', alertPolicy: 'andon', policy: 'andon' })
  const dir = options.dir ?? process.env.ENTRENAR_DIR ?? './runs'
  const ownStore = options.store === undefined
  const store: MetricStore = options.store ?? (await openStore(dir))
  const runId = options.runId ?? `run-${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 6)}`
  const renacerPath = options.renacer === false ? undefined : (options.renacer ?? (existsSync('renacer.toml') ? 'renacer.toml' : undefined))
  const ownAndon = options.andon === undefined
  const andon =
    options.andon ??
    createAndon({
      runId,
      storeDir: dir,
      // The run's tags are labels for silence matchers (`team=vision`).
      ...(options.tags ? { tags: options.tags } : {}),
      ...(renacerPath ? { renacer: loadRenacerConfig(renacerPath) } : {}),
      ...(options.onLearningRate ? { onLearningRate: (scale: number) => options.onLearningRate?.(scale) } : {}),
    })
  const tty = options.stream?.isTTY ?? Boolean(process.stdout.isTTY)
  const sinks: MetricSink[] = [...(options.sinks ?? [])]
  if (options.dashboard ?? tty) sinks.push(createTerminalDashboard({ alerts: andon, title: `Entrenar: ${options.name ?? runId}`, ...(options.stream ? { stream: options.stream } : {}) }))
  // Calibrated: the loss's own scale sets the test, at most 1 false alarm per 10⁶ steps of stationary noise.
  const detectors = options.detectors ?? { loss: [pageHinkley({ mode: 'up', falseAlarmsPerMillion: 1 })], val_loss: [pageHinkley({ mode: 'up', falseAlarmsPerMillion: 1 })] }
  let driftLogFailed = false
  const driftLogError =
    options.onError ??
    ((e: EntrenarError) => {
      if (driftLogFailed) return
      driftLogFailed = true
      console.error(`${e.message} [${e.code}] (further drift-log errors of this run are not printed)`)
    })
  const driftLog: DriftLog | undefined =
    options.driftLog === false ? undefined : openDriftLog(dir, (e) => driftLogError(toEntrenarError(e, ErrorCodes.SINK_FAILED, `entrenar: writing ${driftEventsPath(dir)}`)))
  let report: HanseiReport | undefined
  // Only the monitor's own options go on; the rest are autoMonitor's (createMonitor rejects unknown keys).
  const { dir: _dir, tags: _tags, store: _store, renacer: _renacer, andon: _andon, onLearningRate: _lr, dashboard: _dash, stream: _stream, lineage: _lineage, report: _report, driftLog: _driftLog, ...monitorOptions } = options
  const monitor = await createMonitor({
    ...monitorOptions,
    runId,
    store,
    andon: driftLog ? recordingPolicy(andon, (e) => driftLog.append(e)) : andon,
    sinks,
    detectors,
    onClose: async (final) => {
      await options.onClose?.(final)
      if (options.lineage !== false) await registerLineage(dir, final, options)
      if (options.report !== false) {
        report = await analyzeRun(store, runId, { incidents: final.incidents, driftEvents: final.driftEvents })
        const reports = join(dir, 'reports')
        await mkdir(reports, { recursive: true })
        const safe = runId.replace(/[^A-Za-z0-9._-]/g, '_')
        await writeFile(join(reports, `${safe}.md`), renderHanseiMarkdown(report))
        await writeFile(join(reports, `${safe}.json`), renderHanseiJson(report))
      }
    },
  })
  let closing: Promise<void> | undefined
  const close = async () => {
    try {
      await monitor.close()
    } finally {
      await driftLog?.close()
    }
    if (ownAndon) await andon.close?.()
    if (ownStore) await store.close()
  }
  const own = {
    dir,
    store,
    andon,
    get report() {
      return report
    },
    async flush() {
      await monitor.flush()
      await driftLog?.flush()
    },
    close() {
      closing ??= close()
      return closing
    },
  }
  const auto: AutoMonitor = forwardTo<Monitor, typeof own>(monitor, own)
  return auto
}

async function registerLineage(dir: string, final: MonitorSummary, options: AutoMonitorOptions): Promise<void> {
  const o: AutoLineageOptions = typeof options.lineage === 'object' ? options.lineage : {}
  const metrics: Record<string, number> = {}
  if (o.metrics) Object.assign(metrics, o.metrics(final))
  else for (const [name, s] of Object.entries(final.metrics)) if (s.last !== undefined && !name.startsWith('sys/')) metrics[name] = s.last
  const modelId = o.modelId ?? final.runId
  const g = await createLineage({ dir, ...(options.onError ? { onError: options.onError } : {}) })
  try {
    await g.register({
      model: {
        id: modelId,
        metrics,
        createdAtMs: Date.now(),
        runId: final.runId,
        ...(o.version ? { version: o.version } : {}),
        ...(options.config ? { config: options.config } : {}),
        ...(o.tags ? { tags: o.tags } : {}),
      },
      ...(o.parents ? { parents: o.parents } : {}),
      events: [
        ...final.incidents.map((i) => healthEventFromIncident(i, { modelId })),
        ...final.driftEvents.filter((d) => d.signal === 'drift').map((d) => healthEventFromDrift(d, { modelId })),
      ],
    })
  } finally {
    await g.close()
  }
}

/** The option names autoMonitor accepts (unknown ones are errors). */
const AUTO_MONITOR_OPTIONS = optionKeys<NonNullable<Parameters<typeof autoMonitor>[0]>>({ dir: true, tags: true, store: true, renacer: true, andon: true, onLearningRate: true, dashboard: true, stream: true, lineage: true, report: true, driftLog: true, runId: true, name: true, config: true, sinks: true, detectors: true, onError: true, batchRows: true, maxPendingRows: true, maxBufferedRows: true, flushIntervalMs: true, clockUs: true, clockEvery: true, system: true, onClose: true })
