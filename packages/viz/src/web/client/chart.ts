import type { Incident } from '@entrenar/core'
import uPlot from 'uplot'
import { type SmoothOptions, smooth } from '../../series/smooth.js'
import type { Buckets } from './buckets.js'
import { h, replace } from './dom.js'
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
  /** Fixed y range (side-by-side comparisons share one), or undefined. */
  readonly yRange: readonly [number, number] | undefined
}

// The SVG dashboard's dark theme (svg/theme.ts), so incidents and non-finite markers look alike everywhere.
const LEVEL_COLOR: Readonly<Record<string, string>> = { info: '#74b9ff', warning: '#ffd166', error: '#ff4d4d', critical: '#ff0000' }
const MARKER = '#ff4d4d'
const HEIGHT = 240

const toPlot = (v: number): number | null => (v - v === 0 ? v : null)

/** Steps are integers: x-axis ticks at 1, 2, 5 × 10^k only. */
const STEP_INCRS: number[] = []
for (let e = 0; e <= 15; e++) for (const m of [1, 2, 5]) STEP_INCRS.push(m * 10 ** e)

/**
 * A uPlot chart of minmax-last buckets: per line a min–max band (spikes stay visible at any zoom),
 * the raw last values, and the smoothed line; NaN and ±Inf become gaps plus markers (× NaN at the
 * bottom, ▲ +Inf at the top, ▼ −Inf at the bottom), incidents become dashed vertical lines.
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
  #onZoom: (range: readonly [number, number] | undefined) => void

  #tools: HTMLElement

  /** `onExport` downloads the chart's raw rows (full fidelity) for the visible steps. */
  constructor(onZoom: (range: readonly [number, number] | undefined) => void, onExport: () => void) {
    this.#onZoom = onZoom
    this.#plotHost = h('div', { class: 'plot' })
    this.#legend = h('div', { class: 'legend' })
    this.#tools = h('button', { class: 'csv', attrs: { type: 'button', title: 'download the raw points of the visible steps as CSV' }, on: { click: onExport } }, 'CSV')
    this.root = h('section', { class: 'chart' })
  }

  /** Draws `model`; recreates the uPlot instance only when the set of lines changes. */
  update(model: ChartModel, width: number): void {
    this.#model = model
    const { lines, smoothing } = model
    const tables: uPlot.AlignedData[] = []
    let rows = 0
    let buckets = 0
    let nanMarks = 0
    let yLo = Number.POSITIVE_INFINITY
    let yHi = Number.NEGATIVE_INFINITY
    for (const line of lines) {
      const b = line.data
      const xs = Float64Array.from(b.x)
      const raw = Float64Array.from(b.value)
      const sm = smoothing ? smooth(xs, raw, smoothing) : raw
      tables.push([b.x, b.max.map(toPlot), b.min.map(toPlot), b.value.map(toPlot), Array.from(sm, toPlot)])
      for (let i = 0; i < b.x.length; i++) {
        rows += b.count[i]!
        const lo = b.min[i]!
        const hi = b.max[i]!
        if (lo - lo === 0 && lo < yLo) yLo = lo
        if (hi - hi === 0 && hi > yHi) yHi = hi
        if (b.nan[i]! > 0 || b.value[i]! - b.value[i]! !== 0 || hi === Number.POSITIVE_INFINITY || lo === Number.NEGATIVE_INFINITY) nanMarks++
      }
      buckets += b.x.length
    }
    // The y range from the buckets' finite min and max (every drawn value, smoothed ones included,
    // lies between them: the smoothers are weighted means), padded as uPlot pads an auto range. uPlot
    // then need not scan the 4 series of every line for their extent.
    this.#yRange = model.yRange ?? (yLo <= yHi ? (uPlot.rangeNum(yLo, yHi, 0.1, true) as [number, number]) : [0, 1])
    const data = tables.length === 0 ? ([[]] as uPlot.AlignedData) : tables.length === 1 ? tables[0]! : uPlot.join(tables)
    const shape = `${width}|${lines.map((l) => `${l.label}\u0000${l.color}`).join('|')}|${model.yRange ? 'y' : ''}`
    if (!this.#plot || shape !== this.#shape) {
      this.#plot?.destroy()
      this.#shape = shape
      this.#plot = new uPlot(this.#options(model, width), data, this.#plotHost)
    } else {
      this.#plot.setData(data, model.xRange === undefined)
    }
    if (model.xRange) this.#plot.setScale('x', { min: model.xRange[0], max: model.xRange[1] })
    let lo = Number.POSITIVE_INFINITY
    let hi = Number.NEGATIVE_INFINITY
    for (const l of lines) {
      const n = l.data.x.length
      if (n > 0 && l.data.x[0]! < lo) lo = l.data.x[0]!
      if (n > 0 && l.data.x[n - 1]! > hi) hi = l.data.x[n - 1]!
    }
    const d = this.root.dataset
    d.rows = String(rows)
    d.buckets = String(buckets)
    d.markers = String(nanMarks)
    d.incidents = String(model.incidents.filter((i) => i.step !== undefined).length)
    d.lo = String(model.xRange ? model.xRange[0] : lo <= hi ? lo : '')
    d.hi = String(model.xRange ? model.xRange[1] : lo <= hi ? hi : '')
    this.#renderFrame(model)
  }

  destroy(): void {
    this.#plot?.destroy()
    this.#plot = undefined
  }

  #renderFrame(model: ChartModel): void {
    this.#legendNums = model.lines.map(() => h('span', { class: 'num' }))
    replace(
      this.#legend,
      this.#legendStep,
      ...model.lines.map((l, j) => {
        const swatch = h('span', { class: 'swatch' })
        swatch.style.background = l.color
        return h('span', { class: 'key' }, swatch, l.label, ' ', this.#legendNums[j])
      }),
    )
    this.#showValues(undefined)
    if (!this.root.firstChild) replace(this.root, h('h3', {}, model.title), this.#plotHost, h('div', { class: 'chart-foot' }, this.#legend, this.#tools))
    else (this.root.firstChild as HTMLElement).textContent = model.title
    this.#plotHost.setAttribute('role', 'img')
    this.#plotHost.setAttribute('aria-label', `chart of ${model.title}: ${model.lines.length} run(s)`)
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
    for (const line of model.lines) {
      const i = series.length
      series.push(
        { label: `${line.label} max`, stroke: alpha(line.color, 0.3), width: 1, points: { show: false } },
        { label: `${line.label} min`, stroke: alpha(line.color, 0.3), width: 1, points: { show: false } },
        { label: `${line.label} raw`, stroke: alpha(line.color, model.smoothing ? 0.35 : 1), width: model.smoothing ? 1 : 1.5, points: { show: false } },
        { label: line.label, stroke: model.smoothing ? line.color : 'transparent', width: 2, points: { show: false } },
      )
      bands.push({ series: [i, i + 1], fill: alpha(line.color, 0.12) })
    }
    const axis: uPlot.Axis = { stroke: '#9aa7b4', grid: { stroke: 'rgba(255,255,255,0.07)' }, ticks: { stroke: 'rgba(255,255,255,0.15)' } }
    return {
      width,
      height: HEIGHT,
      legend: { show: false },
      series,
      bands,
      scales: {
        x: { time: false },
        y: { auto: false, range: () => [this.#yRange[0], this.#yRange[1]] },
      },
      axes: [{ ...axis, label: 'step', incrs: STEP_INCRS }, { ...axis, size: 60, values: (_u, vals) => vals.map((v) => formatNumber(v)) }],
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

  #drawMarkers(u: uPlot): void {
    const model = this.#model
    if (!model) return
    const { ctx } = u
    const { left, top, width, height } = u.bbox
    const px = devicePixelRatio || 1
    const inside = (x: number): boolean => x >= left - 1 && x <= left + width + 1
    ctx.save()
    ctx.font = `${11 * px}px system-ui, sans-serif`
    for (const ev of model.incidents) {
      if (ev.step === undefined) continue
      const x = Math.round(u.valToPos(ev.step, 'x', true))
      if (!inside(x)) continue
      ctx.strokeStyle = LEVEL_COLOR[ev.level] ?? '#ccc'
      ctx.setLineDash([4 * px, 3 * px])
      ctx.lineWidth = px
      ctx.beginPath()
      ctx.moveTo(x, top)
      ctx.lineTo(x, top + height)
      ctx.stroke()
      ctx.setLineDash([])
      ctx.fillStyle = ctx.strokeStyle
      ctx.fillText(ev.rule.slice(0, 24), x + 3 * px, top + 12 * px)
    }
    const s = 5 * px
    const tri = (x: number, y: number, up: boolean): void => {
      ctx.beginPath()
      ctx.moveTo(x - s, up ? y + s : y - s)
      ctx.lineTo(x + s, up ? y + s : y - s)
      ctx.lineTo(x, up ? y - s : y + s)
      ctx.closePath()
      ctx.fill()
    }
    const cross = (x: number, y: number): void => {
      ctx.beginPath()
      ctx.moveTo(x - s, y - s)
      ctx.lineTo(x + s, y + s)
      ctx.moveTo(x + s, y - s)
      ctx.lineTo(x - s, y + s)
      ctx.stroke()
    }
    ctx.fillStyle = MARKER
    ctx.strokeStyle = MARKER
    ctx.lineWidth = 2 * px
    for (const line of model.lines) {
      const b = line.data
      for (let i = 0; i < b.x.length; i++) {
        const v = b.value[i]!
        const nan = b.nan[i]! > 0 || v !== v
        const pos = b.max[i] === Number.POSITIVE_INFINITY || v === Number.POSITIVE_INFINITY
        const neg = b.min[i] === Number.NEGATIVE_INFINITY || v === Number.NEGATIVE_INFINITY
        if (!nan && !pos && !neg) continue
        const x = u.valToPos(b.x[i]!, 'x', true)
        if (!inside(x)) continue
        // As the terminal and SVG dashboards: × NaN (bottom), ▲ +Inf (top), ▼ −Inf (bottom).
        if (nan) cross(x, top + height - s - px)
        if (pos) tri(x, top + s + px, true)
        if (neg) tri(x, top + height - 3 * s, false)
      }
    }
    ctx.restore()
  }
}
