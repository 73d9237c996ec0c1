import { fit, formatNumber } from '../chart/format.js'
import { frac } from '../chart/ticks.js'
import { seriesLabel } from '../model/panels.js'
import type { SeriesEntry } from '../model/run-data.js'
import type { SeriesBuffer } from '../series/buffer.js'
import type { SeriesStats } from '../series/stats.js'
import { paint, SERIES_SGR, type Style } from './style.js'

const BARS = '▁▂▃▄▅▆▇█'
const ASCII_BARS = '_.-=+*#@'

/**
 * A sparkline of `width` glyphs: the last value of each x column mapped onto 8 levels (index =
 * round(norm · 7), as entrenar's Rust dashboard; a flat series draws the middle level). Columns with
 * a NaN show `×` (`x` in ASCII), +Inf `↑`/`^`, −Inf `↓`/`v`; empty columns a space.
 */
export function sparkline(buf: SeriesBuffer, width: number, ascii: boolean): string {
  if (buf.length === 0 || width <= 0) return ' '.repeat(Math.max(0, width))
  const cols = buf.bucketize(width)
  const bars = ascii ? ASCII_BARS : BARS
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (let i = 0; i < width; i++) {
    const v = cols.last[i]!
    if (v - v === 0) {
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
  }
  let out = ''
  for (let i = 0; i < width; i++) {
    if (cols.count[i] === 0) {
      out += ' '
      continue
    }
    const v = cols.last[i]!
    if (cols.nanCount[i]! > 0) out += ascii ? 'x' : '×'
    else if (v === Number.POSITIVE_INFINITY || cols.posInfCount[i]! > 0) out += ascii ? '^' : '↑'
    else if (v === Number.NEGATIVE_INFINITY || cols.negInfCount[i]! > 0) out += ascii ? 'v' : '↓'
    else if (v !== v) out += ' '
    else out += bars[hi > lo ? Math.round(frac(v, lo, hi) * 7) : 3]
  }
  return out
}

interface Column {
  readonly head: string
  readonly width: number
  readonly right: boolean
  cell(s: SeriesStats): string
}

const num = (head: string, pick: (s: SeriesStats) => number): Column => ({ head, width: 9, right: true, cell: (s) => formatNumber(pick(s)) })
const cnt = (head: string, pick: (s: SeriesStats) => number): Column => ({ head, width: 6, right: true, cell: (s) => String(pick(s)) })

// Dropped from the end when the terminal is narrow.
const COLUMNS: readonly Column[] = [
  num('last', (s) => s.last),
  cnt('NaN', (s) => s.nanCount),
  cnt('±Inf', (s) => s.posInfCount + s.negInfCount),
  num('mean', (s) => s.mean),
  num('min', (s) => s.min),
  num('max', (s) => s.max),
  num('std', (s) => s.std),
  num('p99', (s) => s.p99),
  cnt('n', (s) => s.count),
]
const ORDER = ['last', 'mean', 'std', 'min', 'max', 'p99', 'n', 'NaN', '±Inf']

/**
 * The stats table: one row per series with last, mean, std, min, max, p99 (P² estimate), row count,
 * NaN and ±Inf counts, and a sparkline filling the remaining width. Every line is `width` wide.
 */
export function renderTable(series: readonly SeriesEntry[], width: number, style: Style, runs: number): string[] {
  const nameW = Math.min(24, Math.max(6, ...series.map((s) => seriesLabel(s, runs).length)))
  let budget = width - nameW
  const kept: Column[] = []
  for (const c of COLUMNS) {
    if (budget - c.width - 1 < (kept.length >= 3 ? 8 : 0)) break
    kept.push(c)
    budget -= c.width + 1
  }
  kept.sort((a, b) => ORDER.indexOf(a.head) - ORDER.indexOf(b.head))
  const sparkW = Math.max(0, Math.min(40, budget - 1))
  const head = fit('series', nameW) + kept.map((c) => ` ${fit(c.head, c.width, c.right)}`).join('') + (sparkW > 0 ? ` ${fit('trend', sparkW)}` : '')
  const lines = [paint(style, '1', fit(head, width))]
  series.forEach((s, i) => {
    const st = s.data.stats()
    let line = paint(style, SERIES_SGR[i % SERIES_SGR.length], fit(seriesLabel(s, runs), nameW))
    for (const c of kept) {
      const text = fit(c.cell(st), c.width, c.right)
      const bad = (c.head === 'NaN' && st.nanCount > 0) || (c.head === '±Inf' && st.posInfCount + st.negInfCount > 0)
      line += ` ${bad ? paint(style, '31', text) : text}`
    }
    if (sparkW > 0) line += ` ${paint(style, SERIES_SGR[i % SERIES_SGR.length], sparkline(s.data, sparkW, style.ascii))}`
    const used = nameW + kept.reduce((a, c) => a + c.width + 1, 0) + (sparkW > 0 ? sparkW + 1 : 0)
    lines.push(line + ' '.repeat(Math.max(0, width - used)))
  })
  if (series.length === 0) lines.push(fit('No metrics recorded yet', width))
  return lines
}
