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

/** Copies a query series into {@link Buckets}, column by column (rows of a repeated step are all kept). */
export function bucketsOf(s: Series): Buckets {
  const n = s.x.length
  const value = Array.from(s.value)
  return {
    runId: s.runId,
    metric: s.metric,
    x: Array.from(s.x),
    value,
    min: s.min ? Array.from(s.min) : value.slice(),
    max: s.max ? Array.from(s.max) : value.slice(),
    count: s.count ? Array.from(s.count) : new Array<number>(n).fill(1),
    nan: s.nanCount ? Array.from(s.nanCount) : value.map((v) => (v !== v ? 1 : 0)),
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
