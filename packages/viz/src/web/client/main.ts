/**
 * The dashboard page. Bundled by `build.mjs` (esbuild) with uPlot and `@entrenar/core` into one
 * local script: nothing is fetched from the internet, no Node built-ins. State lives here; the
 * views are rebuilt from it with `h()` (text only, never HTML strings).
 */
import type { DriftEvent, Incident } from '@entrenar/core'
import 'uplot/dist/uPlot.min.css'
import './app.css'
import type { SmoothKind, SmoothOptions } from '../../series/smooth.js'
import { SMOOTH_DEFAULTS } from '../../series/smooth.js'
import { runColors } from '../../chart/run-colors.js'
import { chartPoints, chartQuery, isSystemMetric as isSystem, MAX_DEFAULT_METRICS, MAX_DEFAULT_RUNS, metricsOf, POINTS_COOKIE, primaryMetrics } from '../first-view.js'
import { type EventsView, MAX_CURSORS, type Overview, type RunSummary, type StreamMessage, type StreamRequest } from '../wire.js'
import { fetchEvents, fetchOverview, fetchSeries, type Subscription, subscribe } from './api.js'
import { appendSeries, type Buckets, bucketsOf } from './buckets.js'
import { ChartPanel, type ChartLine } from './chart.js'
import { fileName, seriesCsv } from './csv.js'
import { h, replace, replaceAll } from './dom.js'
import { formatDuration, formatNumber, formatTime, PALETTE } from './format.js'
import { readHash, writeHash } from './hash.js'
import { renderLineage } from './lineage.js'
import { pageStats } from './stats.js'

type Layout = 'overlay' | 'side-by-side'

const state = {
  overview: undefined as Overview | undefined,
  selected: new Set<string>(),
  metrics: new Set<string>(),
  metricFilter: '',
  runFilter: '',
  /** True when the first query was sent before the run list arrived (a view named in the address). */
  prefetched: false,
  /** Until the user picks runs (or the address names them), the newest runs are shown, new ones included. */
  autoRuns: true,
  autoMetrics: true,
  tags: undefined as Readonly<Record<string, string>> | undefined,
  openDetails: new Set<string>(),
  layout: 'overlay' as Layout,
  smoothKind: 'ema' as SmoothKind | 'none',
  smoothParam: { weight: SMOOTH_DEFAULTS.weight, window: SMOOTH_DEFAULTS.window, sigma: SMOOTH_DEFAULTS.sigma },
  range: undefined as readonly [number, number] | undefined,
  incidents: [] as Incident[],
  driftEvents: [] as DriftEvent[],
  /** Incidents of the live Andon the page holds (the live stream's cursor). */
  andonSeen: 0,
  /** Metrics whose panels draw y on a log scale / clip y to p1–p99 (kept in the address). */
  logY: new Set<string>(),
  clipY: new Set<string>(),
  colors: new Map<string, string>(),
  data: new Map<string, Buckets>(),
  queries: 0,
  live: undefined as Subscription | undefined,
  loading: 0,
}

/** Records the first time a stage completed (ms since navigation start) on `<body data-t-*>`, for the benchmark. */
function mark(stage: string): void {
  const k = `t${stage[0]!.toUpperCase()}${stage.slice(1)}`
  if (!document.body.dataset[k]) document.body.dataset[k] = String(Math.round(performance.now()))
}

const key = (run: string, metric: string): string => `${run}\u0000${metric}`

// ---------------------------------------------------------------------------------------------
// Layout skeleton

const el = {
  title: h('h1', {}, 'Entrenar'),
  status: h('span', { class: 'status', attrs: { role: 'status' } }),
  error: h('div', { class: 'error', attrs: { role: 'alert' } }),
  runs: h('div', { class: 'runs' }),
  runCount: h('span', { class: 'hint', attrs: { id: 'run-count' } }),
  pickShown: h('button', { attrs: { type: 'button', id: 'pick-shown' }, on: { click: () => pickRuns('shown') } }, 'select shown'),
  metrics: h('div', { class: 'metric-list' }),
  charts: h('div', { class: 'charts' }),
  stats: h('div', { class: 'stats' }),
  events: h('div', { class: 'events' }),
  lineage: h('section', { class: 'lineage', attrs: { hidden: '' } }),
  param: h('input', { attrs: { type: 'range', 'aria-label': 'smoothing amount' } }),
  paramValue: h('span', { class: 'num' }),
}
const panels = new Map<string, ChartPanel>()

function skeleton(): HTMLElement {
  const layoutPick = h(
    'select',
    { attrs: { 'aria-label': 'layout', id: 'layout' }, on: { change: (e) => setLayout((e.target as HTMLSelectElement).value as Layout) } },
    h('option', { attrs: { value: 'overlay' } }, 'overlay runs'),
    h('option', { attrs: { value: 'side-by-side' } }, 'side by side'),
  )
  const smoothPick = h(
    'select',
    { attrs: { 'aria-label': 'smoothing', id: 'smoothing' }, on: { change: (e) => setSmoothing((e.target as HTMLSelectElement).value as SmoothKind | 'none') } },
    h('option', { attrs: { value: 'none' } }, 'no smoothing'),
    h('option', { attrs: { value: 'ema', selected: '' } }, 'EMA (TensorBoard)'),
    h('option', { attrs: { value: 'time-ema' } }, 'time-weighted EMA'),
    h('option', { attrs: { value: 'running' } }, 'running mean'),
    h('option', { attrs: { value: 'gaussian' } }, 'gaussian'),
  )
  el.param.addEventListener('input', () => setParam(Number(el.param.value)))
  const filter = h('input', {
    attrs: { type: 'search', placeholder: 'filter metrics', 'aria-label': 'filter metrics' },
    on: {
      input: (e) => {
        state.metricFilter = (e.target as HTMLInputElement).value
        renderMetricPicker()
      },
    },
  })
  return h(
    'main',
    {},
    h('header', {}, el.title, el.status, h('button', { attrs: { type: 'button', id: 'refresh' }, on: { click: () => void refresh(true) } }, 'refresh')),
    el.error,
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Runs'),
      h(
        'div',
        { class: 'row run-tools' },
        h('input', {
          attrs: { type: 'search', placeholder: 'filter runs (name, id, status, config)', 'aria-label': 'filter runs', id: 'run-filter' },
          on: {
            input: (e) => {
              state.runFilter = (e.target as HTMLInputElement).value
              runTable.scroller.scrollTop = 0
              renderRuns()
            },
          },
        }),
        el.pickShown,
        h('button', { attrs: { type: 'button', id: 'pick-none' }, on: { click: () => pickRuns('none') } }, 'clear selection'),
        el.runCount,
      ),
      el.runs,
    ),
    h(
      'section',
      { class: 'panel controls' },
      h('h2', {}, 'Metrics'),
      filter,
      el.metrics,
      h(
        'div',
        { class: 'row' },
        h('label', {}, 'layout ', layoutPick),
        h('label', {}, 'smoothing ', smoothPick, ' ', el.param, ' ', el.paramValue),
        h('button', { attrs: { type: 'button', id: 'reset-zoom' }, on: { click: () => void zoom(undefined) } }, 'reset zoom'),
        h(
          'label',
          {},
          'tags ',
          h('input', {
            attrs: { type: 'search', id: 'tags', placeholder: 'split=val, expert=3', 'aria-label': 'only points with these tags' },
            on: { change: (e) => setTags((e.target as HTMLInputElement).value) },
          }),
        ),
        h('span', { class: 'hint' }, 'drag on a chart to zoom, double-click to reset'),
      ),
    ),
    el.charts,
    h('section', { class: 'panel' }, h('h2', {}, 'Statistics (computed in this page)'), el.stats),
    h('section', { class: 'panel' }, h('h2', {}, 'Andon and drift events'), el.events),
    el.lineage,
  )
}

/** Mirrors the view into the address (replaceState: no history entry per click). */
function saveView(): void {
  const k = state.smoothKind
  const p = state.smoothParam
  const value = k === 'running' ? p.window : k === 'gaussian' ? p.sigma : p.weight
  const hash = writeHash({
    runs: [...state.selected],
    metrics: [...state.metrics],
    layout: state.layout,
    smooth: { kind: k, value: k === 'none' ? Number.NaN : value },
    ...(state.range ? { steps: state.range } : {}),
    ...(state.logY.size > 0 ? { log: [...state.logY] } : {}),
    ...(state.clipY.size > 0 ? { clip: [...state.clipY] } : {}),
  })
  if (hash !== location.hash) history.replaceState(null, '', hash)
}

/** Applies the view found in the address; true when it named runs. */
function loadView(): boolean {
  const v = readHash(location.hash)
  if (v.layout) state.layout = v.layout
  if (v.smooth) {
    const k = v.smooth.kind as SmoothKind | 'none'
    state.smoothKind = k
    const x = v.smooth.value
    if (Number.isFinite(x)) {
      if (k === 'running' && x >= 1) state.smoothParam.window = x
      else if (k === 'gaussian' && x > 0) state.smoothParam.sigma = x
      else if ((k === 'ema' || k === 'time-ema') && x >= 0 && x < 1) state.smoothParam.weight = x
    }
  }
  if (v.steps) state.range = v.steps
  for (const m of v.log ?? []) state.logY.add(m)
  for (const m of v.clip ?? []) state.clipY.add(m)
  for (const m of v.metrics ?? []) state.metrics.add(m)
  for (const r of v.runs ?? []) state.selected.add(r)
  if (v.runs !== undefined) state.autoRuns = false
  if (v.metrics !== undefined) state.autoMetrics = false
  return v.runs !== undefined
}

function showError(e: unknown): void {
  el.error.textContent = e instanceof Error ? e.message : String(e)
}

// ---------------------------------------------------------------------------------------------
// Runs

/** A run's colour: by its id (the same in the SVG/PNG charts and reports), distinct among the listed runs. */
function runColor(id: string): string {
  return state.colors.get(id) ?? runColors([id], PALETTE).get(id)!
}

function runLabel(r: RunSummary | undefined, id: string): string {
  return r?.run.name ? `${r.run.name} (${id})` : id
}

function summaryOf(id: string): RunSummary | undefined {
  return state.overview?.runs.find((r) => r.run.id === id)
}

/** Above this many listed runs the table draws only the rows in view (plus a margin), whatever the count. */
const VIRTUAL_FROM = 150
/** Height of a row of the long table (CSS `.runs.virtual tbody tr`), px. */
const ROW_PX = 44
/** Rows drawn above and below the ones in view. */
const OVERSCAN = 12
/** Most runs "select shown" picks at once (each is a series of every charted metric). */
const MAX_PICK = 500

/** Runs the run filter lets through, in list order (cached per run list and filter). */
let shownCache: { overview: Overview; filter: string; runs: RunSummary[] } | undefined
function shownRuns(): RunSummary[] {
  const o = state.overview
  if (!o) return []
  const f = state.runFilter.toLowerCase()
  if (shownCache?.overview === o && shownCache.filter === f) return shownCache.runs
  const matches = (r: RunSummary): boolean =>
    !f || [r.run.id, r.run.name ?? '', r.run.status, r.run.host ?? '', r.run.config ? JSON.stringify(r.run.config) : ''].some((t) => t.toLowerCase().includes(f))
  const runs = f ? o.runs.filter(matches) : o.runs.slice()
  shownCache = { overview: o, filter: f, runs }
  return runs
}

function runRow(r: RunSummary, o: Overview): HTMLElement {
  const id = r.run.id
  const box = h('input', {
    attrs: { type: 'checkbox', 'aria-label': `show run ${id}` },
    on: { change: (e) => toggleRun(id, (e.target as HTMLInputElement).checked) },
  })
  box.checked = state.selected.has(id)
  const end = r.run.endTimeMs ?? (r.run.status === 'running' ? o.nowMs : undefined)
  // A long name is cut with an ellipsis (the whole name and value in the tooltip), never allowed to widen the table.
  const finals = r.metrics
    .slice(0, 4)
    .map((m) => h('span', { class: 'final', title: `${m.name} = ${formatNumber(m.last)}${m.nan > 0 ? ` (${m.nan} NaN)` : ''}` }, h('span', { class: 'fname' }, m.name), ' ', h('b', {}, formatNumber(m.last)), m.nan > 0 ? h('span', { class: 'bad' }, ` ${m.nan} NaN`) : null))
  if (r.metrics.length > 4) finals.push(h('span', { class: 'more' }, `+${r.metrics.length - 4} more`))
  const swatch = h('span', { class: 'swatch' })
  swatch.style.background = runColor(id)
  return h(
    'tr',
    { data: { run: id, status: r.run.status } },
    h('td', {}, box),
    h('td', { class: 'name' }, swatch, r.run.name ?? id, r.run.name ? h('div', { class: 'id' }, id) : null, runDetails(r)),
    h('td', { class: 'status-cell' }, h('span', { class: `badge ${r.run.status}` }, r.run.status), r.run.reason ? h('div', { class: 'reason' }, r.run.reason) : null),
    h('td', { class: 'time' }, formatTime(r.run.startTimeMs)),
    h('td', { class: 'time' }, r.run.startTimeMs && end !== undefined ? formatDuration(end - r.run.startTimeMs) : '—'),
    h('td', { class: 'finals' }, ...finals),
    h('td', { class: r.alerts > 0 ? `alerts ${r.maxLevel ?? ''}` : 'alerts', data: { col: 'alerts' } }, String(r.alerts)),
    h('td', { class: r.drift ? 'drift has' : 'drift', data: { col: 'drift' } }, String(r.drift ?? 0)),
  )
}

const runTable = {
  scroller: h('div', { class: 'run-scroll' }),
  body: h('tbody'),
  /** The window drawn last: `first..last` of the shown runs, and what it was drawn from. */
  drawn: '',
}

/** A spacer row standing for `n` rows of the long table that are not drawn. */
function spacer(n: number, where: string): HTMLElement {
  const td = h('td', { attrs: { colspan: '8' } })
  td.style.height = `${n * ROW_PX}px`
  td.style.padding = '0'
  td.style.border = '0'
  return h('tr', { class: 'spacer', data: { spacer: where }, attrs: { 'aria-hidden': 'true' } }, td)
}

/** Draws the rows of the long table that are in view (a scroll or a new run list calls it again). */
function drawRunWindow(force: boolean): void {
  const o = state.overview
  if (!o) return
  const runs = shownRuns()
  const virtual = runs.length > VIRTUAL_FROM
  let first = 0
  let last = runs.length
  if (virtual) {
    const top = runTable.scroller.scrollTop
    const height = runTable.scroller.clientHeight || 600
    first = Math.max(0, Math.floor(top / ROW_PX) - OVERSCAN)
    last = Math.min(runs.length, Math.ceil((top + height) / ROW_PX) + OVERSCAN)
  }
  const key = `${first}:${last}`
  if (!force && key === runTable.drawn) return
  runTable.drawn = key
  const rows: HTMLElement[] = []
  if (first > 0) rows.push(spacer(first, 'top'))
  for (let i = first; i < last; i++) rows.push(runRow(runs[i]!, o))
  if (last < runs.length) rows.push(spacer(runs.length - last, 'bottom'))
  replaceAll(runTable.body, rows)
  el.runs.classList.toggle('virtual', virtual)
  el.runs.dataset.shown = String(runs.length)
  el.runs.dataset.drawn = String(last - first)
}

let windowQueued = false
runTable.scroller.addEventListener(
  'scroll',
  () => {
    if (windowQueued) return
    windowQueued = true
    requestAnimationFrame(() => {
      windowQueued = false
      drawRunWindow(false)
    })
  },
  { passive: true },
)

function renderRuns(): void {
  const o = state.overview
  if (!o) return
  if (o.runs.length === 0) {
    replace(el.runs, h('p', { class: 'empty' }, 'No runs in the store yet.'))
    return
  }
  if (!el.runs.contains(runTable.scroller)) {
    replace(
      runTable.scroller,
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'run'), h('th', {}, 'status'), h('th', {}, 'started'), h('th', {}, 'duration'), h('th', {}, 'final metrics'), h('th', {}, 'alerts'), h('th', { title: 'drift change points found by a detector' }, 'drift'))),
        runTable.body,
      ),
    )
    replace(el.runs, runTable.scroller)
  }
  drawRunWindow(true)
  renderRunCount()
}

/** "n of m runs, k selected" and the label of the "select shown" button. */
function renderRunCount(): void {
  const o = state.overview
  if (!o) return
  const shown = shownRuns().length
  el.pickShown.textContent = shown > MAX_PICK ? `select first ${MAX_PICK} shown` : `select ${shown} shown`
  el.pickShown.disabled = shown === 0
  el.runCount.textContent = `${shown === o.runs.length ? '' : `${shown} of `}${o.runs.length} runs, ${state.selected.size} selected`
}

/** Selects the runs the filter shows (the first {@link MAX_PICK}), or clears the selection. */
function pickRuns(which: 'shown' | 'none'): void {
  state.autoRuns = false
  if (which === 'none') state.selected.clear()
  else for (const r of shownRuns().slice(0, MAX_PICK)) state.selected.add(r.run.id)
  renderRuns()
  renderMetricPicker()
  void reload()
}

/** Configuration (hyper-parameters), host and revision of a run, folded; text only. */
function runDetails(r: RunSummary): HTMLElement | null {
  const entries: [string, string][] = Object.entries(r.run.config ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v) ?? String(v)])
  if (r.run.host) entries.push(['host', r.run.host])
  if (r.run.gitRevision) entries.push(['git revision', r.run.gitRevision])
  if (entries.length === 0) return null
  const id = r.run.id
  const d = h(
    'details',
    {
      class: 'config',
      on: {
        toggle: () => {
          if (d.open) state.openDetails.add(id)
          else state.openDetails.delete(id)
        },
      },
    },
    h('summary', {}, `config (${entries.length})`),
    (() => {
      const dl = h('dl')
      replaceAll(
        dl,
        entries.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
      )
      return dl
    })(),
  )
  d.open = state.openDetails.has(id)
  return d
}

function toggleRun(id: string, on: boolean): void {
  state.autoRuns = false
  if (on) state.selected.add(id)
  else state.selected.delete(id)
  renderRunCount()
  renderMetricPicker()
  void reload()
}

// ---------------------------------------------------------------------------------------------
// Metrics

/** Metrics of the selected runs: training metrics first, then the `sys/` ones (the sampler's, listed and charted apart), each sorted. */
function availableMetrics(): string[] {
  return state.overview ? metricsOf(state.overview, state.selected) : []
}

function renderMetricPicker(): void {
  const all = availableMetrics()
  const f = state.metricFilter.toLowerCase()
  const shown = f ? all.filter((m) => m.toLowerCase().includes(f)) : all
  if (all.length === 0) {
    replace(el.metrics, h('p', { class: 'empty' }, 'Select a run with metrics.'))
    return
  }
  const label = (m: string) => {
    const box = h('input', { attrs: { type: 'checkbox' }, on: { change: (e) => toggleMetric(m, (e.target as HTMLInputElement).checked) } })
    box.checked = state.metrics.has(m)
    return h('label', { class: 'metric', data: { metric: m } }, box, m)
  }
  // A run may log 100 000 metric names: the list shows the first ones (the checked ones always) and
  // says how many the filter hides; the names never go through a spread into a call.
  const training: string[] = []
  const system: string[] = []
  let hidden = 0
  for (const m of shown) {
    if (training.length + system.length >= MAX_PICKER && !state.metrics.has(m)) {
      hidden++
      continue
    }
    ;(isSystem(m) ? system : training).push(m)
  }
  const items: HTMLElement[] = training.map(label)
  if (system.length > 0) items.push(h('p', { class: 'metric-group' }, 'system'))
  for (const m of system) items.push(label(m))
  if (hidden > 0) items.push(h('p', { class: 'more', data: { hidden: String(hidden) } }, `+${hidden} more metrics: type in the filter to find them`))
  replaceAll(el.metrics, items)
  el.metrics.dataset.total = String(all.length)
}

/** Most metric names the picker lists at once (the filter finds the others). */
const MAX_PICKER = 2000

function toggleMetric(m: string, on: boolean): void {
  state.autoMetrics = false
  if (on) state.metrics.add(m)
  else state.metrics.delete(m)
  void reload()
}

// ---------------------------------------------------------------------------------------------
// Controls

function smoothing(): SmoothOptions | undefined {
  const k = state.smoothKind
  if (k === 'none') return undefined
  const p = state.smoothParam
  if (k === 'running') return { kind: k, window: Math.max(1, Math.round(p.window)) }
  if (k === 'gaussian') return { kind: k, sigma: p.sigma }
  return { kind: k, weight: p.weight }
}

function syncParam(): void {
  const k = state.smoothKind
  const p = state.smoothParam
  const [min, max, step, value] = k === 'running' ? [1, 200, 1, p.window] : k === 'gaussian' ? [0.5, 50, 0.5, p.sigma] : [0, 0.99, 0.01, p.weight]
  el.param.min = String(min)
  el.param.max = String(max)
  el.param.step = String(step)
  el.param.value = String(value)
  el.param.disabled = k === 'none'
  el.paramValue.textContent = k === 'none' ? '' : k === 'running' ? `${value} points` : k === 'gaussian' ? `σ ${value}` : `${value}`
}

function setSmoothing(k: SmoothKind | 'none'): void {
  state.smoothKind = k
  syncParam()
  drawCharts()
}

function setParam(v: number): void {
  const k = state.smoothKind
  if (k === 'running') state.smoothParam.window = v
  else if (k === 'gaussian') state.smoothParam.sigma = v
  else state.smoothParam.weight = v
  syncParam()
  drawCharts()
}

/** `key=value, key2=value2` → the query's tag filter (points whose tags contain every pair). */
function parseTags(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {}
  for (const part of text.split(',')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim()
  }
  return Object.keys(out).length > 0 ? out : undefined
}

function setTags(text: string): void {
  state.tags = parseTags(text)
  void reload()
}

function setLayout(l: Layout): void {
  state.layout = l
  drawCharts()
}

/** Puts the controls in line with the state (after a view was read from the address). */
function syncControls(): void {
  const layout = document.getElementById('layout') as HTMLSelectElement | null
  if (layout) layout.value = state.layout
  const smoothingPick = document.getElementById('smoothing') as HTMLSelectElement | null
  if (smoothingPick) smoothingPick.value = state.smoothKind
  syncParam()
}

let rankCache: { overview: Overview; selected: string; rank: Map<string, number> } | undefined

/** Position of each metric in the primary order, computed again only when the run list or the selection changed (live draws reuse it). */
function metricRanks(o: Overview): Map<string, number> {
  const selected = [...state.selected].join('\u0000')
  if (rankCache?.overview === o && rankCache.selected === selected) return rankCache.rank
  const order = primaryMetrics(o, state.selected)
  const rank = new Map<string, number>()
  for (let i = 0; i < order.length; i++) rank.set(order[i]!, i)
  rankCache = { overview: o, selected, rank }
  return rank
}

/** A panel's "log y" / "clip p1–p99" switch: per metric, kept in the address. */
function setPanelScale(metric: string, what: 'log' | 'clip', on: boolean): void {
  const set = what === 'log' ? state.logY : state.clipY
  if (on) set.add(metric)
  else set.delete(metric)
  drawCharts()
}

async function zoom(range: readonly [number, number] | undefined): Promise<void> {
  state.range = range ? [Math.floor(range[0]), Math.ceil(range[1])] : undefined
  await reload()
}

// ---------------------------------------------------------------------------------------------
// Data

function chartWidth(): number {
  const full = Math.max(320, el.charts.clientWidth || document.documentElement.clientWidth - 48)
  if (state.layout === 'overlay') return full - 24
  const n = Math.min(3, Math.max(1, state.selected.size))
  return Math.floor((full - 16 * n) / n) - 24
}

let cookiePoints = 0
/** True once a chart query has been answered (the charts have something to draw). */
let dataArrived = false

/** Queries every selected (run, metric) at the resolution of the chart (minmax-last buckets). */
async function reload(): Promise<void> {
  const ticket = ++state.loading
  const runs = [...state.selected]
  const metrics = [...state.metrics]
  const points = chartPoints(chartWidth())
  if (points !== cookiePoints) {
    // The server starts the default view's queries at this width when the page is next requested.
    cookiePoints = points
    // biome-ignore lint/suspicious/noDocumentCookie: cookieStore is missing in Firefox 115 and Safari 16, which the bundle targets; the value is an integer
    document.cookie = `${POINTS_COOKIE}=${points}; Path=${new URL('.', location.href).pathname}; Max-Age=31536000; SameSite=Strict`
  }
  const firstView = state.queries === 0
  try {
    const results = await Promise.all(
      metrics.map((m) => {
        state.queries++
        return runs.length === 0 ? Promise.resolve({ series: [] }) : fetchSeries(chartQuery(runs, m, points, state.range, state.tags), firstView)
      }),
    )
    if (ticket !== state.loading) return // a newer reload superseded this one
    mark('query')
    dataArrived = true
    state.data.clear()
    for (const r of results) for (const s of r.series) state.data.set(key(s.runId, s.metric), bucketsOf(s))
    document.body.dataset.queries = String(state.queries)
    el.error.textContent = ''
    const first = !firstDraw
    drawCharts()
    // The statistics (the collector's sketches, ADWIN over every series) wait for the first chart to be on screen.
    if (first) afterPaint(renderStats)
    else renderStats()
    follow()
  } catch (e) {
    showError(e)
  }
}

/** Which runs and metric a chart key (`o\0metric` or `s\0metric\0run`) stands for. */
function exportTarget(k: string): [() => string[], string] {
  const [kind, metric, run] = k.split('\u0000') as [string, string, string | undefined]
  return [() => (kind === 's' && run !== undefined ? [run] : [...state.selected]), metric]
}

/** Downloads the raw rows (no buckets: full fidelity, NaN and ±Inf spelled out) of the visible steps. */
async function exportCsv(runs: string[], metric: string): Promise<void> {
  try {
    const r = await fetchSeries({
      runs,
      metrics: [metric],
      ...(state.range ? { steps: [state.range[0], state.range[1]] as const } : {}),
      ...(state.tags ? { tags: state.tags } : {}),
    })
    const url = URL.createObjectURL(new Blob([seriesCsv(r.series)], { type: 'text/csv' }))
    const a = h('a', { attrs: { href: url, download: fileName(`${metric}${state.range ? `_${state.range[0]}-${state.range[1]}` : ''}`) } })
    document.body.appendChild(a)
    a.click()
    a.remove()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  } catch (e) {
    showError(e)
  }
}

function drawCharts(): void {
  if (!state.overview) return // run order, names and colours come with the run list
  // The charted metrics in their primary order (loss, watched, most logged; `sys/` last).
  const rank = metricRanks(state.overview)
  const ordered = [...state.metrics].sort((a, b) => (rank.get(a) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b) ?? Number.MAX_SAFE_INTEGER) || (a < b ? -1 : a > b ? 1 : 0))
  const metrics = ordered.filter((m) => !isSystem(m)).concat(ordered.filter(isSystem))
  const runs = (state.overview?.runs ?? []).map((r) => r.run.id).filter((id) => state.selected.has(id))
  const width = chartWidth()
  const smooth = smoothing()
  const wanted = new Set<string>()
  const rows: HTMLElement[] = []
  const line = (run: string, m: string): ChartLine | undefined => {
    const data = state.data.get(key(run, m))
    return data ? { label: runLabel(summaryOf(run), run), color: runColor(run), data } : undefined
  }
  const incidentsFor = (runIds: readonly string[], m: string): Incident[] =>
    state.incidents.filter((i) => (i.runId === undefined || runIds.includes(i.runId)) && (i.metric === undefined || i.metric === m || i.decision === 'stop'))
  const driftFor = (runIds: readonly string[], m: string): DriftEvent[] => state.driftEvents.filter((d) => d.metric === m && (d.runId === undefined || runIds.includes(d.runId)))
  const panel = (k: string): ChartPanel => {
    wanted.add(k)
    let p = panels.get(k)
    if (!p) {
      const [runIds, metric] = exportTarget(k)
      p = new ChartPanel(
        (r) => void zoom(r),
        () => void exportCsv(runIds(), metric),
        (what, on) => setPanelScale(metric, what, on),
      )
      panels.set(k, p)
    }
    return p
  }
  let systemHeading = false
  for (const m of metrics) {
    if (isSystem(m) && !systemHeading) {
      systemHeading = true
      rows.push(h('h3', { class: 'system-heading' }, 'system'))
    }
    if (state.layout === 'overlay') {
      const p = panel(`o\u0000${m}`)
      const lines = runs.map((r) => line(r, m)).filter((l): l is ChartLine => l !== undefined)
      p.update({ title: m, lines, smoothing: smooth, incidents: incidentsFor(runs, m), drift: driftFor(runs, m), xRange: state.range, yRange: undefined, yScale: state.logY.has(m) ? 'log' : 'linear', clip: state.clipY.has(m) }, width)
      p.root.dataset.metric = m
      rows.push(p.root)
    } else {
      const lines = runs.map((r) => [r, line(r, m)] as const).filter((x): x is readonly [string, ChartLine] => x[1] !== undefined)
      let lo = Number.POSITIVE_INFINITY
      let hi = Number.NEGATIVE_INFINITY
      for (const [, l] of lines) {
        for (const v of l.data.min) if (v - v === 0 && v < lo) lo = v
        for (const v of l.data.max) if (v - v === 0 && v > hi) hi = v
      }
      const pad = hi > lo ? (hi - lo) * 0.05 : Math.abs(hi) * 0.05 || 1
      const yRange = lo <= hi ? ([lo - pad, hi + pad] as const) : undefined
      const row = h('div', { class: 'side-by-side', data: { metric: m } })
      for (const [run, l] of lines) {
        const p = panel(`s\u0000${m}\u0000${run}`)
        p.update(
          { title: `${m} — ${l.label}`, lines: [l], smoothing: smooth, incidents: incidentsFor([run], m), drift: driftFor([run], m), xRange: state.range, yRange, yScale: state.logY.has(m) ? 'log' : 'linear', clip: state.clipY.has(m) },
          width,
        )
        p.root.dataset.metric = m
        row.appendChild(p.root)
      }
      rows.push(row)
    }
  }
  for (const [k, p] of panels) {
    if (!wanted.has(k)) {
      p.destroy()
      panels.delete(k)
    }
  }
  if (metrics.length === 0) rows.push(h('p', { class: 'empty' }, 'Pick a metric to chart.'))
  replaceAll(el.charts, rows)
  document.body.dataset.range = state.range ? `${state.range[0]}..${state.range[1]}` : ''
  saveView()
  if (!document.body.dataset.ready && !firstDraw) {
    // uPlot draws in a microtask queued by update(); this one runs after it, on drawn canvases.
    firstDraw = true
    queueMicrotask(() => {
      document.body.dataset.firstRenderMs = String(Math.round(performance.now()))
      document.body.dataset.ready = '1'
      afterPaint(() => mark('painted'))
    })
  }
}

let firstDraw = false

/** Runs `fn` once the next frame has been painted (a task after the frame's animation callbacks). */
function afterPaint(fn: () => void): void {
  requestAnimationFrame(() => setTimeout(fn, 0))
}

function renderStats(): void {
  const rows: HTMLElement[] = []
  for (const m of [...state.metrics].sort()) {
    for (const r of state.overview?.runs ?? []) {
      const b = state.data.get(key(r.run.id, m))
      if (!b) continue
      const s = pageStats(b)
      const cell = (name: string, v: number) => h('td', { class: 'num', data: { stat: name } }, formatNumber(v))
      rows.push(
        h(
          'tr',
          { data: { run: r.run.id, metric: m } },
          h('td', {}, runLabel(r, r.run.id)),
          h('td', {}, m),
          cell('rows', s.rows),
          cell('nan', s.nan),
          cell('posinf', s.posInf),
          cell('neginf', s.negInf),
          cell('min', s.min),
          cell('max', s.max),
          cell('last', s.last),
          cell('mean', s.mean),
          cell('std', s.std),
          cell('p50', s.p50),
          cell('p99', s.p99),
          h('td', { class: 'num', data: { stat: 'changes' } }, s.changes.length === 0 ? '—' : s.changes.slice(0, 3).join(', ') + (s.changes.length > 3 ? ` (+${s.changes.length - 3})` : '')),
          h('td', { data: { stat: 'basis' } }, s.exact ? 'exact' : `${s.buckets} buckets`),
        ),
      )
    }
  }
  const head = ['run', 'metric', 'rows', 'NaN', '+Inf', '−Inf', 'min', 'max', 'last', 'mean', 'std', 'median', 'p99 (collector)', 'ADWIN changes at step', 'basis'].map((t) => h('th', {}, t))
  const body = h('tbody')
  replaceAll(body, rows)
  replace(el.stats, rows.length === 0 ? h('p', { class: 'empty' }, 'Nothing selected.') : h('table', {}, h('thead', {}, h('tr', {}, ...head)), body))
}

function setEvents(e: EventsView): void {
  state.incidents = e.incidents.slice()
  state.driftEvents = e.driftEvents.slice()
  state.andonSeen = e.andonSeen
}

function renderEvents(): void {
  const o = state.overview
  if (!o?.features.andon && state.driftEvents.length === 0) {
    replace(el.events, h('p', { class: 'empty' }, 'No Andon attached to this dashboard and no events recorded in the store.'))
    return
  }
  const parts: HTMLElement[] = []
  if (state.incidents.length === 0) parts.push(h('p', { class: 'empty' }, 'No incidents.'))
  else {
    const rows = state.incidents
      .slice(-200)
      .reverse()
      .map((i) =>
        h(
          'tr',
          { class: `level-${i.level}`, data: { run: i.runId ?? '' } },
          h('td', { class: 'time' }, formatTime(i.timestampMs)),
          h('td', {}, h('span', { class: `badge ${i.level}` }, i.level)),
          h('td', {}, i.rule),
          h('td', {}, i.runId ?? '—'),
          h('td', {}, i.metric ?? '—'),
          h('td', { class: 'num' }, i.step === undefined ? '—' : String(i.step)),
          h('td', { class: 'num' }, i.value === undefined ? '—' : formatNumber(i.value)),
          h('td', {}, i.decision),
          h('td', {}, i.message),
        ),
      )
    const head = ['time', 'level', 'rule', 'run', 'metric', 'step', 'value', 'decision', 'message'].map((t) => h('th', {}, t))
    const body = h('tbody')
    replaceAll(body, rows)
    parts.push(h('table', { class: 'incidents' }, h('thead', {}, h('tr', {}, ...head)), body))
  }
  if (state.driftEvents.length > 0) {
    const rows = state.driftEvents
      .slice(-200)
      .reverse()
      .map((d) =>
        h(
          'tr',
          { data: { run: d.runId ?? '' } },
          h('td', { class: 'time' }, formatTime(d.timestampMs)),
          h('td', {}, d.runId ?? '—'),
          h('td', {}, d.metric),
          h('td', { class: 'num' }, String(d.step)),
          h('td', {}, d.detector),
          h('td', {}, d.signal),
          h('td', {}, d.severity ?? '—'),
          h('td', { class: 'num' }, formatNumber(d.statistic)),
        ),
      )
    const head = ['time', 'run', 'metric', 'step', 'detector', 'signal', 'severity', 'statistic'].map((t) => h('th', {}, t))
    const body = h('tbody')
    replaceAll(body, rows)
    parts.push(h('h3', {}, `Drift change points (${state.driftEvents.length})`), h('table', { class: 'drift-events' }, h('thead', {}, h('tr', {}, ...head)), body))
  }
  replaceAll(el.events, parts)
}

// ---------------------------------------------------------------------------------------------
// Live updates

let drawQueued = false
function queueDraw(): void {
  if (drawQueued) return
  drawQueued = true
  requestAnimationFrame(() => {
    drawQueued = false
    drawCharts()
    renderStats()
  })
}

function streamRequest(): StreamRequest {
  const cursors: { run: string; metric: string; after: number }[] = []
  for (const r of state.overview?.runs ?? []) {
    if (!state.selected.has(r.run.id) || r.run.status !== 'running') continue
    for (const m of state.metrics) {
      const b = state.data.get(key(r.run.id, m))
      cursors.push({ run: r.run.id, metric: m, after: b && b.x.length > 0 ? b.x[b.x.length - 1]! : -Number.MAX_SAFE_INTEGER })
    }
  }
  return { cursors: cursors.slice(0, MAX_CURSORS), incidentsSeen: state.andonSeen, ...(state.tags ? { tags: state.tags } : {}) }
}

function setLive(s: 'on' | 'off' | 'ended'): void {
  document.body.dataset.live = s
  el.status.textContent = s === 'on' ? '● live' : s === 'ended' ? 'live run ended' : ''
  el.status.className = `status ${s}`
}

/** (Re)opens the live stream when a selected run is running. */
function follow(): void {
  state.live?.close()
  state.live = undefined
  const req = streamRequest()
  if (req.cursors.length === 0) {
    if (document.body.dataset.live === 'on') setLive('off')
    return
  }
  setLive('on')
  state.live = subscribe(streamRequest, onStream, showError)
}

function onStream(m: StreamMessage): void {
  switch (m.type) {
    case 'points': {
      let grown = false
      for (const s of m.result.series) {
        const k = key(s.runId, s.metric)
        const b = state.data.get(k)
        if (b) appendSeries(b, s)
        else state.data.set(k, bucketsOf(s))
        const held = state.data.get(k)!
        if (held.x.length > 3 * Math.max(100, chartWidth())) grown = true
      }
      document.body.dataset.livePoints = String(Number(document.body.dataset.livePoints ?? '0') + m.result.series.reduce((n, s) => n + s.x.length, 0))
      // Too many appended buckets for the width: re-query at the chart's resolution.
      if (grown && !state.range) void reload()
      else queueDraw()
      break
    }
    case 'status': {
      const o = state.overview
      if (!o) break
      state.overview = { ...o, runs: o.runs.map((r) => ({ ...r, run: m.runs.find((x) => x.id === r.run.id) ?? r.run })) }
      renderRuns()
      break
    }
    case 'incidents':
      if (m.from === state.andonSeen) {
        for (const i of m.incidents) state.incidents.push(i)
        state.andonSeen += m.incidents.length
        renderEvents()
        queueDraw()
      } else {
        void fetchEvents().then((e) => {
          setEvents(e)
          renderEvents()
          queueDraw()
        }, showError)
      }
      break
    case 'end':
      state.live = undefined
      setLive('ended')
      void refresh(false)
      break
  }
}

// ---------------------------------------------------------------------------------------------
// Start

async function refresh(reloadData: boolean): Promise<void> {
  try {
    // The run list and the incidents in parallel (an empty list when no Andon is attached).
    const [o, events] = await Promise.all([fetchOverview(), fetchEvents()])
    mark('overview')
    const before = state.overview
    state.overview = o
    state.colors = runColors(
      o.runs.map((r) => r.run.id),
      PALETTE,
    )
    document.title = o.title
    el.title.textContent = o.title
    if (!before && !state.prefetched) loadView()
    // Default selection: the newest runs and the first metrics, following new runs (start the
    // dashboard, then the training: its run appears and streams) until the user picks.
    let picked = false
    if (state.autoRuns) {
      for (const r of o.runs.slice(-MAX_DEFAULT_RUNS)) {
        if (!state.selected.has(r.run.id)) {
          state.selected.add(r.run.id)
          picked = true
        }
      }
    }
    if (state.autoMetrics && state.metrics.size < MAX_DEFAULT_METRICS) {
      for (const m of primaryMetrics(o, state.selected)) {
        if (state.metrics.size >= MAX_DEFAULT_METRICS || isSystem(m)) break
        if (!state.metrics.has(m)) {
          state.metrics.add(m)
          picked = true
        }
      }
    }
    if (!before) syncControls()
    setEvents(events)
    const wasRunning = before?.runs.some((r) => state.selected.has(r.run.id) && r.run.status === 'running') ?? false
    const isRunning = o.runs.some((r) => state.selected.has(r.run.id) && r.run.status === 'running')
    // The charts' query goes out before the run list is built, so the server works on it meanwhile.
    const loading =
      reloadData || picked || (!before && !state.prefetched) || (isRunning && !state.live) || (before && wasRunning !== isRunning) ? reload() : undefined
    renderRuns()
    renderMetricPicker()
    renderEvents()
    document.body.dataset.runs = String(o.runs.length)
    // The lineage view draws on its own; the charts do not wait for it.
    if (o.features.lineage && (!before || reloadData)) void renderLineage(el.lineage, (id) => runColor(id)).catch(showError)
    if (!before && state.prefetched && !loading && dataArrived) {
      // The charts' query went out with the page and its answer came before the run list: draw it now
      // (when it comes later, reload() draws it; drawing the charts empty first would mark a first
      // render that shows nothing).
      drawCharts()
      renderStats()
      follow()
    }
    await loading
  } catch (e) {
    showError(e)
  }
}

function start(): void {
  mark('script')
  const app = document.getElementById('app')
  if (!app) return
  replace(app, skeleton())
  syncParam()
  setLive('off')
  // A view named in the address (runs and metrics) is queried at once, beside the run list.
  const named = readHash(location.hash)
  if (named.runs?.length && named.metrics?.length) {
    loadView()
    state.prefetched = true
    void reload()
  }
  void refresh(!state.prefetched)
  // New runs and status changes of unselected runs: a light poll of the run list.
  const every = () => Math.max(1000, 5 * (state.overview?.pollMs ?? 1000))
  const tick = (): void => {
    if (!document.hidden) void refresh(false)
    setTimeout(tick, every())
  }
  setTimeout(tick, every())
  let resize: ReturnType<typeof setTimeout> | undefined
  addEventListener('resize', () => {
    clearTimeout(resize)
    resize = setTimeout(() => void reload(), 200)
  })
}

start()
