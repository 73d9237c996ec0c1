import type { Series } from '@entrenar/core'

/**
 * One `(run, metric)` series as the page holds it: minmax-last buckets (core's query shape) as
 * `Float64Array` columns of equal length. Columns received from the server are views of the frame
 * (no copy); live points are appended into owned buffers that grow by doubling (see
 * {@link appendSeries}), and the columns are then re-pointed at their filled part. A raw row is a
 * bucket of count 1.
 */
export interface Buckets {
  readonly runId: string
  readonly metric: string
  x: Float64Array
  /** Last value of each bucket (NaN and ±Inf kept). */
  value: Float64Array
  /** Smallest non-NaN value (±Inf kept); NaN when the bucket holds only NaN. */
  min: Float64Array
  max: Float64Array
  count: Float64Array
  nan: Float64Array
}

const COLUMNS = ['x', 'value', 'min', 'max', 'count', 'nan'] as const

/** Buckets whose columns live in buffers the page owns (room to append), with that room. */
const owned = new WeakMap<Buckets, { readonly cols: readonly Float64Array[]; readonly capacity: number }>()

/**
 * Holds a query series as {@link Buckets}: the wire's columns as they are (views of the received
 * frame, no copy); only the columns a raw series lacks (min, max, count and NaN count, derived from
 * its values) are built. Rows of a repeated step are all kept.
 */
export function bucketsOf(s: Series): Buckets {
  const n = s.x.length
  const value = s.value
  let nan = s.nanCount
  if (!nan) {
    nan = new Float64Array(n)
    for (let i = 0; i < n; i++) nan[i] = value[i] !== value[i] ? 1 : 0
  }
  return { runId: s.runId, metric: s.metric, x: s.x, value, min: s.min ?? value.slice(), max: s.max ?? value.slice(), count: s.count ?? new Float64Array(n).fill(1), nan }
}

/** Appends the buckets of `s` whose x is above the last one held (live updates), growing the columns' buffers by doubling. */
export function appendSeries(b: Buckets, s: Series): number {
  const n = b.x.length
  const last = n > 0 ? b.x[n - 1]! : Number.NEGATIVE_INFINITY
  let added = 0
  for (let i = 0; i < s.x.length; i++) if (s.x[i]! > last) added++
  if (added === 0) return 0
  let room = owned.get(b)
  if (!room || room.capacity < n + added) {
    // The first append copies the frame's views into buffers of the page's own; later ones double them.
    const capacity = Math.max(64, 2 * n, n + added)
    const cols = COLUMNS.map((c) => {
      const col = new Float64Array(capacity)
      col.set(b[c])
      return col
    })
    room = { cols, capacity }
    owned.set(b, room)
  }
  const [x, value, min, max, count, nan] = room.cols as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array]
  let k = n
  for (let i = 0; i < s.x.length; i++) {
    const xi = s.x[i]!
    if (!(xi > last)) continue
    const v = s.value[i]!
    x[k] = xi
    value[k] = v
    min[k] = s.min ? s.min[i]! : v
    max[k] = s.max ? s.max[i]! : v
    count[k] = s.count ? s.count[i]! : 1
    nan[k] = s.nanCount ? s.nanCount[i]! : v !== v ? 1 : 0
    k++
  }
  b.x = x.subarray(0, k)
  b.value = value.subarray(0, k)
  b.min = min.subarray(0, k)
  b.max = max.subarray(0, k)
  b.count = count.subarray(0, k)
  b.nan = nan.subarray(0, k)
  return added
}

/** Rows the buckets stand for. */
export function rowsOf(b: Buckets): number {
  let n = 0
  const c = b.count
  for (let i = 0; i < c.length; i++) n += c[i]!
  return n
}

/** True when every bucket holds one row: the page then sees the series at full fidelity. */
export function isExact(b: Buckets): boolean {
  const c = b.count
  for (let i = 0; i < c.length; i++) if (c[i] !== 1) return false
  return true
}

/**
 * The lines of one chart on a shared grid of `columns` step columns over their common step range,
 * built into buffers kept from one update to the next (a chart redrawn for a live point, a resize or
 * a toggle allocates nothing once its buffers have grown to fit). Per line and column: the smallest
 * min, largest max, summed counts and NaN counts, and the value of its last bucket there, at the
 * column's x (the largest bucket x any line has in it, so x stays in step order and within the
 * column). Each run's minmax-last buckets span its own step range, so the union of a hundred runs' x
 * has a hundred times the chart's width; on the grid it has at most `columns`, and what a pixel
 * column shows is unchanged (its extremes, its last value, its NaN and ±Inf).
 *
 * The same pass gives what uPlot draws from: {@link ChartGrid.x}, the ascending steps of the columns
 * any line occupies (uPlot's x column), and per line {@link ChartGrid.at}, the place in it of each of
 * the line's grid buckets, so a line's drawn column is filled by one walk (see {@link ChartGrid.fill}).
 */
export class ChartGrid {
  /** The occupied columns' steps, ascending (uPlot's x column; reused). */
  readonly x: number[] = []
  /** Per line, its buckets on the grid (views of this grid's buffers: valid until the next {@link place}). */
  readonly lines: Buckets[] = []
  /** Per line, the index in {@link x} of each of its grid buckets. */
  readonly at: Int32Array[] = []
  #buffers: Float64Array[] = []
  #places: Int32Array[] = []
  #columns = 0
  #gx = new Float64Array(0)
  #rank = new Int32Array(0)
  /** Each bucket's column, lines one after another (scratch of {@link place}). */
  #col = new Int32Array(0)
  /** Per line, the drawn column handed to uPlot last (reused). */
  #drawn: (number | null | undefined)[][] = []

  /**
   * Puts `lines` on a grid of `columns` columns. Returns false (nothing placed) when no line holds a
   * bucket.
   */
  place(lines: readonly Buckets[], columns: number): boolean {
    let lo = Number.POSITIVE_INFINITY
    let hi = Number.NEGATIVE_INFINITY
    for (const b of lines) {
      if (b.x.length === 0) continue
      if (b.x[0]! < lo) lo = b.x[0]!
      if (b.x[b.x.length - 1]! > hi) hi = b.x[b.x.length - 1]!
    }
    if (!(lo <= hi)) return false
    if (columns !== this.#columns) {
      this.#columns = columns
      this.#buffers = []
      this.#places = []
      this.#gx = new Float64Array(columns)
      this.#rank = new Int32Array(columns)
    }
    const width = (hi - lo + 1) / columns
    const last = columns - 1
    const gx = this.#gx.fill(Number.NEGATIVE_INFINITY)
    // Each bucket's column, found once (the placing pass below reads it back).
    let total = 0
    for (const b of lines) total += b.x.length
    if (this.#col.length < total) this.#col = new Int32Array(Math.max(total, 2 * this.#col.length))
    const col = this.#col
    let at = 0
    for (const b of lines) {
      const bx = b.x
      for (let i = 0; i < bx.length; i++) {
        const x = bx[i]!
        const c = Math.min(last, Math.max(0, Math.floor((x - lo) / width)))
        col[at++] = c
        if (x > gx[c]!) gx[c] = x
      }
    }
    // The occupied columns in order: uPlot's x, and each column's place in it.
    const xs = this.x
    xs.length = 0
    const rank = this.#rank
    for (let c = 0; c < columns; c++) {
      rank[c] = xs.length
      if (gx[c] !== Number.NEGATIVE_INFINITY) xs.push(gx[c]!)
    }
    this.lines.length = lines.length
    this.at.length = lines.length
    let from = 0
    for (let l = 0; l < lines.length; l++) {
      const b = lines[l]!
      let buf = this.#buffers[l]
      let places = this.#places[l]
      if (!buf || !places) {
        buf = this.#buffers[l] = new Float64Array(6 * columns)
        places = this.#places[l] = new Int32Array(columns)
      }
      const ox = buf.subarray(0, columns)
      const ov = buf.subarray(columns, 2 * columns)
      const omin = buf.subarray(2 * columns, 3 * columns)
      const omax = buf.subarray(3 * columns, 4 * columns)
      const ocount = buf.subarray(4 * columns, 5 * columns)
      const onan = buf.subarray(5 * columns, 6 * columns)
      const { x: bx, value: bv, min: bmin, max: bmax, count: bcount, nan: bnan } = b
      let k = -1
      let j = -1
      for (let i = 0; i < bx.length; i++) {
        const c = col[from + i]!
        const mn = bmin[i]!
        const mx = bmax[i]!
        if (c !== k) {
          k = c
          j++
          ox[j] = gx[c]!
          places[j] = rank[c]!
          ov[j] = bv[i]!
          omin[j] = mn
          omax[j] = mx
          ocount[j] = bcount[i]!
          onan[j] = bnan[i]!
          continue
        }
        ov[j] = bv[i]!
        // min/max are NaN only for a bucket of NaN rows alone: any number wins over them.
        if (mn < omin[j]! || omin[j]! !== omin[j]!) omin[j] = mn
        if (mx > omax[j]! || omax[j]! !== omax[j]!) omax[j] = mx
        ocount[j]! += bcount[i]!
        onan[j]! += bnan[i]!
      }
      from += bx.length
      const n = j + 1
      this.lines[l] = { runId: b.runId, metric: b.metric, x: ox.subarray(0, n), value: ov.subarray(0, n), min: omin.subarray(0, n), max: omax.subarray(0, n), count: ocount.subarray(0, n), nan: onan.subarray(0, n) }
      this.at[l] = places.subarray(0, n)
    }
    this.#drawn.length = lines.length
    return true
  }

  /**
   * Line `l`'s column on {@link x} as uPlot draws it: `map(ys[k])` at the place of its grid bucket
   * `k` (`ys` its last values, or their smoothing), `undefined` where the line has no bucket (an
   * alignment gap uPlot spans, as `uPlot.join` marks them). The array is reused from one call to the next.
   */
  fill(l: number, ys: ArrayLike<number>, map: (v: number) => number | null): (number | null | undefined)[] {
    let col = this.#drawn[l]
    if (!col) {
      col = []
      this.#drawn[l] = col
    }
    const n = this.x.length
    col.length = n
    col.fill(undefined)
    const at = this.at[l]!
    for (let k = 0; k < at.length; k++) col[at[k]!] = map(ys[k]!)
    return col
  }
}

/**
 * {@link ChartGrid.place} as new arrays: the lines of one chart on a shared grid of `columns` step
 * columns (the grid's buckets of each line, copied out of the grid's buffers).
 */
export function onGrid(lines: readonly Buckets[], columns: number): Buckets[] {
  const grid = new ChartGrid()
  if (!grid.place(lines, columns)) return lines.slice()
  return grid.lines
}

/** One unbroken stretch of a min–max band, as the vertices to draw (step x, the max edge, the min edge). */
export interface BandRun {
  readonly x: number[]
  readonly max: number[]
  readonly min: number[]
}

/**
 * The min–max band of buckets `from … to-1` at half resolution: each stretch of buckets whose band
 * can be drawn (`drawable(min, max)`; any other bucket breaks the band, as a gap breaks a line) with
 * each pair of buckets as one vertex at the pair's middle x, holding the pair's larger max and smaller
 * min, so no extreme is lost and a band only widens within its pair; a stretch's first and last vertex
 * keep their bucket's x, so it ends where its line does (a stretch of two buckets keeps both). On a grid of the chart's pixel width (see
 * {@link onGrid}) a pair is two pixels: half the vertices to build, fill and stroke, the same picture.
 */
export function halfResolutionBand(b: { readonly x: ArrayLike<number>; readonly min: ArrayLike<number>; readonly max: ArrayLike<number> }, from: number, to: number, drawable: (min: number, max: number) => boolean): BandRun[] {
  const out: BandRun[] = []
  const scratch = new BandScratch()
  eachHalfResolutionBand(b, from, to, drawable, scratch, (m) => {
    out.push({ x: Array.from(scratch.x.subarray(0, m)), max: Array.from(scratch.max.subarray(0, m)), min: Array.from(scratch.min.subarray(0, m)) })
  })
  return out
}

/** Reusable vertex buffers of {@link eachHalfResolutionBand} (grown to fit, never shrunk). */
export class BandScratch {
  x = new Float64Array(0)
  max = new Float64Array(0)
  min = new Float64Array(0)
  fit(n: number): void {
    if (this.x.length >= n) return
    const size = Math.max(n, 2 * this.x.length)
    this.x = new Float64Array(size)
    this.max = new Float64Array(size)
    this.min = new Float64Array(size)
  }
}

/**
 * {@link halfResolutionBand} without building arrays: each stretch's `m` vertices are written to
 * `scratch` (its first `m` entries of `x`, `max` and `min`) and handed to `emit(m)`, which draws them
 * before the next stretch overwrites them. A chart redrawn for a live point, a zoom or a resize then
 * allocates nothing for its bands.
 */
export function eachHalfResolutionBand(
  b: { readonly x: ArrayLike<number>; readonly min: ArrayLike<number>; readonly max: ArrayLike<number> },
  from: number,
  to: number,
  drawable: (min: number, max: number) => boolean,
  scratch: BandScratch,
  emit: (m: number) => void,
): void {
  const { x: bx, min: bmin, max: bmax } = b
  scratch.fit(Math.max(2, Math.ceil((to - from) / 2) + 1))
  const { x: rx, max: rmax, min: rmin } = scratch
  let i = from
  while (i < to) {
    while (i < to && !drawable(bmin[i]!, bmax[i]!)) i++
    if (i >= to) break
    let j = i
    while (j < to && drawable(bmin[j]!, bmax[j]!)) j++
    // Two buckets stay two vertices: one could not both start and end the stretch.
    if (j - i === 2) {
      rx[0] = bx[i]!
      rx[1] = bx[i + 1]!
      rmax[0] = bmax[i]!
      rmax[1] = bmax[i + 1]!
      rmin[0] = bmin[i]!
      rmin[1] = bmin[i + 1]!
      emit(2)
      i = j
      continue
    }
    let m = 0
    for (let k = i; k < j; k += 2) {
      const two = k + 1 < j
      rx[m] = two ? (bx[k]! + bx[k + 1]!) / 2 : bx[k]!
      rmax[m] = two && bmax[k + 1]! > bmax[k]! ? bmax[k + 1]! : bmax[k]!
      rmin[m] = two && bmin[k + 1]! < bmin[k]! ? bmin[k + 1]! : bmin[k]!
      m++
    }
    rx[0] = bx[i]!
    rx[m - 1] = bx[j - 1]!
    emit(m)
    i = j
  }
}

/** A uPlot data table: x, then one column of values per series (`null` a gap). */
export type Table = readonly [ArrayLike<number>, ...ArrayLike<number | null | undefined>[]]

/**
 * `uPlot.join` for tables that share few distinct x (lines put on one grid): the sorted union of
 * their x (each table's x ascending), each table's columns placed by a walk along it, `undefined` where a table has no such x
 * (as `join` marks alignment gaps, which a line spans; a `null` value stays a gap). With `map`, each
 * value is placed as `map(value)` (e.g. `null` for a non-finite one): the same table as mapping every
 * column first, without building those columns (a hundred lines' worth of arrays to collect).
 */
export function alignOnFewX(tables: readonly Table[], map?: (v: number) => number | null): Table {
  const seen = new Set<number>()
  for (const t of tables) {
    const tx = t[0]
    for (let i = 0; i < tx.length; i++) seen.add(tx[i]!)
  }
  const xs = Float64Array.from(seen).sort()
  const out: (number | null | undefined)[][] = []
  for (const t of tables) {
    const tx = t[0]
    // Both ascending: each x's place in the union by one forward walk.
    const idx = new Int32Array(tx.length)
    let j = 0
    for (let i = 0; i < tx.length; i++) {
      while (xs[j]! < tx[i]!) j++
      idx[i] = j
    }
    for (let s = 1; s < t.length; s++) {
      const col = new Array<number | null | undefined>(xs.length).fill(undefined)
      const src = t[s] as ArrayLike<number | null | undefined>
      if (map) for (let i = 0; i < tx.length; i++) col[idx[i]!] = map(src[i] as number)
      else for (let i = 0; i < tx.length; i++) col[idx[i]!] = src[i]
      out.push(col)
    }
  }
  return [Array.from(xs), ...out]
}
