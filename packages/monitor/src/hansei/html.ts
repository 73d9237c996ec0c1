import { fmt } from './analyze.js'
import type { HanseiReport } from './types.js'

/** A chart of one metric for the HTML report (structurally a `@entrenar/viz` `ChartSpec`). */
export interface HanseiChart {
  /** The chart's title: the metric name and its trend. */
  readonly title: string
  /** The lines drawn (one per metric). */
  readonly series: readonly {
    /** Legend label. */
    readonly name: string
    /** Steps. */
    readonly x: ArrayLike<number>
    /** Values at those steps. */
    readonly y: ArrayLike<number>
  }[]
  /** Marks at steps: `stop` the Andon's stop (solid), `drift` a detector's change point (dotted), `incident` another incident (dashed). */
  readonly markers: readonly {
    /** The step marked. */
    readonly x: number
    /** Text next to the mark. */
    readonly label: string
    /** Severity, which sets the colour. */
    readonly level: 'info' | 'warning' | 'error' | 'critical'
    /** Line style, as above; default `incident`. */
    readonly kind?: 'incident' | 'stop' | 'drift'
  }[]
}

/** Options of {@link renderHanseiHtml}. */
export interface HanseiHtmlOptions {
  /** Charts to embed (see `hanseiCharts`). */
  readonly charts?: readonly HanseiChart[]
  /** Renders a chart as an inline SVG document, e.g. `@entrenar/viz`'s `renderSvg`. Without it no charts are drawn. */
  readonly renderChart?: (chart: HanseiChart) => string
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
/** Escapes a recommendation and shows its paired `code` spans as <code> (applied after escaping, so only our tag is markup). */
const escWithCode = (s: string) => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>')
const COLOR = { critical: '#b00020', error: '#d32f2f', warning: '#b26a00', info: '#1565c0' } as const

/**
 * The report as one self-contained HTML page (no scripts, no external resources; inline SVG charts
 * when a renderer is injected — the monitor package depends on `@entrenar/core` only).
 */
export function renderHanseiHtml(r: HanseiReport, options: HanseiHtmlOptions = {}): string {
  const H: string[] = []
  H.push(
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>Hansei report: ${esc(r.runId)}</title><style>`,
    'body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}',
    'table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}',
    '.sev{font-weight:600;text-transform:uppercase;font-size:12px}.verdict{font-size:18px;font-weight:700}.charts svg{max-width:100%;height:auto}',
    '</style></head><body>',
  )
  H.push(`<h1>Hansei report: ${esc(r.runId)}</h1>`)
  const verdictColor = r.verdict === 'failed' ? COLOR.error : r.verdict === 'degraded' ? COLOR.warning : '#2e7d32'
  H.push(
    `<p><span class="verdict" style="color:${verdictColor}">${r.verdict}</span> · ${r.points} points${r.steps ? ` · steps ${r.steps.first}–${r.steps.last}` : ''}${r.durationMs === undefined ? '' : ` · ${(r.durationMs / 1000).toFixed(2)} s`}${r.run ? ` · status ${esc(r.run.status)}` : ''}${r.run?.name ? ` · ${esc(r.run.name)}` : ''}</p>`,
  )
  if (r.run?.reason) H.push(`<p>Reason: ${esc(r.run.reason)}</p>`)
  H.push('<h2>Findings</h2>')
  if (r.findings.length === 0) H.push('<p>No problems found.</p>')
  else {
    H.push('<table><tr><th>severity</th><th>code</th><th>step</th><th>finding</th><th>recommendation</th></tr>')
    for (const f of r.findings) {
      H.push(
        `<tr><td class="sev" style="color:${COLOR[f.severity]}">${f.severity}</td><td><code>${esc(f.code)}</code></td><td class="n">${f.step ?? ''}</td><td>${esc(f.message)}</td><td>${escWithCode(f.recommendation)}</td></tr>`,
      )
    }
    H.push('</table>')
  }
  if (options.renderChart && options.charts?.length) {
    H.push('<h2>Charts</h2><div class="charts">')
    for (const c of options.charts) H.push(`<figure>${options.renderChart(c)}</figure>`)
    H.push('</div>')
  }
  H.push('<h2>Metrics</h2><table><tr><th>metric</th><th>trend</th><th>first</th><th>last</th><th>best</th><th>min</th><th>max</th><th>slope/step</th><th>MK p</th><th>NaN</th><th>±Inf</th></tr>')
  for (const a of r.metrics) {
    H.push(
      `<tr><td>${esc(a.metric)}</td><td>${a.trend}</td>${[a.first?.value, a.last?.value, a.best?.value, a.min, a.max, a.slope, a.mannKendall.pValue].map((v) => `<td class="n">${v === undefined ? '-' : fmt(v)}</td>`).join('')}<td class="n">${a.nanCount}</td><td class="n">${a.posInfCount + a.negInfCount}</td></tr>`,
    )
  }
  H.push('</table>')
  // The Andon's incidents and the detectors' drift change points, each in a table of its own.
  const incidents = r.timeline.filter((t) => t.kind === 'incident')
  if (incidents.length) {
    H.push(`<h2>Andon incidents (${incidents.length})</h2><table class="incidents"><tr><th>step</th><th>metric</th><th>rule</th><th>level</th><th>decision</th><th>message</th></tr>`)
    for (const t of incidents.slice(0, 500)) {
      H.push(`<tr><td class="n">${t.step ?? '-'}</td><td>${esc(t.metric ?? '-')}</td><td>${esc(t.source)}</td><td class="sev" style="color:${COLOR[t.level]}">${t.level}</td><td>${esc(t.decision ?? '-')}</td><td>${esc(t.message)}</td></tr>`)
    }
    H.push('</table>')
    if (incidents.length > 500) H.push(`<p>… ${incidents.length - 500} more in the JSON report.</p>`)
  }
  const drift = r.timeline.filter((t) => t.kind === 'drift')
  if (drift.length) {
    H.push(`<h2>Drift change points (${drift.length})</h2><table class="drift"><tr><th>step</th><th>metric</th><th>detector</th><th>level</th><th>detail</th></tr>`)
    for (const t of drift.slice(0, 500)) {
      H.push(`<tr><td class="n">${t.step ?? '-'}</td><td>${esc(t.metric ?? '-')}</td><td>${esc(t.source)}</td><td class="sev" style="color:${COLOR[t.level]}">${t.level}</td><td>${esc(t.message)}</td></tr>`)
    }
    H.push('</table>')
    if (drift.length > 500) H.push(`<p>… ${drift.length - 500} more in the JSON report.</p>`)
  }
  if (r.timeline.length) {
    H.push('<h2>Timeline</h2><table><tr><th>step</th><th>level</th><th>kind</th><th>source</th><th>message</th></tr>')
    for (const t of r.timeline.slice(0, 500)) {
      H.push(`<tr><td class="n">${t.step ?? '-'}</td><td class="sev" style="color:${COLOR[t.level]}">${t.level}</td><td>${t.kind}</td><td>${esc(t.source)}</td><td>${esc(t.message)}</td></tr>`)
    }
    H.push('</table>')
  }
  if (r.lastGoodCheckpoint) H.push(`<h2>Last good checkpoint</h2><p>Step ${r.lastGoodCheckpoint.step}${r.lastGoodCheckpoint.label ? ` (${esc(r.lastGoodCheckpoint.label)})` : ''}</p>`)
  if (r.recommendations.length) H.push(`<h2>Recommendations</h2><ol>${r.recommendations.map((x) => `<li>${escWithCode(x)}</li>`).join('')}</ol>`)
  if (r.run?.config) H.push(`<h2>Configuration</h2><pre>${esc(JSON.stringify(r.run.config, null, 2))}</pre>`)
  H.push(`<footer><small>Generated by Entrenar Hansei at ${esc(new Date(r.generatedAtMs).toISOString())}</small></footer></body></html>`)
  return H.join('\n')
}
