import { type AlertLevel, EntrenarError, ErrorCodes } from '@entrenar/core'
import { formatNumber } from '../chart/format.js'
import { logTicks, toLogColumns } from '../chart/log-scale.js'
import { frac, niceTicks, paddedTicks } from '../chart/ticks.js'
import { xUnion, yExtent } from '../chart/y-range.js'
import { bucketize, type ColumnBuckets, finiteRange } from '../series/downsample.js'
import { checkSmoothOptions, type SmoothOptions, smooth } from '../series/smooth.js'
import { DARK, esc, LIGHT, n1, type Theme } from './theme.js'

/** One line of a chart. */
export interface ChartSeries {
  /** Legend label. */
  readonly name: string
  /** x values (steps, or times), one per point. */
  readonly x: ArrayLike<number>
  /** y values, as many as `x`; NaN (×) and ±Inf (▲/▼) are drawn as markers at the top/bottom edge, not as line points. */
  readonly y: ArrayLike<number>
  /** CSS colour; default from the palette by position. */
  readonly color?: string
  /** Dashed line (e.g. validation). */
  readonly dashed?: boolean
}

/** A vertical marker at a step: an alert or a drift event. */
export interface ChartMarker {
  /** The x (step) marked with a vertical line. */
  readonly x: number
  /** Text next to the line. */
  readonly label: string
  /** Severity, which sets the colour. */
  readonly level?: AlertLevel
  /**
   * `stop`: the step the Andon stopped the run (solid, labelled "stop"); `drift`: a detector's change point
   * (dotted, in the theme's drift colour, with a diamond just above the x axis and a key under the plot);
   * default `incident` (dashed).
   */
  readonly kind?: 'incident' | 'stop' | 'drift'
}

/** What {@link renderSvg} draws. */
export interface ChartSpec {
  /** The lines to draw. */
  readonly series: readonly ChartSeries[]
  /** Title above the plot. */
  readonly title?: string
  /** Pixels; default 800 × 400 (entrenar's WASM dashboard size). */
  readonly width?: number
  /** Pixels; default 400. */
  readonly height?: number
  /** Default `step`. */
  readonly xLabel?: string
  /** y-axis label. Default none. */
  readonly yLabel?: string
  /** Smoothing before downsampling; the raw line stays visible, faint. */
  readonly smoothing?: SmoothOptions
  /** Vertical marks: incidents, the stop, drift change points. */
  readonly markers?: readonly ChartMarker[]
  /** Colour theme. Default `light`. */
  readonly theme?: 'light' | 'dark'
  /** Fixed x range (default: the data's finite extent, widened to nice ticks). */
  readonly xRange?: readonly [number, number]
  /** Fixed y range, as `xRange`. */
  readonly yRange?: readonly [number, number]
  /** `log` draws log10 of y (losses over orders of magnitude); values ≤ 0 sit on the bottom edge. Default `linear`. */
  readonly yScale?: 'linear' | 'log'
  /** Prefix of element ids (clip path), unique per document when several charts share one page. Default `c`. */
  readonly id?: string
  /** Told the names of the series the legend has no room for (it draws "+N more" instead of them). */
  readonly onLegendHidden?: (names: readonly string[]) => void
}

/** A series as the renderer sees it: anything that can be cut into columns. */
export interface Drawable {
  readonly name: string
  readonly color?: string | undefined
  readonly dashed?: boolean | undefined
  /** Drawn faint, without legend entry or markers (the raw line under a smoothed one). */
  readonly faint?: boolean
  xRange(): [number, number]
  columns(buckets: number, range: readonly [number, number]): ColumnBuckets
}

/** Layout of a chart in pixels. */
export interface ChartBox {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

function fail(message: string): never {
  throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/viz: ${message}`)
}

/** Validates a spec (fail fast with `ENTRENAR_INVALID_CONFIG`). */
export function checkSpec(spec: ChartSpec): void {
  if (typeof spec !== 'object' || spec === null || !Array.isArray(spec.series)) fail('a chart spec needs a series array')
  for (const k of ['width', 'height'] as const) {
    const v = spec[k]
    if (v !== undefined && !(Number.isInteger(v) && v >= 120 && v <= 8192)) fail(`${k} must be an integer in [120, 8192] pixels, got ${v}`)
  }
  spec.series.forEach((s, i) => {
    if (typeof s?.name !== 'string') fail(`series ${i} needs a name`)
    if (s.x?.length === undefined || s.y?.length === undefined) fail(`series ${JSON.stringify(s.name)} needs x and y arrays`)
    if (s.x.length !== s.y.length) fail(`series ${JSON.stringify(s.name)} has ${s.x.length} x values but ${s.y.length} y values`)
  })
  for (const r of [spec.xRange, spec.yRange]) {
    if (r !== undefined && !(Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] < r[1])) fail(`axis range [${r[0]}, ${r[1]}] must be finite and ascending`)
  }
  if (spec.smoothing) checkSmoothOptions(spec.smoothing)
  if (spec.yScale !== undefined && spec.yScale !== 'linear' && spec.yScale !== 'log') fail(`yScale must be 'linear' or 'log', got ${String(spec.yScale)}`)
  if (spec.yScale === 'log' && spec.yRange && !(spec.yRange[0] > 0)) fail(`a log axis needs a positive yRange, got [${spec.yRange[0]}, ${spec.yRange[1]}]`)
  if (spec.theme !== undefined && spec.theme !== 'light' && spec.theme !== 'dark') fail(`theme must be 'light' or 'dark', got ${String(spec.theme)}`)
  if (spec.onLegendHidden !== undefined && typeof spec.onLegendHidden !== 'function') fail('onLegendHidden must be a function')
  if (spec.id !== undefined && !/^[A-Za-z][\w-]{0,63}$/.test(spec.id)) fail(`id ${JSON.stringify(spec.id)} must be a letter followed by word characters`)
}

/** Series of a spec as drawables: raw (faint) and smoothed when smoothing is on. */
export function drawablesOf(spec: ChartSpec): Drawable[] {
  const out: Drawable[] = []
  spec.series.forEach((s) => {
    const x = Float64Array.from(s.x)
    const y = Float64Array.from(s.y)
    const raw = (faint: boolean): Drawable => ({ name: s.name, color: s.color, dashed: s.dashed, faint, xRange: () => finiteRange(x), columns: (b, r) => bucketize(x, y, b, r) })
    if (spec.smoothing) {
      const sy = smooth(x, y, spec.smoothing)
      out.push(raw(true))
      out.push({ name: s.name, color: s.color, dashed: s.dashed, xRange: () => finiteRange(x), columns: (b, r) => withMarkersOf(bucketize(x, sy, b, r), bucketize(x, y, b, r)) })
    } else out.push(raw(false))
  })
  return out
}

/** Columns of a smoothed line carrying the raw series' NaN/Inf counts (what was logged). */
export function withMarkersOf(smoothed: ColumnBuckets, raw: ColumnBuckets): ColumnBuckets {
  return { ...smoothed, nanCount: raw.nanCount, posInfCount: raw.posInfCount, negInfCount: raw.negInfCount }
}

const FONT = 'DejaVu Sans, sans-serif'

/**
 * Draws a chart into `box` and returns SVG elements (no `<svg>` wrapper): grid, axes with nice
 * ticks, one path per series from per-pixel min/max/last columns, NaN (×) and ±Inf (▲/▼) markers at
 * the top/bottom edge in red, alert markers as dashed verticals, and a legend.
 */
export function drawChart(
  items: readonly Drawable[],
  box: ChartBox,
  opts: {
    title?: string | undefined
    xLabel?: string | undefined
    yLabel?: string | undefined
    markers?: readonly ChartMarker[] | undefined
    theme: Theme
    id: string
    xRange?: readonly [number, number] | undefined
    yRange?: readonly [number, number] | undefined
    yScale?: 'linear' | 'log' | undefined
    /** Told the names of the series the legend has no room for. */
    onLegendHidden?: ((names: readonly string[]) => void) | undefined
  },
): string {
  const t = opts.theme
  // Room for the rotated y-axis label left of the tick labels.
  const left = box.x + (opts.yLabel ? 78 : 64)
  const right = box.x + box.width - 16
  const top = box.y + (opts.title ? 44 : 28)
  const bottom = box.y + box.height - 40
  const pw = Math.max(10, Math.round(right - left))
  const ph = Math.max(10, bottom - top)
  const parts: string[] = []

  const withData = items.filter((d) => {
    const r = d.xRange()
    return r[0] === r[0]
  })
  const xr = opts.xRange ?? xUnion(withData.map((d) => d.xRange()))
  const hasX = xr[0] === xr[0]
  const log = opts.yScale === 'log'
  const rawCols = hasX ? items.map((d) => d.columns(pw, xr)) : []
  const cols = log ? toLogColumns(rawCols) : rawCols
  const xt = niceTicks(hasX ? xr[0] : 0, hasX ? xr[1] : 1, Math.max(2, Math.floor(pw / 90)))
  // Keep the data's own x range on the axis (no widening), ticks inside it.
  const x0 = hasX ? xr[0] : xt.lo
  const x1 = hasX ? (xr[1] > xr[0] ? xr[1] : xr[0] + 1) : xt.hi
  const fixedY = opts.yRange ? (log ? ([Math.log10(opts.yRange[0]), Math.log10(opts.yRange[1])] as const) : opts.yRange) : undefined
  const [ylo, yhi] = fixedY ?? yExtent(cols)
  const yCount = Math.max(2, Math.floor(ph / 50))
  const yt = log ? logTicks(ylo, yhi, yCount, fixedY ? 0 : 0.05) : fixedY ? niceTicks(ylo, yhi, yCount) : paddedTicks(ylo, yhi, yCount)
  const y0 = fixedY ? fixedY[0] : yt.lo
  const y1 = fixedY ? fixedY[1] : yt.hi
  const px = (v: number) => left + ((v - x0) / (x1 - x0)) * pw
  const py = (v: number) => bottom - frac(v, y0, y1) * ph

  if (opts.title) parts.push(`<text x="${n1(box.x + box.width / 2)}" y="${n1(box.y + 20)}" text-anchor="middle" font-size="15" font-weight="bold" fill="${t.foreground}">${esc(opts.title)}</text>`)
  // Grid and tick labels.
  const grid: string[] = []
  const labels: string[] = []
  for (const v of yt.values) {
    if (v < y0 - 1e-12 * Math.abs(y0) || v > y1 + 1e-12 * Math.abs(y1)) continue
    const y = n1(py(v))
    grid.push(`M${n1(left)} ${y}H${n1(right)}`)
    labels.push(`<text x="${n1(left - 6)}" y="${y}" dy="4" text-anchor="end">${esc(formatNumber(log ? 10 ** v : v))}</text>`)
  }
  for (const v of xt.values) {
    if (v < x0 || v > x1) continue
    const x = n1(px(v))
    grid.push(`M${x} ${n1(top)}V${n1(bottom)}`)
    labels.push(`<text x="${x}" y="${n1(bottom + 16)}" text-anchor="middle">${esc(formatNumber(v))}</text>`)
  }
  parts.push(`<path class="grid" d="${grid.join('')}" stroke="${t.grid}" stroke-width="1" fill="none"/>`)
  parts.push(`<g class="ticks" font-size="11" fill="${t.foreground}">${labels.join('')}</g>`)
  parts.push(`<path class="axes" d="M${n1(left)} ${n1(top)}V${n1(bottom)}H${n1(right)}" stroke="${t.axis}" stroke-width="1.5" fill="none"/>`)
  parts.push(`<text x="${n1((left + right) / 2)}" y="${n1(bottom + 34)}" text-anchor="middle" font-size="12" fill="${t.foreground}">${esc(opts.xLabel ?? 'step')}</text>`)
  if (opts.yLabel) parts.push(`<text transform="translate(${n1(box.x + 14)} ${n1((top + bottom) / 2)}) rotate(-90)" text-anchor="middle" font-size="12" fill="${t.foreground}">${esc(opts.yLabel)}</text>`)

  // Lines, clipped to the plot area.
  const clip = `${opts.id}-clip`
  parts.push(`<clipPath id="${clip}"><rect x="${n1(left)}" y="${n1(top)}" width="${pw}" height="${n1(ph)}"/></clipPath>`)
  const lines: string[] = []
  const marks: string[] = []
  const legend: { name: string; color: string; dashed: boolean; note: string }[] = []
  let colour = 0
  items.forEach((d, i) => {
    const c = cols[i]
    const color = d.color ?? t.palette[colour % t.palette.length]!
    if (!d.faint) colour++
    if (!c) {
      if (!d.faint) legend.push({ name: d.name, color, dashed: d.dashed === true, note: '' })
      return
    }
    let path = ''
    let pen = false
    let nan = 0
    let pos = 0
    let neg = 0
    for (let k = 0; k < pw; k++) {
      if (c.count[k] === 0) continue
      const x = n1(left + k + 0.5)
      const lo = c.min[k]!
      if (lo === lo) {
        const hi = c.max[k]!
        const last = c.last[k]!
        path += `${pen ? 'L' : 'M'}${x} ${n1(py(hi))}`
        if (lo !== hi) path += `L${x} ${n1(py(lo))}`
        if (last - last === 0 && last !== lo) path += `L${x} ${n1(py(last))}`
        pen = true
      } else pen = false // a column of non-finite values only breaks the line
      if (d.faint) continue
      nan += c.nanCount[k]!
      pos += c.posInfCount[k]!
      neg += c.negInfCount[k]!
      const cx = left + k + 0.5
      if (c.nanCount[k]! > 0) marks.push(`M${n1(cx - 4)} ${n1(top + 2)}l8 8m0 -8l-8 8`)
      if (c.posInfCount[k]! > 0) marks.push(`M${n1(cx)} ${n1(top + 12)}l-4 7h8z`)
      if (c.negInfCount[k]! > 0) marks.push(`M${n1(cx)} ${n1(bottom - 2)}l-4 -7h8z`)
    }
    const dash = d.dashed ? ' stroke-dasharray="6 4"' : ''
    const attrs = d.faint ? `stroke-opacity="0.3" stroke-width="1"` : `stroke-width="1.75"`
    if (path) lines.push(`<path class="series" data-name="${esc(d.name)}" d="${path}" stroke="${color}" ${attrs}${dash} fill="none" stroke-linejoin="round"/>`)
    if (!d.faint) {
      const notes = [nan ? `${nan} NaN` : '', pos ? `${pos} +Inf` : '', neg ? `${neg} −Inf` : ''].filter(Boolean).join(', ')
      legend.push({ name: d.name, color, dashed: d.dashed === true, note: notes ? ` (${notes})` : '' })
    }
  })
  parts.push(`<g clip-path="url(#${clip})">${lines.join('')}</g>`)
  if (marks.length > 0) {
    parts.push(`<path class="nonfinite" d="${marks.join('')}" stroke="${t.marker}" fill="${t.marker}" stroke-width="2"/>`)
    // What the marks mean, under the plot's right end (the run legend stays for the runs).
    parts.push(`<text class="nonfinite-key" x="${n1(right)}" y="${n1(bottom + 34)}" text-anchor="end" font-size="11" fill="${t.marker}">× NaN  ▲ +Inf  ▼ −Inf</text>`)
  }

  // Alert and drift markers.
  let drifts = 0
  for (const m of opts.markers ?? []) {
    if (!hasX || !(m.x >= x0 && m.x <= x1)) continue
    const kind = m.kind ?? 'incident'
    // A drift change point has its own colour, so it never reads as an alert of the same level.
    const color = kind === 'drift' ? t.drift : (t.levels[m.level ?? 'warning'] ?? t.marker)
    const x = n1(px(m.x))
    // The stop step solid and heavier, a drift change point dotted under a diamond, other incidents
    // dashed; the label inside the plot, right of the line (above it, it would collide with the legend).
    const line = kind === 'stop' ? 'stroke-width="2"' : kind === 'drift' ? 'stroke-width="1.5" stroke-dasharray="1 3"' : 'stroke-width="1.25" stroke-dasharray="3 3"'
    const label = kind === 'stop' ? `stop: ${m.label}` : kind === 'drift' ? `drift: ${m.label}` : m.label
    const diamond = kind === 'drift' ? `<path d="M${x} ${n1(bottom - 12)}l5 6l-5 6l-5 -6z" fill="${color}"/>` : ''
    if (kind === 'drift') drifts++
    parts.push(
      `<g class="marker ${kind}"><path d="M${x} ${n1(top)}V${n1(bottom)}" stroke="${color}" ${line}/>${diamond}<text x="${n1(px(m.x) + 3)}" y="${n1(top + 11)}" font-size="10" fill="${color}">${esc(label)}</text></g>`,
    )
  }
  // What the drift marks mean, under the plot's left end (the NaN key takes the right end).
  if (drifts > 0) {
    const ky = bottom + 34
    parts.push(
      `<g class="drift-key" font-size="11" fill="${t.drift}"><path d="M${n1(left)} ${n1(ky - 10)}l4 5l-4 5l-4 -5z"/><path d="M${n1(left + 8)} ${n1(ky - 5)}h16" stroke="${t.drift}" stroke-width="1.5" stroke-dasharray="1 3"/><text x="${n1(left + 28)}" y="${n1(ky)}">drift change point${drifts > 1 ? ` (${drifts})` : ''}</text></g>`,
    )
  }
  if (!hasX) parts.push(`<text x="${n1((left + right) / 2)}" y="${n1((top + bottom) / 2)}" text-anchor="middle" font-size="13" fill="${t.axis}">no data</text>`)

  // Legend along the top edge, right-aligned rows flowing left to right.
  // Entries that do not fit are never dropped silently: "+N more" takes their place and the caller
  // is told their names (the HTML report lists them under the chart).
  let lx = left
  const ly = box.y + (opts.title ? 34 : 16)
  const entries: string[] = []
  const widthOf = (text: string) => 26 + text.length * 6.6
  const moreWidth = (n: number) => `+${n} more`.length * 6.6 + 4
  let shown = 0
  for (const e of legend) {
    const text = `${e.name}${e.note}`
    const w = widthOf(text)
    const rest = legend.length - shown - 1
    if (lx > left && lx + w + (rest > 0 ? 10 + moreWidth(rest) : 0) > right) break
    entries.push(
      `<path d="M${n1(lx)} ${n1(ly - 4)}h18" stroke="${e.color}" stroke-width="2.5"${e.dashed ? ' stroke-dasharray="5 3"' : ''}/><text x="${n1(lx + 22)}" y="${n1(ly)}">${esc(text)}</text>`,
    )
    lx += w + 10
    shown++
  }
  const hidden = legend.slice(shown).map((e) => e.name)
  if (hidden.length > 0) {
    entries.push(`<text class="legend-more" x="${n1(lx)}" y="${n1(ly)}">+${hidden.length} more</text>`)
    opts.onLegendHidden?.(hidden)
  }
  parts.push(`<g class="legend" font-size="11" fill="${t.foreground}">${entries.join('')}</g>`)
  return parts.join('\n')
}

/** Wraps chart elements into a standalone SVG document. */
export function svgDocument(width: number, height: number, theme: Theme, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">\n<rect width="100%" height="100%" fill="${theme.background}"/>\n${body}\n</svg>\n`
}

/** The theme of a spec. */
export function themeOf(name: 'light' | 'dark' | undefined): Theme {
  return name === 'dark' ? DARK : LIGHT
}

/**
 * Renders a chart as a standalone SVG document (our own SVG, no chart library): axes with nice
 * ticks (Heckbert 1990), a legend with NaN/Inf counts, one path per series built from per-pixel
 * min/max/last columns (spikes survive at any size), red × / ▲ / ▼ markers where the data holds
 * NaN / +Inf / −Inf, and dashed markers for alerts. Deterministic: the same spec gives the same bytes.
 *
 * @example
 * ```ts
 * const svg = renderSvg({ title: 'loss', series: [{ name: 'train', x: steps, y: losses }] })
 * ```
 */
export function renderSvg(spec: ChartSpec): string {
  checkSpec(spec)
  const width = spec.width ?? 800
  const height = spec.height ?? 400
  const theme = themeOf(spec.theme)
  const body = drawChart(drawablesOf(spec), { x: 0, y: 0, width, height }, {
    title: spec.title,
    xLabel: spec.xLabel,
    yLabel: spec.yLabel,
    markers: spec.markers,
    theme,
    id: spec.id ?? 'c',
    xRange: spec.xRange,
    yRange: spec.yRange,
    yScale: spec.yScale,
    onLegendHidden: spec.onLegendHidden,
  })
  return svgDocument(width, height, theme, body)
}
