/**
 * The Prometheus data model and text formats, as specified by
 * https://prometheus.io/docs/concepts/data_model/ (names `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names
 * `[a-zA-Z_][a-zA-Z0-9_]*`, `__` reserved), the text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/) and OpenMetrics 1.0
 * (https://github.com/prometheus/OpenMetrics/blob/main/specification/OpenMetrics.md).
 */
import type { ExportFormat } from '@entrenar/core'

/** `Content-Type` of each format (what Prometheus negotiates with its `Accept` header). */
export const CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
}

/**
 * Turns any string into a valid metric name part: camelCase becomes snake_case (promtool's lint
 * asks for snake_case; `valLoss` → `val_loss`, while `NaN` stays one word), every character outside `[a-z0-9_]` becomes `_` (colons are reserved for
 * recording rules), runs of `_` collapse, and a leading digit gets a `_` in front.
 */
export function sanitizeMetricName(name: string): string {
  let s = name
    .replace(/([a-z0-9])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
  if (s.length > 1) s = s.replace(/^_+|_+$/g, '') || '_'
  if (s.length === 0) return '_'
  return /^[0-9]/.test(s) ? `_${s}` : s
}

/** Turns any string into a valid label name: invalid characters become `_`, and the reserved `__` prefix is avoided. */
export function sanitizeLabelName(name: string): string {
  let s = name.replace(/[^a-zA-Z0-9_]/g, '_')
  if (s.length === 0) s = '_'
  if (/^[0-9]/.test(s)) s = `_${s}`
  if (s.startsWith('__')) s = `l${s.replace(/^_+/, '_')}`
  return s
}

/** Escapes a label value: backslash, double quote and line feed (both formats). */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value
}

/** Escapes HELP text: backslash and line feed (text format 0.0.4); OpenMetrics also escapes `"`. */
export function escapeHelp(help: string, format: ExportFormat): string {
  const s = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
  return format === 'openmetrics' ? s.replace(/"/g, '\\"') : s
}

/** Formats a sample value: NaN and ±Inf are data and are written as `NaN`, `+Inf`, `-Inf`. */
export function formatValue(x: number): string {
  if (Number.isFinite(x)) return x === 0 ? '0' : String(x)
  return x !== x ? 'NaN' : x > 0 ? '+Inf' : '-Inf'
}

/**
 * Renders a label set as `{a="x",b="y"}` with the names in the given order (callers sort them),
 * or the empty string for no labels.
 */
export function formatLabels(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return ''
  let s = '{'
  for (let i = 0; i < names.length; i++) {
    if (i > 0) s += ','
    s += `${names[i]}="${escapeLabelValue(values[i]!)}"`
  }
  return `${s}}`
}

/** Bucket bound as a label value: `+Inf` for the last bucket, otherwise the number as Go prints it. */
export function formatBound(le: number): string {
  return le === Number.POSITIVE_INFINITY ? '+Inf' : formatValue(le)
}
