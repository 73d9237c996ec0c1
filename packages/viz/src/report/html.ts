import { type DriftEvent, EntrenarError, ErrorCodes, type Incident, type MetricStore, type RecordBatch, type RunInfo } from '@entrenar/core'
import { formatNumber } from '../chart/format.js'
import { normalisePanels, type PanelInput, resolvePanels, seriesLabel } from '../model/panels.js'
import { createRunData } from '../model/run-data.js'
import { checkSmoothOptions, type SmoothOptions } from '../series/smooth.js'
import { seriesStats } from '../series/stats.js'
import { drawChart, svgDocument, themeOf } from '../svg/chart.js'
import type { ChartMarker } from '../svg/chart.js'
import { colorsOf, markersFor, panelDrawables, smoothingLabel, yAxisLabel } from '../svg/dashboard-layout.js'
import { esc } from '../svg/theme.js'

/** What {@link renderHtmlReport} puts in the file. */
export interface HtmlReportInput {
  /** Page title; default the run's name or id. */
  readonly title?: string
  /** The run's metadata (status, times, host, revision, config). */
  readonly run?: RunInfo
  /** The run's points. */
  readonly batches: RecordBatch | readonly RecordBatch[]
  /** Alerts (an Andon's `history()`, or `<dir>/andon/incidents.jsonl`). */
  readonly incidents?: readonly Incident[]
  /** Drift change points of the detectors (`<dir>/drift/events.jsonl`): a table and dotted marks on the charts of their metric. */
  readonly driftEvents?: readonly DriftEvent[]
  /** Panels; default every metric base name (up to 12). */
  readonly panels?: readonly PanelInput[]
  /** Smoothing of the charts (the raw line stays, faint). Default none. */
  readonly smoothing?: SmoothOptions
  /** Colour theme. Default `light`. */
  readonly theme?: 'light' | 'dark'
  /** Stamp shown in the footer (ms since the epoch); omitted by default so a report is reproducible. */
  readonly generatedAtMs?: number
}

const CSS = `
:root{color-scheme:light dark}
body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:0 auto;max-width:1280px;padding:24px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;font-size:13px}.meta span{margin-right:16px}
.status{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:bold;color:#fff;background:#2ca02c}
.status.stopped,.status.failed{background:#d62728}.status.running{background:#1f77b4}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:12px}
.charts figure{margin:0}.charts svg{width:100%;height:auto;border:1px solid #eee;border-radius:4px}
table{border-collapse:collapse;font-size:13px;width:100%}th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}td.msg{text-align:left;white-space:normal}
table.alerts th,table.alerts td{text-align:left}table.alerts .num{text-align:right}
.bad{color:#d62728;font-weight:bold}.legend-more{font-size:12px;color:#555;margin:2px 4px 8px}.lvl-warning{color:#b58100}.lvl-error,.lvl-critical{color:#d62728;font-weight:bold}.lvl-info{color:#1f77b4}
pre{background:#f6f6f6;padding:8px;overflow:auto;font-size:12px}
footer{margin-top:32px;color:#888;font-size:12px}
`

function isoUtc(ms: number | undefined): string {
  return typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '—'
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s % 60} s` : `${s} s`
}

/**
 * One self-contained HTML file per run: run metadata and configuration, inline SVG charts (train vs
 * validation, smoothing, NaN/Inf and alert markers), a stats table (exact mean, std, min, max, p99,
 * NaN/Inf counts) and the alert history. No scripts, no external resources (a CSP forbids them), so
 * it opens offline and can be attached to a ticket or a paper.
 *
 * @example
 * ```ts
 * const html = renderHtmlReport({ run, batches: await store.range(0, Date.now() * 1000, { runs: [run.id] }), incidents: andon.history() })
 * ```
 */
export function renderHtmlReport(input: HtmlReportInput): string {
  if (typeof input !== 'object' || input === null) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, 'entrenar/viz: renderHtmlReport needs an input object')
  const batches = Array.isArray(input.batches) ? (input.batches as readonly RecordBatch[]) : [input.batches as RecordBatch]
  if (input.smoothing) checkSmoothOptions(input.smoothing)
  const panels = normalisePanels(input.panels)
  // Unbounded: the report's statistics are exact over every row.
  const data = createRunData(Number.POSITIVE_INFINITY)
  for (const b of batches) data.apply({ batch: b })
  if (data.rejected > 0) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/viz: ${data.rejected} of ${batches.length} batches are not record batches`)
  const incidents = input.incidents ?? []
  data.apply({ incidents })
  const run = input.run
  const title = input.title ?? run?.name ?? run?.id ?? data.runIds[0] ?? 'Entrenar run'
  const theme = themeOf(input.theme)
  const runs = data.runIds.length

  const out: string[] = []
  out.push('<!doctype html>', '<html lang="en"><head><meta charset="utf-8">')
  out.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`)
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">', '<meta name="generator" content="entrenar">')
  out.push(`<title>${esc(title)}</title><style>${CSS}</style></head><body>`)
  out.push(`<h1>${esc(title)}</h1>`)
  if (run) {
    const meta = [
      `<span class="status ${esc(run.status)}">${esc(run.status)}</span>`,
      `<span>run <b>${esc(run.id)}</b></span>`,
      `<span>started ${esc(isoUtc(run.startTimeMs))}</span>`,
      run.endTimeMs !== undefined ? `<span>ended ${esc(isoUtc(run.endTimeMs))} (${esc(duration(run.endTimeMs - run.startTimeMs))})</span>` : '',
      run.host ? `<span>host ${esc(run.host)}</span>` : '',
      run.gitRevision ? `<span>revision ${esc(run.gitRevision)}</span>` : '',
    ]
    out.push(`<div class="meta">${meta.join('')}</div>`)
    if (run.reason) out.push(`<p class="bad">${esc(run.reason)}</p>`)
  }
  let points = 0
  for (const s of data.series) points += s.data.stats().count
  out.push(`<p class="meta"><span>${data.series.length} series</span><span>${points} points</span><span>${incidents.length} alerts</span></p>`)

  out.push('<h2>Charts</h2><div class="charts">')
  const resolved = resolvePanels(panels, data, 12, input.smoothing)
  const colors = colorsOf(data, theme.palette)
  const drift = input.driftEvents ?? []
  resolved.forEach((p, i) => {
    const w = 640
    const h = 320
    const metrics = p.series.map((s) => s.metric)
    const bases = p.series.map((s) => s.base)
    const driftMarks: ChartMarker[] = drift
      .filter((d) => metrics.includes(d.metric) || bases.includes(d.metric))
      .map((d) => ({ x: d.step, label: d.detector, level: d.severity === 'high' ? 'error' : 'warning', kind: 'drift' }))
    let hidden: readonly string[] = []
    const body = drawChart(panelDrawables(p.series, p.smoothing, runs, colors), { x: 0, y: 0, width: w, height: h }, {
      title: `${p.title} (${smoothingLabel(p.smoothing)}${p.yScale === 'log' ? ', log y' : ''})`,
      yLabel: yAxisLabel(p.title, metrics),
      markers: [...markersFor(incidents, metrics, bases), ...driftMarks],
      yScale: p.yScale,
      theme,
      id: `chart${i}`,
      onLegendHidden: (names) => {
        hidden = names
      },
    })
    out.push(`<figure>${svgDocument(w, h, theme, body).replace('<svg ', `<svg role="img" aria-label="${esc(p.title)}" `)}`)
    // The legend had no room for these: they are named here, never dropped silently.
    if (hidden.length > 0) out.push(`<figcaption class="legend-more">Also in this chart (${hidden.length} not in its legend): ${hidden.map(esc).join(', ')}</figcaption>`)
    out.push('</figure>')
  })
  if (resolved.length === 0) out.push('<p>No metrics recorded.</p>')
  out.push('</div>')

  out.push('<h2>Statistics</h2><table><thead><tr><th>series</th><th>n</th><th>last</th><th>mean</th><th>std</th><th>min</th><th>max</th><th>p99</th><th>NaN</th><th>+Inf</th><th>−Inf</th></tr></thead><tbody>')
  for (const s of data.series) {
    const st = seriesStats(s.data.y)
    const bad = (v: number) => (v > 0 ? ` class="bad"` : '')
    const cells = [st.count, st.last, st.mean, st.std, st.min, st.max, st.p99].map((v) => `<td>${esc(formatNumber(v, 6))}</td>`).join('')
    out.push(
      `<tr><td>${esc(seriesLabel(s, runs))}</td>${cells}<td${bad(st.nanCount)}>${st.nanCount}</td><td${bad(st.posInfCount)}>${st.posInfCount}</td><td${bad(st.negInfCount)}>${st.negInfCount}</td></tr>`,
    )
  }
  out.push('</tbody></table>')

  out.push(`<h2>Andon incidents (${incidents.length})</h2>`)
  if (incidents.length === 0) out.push('<p>No incidents.</p>')
  else {
    out.push('<table class="alerts"><thead><tr><th>time</th><th class="num">step</th><th>level</th><th>rule</th><th>metric</th><th class="num">value</th><th>decision</th><th>message</th></tr></thead><tbody>')
    for (const a of incidents) {
      out.push(
        `<tr><td>${esc(isoUtc(a.timestampMs))}</td><td class="num">${a.step ?? '—'}</td><td class="lvl-${esc(a.level)}">${esc(a.level)}</td><td>${esc(a.rule)}</td><td>${esc(a.metric ?? '—')}</td><td class="num">${a.value === undefined ? '—' : esc(formatNumber(a.value, 6))}</td><td>${esc(a.decision)}</td><td class="msg">${esc(a.message)}</td></tr>`,
      )
    }
    out.push('</tbody></table>')
  }
  if (drift.length > 0) {
    out.push(`<h2>Drift change points (${drift.length})</h2>`)
    out.push('<table class="alerts drift"><thead><tr><th>time</th><th class="num">step</th><th>run</th><th>metric</th><th>detector</th><th>signal</th><th>severity</th><th class="num">statistic</th></tr></thead><tbody>')
    for (const d of [...drift].sort((a, b) => a.step - b.step)) {
      out.push(
        `<tr><td>${esc(isoUtc(d.timestampMs))}</td><td class="num">${d.step}</td><td>${esc(d.runId ?? '—')}</td><td>${esc(d.metric)}</td><td>${esc(d.detector)}</td><td>${esc(d.signal)}</td><td>${esc(d.severity ?? '—')}</td><td class="num">${esc(formatNumber(d.statistic, 6))}</td></tr>`,
      )
    }
    out.push('</tbody></table>')
  }
  if (run?.config && Object.keys(run.config).length > 0) {
    out.push(`<h2>Configuration</h2><pre>${esc(JSON.stringify(run.config, null, 2))}</pre>`)
  }
  out.push(`<footer>Entrenar run report${input.generatedAtMs !== undefined ? ` · generated ${esc(isoUtc(input.generatedAtMs))}` : ''}</footer>`)
  out.push('</body></html>', '')
  return out.join('\n')
}

/** Reads a run from a store (its metadata and every row) and renders {@link renderHtmlReport}. */
export async function htmlReportFromStore(store: Pick<MetricStore, 'range' | 'runs'>, runId: string, extra: Omit<HtmlReportInput, 'batches' | 'run'> = {}): Promise<string> {
  const runs = await store.runs()
  const run = runs.find((r) => r.id === runId)
  const batches = await store.range(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, { runs: [runId] })
  if (!run && batches.every((b) => b.length === 0)) throw new EntrenarError(ErrorCodes.NOT_FOUND, `entrenar/viz: run ${JSON.stringify(runId)} has no metadata and no rows in the store`)
  return renderHtmlReport({ ...extra, ...(run ? { run } : {}), batches })
}
