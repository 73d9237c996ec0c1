import type { RecordBatch } from '../batch.js'
import type { Incident } from './alert.js'
import type { DriftEvent } from './detector.js'

/** What a dashboard receives: new points, new incidents and/or new drift events. */
export interface DashboardFrame {
  /** New points to draw. */
  readonly batch?: RecordBatch
  /** New incidents, added to those already shown. */
  readonly incidents?: readonly Incident[]
  /** New detector events (e.g. from `<dir>/drift/events.jsonl`), added to those already shown; change points (`signal: 'drift'`) are marked on the charts. */
  readonly driftEvents?: readonly DriftEvent[]
}

/**
 * A renderer of runs (the spec's `Dashboard`): terminal, SVG, web.
 * `update` is cheap and coalesces; `render` draws the current state.
 */
export interface Dashboard {
  /** Feeds new data; never throws into the caller's loop. */
  update(frame: DashboardFrame): void
  /** Renders the current state (terminal text, SVG markup, …). */
  render(): string
  /** Writes the current state as a PNG file, when the renderer supports raster output. */
  savePng?(path: string): Promise<void>
}
