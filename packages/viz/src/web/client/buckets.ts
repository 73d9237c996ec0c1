import type { Series } from '@entrenar/core'

/**
 * One `(run, metric)` series as the page holds it: minmax-last buckets (core's query shape) in
 * growable arrays, so live points append without copying. A raw row is a bucket of count 1.
 */
export interface Buckets {
  readonly runId: string
  readonly metric: string
  readonly x: number[]
  /** Last value of each bucket (NaN and ±Inf kept). */
  readonly value: number[]
  /** Smallest non-NaN value (±Inf kept); NaN when the bucket holds only NaN. */
  readonly min: number[]
  readonly max: number[]
  readonly count: number[]
  readonly nan: number[]
}

/** A column as a growable array (an indexed loop: `Array.from` walks a typed array through its iterator, several times slower). */
function arrayOf(col: ArrayLike<number>): number[] {
  const n = col.length
  const out = new Array<number>(n)
  for (let i = 0; i < n; i++) out[i] = col[i]!
  return out
}

/** Copies a query series into {@link Buckets}, column by column (rows of a repeated step are all kept). */
export function bucketsOf(s: Series): Buckets {
  const n = s.x.length
  const value = arrayOf(s.value)
  return {
    runId: s.runId,
    metric: s.metric,
    x: arrayOf(s.x),
    value,
    min: s.min ? arrayOf(s.min) : value.slice(),
    max: s.max ? arrayOf(s.max) : value.slice(),
    count: s.count ? arrayOf(s.count) : new Array<number>(n).fill(1),
    nan: s.nanCount ? arrayOf(s.nanCount) : value.map((v) => (v !== v ? 1 : 0)),
  }
}

/** Appends the buckets of `s` whose x is above the last one held (live updates). */
export function appendSeries(b: Buckets, s: Series): number {
  const last = b.x.length > 0 ? b.x[b.x.length - 1]! : Number.NEGATIVE_INFINITY
  let added = 0
  for (let i = 0; i < s.x.length; i++) {
    const x = s.x[i]!
    if (!(x > last)) continue
    const v = s.value[i]!
    b.x.push(x)
    b.value.push(v)
    b.min.push(s.min ? s.min[i]! : v)
    b.max.push(s.max ? s.max[i]! : v)
    b.count.push(s.count ? s.count[i]! : 1)
    b.nan.push(s.nanCount ? s.nanCount[i]! : v !== v ? 1 : 0)
    added++
  }
  return added
}

/** Rows the buckets stand for. */
export function rowsOf(b: Buckets): number {
  let n = 0
  for (const c of b.count) n += c
  return n
}

/** True when every bucket holds one row: the page then sees the series at full fidelity. */
export function isExact(b: Buckets): boolean {
  for (const c of b.count) if (c !== 1) return false
  return true
}

/**
 * The lines of one chart on a shared grid of `columns` step columns over their common step range: per
 * line and column the smallest min, largest max, summed counts and NaN counts, and the value of its
 * last bucket there, at the column's x (the largest bucket x any line has in it, so x stays in step
 * order and within the column). Each run's minmax-last buckets span its own step range, so the union
 * of a hundred runs' x has a hundred times the chart's width; on the grid it has at most `columns`,
 * and what a pixel column shows is unchanged (its extremes, its last value, its NaN and ±Inf).
 */
export function onGrid(lines: readonly Buckets[], columns: number): Buckets[] {
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const b of lines) {
    if (b.x.length === 0) continue
    if (b.x[0]! < lo) lo = b.x[0]!
    if (b.x[b.x.length - 1]! > hi) hi = b.x[b.x.length - 1]!
  }
  if (!(lo <= hi)) return lines.slice()
  const width = (hi - lo + 1) / columns
  const col = (x: number): number => Math.min(columns - 1, Math.max(0, Math.floor((x - lo) / width)))
  const gx = new Float64Array(columns).fill(Number.NEGATIVE_INFINITY)
  for (const b of lines) for (const x of b.x) if (x > gx[col(x)]!) gx[col(x)] = x
  return lines.map((b) => {
    const out: Buckets = { runId: b.runId, metric: b.metric, x: [], value: [], min: [], max: [], count: [], nan: [] }
    let k = -1
    for (let i = 0; i < b.x.length; i++) {
      const c = col(b.x[i]!)
      const mn = b.min[i]!
      const mx = b.max[i]!
      const j = out.x.length - 1
      if (c !== k) {
        k = c
        out.x.push(gx[c]!)
        out.value.push(b.value[i]!)
        out.min.push(mn)
        out.max.push(mx)
        out.count.push(b.count[i]!)
        out.nan.push(b.nan[i]!)
        continue
      }
      out.value[j] = b.value[i]!
      // min/max are NaN only for a bucket of NaN rows alone: any number wins over them.
      if (mn < out.min[j]! || out.min[j]! !== out.min[j]!) out.min[j] = mn
      if (mx > out.max[j]! || out.max[j]! !== out.max[j]!) out.max[j] = mx
      out.count[j]! += b.count[i]!
      out.nan[j]! += b.nan[i]!
    }
    return out
  })
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
export function halfResolutionBand(b: Pick<Buckets, 'x' | 'min' | 'max'>, from: number, to: number, drawable: (min: number, max: number) => boolean): BandRun[] {
  const { x: bx, min: bmin, max: bmax } = b
  const out: BandRun[] = []
  let i = from
  while (i < to) {
    while (i < to && !drawable(bmin[i]!, bmax[i]!)) i++
    if (i >= to) break
    let j = i
    while (j < to && drawable(bmin[j]!, bmax[j]!)) j++
    const run: BandRun = { x: [], max: [], min: [] }
    // Two buckets stay two vertices: one could not both start and end the stretch.
    if (j - i === 2) {
      out.push({ x: [bx[i]!, bx[i + 1]!], max: [bmax[i]!, bmax[i + 1]!], min: [bmin[i]!, bmin[i + 1]!] })
      i = j
      continue
    }
    for (let k = i; k < j; k += 2) {
      const two = k + 1 < j
      run.x.push(two ? (bx[k]! + bx[k + 1]!) / 2 : bx[k]!)
      run.max.push(two && bmax[k + 1]! > bmax[k]! ? bmax[k + 1]! : bmax[k]!)
      run.min.push(two && bmin[k + 1]! < bmin[k]! ? bmin[k + 1]! : bmin[k]!)
    }
    run.x[0] = bx[i]!
    run.x[run.x.length - 1] = bx[j - 1]!
    out.push(run)
    i = j
  }
  return out
}

/** A uPlot data table: x, then one column of values per series (`null` a gap). */
export type Table = readonly [readonly number[], ...(readonly (number | null | undefined)[])[]]

/**
 * `uPlot.join` for tables that share few distinct x (lines put on one grid): the sorted union of
 * their x (each table's x ascending), each table's columns placed by a walk along it, `undefined` where a table has no such x
 * (as `join` marks alignment gaps, which a line spans; a `null` value stays a gap). With `map`, each
 * value is placed as `map(value)` (e.g. `null` for a non-finite one): the same table as mapping every
 * column first, without building those columns (a hundred lines' worth of arrays to collect).
 */
export function alignOnFewX(tables: readonly Table[], map?: (v: number) => number | null): Table {
  const seen = new Set<number>()
  for (const t of tables) for (const x of t[0]) seen.add(x)
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
      const src = t[s] as readonly (number | null | undefined)[]
      if (map) for (let i = 0; i < tx.length; i++) col[idx[i]!] = map(src[i] as number)
      else for (let i = 0; i < tx.length; i++) col[idx[i]!] = src[i]
      out.push(col)
    }
  }
  return [Array.from(xs), ...out]
}
