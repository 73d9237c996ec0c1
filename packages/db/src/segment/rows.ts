import { NULL_INT32, type RecordBatch, type Tags } from '@entrenar/core'

/** The rows of one run gathered from many batches, sorted by `(metric, step, timestampUs)`, column by column. */
export interface SortedRows {
  readonly runId: string
  readonly length: number
  /** Metric names, ascending; `metric[i]` indexes this list. */
  readonly metricNames: readonly string[]
  readonly metric: Uint32Array
  readonly step: Float64Array
  readonly timestampUs: Float64Array
  readonly value: Float64Array
  readonly epoch: Int32Array
  readonly batch: Int32Array
  /** Canonical JSON of each distinct tag set; `tagIndex[i]` is -1 or indexes this list. */
  readonly tagJson: readonly string[]
  readonly tagIndex: Int32Array
}

/** Canonical JSON of a tag set: keys sorted, so equal sets encode alike. */
export function tagsToJson(tags: Tags): string {
  const keys = Object.keys(tags).sort()
  const o: Record<string, string> = {}
  for (const k of keys) o[k] = tags[k]!
  return JSON.stringify(o)
}

/**
 * Gathers and sorts the rows of one run. A counting sort places rows by metric (names ascending);
 * inside each metric the rows keep arrival order unless it is not already ordered by
 * `(step, timestampUs)`, in which case only that metric's slice is sorted (stable). So the common
 * case — steps arriving in order — is O(n).
 */
export function sortRows(runId: string, batches: readonly RecordBatch[], scratch?: RowsScratch): SortedRows {
  let n = 0
  const names = new Set<string>()
  for (const b of batches) {
    n += b.length
    for (const m of b.metricNames) names.add(m)
  }
  const metricNames = [...names].sort()
  const rank = new Map(metricNames.map((m, i) => [m, i]))
  const tagJson: string[] = []
  const tagIds = new Map<string, number>()
  const counts = new Uint32Array(metricNames.length + 1)
  for (const b of batches) {
    const local = b.metricNames.map((m) => rank.get(m)!)
    for (let i = 0; i < b.length; i++) counts[local[b.metric[i]!]! + 1]!++
  }
  for (let k = 1; k < counts.length; k++) counts[k]! += counts[k - 1]!
  const starts = counts.slice(0, metricNames.length)
  const pos = counts.slice(0, metricNames.length)
  const metric = scratch ? scratch.u32(0, n) : new Uint32Array(n)
  const step = scratch ? scratch.f64(0, n) : new Float64Array(n)
  const timestampUs = scratch ? scratch.f64(1, n) : new Float64Array(n)
  const value = scratch ? scratch.f64(2, n) : new Float64Array(n)
  const epoch = scratch ? scratch.i32(0, n) : new Int32Array(n)
  const batch = scratch ? scratch.i32(1, n) : new Int32Array(n)
  const tagIndex = scratch ? scratch.i32(2, n) : new Int32Array(n)
  for (const b of batches) {
    const local = b.metricNames.map((m) => rank.get(m)!)
    const localTags = b.tagSets.map((t) => {
      const j = tagsToJson(t)
      let id = tagIds.get(j)
      if (id === undefined) {
        id = tagJson.length
        tagJson.push(j)
        tagIds.set(j, id)
      }
      return id
    })
    for (let i = 0; i < b.length; i++) {
      const m = local[b.metric[i]!]!
      const p = pos[m]!++
      metric[p] = m
      step[p] = b.step[i]!
      timestampUs[p] = b.timestampUs[i]!
      value[p] = b.value[i]!
      epoch[p] = b.epoch[i]!
      batch[p] = b.batch[i]!
      const t = b.tagIndex[i]!
      tagIndex[p] = t < 0 ? -1 : localTags[t]!
    }
  }
  for (let m = 0; m < metricNames.length; m++) {
    const lo = starts[m]!
    const hi = pos[m]!
    let ordered = true
    for (let i = lo + 1; i < hi && ordered; i++) {
      if (step[i - 1]! > step[i]! || (step[i - 1] === step[i] && timestampUs[i - 1]! > timestampUs[i]!)) ordered = false
    }
    if (!ordered) permuteSlice(lo, hi, step, timestampUs, [value], [epoch, batch, tagIndex])
  }
  return { runId, length: n, metricNames, metric, step, timestampUs, value, epoch, batch, tagJson, tagIndex }
}

/**
 * Column arrays reused from one `sortRows` to the next (the encoding worker's): fresh 10–60 MB arrays per
 * segment cost page faults and garbage collection. Holds as much as the largest generation sorted so far.
 */
export class RowsScratch {
  readonly #f64: Float64Array[] = []
  readonly #i32: Int32Array[] = []
  readonly #u32: Uint32Array[] = []
  f64(k: number, n: number): Float64Array {
    if ((this.#f64[k]?.length ?? -1) < n) this.#f64[k] = new Float64Array(n)
    return this.#f64[k]!.subarray(0, n)
  }
  i32(k: number, n: number): Int32Array {
    if ((this.#i32[k]?.length ?? -1) < n) this.#i32[k] = new Int32Array(n)
    return this.#i32[k]!.subarray(0, n)
  }
  u32(k: number, n: number): Uint32Array {
    if ((this.#u32[k]?.length ?? -1) < n) this.#u32[k] = new Uint32Array(n)
    return this.#u32[k]!.subarray(0, n)
  }
}

function permuteSlice(lo: number, hi: number, step: Float64Array, ts: Float64Array, f64: Float64Array[], i32: Int32Array[]): void {
  const len = hi - lo
  const idx = new Uint32Array(len)
  for (let i = 0; i < len; i++) idx[i] = lo + i
  idx.sort((a, b) => step[a]! - step[b]! || ts[a]! - ts[b]! || a - b)
  for (const col of [step, ts, ...f64]) {
    const copy = col.slice(lo, hi)
    for (let i = 0; i < len; i++) col[lo + i] = copy[idx[i]! - lo]!
  }
  for (const col of i32) {
    const copy = col.slice(lo, hi)
    for (let i = 0; i < len; i++) col[lo + i] = copy[idx[i]! - lo]!
  }
}

/** Nullable Int32 column for the Parquet writer: {@link NULL_INT32} becomes null. */
export function nullableInts(col: Int32Array, lo: number, hi: number): (number | null)[] {
  const out = new Array<number | null>(hi - lo)
  for (let i = lo; i < hi; i++) {
    const v = col[i]!
    out[i - lo] = v === NULL_INT32 ? null : v
  }
  return out
}
