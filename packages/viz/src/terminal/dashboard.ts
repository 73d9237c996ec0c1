import { type Dashboard, type DashboardFrame, EntrenarError, ErrorCodes, type Incident, type MetricSink, type MetricStore, type RecordBatch, toEntrenarError } from '@entrenar/core'
import { createLogUpdate } from 'log-update'
import { type FrameLayout, renderFrame } from './frame.js'
import { normalisePanels, type PanelInput, resolvePanels } from '../model/panels.js'
import { createRunData, type RunData } from '../model/run-data.js'
import { checkSmoothOptions, type SmoothOptions } from '../series/smooth.js'
import { colorAllowed } from './style.js'
import { checkOptions as checkOptionNames, optionKeys } from '@entrenar/core'

/** Where a terminal dashboard writes (process.stdout fits; tests pass a fake). */
export interface TerminalStream {
  /** Writes a frame (ANSI escapes included), as `process.stdout.write`. */
  write(chunk: string): boolean
  /** True for a terminal: the live dashboard draws, with colour unless `NO_COLOR` is set. */
  readonly isTTY?: boolean
  /** Width in characters. Default 80. */
  readonly columns?: number
  /** Height in lines. Default 24. */
  readonly rows?: number
  /** Subscribes to terminal resizes (the dashboard redraws at the new size). */
  on?(event: 'resize', listener: () => void): unknown
  /** Unsubscribes, on close. */
  off?(event: 'resize', listener: () => void): unknown
}

/** Something that keeps incidents: an Andon / `AlertPolicy` (`history()` is polled each refresh). */
export interface IncidentSource {
  /** Every incident so far, oldest first (an Andon is one). */
  history(): readonly Incident[]
}

/** Options of {@link createTerminalDashboard}. */
export interface TerminalDashboardOptions {
  /** A store polled every `refreshMs` for new rows (by timestamp); a monitor feeds the dashboard as a sink instead. */
  readonly source?: Pick<MetricStore, 'range'>
  /** Only these runs from `source` (default: every run). */
  readonly runs?: readonly string[]
  /** Where incidents come from (an Andon), polled every `refreshMs`; incidents may also arrive through `update`. */
  readonly alerts?: IncidentSource
  /** Panels (metric names or specs); default one per metric base name, at most `maxPanels`. */
  readonly panels?: readonly PanelInput[]
  /** Redraw period in milliseconds (default 1000, as entrenar's `DashboardConfig.refresh_ms`). */
  readonly refreshMs?: number
  /** Smoothing for every panel without its own. */
  readonly smoothing?: SmoothOptions
  /** Frame width in columns (default: the stream's columns, else 80). */
  readonly width?: number
  /** Frame height in rows used to size panels (default: the stream's rows, else 24). */
  readonly height?: number
  /** ASCII glyphs instead of braille and box drawing (default false; `TERM=dumb` or `linux` turns it on). */
  readonly ascii?: boolean
  /** ANSI colours (default: on a TTY unless `NO_COLOR`). */
  readonly color?: boolean
  /** Default `process.stdout`. */
  readonly stream?: TerminalStream
  /** Environment read for NO_COLOR / FORCE_COLOR / TERM (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Header title (default `Entrenar`). */
  readonly title?: string
  /** Panels drawn when none are configured (default 4). */
  readonly maxPanels?: number
  /** Incidents listed under the timeline (default 5). */
  readonly alertRows?: number
  /**
   * Off a TTY, the stats table is printed at most this often when data changed (default 30000 ms, so a
   * CI log stays readable); new incidents are printed at once.
   */
  readonly plainIntervalMs?: number
  /** Redraw on a timer (default true). With false, call `refresh()` yourself. */
  readonly live?: boolean
  /** Rows kept per series before it thins itself, keeping spikes and NaN/Inf markers (default 4,000,000). */
  readonly maxPointsPerSeries?: number
  /** Where polling/drawing errors go (never thrown into the training loop); default: ignored after the first, which is written to stderr. */
  readonly onError?: (error: EntrenarError) => void
}

/**
 * A live terminal dashboard (the `Dashboard` contract) that is also a `MetricSink`, so a monitor
 * can feed it: pass it in `sinks`.
 */
export interface TerminalDashboard extends Dashboard, MetricSink {
  /** Polls the sources once and redraws if anything changed. */
  refresh(): Promise<void>
  /** Frames written to the stream so far. */
  readonly frames: number
}

const MAX_US = Number.MAX_SAFE_INTEGER

function fail(message: string): never {
  throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/viz: ${message}`)
}

function checkOptions(o: TerminalDashboardOptions): void {
  if (o.refreshMs !== undefined && !(Number.isFinite(o.refreshMs) && o.refreshMs >= 16)) fail(`refreshMs must be ≥ 16, got ${o.refreshMs}`)
  for (const k of ['width', 'height', 'maxPanels', 'alertRows'] as const) {
    const v = o[k]
    if (v !== undefined && !(Number.isInteger(v) && v >= (k === 'alertRows' ? 0 : 1) && v <= 10_000)) fail(`${k} must be an integer in [${k === 'alertRows' ? 0 : 1}, 10000], got ${v}`)
  }
  if (o.smoothing) checkSmoothOptions(o.smoothing)
  if (o.plainIntervalMs !== undefined && !(Number.isFinite(o.plainIntervalMs) && o.plainIntervalMs >= 0)) fail(`plainIntervalMs must be ≥ 0, got ${o.plainIntervalMs}`)
  if (o.maxPointsPerSeries !== undefined && !(Number.isInteger(o.maxPointsPerSeries) && o.maxPointsPerSeries >= 1024)) fail(`maxPointsPerSeries must be an integer ≥ 1024, got ${o.maxPointsPerSeries}`)
  if (o.source !== undefined && typeof o.source?.range !== 'function') fail('source must have a range(fromUs, toUs, filter) method (a MetricStore)')
  if (o.alerts !== undefined && typeof o.alerts?.history !== 'function') fail('alerts must have a history() method (an AlertPolicy)')
}

/**
 * Creates a terminal dashboard: braille line charts of train vs validation series, a stats table
 * with sparklines, an alert and drift timeline. On a TTY it redraws in place with log-update (no
 * flicker: one write per frame, only when data changed); elsewhere (CI logs, pipes) it prints plain
 * text: the stats table when data changed and each new incident once, and the full frame on close.
 *
 * @example
 * ```ts
 * const dash = createTerminalDashboard({ panels: ['loss', 'accuracy'], alerts: andon })
 * const monitor = await createMonitor({ runId, sinks: [dash], andon })
 * ```
 */
export function createTerminalDashboard(options: TerminalDashboardOptions = {}): TerminalDashboard {
  checkOptionNames('entrenar/viz: createTerminalDashboard', options, CREATE_TERMINAL_DASHBOARD_OPTIONS)
  checkOptions(options)
  return new Terminal(options)
}

class Terminal implements TerminalDashboard {
  readonly #o: TerminalDashboardOptions
  readonly #data: RunData
  readonly #panels
  readonly #stream: TerminalStream
  readonly #tty: boolean
  readonly #color: boolean
  readonly #ascii: boolean
  #log: ReturnType<typeof createLogUpdate> | undefined
  #timer: ReturnType<typeof setInterval> | undefined
  #drawn = -1
  #frames = 0
  #cursorUs = -MAX_US
  #seenIncidents = 0
  #printedIncidents = 0
  #lastPlainMs = Number.NEGATIVE_INFINITY
  #closed = false
  #polling: Promise<void> | undefined
  #reported = false
  readonly #onResize = () => {
    this.#drawn = -1
    this.#draw()
  }

  constructor(o: TerminalDashboardOptions) {
    this.#o = o
    this.#data = createRunData(o.maxPointsPerSeries)
    this.#panels = normalisePanels(o.panels)
    this.#stream = o.stream ?? process.stdout
    const env = o.env ?? process.env
    this.#tty = this.#stream.isTTY === true
    this.#color = o.color ?? colorAllowed(env, this.#tty)
    this.#ascii = o.ascii ?? (env['TERM'] === 'dumb' || env['TERM'] === 'linux')
    if (this.#tty) {
      this.#log = createLogUpdate(this.#stream as NodeJS.WriteStream, { showCursor: false, defaultWidth: o.width ?? 80, defaultHeight: o.height ?? 24 })
      this.#stream.on?.('resize', this.#onResize)
    }
    if (o.live !== false) {
      this.#timer = setInterval(() => {
        this.refresh().catch((e: unknown) => this.#report(e))
      }, o.refreshMs ?? 1000)
      this.#timer.unref?.()
    }
  }

  get frames(): number {
    return this.#frames
  }

  #layout(charts: boolean, plain: boolean, maxRows?: number): FrameLayout {
    const width = this.#o.width ?? this.#stream.columns ?? 80
    const height = this.#o.height ?? this.#stream.rows ?? 24
    const panels = this.#panels?.length ?? resolvePanels(undefined, this.#data, this.#o.maxPanels ?? 4).length
    const perRow = width >= 97 && panels > 1 ? 2 : 1
    const panelRows = Math.max(1, Math.ceil(panels / perRow))
    const alertRows = this.#o.alertRows ?? 5
    // The table gets at most a quarter of the height when sizing panels (it is shortened to fit).
    const tableRows = Math.min(this.#data.series.length, Math.max(3, Math.floor(height / 4))) + 1
    const fixed = 3 + tableRows + 2 + Math.min(alertRows, this.#data.incidents.length) + 2
    const panelHeight = Math.max(6, Math.min(20, Math.floor((height - fixed) / panelRows)))
    return {
      width,
      panelHeight,
      maxPanels: this.#o.maxPanels ?? 4,
      alertRows,
      title: this.#o.title ?? 'Entrenar',
      panels: this.#panels,
      smoothing: this.#o.smoothing,
      charts,
      maxRows,
      ascii: plain || this.#ascii,
      color: !plain && this.#color,
    }
  }

  update(frame: DashboardFrame): void {
    if (this.#closed) return
    try {
      this.#data.apply(frame)
    } catch (e) {
      this.#report(e)
    }
  }

  /** The frame as it would be drawn now (at most `height` lines when that option is set). */
  render(): string {
    return renderFrame(this.#data, this.#layout(true, false, this.#o.height)).join('\n')
  }

  async write(batch: RecordBatch): Promise<void> {
    if (this.#closed) throw new EntrenarError(ErrorCodes.CLOSED, 'entrenar/viz: terminal dashboard is closed')
    this.#data.apply({ batch })
  }

  async flush(): Promise<void> {
    if (!this.#closed) await this.refresh()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    await this.refresh().catch((e: unknown) => this.#report(e))
    this.#closed = true
    if (this.#timer) clearInterval(this.#timer)
    this.#stream.off?.('resize', this.#onResize)
    if (this.#log) {
      this.#draw(true)
      this.#log.done()
    } else {
      // The run is over: a full frame (ASCII charts, no colour) closes the plain-text log.
      this.#stream.write(`${renderFrame(this.#data, this.#layout(true, true)).join('\n')}\n`)
      this.#frames++
    }
  }

  async savePng(path: string): Promise<void> {
    const { saveDashboardPng } = await import('../svg/dashboard-png.js')
    await saveDashboardPng(path, this.#data, { title: this.#o.title ?? 'Entrenar', panels: this.#panels, smoothing: this.#o.smoothing, maxPanels: this.#o.maxPanels ?? 4 })
  }

  async refresh(): Promise<void> {
    if (this.#closed) return
    if (!this.#polling) {
      this.#polling = this.#poll().finally(() => {
        this.#polling = undefined
      })
    }
    await this.#polling
    this.#draw()
  }

  async #poll(): Promise<void> {
    const { source, alerts, runs } = this.#o
    if (source) {
      const batches = await source.range(this.#cursorUs, MAX_US, runs ? { runs } : undefined)
      for (const b of batches) {
        let hi = this.#cursorUs - 1
        for (let i = 0; i < b.length; i++) if (b.timestampUs[i]! > hi) hi = b.timestampUs[i]!
        this.#data.apply({ batch: b })
        // Next poll starts just after the newest row seen (timestamps are microseconds).
        if (hi + 1 > this.#cursorUs) this.#cursorUs = hi + 1
      }
    }
    if (alerts) {
      const h = alerts.history()
      if (h.length < this.#seenIncidents) this.#seenIncidents = 0 // the policy was reset
      if (h.length > this.#seenIncidents) {
        this.#data.apply({ incidents: h.slice(this.#seenIncidents) })
        this.#seenIncidents = h.length
      }
    }
  }

  #draw(force = false): void {
    if (!force && this.#drawn === this.#data.version) return
    try {
      if (this.#log) {
        this.#drawn = this.#data.version
        // Never taller than the terminal: log-update cannot erase lines that scrolled away.
        const rows = this.#o.height ?? this.#stream.rows
        this.#log(renderFrame(this.#data, this.#layout(true, false, rows)).join('\n'))
        this.#frames++
        return
      }
      // Plain text (a log file, CI): new incidents at once, the stats table at most every plainIntervalMs.
      const incidents = this.#data.incidents
      const fresh = incidents.slice(Math.min(this.#printedIncidents, incidents.length))
      const now = Date.now()
      const tableDue = now - this.#lastPlainMs >= (this.#o.plainIntervalMs ?? 30_000)
      if (!tableDue && fresh.length === 0) return
      this.#drawn = this.#data.version
      this.#printedIncidents = incidents.length
      const out: string[] = []
      if (tableDue) {
        this.#lastPlainMs = now
        const lines = renderFrame(this.#data, this.#layout(false, true))
        out.push(...lines.slice(0, lines.findIndex((l) => l.startsWith('alerts ')) - 1).map((l) => l.trimEnd()))
      }
      for (const i of fresh) out.push(`ALERT step ${i.step ?? '-'} ${i.level.toUpperCase()} ${i.rule}${i.metric ? ` ${i.metric}` : ''} → ${i.decision}: ${i.message}`)
      this.#stream.write(`${out.join('\n')}\n`)
      this.#frames++
    } catch (e) {
      this.#report(e)
    }
  }

  #report(e: unknown): void {
    const err = toEntrenarError(e, ErrorCodes.SINK_FAILED, 'entrenar/viz: terminal dashboard')
    if (this.#o.onError) this.#o.onError(err)
    else if (!this.#reported) {
      this.#reported = true
      process.stderr.write(`${err.message}\n`)
    }
  }
}

/** The option names createTerminalDashboard accepts (unknown ones are errors). */
const CREATE_TERMINAL_DASHBOARD_OPTIONS = optionKeys<NonNullable<Parameters<typeof createTerminalDashboard>[0]>>({ source: true, runs: true, alerts: true, panels: true, refreshMs: true, smoothing: true, width: true, height: true, ascii: true, color: true, stream: true, env: true, title: true, maxPanels: true, alertRows: true, plainIntervalMs: true, live: true, maxPointsPerSeries: true, onError: true })
