import { frac } from '../chart/ticks.js'
import type { ColumnBuckets } from '../series/downsample.js'
import { MARKER_SGR, paint, SERIES_SGR, type Style, seriesGlyph } from './style.js'

// Braille dot bits by (column, row) inside a 2×4 cell (Unicode 3.0, U+2800 block).
const DOT = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
] as const

/**
 * A character grid drawn in sub-cell dots: 2×4 dots per cell in braille, 1×1 in ASCII. Each cell
 * remembers the last series drawn into it (its colour) and an optional marker that overrides it.
 */
export class Canvas {
  readonly cols: number
  readonly rows: number
  readonly dotCols: number
  readonly dotRows: number
  readonly #ascii: boolean
  readonly #bits: Uint8Array
  readonly #owner: Int8Array
  readonly #marker: (string | undefined)[]

  constructor(cols: number, rows: number, ascii: boolean) {
    this.cols = cols
    this.rows = rows
    this.#ascii = ascii
    this.dotCols = ascii ? cols : cols * 2
    this.dotRows = ascii ? rows : rows * 4
    this.#bits = new Uint8Array(cols * rows)
    this.#owner = new Int8Array(cols * rows).fill(-1)
    this.#marker = new Array(cols * rows)
  }

  dot(x: number, y: number, series: number): void {
    if (x < 0 || y < 0 || x >= this.dotCols || y >= this.dotRows) return
    if (this.#ascii) {
      const i = y * this.cols + x
      this.#bits[i] = 1
      this.#owner[i] = series
      return
    }
    const i = (y >> 2) * this.cols + (x >> 1)
    this.#bits[i]! |= DOT[x & 1]![y & 3]!
    this.#owner[i] = series
  }

  /** Vertical run of dots from row `a` to row `b` inclusive. */
  vline(x: number, a: number, b: number, series: number): void {
    if (a > b) [a, b] = [b, a]
    for (let y = a; y <= b; y++) this.dot(x, y, series)
  }

  /** Bresenham line (Bresenham 1965) between two dots. */
  line(x0: number, y0: number, x1: number, y1: number, series: number): void {
    const dx = Math.abs(x1 - x0)
    const dy = -Math.abs(y1 - y0)
    const sx = x0 < x1 ? 1 : -1
    const sy = y0 < y1 ? 1 : -1
    let err = dx + dy
    for (;;) {
      this.dot(x0, y0, series)
      if (x0 === x1 && y0 === y1) return
      const e2 = 2 * err
      if (e2 >= dy) {
        err += dy
        x0 += sx
      }
      if (e2 <= dx) {
        err += dx
        y0 += sy
      }
    }
  }

  /** A marker glyph in a cell (NaN/Inf); it wins over dots. */
  mark(cellX: number, cellY: number, glyph: string): void {
    if (cellX < 0 || cellY < 0 || cellX >= this.cols || cellY >= this.rows) return
    this.#marker[cellY * this.cols + cellX] = glyph
  }

  /** Row `r` as text, colours applied per run of equal owners. */
  row(r: number, style: Style): string {
    let out = ''
    let run = ''
    let runSgr: string | undefined
    const flush = () => {
      out += paint(style, runSgr, run)
      run = ''
    }
    for (let c = 0; c < this.cols; c++) {
      const i = r * this.cols + c
      const m = this.#marker[i]
      let ch: string
      let sgr: string | undefined
      if (m !== undefined) {
        ch = m
        sgr = MARKER_SGR
      } else if (this.#bits[i] === 0) {
        ch = ' '
        sgr = undefined
      } else {
        const o = this.#owner[i]!
        ch = this.#ascii ? seriesGlyph(o) : String.fromCharCode(0x2800 + this.#bits[i]!)
        sgr = SERIES_SGR[o % SERIES_SGR.length]
      }
      if (sgr !== runSgr && run.length > 0) flush()
      runSgr = sgr
      run += ch
    }
    flush()
    return out
  }
}

/**
 * Draws one series' columns (one column per dot column) into the canvas: each column a vertical
 * min–max span (so spikes show), joined to the previous column's last value so the curve is
 * continuous; NaN (×), +Inf (▲) and −Inf (▼) columns get a marker in their cell.
 */
export function plotColumns(canvas: Canvas, cols: ColumnBuckets, yLo: number, yHi: number, series: number, ascii: boolean): void {
  const n = cols.count.length
  const rows = canvas.dotRows
  const toRow = (v: number) => {
    const r = yHi > yLo ? Math.round((1 - frac(v, yLo, yHi)) * (rows - 1)) : rows >> 1
    return r < 0 ? 0 : r >= rows ? rows - 1 : r
  }
  const cellW = ascii ? 1 : 2
  let prevX = -1
  let prevRow = 0
  for (let x = 0; x < n; x++) {
    if (cols.count[x] === 0) continue
    const lo = cols.min[x]!
    const hi = cols.max[x]!
    if (lo === lo) {
      const rTop = toRow(hi)
      const rBot = toRow(lo)
      if (prevX >= 0) {
        const target = Math.min(Math.max(prevRow, rTop), rBot)
        if (x - prevX === 1) canvas.vline(x, prevRow, target, series)
        else canvas.line(prevX, prevRow, x, target, series)
      }
      canvas.vline(x, rTop, rBot, series)
      const last = cols.last[x]!
      prevRow = last - last === 0 ? toRow(last) : rBot
      prevX = x
    }
    const cx = Math.floor(x / cellW)
    if (cols.nanCount[x]! > 0) canvas.mark(cx, 0, ascii ? 'x' : '×')
    else if (cols.posInfCount[x]! > 0) canvas.mark(cx, 0, ascii ? '^' : '▲')
    if (cols.negInfCount[x]! > 0) canvas.mark(cx, canvas.rows - 1, ascii ? 'v' : '▼')
  }
}
