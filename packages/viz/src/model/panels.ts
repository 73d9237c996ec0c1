import { EntrenarError, ErrorCodes } from '@entrenar/core'
import { checkSmoothOptions, type SmoothOptions } from '../series/smooth.js'
import type { RunData, SeriesEntry } from './run-data.js'

/** One chart panel: the metrics it draws (train and validation twins together). */
export interface PanelSpec {
  /** Shown above the chart; default the first metric. */
  readonly title?: string
  /**
   * Metric names or base names; `loss` matches `loss`, `val_loss`, `val/loss`, `train/loss` and
   * `loss` tagged `split=val`.
   */
  readonly metrics: readonly string[]
  /** Smoothing applied before downsampling (raw NaN/Inf markers are still drawn). */
  readonly smoothing?: SmoothOptions
  /** `log` draws log10 of y (a loss over orders of magnitude; values ≤ 0 sit on the bottom edge). Default `linear`. */
  readonly yScale?: 'linear' | 'log'
}

/** A panel given as a metric name is `{ metrics: [name] }`. */
export type PanelInput = string | PanelSpec

/** A panel with its series resolved against the current data. */
export interface ResolvedPanel {
  readonly title: string
  readonly series: readonly SeriesEntry[]
  readonly smoothing: SmoothOptions | undefined
  readonly yScale: 'linear' | 'log'
}

/** Validates panel inputs at construction (fail fast, `ENTRENAR_INVALID_CONFIG`). */
export function normalisePanels(inputs: readonly PanelInput[] | undefined): PanelSpec[] | undefined {
  if (inputs === undefined) return undefined
  if (!Array.isArray(inputs)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, 'entrenar/viz: panels must be an array')
  return inputs.map((p, i) => {
    const spec: PanelSpec = typeof p === 'string' ? { metrics: [p] } : p
    if (typeof spec !== 'object' || spec === null || !Array.isArray(spec.metrics) || spec.metrics.length === 0 || !spec.metrics.every((m) => typeof m === 'string' && m.length > 0)) {
      throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/viz: panel ${i} needs a non-empty list of metric names`)
    }
    if (spec.smoothing) checkSmoothOptions(spec.smoothing)
    if (spec.yScale !== undefined && spec.yScale !== 'linear' && spec.yScale !== 'log') {
      throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/viz: panel ${i} yScale must be 'linear' or 'log', got ${String(spec.yScale)}`)
    }
    return spec
  })
}

/** Order of splits inside a panel: train first, then validation, then the rest. */
function splitRank(split: string): number {
  return split === 'train' ? 0 : split === 'val' ? 1 : 2
}

/** Prefix of the system metrics written by `@entrenar/monitor`'s sampler. */
export const SYSTEM_PREFIX = 'sys/'

/**
 * The default panel of system metrics: utilisation in percent (process CPU, GPUs) when present, else
 * the process RSS; mixing percent and bytes on one axis would flatten one of them.
 */
function systemPanel(data: RunData): PanelSpec | undefined {
  const sys = [...new Set(data.series.filter((s) => s.metric.startsWith(SYSTEM_PREFIX)).map((s) => s.metric))]
  if (sys.length === 0) return undefined
  const percent = sys.filter((m) => m.endsWith('_percent'))
  return { title: percent.length > 0 ? 'system (%)' : 'system (RSS bytes)', metrics: percent.length > 0 ? percent : sys.filter((m) => m === 'sys/rss_bytes') }
}

/**
 * Resolves panels against the data: explicit specs in their order, or one panel per base metric in
 * first-seen order (at most `maxPanels`), the `sys/` series in a panel of their own (the last one).
 */
export function resolvePanels(specs: readonly PanelSpec[] | undefined, data: RunData, maxPanels: number, smoothing?: SmoothOptions): ResolvedPanel[] {
  const list =
    specs ??
    (() => {
      const bases: string[] = []
      for (const s of data.series) if (!s.metric.startsWith(SYSTEM_PREFIX) && !bases.includes(s.base)) bases.push(s.base)
      const sys = systemPanel(data)
      const training = bases.slice(0, sys && sys.metrics.length > 0 ? Math.max(1, maxPanels - 1) : maxPanels).map((b) => ({ metrics: [b] }) as PanelSpec)
      return sys && sys.metrics.length > 0 ? [...training, sys] : training
    })()
  return list.map((spec) => {
    const series = data.series.filter((s) => spec.metrics.includes(s.metric) || spec.metrics.includes(s.base))
    series.sort((a, b) => splitRank(a.split) - splitRank(b.split))
    return { title: spec.title ?? spec.metrics[0]!, series, smoothing: spec.smoothing ?? smoothing, yScale: spec.yScale ?? 'linear' }
  })
}

/** A series' label: the metric as logged, with the run when several runs are drawn. */
export function seriesLabel(s: SeriesEntry, runs: number): string {
  const split = s.split !== 'train' && s.metric === s.base ? ` (${s.split})` : ''
  return runs > 1 ? `${s.metric}${split} [${s.runId}]` : `${s.metric}${split}`
}
