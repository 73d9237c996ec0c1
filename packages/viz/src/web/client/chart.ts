import type { DriftEvent, Incident } from '@entrenar/core'
import uPlot from 'uplot'
import { type SmoothOptions, smooth } from '../../series/smooth.js'
import { alignOnFewX, BandScratch, type Buckets, ChartGrid, eachHalfResolutionBand, type Table } from './buckets.js'
import { h, replace, replaceAll } from './dom.js'
import { alpha, formatNumber } from './format.js'

/** One run's line in a chart. */
export interface ChartLine {
  readonly label: string
  readonly color: string
  readonly data: Buckets
}

/** What a chart draws. */
export interface ChartModel {
  readonly title: string
  readonly lines: readonly ChartLine[]
  /** Smoothing of the line (the min/max band and the faint raw line stay unsmoothed). */
  readonly smoothing: SmoothOptions | undefined
  /** Andon / drift incidents drawn as x-axis markers. */
  readonly incidents: readonly Incident[]
  /** Fixed x range (zoom), or undefined for the data's extent. */
  readonly xRange: readonly [number, number] | undefined
  /** Fixed y range (side-by-side comparisons share one), or undefined. Ignored under `clip`. */
  readonly yRange: readonly [number, number] | undefined
  /** `log` draws y on a log10 scale: values ≤ 0 cannot be drawn there, and are counted in a note. */
  readonly yScale?: 'linear' | 'log'
  /** Clip the y range to the 1st–99th percentile of the drawn values (a diverged run no longer flattens the rest); the clipped buckets are counted in a note. */
  readonly clip?: boolean
  /** Drift change points (detector events) drawn as dotted x-axis markers. */
  readonly drift?: readonly DriftEvent[]
}

/** The percentile range {@link ChartModel.clip} keeps. */
export const CLIP_PERCENTILES = [0.01, 0.99] as const

// The SVG dashboard's dark theme (svg/theme.ts), so incidents and non-finite markers look alike everywhere.
const LEVEL_COLOR: Readonly<Record<string, string>> = { info: '#74b9ff', warning: '#ffd166', error: '#ff4d4d', critical: '#ff0000' }
/**
 * NaN/±Inf markers: white with a dark outline, a colour no run has (the run palette is mid-tone
 * colours; a red run must not be mistaken for a NaN), and shapes no line has (× ▲ ▼).
 */
export const NONFINITE_MARKER = '#ffffff'
const MARKER_OUTLINE = '#000000'
/** Drift change points: dotted, in a cyan no run has. */
export const DRIFT_MARKER = '#00e5ff'
const HEIGHT = 240

const toPlot = (v: number): number | null => (v - v === 0 ? v : null)
/** On a log axis only finite positive values can be drawn. */
const toPlotLog = (v: number): number | null => (v - v === 0 && v > 0 ? v : null)

/** A column as a plain array (uPlot's x), by an indexed loop (`Array.from` walks a typed array through its iterator). */
function plain(col: ArrayLike<number>): number[] {
  const out = new Array<number>(col.length)
  for (let i = 0; i < col.length; i++) out[i] = col[i]!
  return out
}

/** `map` of every value of a column, into a plain array (`null` a gap: a typed array cannot hold one). */
function mapped(col: ArrayLike<number>, map: (v: number) => number | null): (number | null)[] {
  const out = new Array<number | null>(col.length)
  for (let i = 0; i < col.length; i++) out[i] = map(col[i]!)
  return out
}

/** The `q` quantile (0…1) of sorted values, linearly interpolated. */
function quantile(sorted: Float64Array, q: number): number {
  const at = (sorted.length - 1) * q
  const lo = Math.floor(at)
  const hi = Math.min(sorted.length - 1, lo + 1)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo)
}

/**
 * The path of one line of a chart of many runs (a uPlot path builder): straight segments between its
 * points, broken at a `null` (a non-finite value, as uPlot breaks a line there) and carried across an
 * `undefined` (a step the line has no bucket at, as uPlot spans an alignment gap), at whole canvas
 * pixels as uPlot rounds them. Such a line holds at most one point per pixel column (its buckets are
 * on the chart's grid), so uPlot's per-point pixel decimation and its gap clipping region have
 * nothing to do: this builds the same picture in one arithmetic walk.
 */
export const gridLine: uPlot.Series.PathBuilder = (u, si, idx0, idx1) => {
  const xs = u.data[0] as ArrayLike<number>
  const ys = u.data[si] as ArrayLike<number | null | undefined>
  const { left, top, width, height } = u.bbox
  const sx = u.scales.x!
  const sy = u.scales.y!
  const log = sy.distr === 3
  const x0 = sx.min!
  const kx = width / (sx.max! - x0) || 0
  const y0 = log ? Math.log10(sy.min!) : sy.min!
  const ky = height / ((log ? Math.log10(sy.max!) : sy.max!) - y0) || 0
  const bottom = top + height
  const stroke = new Path2D()
  let pen = false
  for (let i = idx0; i <= idx1; i++) {
    const y = ys[i]
    if (y === undefined) continue
    if (y === null) {
      pen = false
      continue
    }
    const px = Math.round(left + (xs[i]! - x0) * kx)
    const py = Math.round(bottom - ((log ? Math.log10(y) : y) - y0) * ky)
    if (pen) stroke.lineTo(px, py)
    else stroke.moveTo(px, py)
    pen = true
  }
  return { stroke, fill: null, clip: null, band: null, flags: 0 }
}

/** Above this many lines a chart puts their buckets on a shared grid of its width (see {@link ChartGrid}). */
const GRID_FROM_LINES = 10

/** Steps are integers: x-axis ticks at 1, 2, 5 × 10^k only. */
const STEP_INCRS: number[] = []
for (let e = 0; e <= 15; e++) for (const m of [1, 2, 5]) STEP_INCRS.push(m * 10 ** e)

/**
 * A uPlot chart of minmax-last buckets: per line a min–max band (spikes stay visible at any zoom),
 * the raw last values, and the smoothed line when smoothing is on; above ten lines only one line per
 * run (the smoothed one when smoothing, else the last values) over its band; NaN and ±Inf become gaps plus white markers (× NaN at
 * the bottom, ▲ +Inf at the top, ▼ −Inf at the bottom, with a legend entry), incidents dashed
 * vertical lines (the stop step solid), drift change points dotted cyan ones. Per panel, y can be
 * drawn on a log scale and clipped to the 1st–99th percentile.
 * Dragging selects a step range (`onZoom(lo, hi)`), a double click resets (`onZoom(undefined)`).
 */
export class ChartPanel {
  readonly root: HTMLElement
  #plotHost: HTMLElement
  #legend: HTMLElement
  #legendNums: HTMLElement[] = []
  #legendStep: HTMLElement = h('span', { class: 'num step' })
  #plot: uPlot | undefined
  #shape = ''
  #model: ChartModel | undefined
  #yRange: readonly [number, number] = [0, 1]
  #bandCount = 0
  /** The buffers of this chart's lines on a grid (many lines), kept across updates. */
  #grid = new ChartGrid()
  #bandScratch = new BandScratch()
  /** The buckets drawn with a NaN / ±Inf marker, as (line, bucket) pairs (found by update, drawn at every redraw). */
  #marks: number[] = []
  #onZoom: (range: readonly [number, number] | undefined) => void

  #tools: HTMLElement
  #logBox: HTMLInputElement
  #clipBox: HTMLInputElement
  #note: HTMLElement = h('div', { class: 'chart-note' })
  #notes = { nonPositive: 0, clipped: 0, buckets: 0, clipRange: undefined as readonly [number, number] | undefined }

  /**
   * `onExport` downloads the chart's raw rows (full fidelity) for the visible steps; `onToggle`
   * reports the panel's "log y" and "clip p1–p99" switches.
   */
  constructor(onZoom: (range: readonly [number, number] | undefined) => void, onExport: () => void, onToggle: (what: 'log' | 'clip', on: boolean) => void = () => {}) {
    this.#onZoom = onZoom
    this.#plotHost = h('div', { class: 'plot' })
    this.#legend = h('div', { class: 'legend' })
    this.#logBox = h('input', { attrs: { type: 'checkbox', 'aria-label': 'log scale y' }, data: { toggle: 'log' }, on: { change: () => onToggle('log', this.#logBox.checked) } })
    this.#clipBox = h('input', { attrs: { type: 'checkbox', 'aria-label': 'clip y to the 1st–99th percentile' }, data: { toggle: 'clip' }, on: { change: () => onToggle('clip', this.#clipBox.checked) } })
    this.#tools = h(
      'div',
      { class: 'tools' },
      h('label', { title: 'log10 y axis; values ≤ 0 are not drawn and are counted below the chart' }, this.#logBox, 'log y'),
      h('label', { title: 'y range from the 1st to the 99th percentile of the drawn values; spikes beyond it are cut and counted' }, this.#clipBox, 'clip p1–p99'),
      h('button', { class: 'csv', attrs: { type: 'button', title: 'download the raw points of the visible steps as CSV' }, on: { click: onExport } }, 'CSV'),
    )
    this.root = h('section', { class: 'chart' })
  }

  /** Draws `model`; recreates the uPlot instance only when the set of lines changes. */
  update(model: ChartModel, width: number): void {
    let gridded = false
    if (model.lines.length > GRID_FROM_LINES) {
      // Many runs: their buckets on one grid of the chart's width (see ChartGrid), so uPlot draws
      // `width` points per series instead of the union of every run's own bucket steps. The grid's
      // buffers (and the columns handed to uPlot) are this panel's, reused at every update.
      let total = 0
      for (const l of model.lines) total += l.data.x.length
      if (total > 2 * width && this.#grid.place(
          model.lines.map((l) => l.data),
          Math.max(100, Math.round(width)),
        )) {
        gridded = true
        const grid = this.#grid.lines
        model = { ...model, lines: model.lines.map((l, i) => ({ ...l, data: grid[i]! })) }
      }
    }
    this.#model = model
    const { lines, smoothing } = model
    const log = model.yScale === 'log'
    const tr = log ? toPlotLog : toPlot
    const tables: Table[] = []
    const drawn: (number | null | undefined)[][] = []
    let rows = 0
    let buckets = 0
    let nanMarks = 0
    let nonPositive = 0
    let yLo = Number.POSITIVE_INFINITY
    let yHi = Number.NEGATIVE_INFINITY
    const many = lines.length > GRID_FROM_LINES
    const marks = this.#marks
    marks.length = 0
    for (let li = 0; li < lines.length; li++) {
      const b = lines[li]!.data
      const sm = smoothing ? smooth(b.x, b.value, smoothing) : undefined
      // Many lines: one drawn line each (the smoothed one, or the last values), their min–max bands
      // drawn by #drawBands; on the grid, each line's drawn column is filled in place from its grid
      // buckets (mapped as placed: no column is built to be copied again). Few lines: the band's
      // edges, the last values and the smoothed line.
      if (gridded) drawn.push(this.#grid.fill(li, sm ?? b.value, tr))
      else if (many) tables.push([b.x, sm ? mapped(sm, tr) : b.value])
      else tables.push(sm ? [plain(b.x), mapped(b.max, tr), mapped(b.min, tr), mapped(b.value, tr), mapped(sm, tr)] : [plain(b.x), mapped(b.max, tr), mapped(b.min, tr), mapped(b.value, tr)])
      for (let i = 0; i < b.x.length; i++) {
        rows += b.count[i]!
        const lo = b.min[i]!
        const hi = b.max[i]!
        if (log) {
          // The smallest positive value of a bucket is unknown when its min is ≤ 0: its max and last stand in.
          if (lo - lo === 0 && lo <= 0) nonPositive++
          for (const v of [lo, hi, b.value[i]!]) {
            if (v - v === 0 && v > 0) {
              if (v < yLo) yLo = v
              if (v > yHi) yHi = v
            }
          }
        } else {
          if (lo - lo === 0 && lo < yLo) yLo = lo
          if (hi - hi === 0 && hi > yHi) yHi = hi
        }
        if (b.nan[i]! > 0 || b.value[i]! - b.value[i]! !== 0 || hi === Number.POSITIVE_INFINITY || lo === Number.NEGATIVE_INFINITY) {
          nanMarks++
          marks.push(li, i)
        }
      }
      buckets += b.x.length
    }
    // Clip: the y range from the 1st to the 99th percentile of every drawn bucket's min, max and last.
    let clipRange: readonly [number, number] | undefined
    let clipped = 0
    if (model.clip) {
      const pool: number[] = []
      for (const line of lines) {
        const b = line.data
        for (let i = 0; i < b.x.length; i++) for (const v of [b.min[i]!, b.max[i]!, b.value[i]!]) if (tr(v) !== null) pool.push(v)
      }
      if (pool.length > 0) {
        const sorted = Float64Array.from(pool).sort()
        const lo = quantile(sorted, CLIP_PERCENTILES[0])
        const hi = quantile(sorted, CLIP_PERCENTILES[1])
        if (lo < hi) {
          clipRange = [lo, hi]
          for (const line of lines) {
            const b = line.data
            for (let i = 0; i < b.x.length; i++) if ((b.max[i]! > hi && b.max[i]! - b.max[i]! === 0) || (b.min[i]! < lo && b.min[i]! - b.min[i]! === 0)) clipped++
          }
        }
      }
    }
    // The y range from the buckets' finite min and max (every drawn value, smoothed ones included,
    // lies between them: the smoothers are weighted means), padded as uPlot pads an auto range. uPlot
    // then need not scan the 4 series of every line for their extent.
    const pad = (lo: number, hi: number): [number, number] => (log ? (uPlot.rangeLog(lo, hi, 10, false) as [number, number]) : (uPlot.rangeNum(lo, hi, 0.1, true) as [number, number]))
    const shared = model.yRange && !log && !model.clip ? model.yRange : undefined
    this.#yRange = clipRange ? (log ? [clipRange[0] / 1.05, clipRange[1] * 1.05] : [clipRange[0] - (clipRange[1] - clipRange[0]) * 0.02, clipRange[1] + (clipRange[1] - clipRange[0]) * 0.02]) : (shared ?? (yLo <= yHi ? pad(yLo, yHi) : log ? [1, 10] : [0, 1]))
    const data = (
      gridded
        ? [this.#grid.x, ...drawn]
        : tables.length === 0
          ? [[]]
          : tables.length === 1
            ? tables[0]!
            : many
              ? alignOnFewX(tables, smoothing ? undefined : tr)
              : uPlot.join(tables as unknown as uPlot.AlignedData[])
    ) as unknown as uPlot.AlignedData
    const shape = `${width}|${lines.map((l) => `${l.label}\u0000${l.color}`).join('|')}|${shared ? 'y' : ''}|${log ? 'log' : 'lin'}|${smoothing ? 'smooth' : 'raw'}`
    if (!this.#plot || shape !== this.#shape) {
      this.#plot?.destroy()
      this.#shape = shape
      this.#plot = new uPlot(this.#options(model, width), data, this.#plotHost)
    } else {
      this.#plot.setData(data, model.xRange === undefined)
      // y is not auto-ranged (auto: false): a new range (clip switched, new extremes) is set here.
      this.#plot.setScale('y', { min: this.#yRange[0], max: this.#yRange[1] })
    }
    // What uPlot draws, for tests: its series (one per line when many; band edges, last values and,
    // when smoothing, the smoothed line when few) and its bands (many: drawn by #drawBands).
    this.root.dataset.series = String(this.#plot.series.length - 1)
    if (!many) this.root.dataset.bands = String(this.#bandCount)
    if (model.xRange) this.#plot.setScale('x', { min: model.xRange[0], max: model.xRange[1] })
    let lo = Number.POSITIVE_INFINITY
    let hi = Number.NEGATIVE_INFINITY
    for (const l of lines) {
      const n = l.data.x.length
      if (n > 0 && l.data.x[0]! < lo) lo = l.data.x[0]!
      if (n > 0 && l.data.x[n - 1]! > hi) hi = l.data.x[n - 1]!
    }
    this.#notes = { nonPositive, clipped, buckets, clipRange }
    this.#logBox.checked = log
    this.#clipBox.checked = model.clip === true
    const d = this.root.dataset
    d.lines = String(model.lines.length)
    d.rows = String(rows)
    d.buckets = String(buckets)
    d.markers = String(nanMarks)
    d.incidents = String(model.incidents.filter((i) => i.step !== undefined).length)
    d.drift = String((model.drift ?? []).length)
    d.scale = log ? 'log' : 'linear'
    d.clip = model.clip ? 'p1-p99' : ''
    d.nonPositive = String(nonPositive)
    d.clipped = String(clipped)
    d.lo = String(model.xRange ? model.xRange[0] : lo <= hi ? lo : '')
    d.hi = String(model.xRange ? model.xRange[1] : lo <= hi ? hi : '')
    this.#renderFrame(model, nanMarks)
  }

  destroy(): void {
    this.#plot?.destroy()
    this.#plot = undefined
  }

  #renderFrame(model: ChartModel, nanMarks: number): void {
    this.#legendNums = model.lines.map(() => h('span', { class: 'num' }))
    const keys: HTMLElement[] = model.lines.map((l, j) => {
      const swatch = h('span', { class: 'swatch' })
      swatch.style.background = l.color
      return h('span', { class: 'key' }, swatch, l.label, ' ', this.#legendNums[j])
    })
    // What the marks mean, whenever the chart draws them.
    if (nanMarks > 0) keys.push(h('span', { class: 'key nonfinite-key', data: { key: 'nonfinite' } }, h('span', { class: 'mark nonfinite' }, '× ▲ ▼'), ' NaN / +Inf / −Inf'))
    if ((model.drift ?? []).some((e) => e.step !== undefined)) keys.push(h('span', { class: 'key', data: { key: 'drift' } }, h('span', { class: 'mark drift' }, '┊'), ' drift change point'))
    replaceAll(this.#legend, [this.#legendStep, ...keys])
    const n = this.#notes
    const notes: string[] = []
    if (model.yScale === 'log' && n.nonPositive > 0) notes.push(`log scale: ${n.nonPositive} of ${n.buckets} buckets hold values ≤ 0, which are not drawn`)
    if (model.clip && n.clipRange) notes.push(`y clipped to p1–p99 (${formatNumber(n.clipRange[0])} … ${formatNumber(n.clipRange[1])}): ${n.clipped} bucket(s) reach beyond`)
    this.#note.textContent = notes.join(' · ')
    this.#showValues(undefined)
    if (!this.root.firstChild) replace(this.root, h('h3', {}, model.title), this.#plotHost, this.#note, h('div', { class: 'chart-foot' }, this.#legend, this.#tools))
    else (this.root.firstChild as HTMLElement).textContent = model.title
    this.#plotHost.setAttribute('role', 'img')
    this.#plotHost.setAttribute('aria-label', `chart of ${model.title}: ${model.lines.length} run(s)${model.yScale === 'log' ? ', log scale' : ''}${model.clip ? ', clipped to p1–p99' : ''}`)
  }

  /** Legend values at step `x` (the cursor), or the last values when `x` is undefined. */
  #showValues(x: number | undefined): void {
    const lines = this.#model?.lines ?? []
    this.#legendStep.textContent = x === undefined ? 'last' : `step ${x}`
    lines.forEach((l, j) => {
      const b = l.data
      let k = b.x.length - 1
      if (x !== undefined) {
        let lo = 0
        let hi = b.x.length
        while (lo < hi) {
          const mid = (lo + hi) >> 1
          if (b.x[mid]! < x) lo = mid + 1
          else hi = mid
        }
        k = lo < b.x.length && b.x[lo] === x ? lo : -1
      }
      const el = this.#legendNums[j]
      if (el) el.textContent = k < 0 ? '—' : formatNumber(b.value[k]!)
    })
  }

  #options(model: ChartModel, width: number): uPlot.Options {
    const series: uPlot.Series[] = [{ label: 'step' }]
    const bands: uPlot.Band[] = []
    const smoothed = model.smoothing !== undefined
    if (model.lines.length > GRID_FROM_LINES) {
      // Many lines: one uPlot series each (no faint raw line under a smoothed one, no band edges:
      // #drawBands fills and outlines the min–max bands without uPlot's per-band clipping).
      for (const line of model.lines) series.push({ label: line.label, stroke: line.color, width: smoothed ? 2 : 1.5, points: { show: false }, paths: gridLine })
    } else {
      for (const line of model.lines) {
        const i = series.length
        const edge = alpha(line.color, 0.3)
        series.push(
          { label: `${line.label} max`, stroke: edge, width: 1, points: { show: false } },
          { label: `${line.label} min`, stroke: edge, width: 1, points: { show: false } },
          { label: `${line.label} raw`, stroke: smoothed ? alpha(line.color, 0.35) : line.color, width: smoothed ? 1 : 1.5, points: { show: false } },
        )
        // The smoothed line only when smoothing is on (no hidden series to build and skip).
        if (smoothed) series.push({ label: line.label, stroke: line.color, width: 2, points: { show: false } })
        bands.push({ series: [i, i + 1], fill: alpha(line.color, 0.12) })
      }
    }
    this.#bandCount = bands.length
    const axis: uPlot.Axis = { stroke: '#9aa7b4', grid: { stroke: 'rgba(255,255,255,0.07)' }, ticks: { stroke: 'rgba(255,255,255,0.15)' } }
    return {
      width,
      height: HEIGHT,
      legend: { show: false },
      series,
      bands,
      scales: {
        x: { time: false },
        y: { auto: false, range: () => [this.#yRange[0], this.#yRange[1]], ...(model.yScale === 'log' ? { distr: 3, log: 10 } : {}) },
      },
      axes: [{ ...axis, label: 'step', incrs: STEP_INCRS }, { ...axis, size: 60, values: (_u, vals) => vals.map((v) => (v === null || v === undefined ? '' : formatNumber(v))) }],
      cursor: {
        drag: { x: true, y: false, setScale: false },
        bind: { dblclick: () => () => null },
      },
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 3) return
            const lo = u.posToVal(u.select.left, 'x')
            const hi = u.posToVal(u.select.left + u.select.width, 'x')
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false)
            this.#onZoom([lo, hi])
          },
        ],
        ready: [(u) => u.over.addEventListener('dblclick', () => this.#onZoom(undefined))],
        // After the grid, before the lines: the bands of many lines lie under every line.
        drawAxes: [(u) => this.#drawBands(u)],
        setCursor: [
          (u) => {
            const idx = u.cursor.idx
            const x = idx === null || idx === undefined ? undefined : u.data[0][idx]
            this.#showValues(typeof x === 'number' ? x : undefined)
          },
        ],
        draw: [
          (u) => {
            this.#drawMarkers(u)
            // The drawn y range, for tests: a spike kept by the min/max band widens it.
            this.root.dataset.yLo = String(u.scales.y!.min)
            this.root.dataset.yHi = String(u.scales.y!.max)
          },
        ],
      },
    }
  }

  /**
   * The min–max bands of a chart of many lines: per line one polygon (the max edge forward, the
   * min edge back) per run of drawable buckets, filled faintly and outlined, so a one-bucket spike
   * stays visible. A bucket whose min or max cannot be drawn (NaN, ±Inf, ≤ 0 on a log axis) breaks
   * the band as a gap breaks a line. The lines of such a chart sit on a grid of the chart's pixel
   * width (see onGrid), so the bands are drawn at half that resolution (halfResolutionBand: each pair
   * of buckets one vertex with the pair's extremes): half the vertices to build, fill and stroke.
   */
  #drawBands(u: uPlot): void {
    const model = this.#model
    if (!model || model.lines.length <= GRID_FROM_LINES) return
    let drawn = 0
    const logY = model.yScale === 'log'
    const { ctx } = u
    const { left, top, width, height } = u.bbox
    const xLo = u.scales.x!.min ?? Number.NEGATIVE_INFINITY
    const xHi = u.scales.x!.max ?? Number.POSITIVE_INFINITY
    ctx.save()
    ctx.beginPath()
    ctx.rect(left, top, width, height)
    ctx.clip()
    ctx.lineWidth = devicePixelRatio || 1
    ctx.lineJoin = 'round'
    // valToPos, inlined: x and y are linear in their scale's distribution (log10 for a log axis).
    const sx = u.scales.x!
    const sy = u.scales.y!
    const x0 = sx.min!
    const kx = (width / (sx.max! - x0)) || 0
    const y0 = logY ? Math.log10(sy.min!) : sy.min!
    const ky = (height / ((logY ? Math.log10(sy.max!) : sy.max!) - y0)) || 0
    const X = (v: number): number => left + (v - x0) * kx
    const Y = logY ? (v: number): number => top + height - (Math.log10(v) - y0) * ky : (v: number): number => top + height - (v - y0) * ky
    // A bucket's band can be drawn when its min and max can (finite; positive on a log axis).
    const ok = logY ? (lo: number, hi: number): boolean => lo - lo === 0 && hi - hi === 0 && lo > 0 : (lo: number, hi: number): boolean => lo - lo === 0 && hi - hi === 0
    for (const line of model.lines) {
      const b = line.data
      const n = b.x.length
      // The buckets in view, and one more on each side (a band reaches to the plot's edge).
      let from = 0
      while (from < n - 1 && b.x[from + 1]! < xLo) from++
      let to = n
      while (to > from + 1 && b.x[to - 2]! > xHi) to--
      const path = new Path2D()
      let any = false
      const v = this.#bandScratch
      eachHalfResolutionBand(b, from, to, ok, v, (m) => {
        path.moveTo(X(v.x[0]!), Y(v.max[0]!))
        for (let k = 1; k < m; k++) path.lineTo(X(v.x[k]!), Y(v.max[k]!))
        for (let k = m - 1; k >= 0; k--) path.lineTo(X(v.x[k]!), Y(v.min[k]!))
        path.closePath()
        any = true
      })
      if (!any) continue
      drawn++
      ctx.fillStyle = alpha(line.color, 0.12)
      ctx.fill(path)
      ctx.strokeStyle = alpha(line.color, 0.3)
      ctx.stroke(path)
    }
    ctx.restore()
    this.root.dataset.bands = String(drawn)
  }

  #drawMarkers(u: uPlot): void {
    const model = this.#model
    if (!model) return
    const { ctx } = u
    const { left, top, width, height } = u.bbox
    const px = devicePixelRatio || 1
    const inside = (x: number): boolean => x >= left - 1 && x <= left + width + 1
    ctx.save()
    ctx.font = `${11 * px}px system-ui, sans-serif`
    ctx.textBaseline = 'alphabetic'
    // A mark's label right of its line, or left of it when it would run past the plot's right edge.
    const label = (text: string, x: number, y: number): void => {
      const w = ctx.measureText(text).width
      const right = x + 3 * px + w <= left + width
      ctx.textAlign = right ? 'left' : 'right'
      ctx.fillText(text, right ? x + 3 * px : x - 3 * px, y)
    }
    for (const ev of model.incidents) {
      if (ev.step === undefined) continue
      const x = Math.round(u.valToPos(ev.step, 'x', true))
      if (!inside(x)) continue
      const stop = ev.decision === 'stop'
      ctx.strokeStyle = LEVEL_COLOR[ev.level] ?? '#ccc'
      // The stop step: a solid, heavier line; other incidents dashed.
      ctx.setLineDash(stop ? [] : [4 * px, 3 * px])
      ctx.lineWidth = stop ? 2 * px : px
      ctx.beginPath()
      ctx.moveTo(x, top)
      ctx.lineTo(x, top + height)
      ctx.stroke()
      ctx.setLineDash([])
      ctx.fillStyle = ctx.strokeStyle
      label(`${stop ? '■ stop: ' : ''}${ev.rule}`.slice(0, 30), x, top + 12 * px)
    }
    for (const ev of model.drift ?? []) {
      const x = Math.round(u.valToPos(ev.step, 'x', true))
      if (!inside(x)) continue
      ctx.strokeStyle = DRIFT_MARKER
      ctx.fillStyle = DRIFT_MARKER
      ctx.setLineDash([px, 3 * px])
      ctx.lineWidth = 1.5 * px
      ctx.beginPath()
      ctx.moveTo(x, top)
      ctx.lineTo(x, top + height)
      ctx.stroke()
      ctx.setLineDash([])
      const d = 4 * px
      ctx.beginPath()
      ctx.moveTo(x, top + height - 2 * d)
      ctx.lineTo(x + d, top + height - d)
      ctx.lineTo(x, top + height)
      ctx.lineTo(x - d, top + height - d)
      ctx.closePath()
      ctx.fill()
      label(`drift: ${ev.detector}`.slice(0, 30), x, top + height - 2 * d - px)
    }
    const s = 5 * px
    const tri = (x: number, y: number, up: boolean): void => {
      ctx.beginPath()
      ctx.moveTo(x - s, up ? y + s : y - s)
      ctx.lineTo(x + s, up ? y + s : y - s)
      ctx.lineTo(x, up ? y - s : y + s)
      ctx.closePath()
      ctx.strokeStyle = MARKER_OUTLINE
      ctx.lineWidth = px
      ctx.stroke()
      ctx.fill()
    }
    const cross = (x: number, y: number): void => {
      ctx.beginPath()
      ctx.moveTo(x - s, y - s)
      ctx.lineTo(x + s, y + s)
      ctx.moveTo(x + s, y - s)
      ctx.lineTo(x - s, y + s)
      // A dark outline under the white stroke keeps the mark visible over any line.
      ctx.strokeStyle = MARKER_OUTLINE
      ctx.lineWidth = 4 * px
      ctx.stroke()
      ctx.strokeStyle = NONFINITE_MARKER
      ctx.lineWidth = 2 * px
      ctx.stroke()
    }
    ctx.fillStyle = NONFINITE_MARKER
    // Only the buckets update() found non-finite (a handful among a hundred lines' thousands).
    const marks = this.#marks
    for (let p = 0; p < marks.length; p += 2) {
      const b = model.lines[marks[p]!]!.data
      const i = marks[p + 1]!
      const v = b.value[i]!
      const nan = b.nan[i]! > 0 || v !== v
      const pos = b.max[i] === Number.POSITIVE_INFINITY || v === Number.POSITIVE_INFINITY
      const neg = b.min[i] === Number.NEGATIVE_INFINITY || v === Number.NEGATIVE_INFINITY
      const x = u.valToPos(b.x[i]!, 'x', true)
      if (!inside(x)) continue
      // As the terminal and SVG dashboards: × NaN (bottom), ▲ +Inf (top), ▼ −Inf (bottom).
      if (nan) cross(x, top + height - s - px)
      if (pos) tri(x, top + s + px, true)
      if (neg) tri(x, top + height - 3 * s, false)
    }
    ctx.restore()
  }
}
