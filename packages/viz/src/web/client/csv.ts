import type { Series } from '@entrenar/core'

/**
 * One CSV field (RFC 4180 quoting). Text that a spreadsheet would run as a formula (leading `=`, `+`,
 * `-`, `@`, tab or CR: OWASP "CSV injection") is prefixed with `'`; numbers are written as numbers,
 * with NaN and ±Inf spelled out (`NaN`, `Infinity`, `-Infinity`) so nothing is lost.
 */
export function csvField(v: string | number): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v)
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** The raw rows of query series as CSV: `run_id,metric,step,timestamp_us,value`. */
export function seriesCsv(series: readonly Series[]): string {
  const lines = ['run_id,metric,step,timestamp_us,value']
  for (const s of series) {
    const run = csvField(s.runId)
    const metric = csvField(s.metric)
    for (let i = 0; i < s.x.length; i++) {
      lines.push(`${run},${metric},${csvField(s.x[i]!)},${s.timestampUs ? csvField(s.timestampUs[i]!) : ''},${csvField(s.value[i]!)}`)
    }
  }
  return `${lines.join('\n')}\n`
}

/** A file name made of safe characters only. */
export function fileName(base: string): string {
  return `${base.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'series'}.csv`
}
