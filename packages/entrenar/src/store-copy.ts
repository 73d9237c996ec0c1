/**
 * Copies a whole store into another through the `MetricStore` contract: Parquet → ClickHouse, ClickHouse →
 * Parquet, or between two stores of the same kind. Every point keeps its bits (NaN payloads, ±Inf, −0),
 * step, time, epoch, batch and tags; run metadata is copied as it is (config, status, reason, …).
 */
import { checkOptions, EntrenarError, ErrorCodes, type MetricStore, optionKeys, type RecordBatch, RecordBatchBuilder, type RunInfo } from '@entrenar/core'
import { inventory, readUnits } from './read-plan.js'

const PREFIX = 'entrenar store copy'

/** Options of {@link copyStore}. */
export interface CopyStoreOptions {
  /** Copy only these runs (default every run of the source). An id the source does not know is `ENTRENAR_NOT_FOUND`. */
  readonly runs?: readonly string[]
  /**
   * Copy into a destination that holds other data: runs that are not part of the copy, or copied runs whose
   * metadata or points differ. Without it such a destination is refused (`ENTRENAR_STORE_NOT_EMPTY`). With it,
   * the destination's own points stay, every source point the destination lacks is added, and the source's run
   * metadata replaces the destination's.
   */
  readonly merge?: boolean
  /** Rows per write to the destination (default 100,000). Reads of the source are bounded by 4 × this. */
  readonly batchRows?: number
  /** Stops the copy between two batches (`ENTRENAR_INTERRUPTED`); what was written stays and a re-run finishes it. */
  readonly signal?: AbortSignal
  /** Called after every write and at every run's end. */
  readonly onProgress?: (p: CopyProgress) => void
}

/** Where a copy is. */
export interface CopyProgress {
  /** Runs finished so far (copied, or found complete in the destination). */
  readonly runsDone: number
  /** Runs of the copy. */
  readonly runs: number
  /** Source points handled so far (written now or found already in the destination). */
  readonly pointsDone: number
  /** Source points of the copied runs. */
  readonly points: number
  /** Points written to the destination so far (the rest of `pointsDone` was there already). */
  readonly written: number
  /** The run being copied; absent once every run is done. */
  readonly run?: string
}

/** What {@link copyStore} did. */
export interface CopySummary {
  /** Runs of the copy (the source's, or the `runs` option). */
  readonly runs: number
  /** Runs whose points or metadata were written now. */
  readonly copied: readonly string[]
  /** Runs the destination already held completely (an earlier copy): nothing was written for them. */
  readonly unchanged: readonly string[]
  /** Source points of those runs. */
  readonly points: number
  /** Points written now. */
  readonly written: number
  /** Source points the destination already held (an interrupted earlier copy, or `merge`). */
  readonly present: number
  /** NaN and ±Inf among the points written. */
  readonly nonFinite: number
  /** Writes to the destination. */
  readonly batches: number
  /** Destination metadata documents written. */
  readonly runInfos: number
  /** Whether the copy ran with `merge` (a destination holding other data was added to, not refused). */
  readonly merge: boolean
}

const OPTION_KEYS = optionKeys<CopyStoreOptions>({ runs: true, merge: true, batchRows: true, signal: true, onProgress: true })

/** JSON with object keys sorted: equal documents give equal text whatever the key order. */
function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  )
}

const bitsView = new DataView(new ArrayBuffer(8))
/** The IEEE-754 bits of a double as hex: NaN payloads and −0 stay distinct. */
function bitsOf(v: number): string {
  bitsView.setFloat64(0, v)
  return bitsView.getBigUint64(0).toString(16)
}

/** Identity of a row inside one run: everything a store keeps of it. */
function rowKey(b: RecordBatch, i: number): string {
  const t = b.tagIndex[i]!
  return `${b.metricNames[b.metric[i]!]}\u0000${b.step[i]}\u0000${b.timestampUs[i]}\u0000${bitsOf(b.value[i]!)}\u0000${b.epoch[i]}\u0000${b.batch[i]}\u0000${t < 0 ? '' : canonical(b.tagSets[t])}`
}

const sum = (m: Map<string, number> | undefined) => [...(m?.values() ?? [])].reduce((a, b) => a + b, 0)

/** The error of a destination that holds data outside the copy. */
function notEmpty(conflicts: readonly string[]): EntrenarError {
  const shown = conflicts.slice(0, 5).join('; ')
  return new EntrenarError(
    'ENTRENAR_STORE_NOT_EMPTY',
    `${PREFIX}: the destination holds other data (${shown}${conflicts.length > 5 ? `; and ${conflicts.length - 5} more` : ''}); copy into an empty store, or pass --merge to add to it`,
    { details: { conflicts: conflicts.slice(0, 100) } },
  )
}

/**
 * Copies every run (points and metadata) of `from` into `to`, exactly, in bounded batches.
 *
 * Re-running a copy is safe: per run and metric, a destination that already holds points (an interrupted
 * copy) gets only the source points it lacks, counted as a multiset, so nothing is duplicated and repeated
 * identical points keep their multiplicity. A run's metadata is written after its points, so a run whose
 * metadata is in the destination was copied whole. Each run ends with a check that the destination holds
 * exactly what it held before plus what was written (`ENTRENAR_COPY_MISMATCH` otherwise).
 */
export async function copyStore(from: MetricStore, to: MetricStore, options: CopyStoreOptions = {}): Promise<CopySummary> {
  checkOptions(`${PREFIX}: copyStore`, options, OPTION_KEYS)
  const batchRows = options.batchRows ?? 100_000
  if (!Number.isSafeInteger(batchRows) || batchRows < 1) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${PREFIX}: batchRows must be a positive integer, got ${String(options.batchRows)}`)
  const readRows = 4 * batchRows
  const merge = options.merge === true
  const signal = options.signal
  if (options.runs !== undefined && (!Array.isArray(options.runs) || options.runs.some((r) => typeof r !== 'string' || r.length === 0))) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${PREFIX}: runs must be a list of run ids`)
  }

  // What the source holds: run metadata and points per (run, metric).
  const srcInfo = new Map((await from.runs()).map((r) => [r.id, r]))
  const srcInv = await inventory(from, options.runs)
  let ids = [...new Set([...srcInfo.keys(), ...srcInv.keys()])]
  if (options.runs) {
    const missing = options.runs.filter((r) => !srcInfo.has(r) && !srcInv.has(r))
    if (missing.length) throw new EntrenarError(ErrorCodes.NOT_FOUND, `${PREFIX}: the source has no run ${missing.map((r) => JSON.stringify(r)).join(', ')}`, { details: { runs: missing } })
    ids = ids.filter((id) => options.runs!.includes(id))
  }
  ids.sort()
  const selected = new Set(ids)

  // What the destination holds, and whether it is this copy's (complete or interrupted) or something else.
  const dstInfo = new Map((await to.runs()).map((r) => [r.id, r]))
  const dstInv = await inventory(to)
  const conflicts: string[] = []
  for (const id of new Set([...dstInfo.keys(), ...dstInv.keys()])) {
    if (!selected.has(id)) {
      conflicts.push(`run ${JSON.stringify(id)} is not part of the copy`)
      continue
    }
    const d = dstInfo.get(id)
    const s = srcInfo.get(id)
    if (d && (!s || canonical(d) !== canonical(s))) conflicts.push(`run ${JSON.stringify(id)} has other metadata`)
    for (const [metric, n] of dstInv.get(id) ?? []) {
      const have = srcInv.get(id)?.get(metric) ?? 0
      if (n > have) conflicts.push(`run ${JSON.stringify(id)} metric ${JSON.stringify(metric)} has ${n} points, the source ${have}`)
    }
  }
  if (conflicts.length && !merge) throw notEmpty(conflicts)

  const points = ids.reduce((n, id) => n + sum(srcInv.get(id)), 0)
  let pointsDone = 0
  let written = 0
  let present = 0
  let nonFinite = 0
  let batches = 0
  let runInfos = 0
  const copied: string[] = []
  const unchanged: string[] = []
  const report = (runsDone: number, run?: string) =>
    options.onProgress?.({ runsDone, runs: ids.length, pointsDone, points, written, ...(run !== undefined ? { run } : {}) })
  const checkAbort = () => {
    if (signal?.aborted) {
      throw new EntrenarError('ENTRENAR_INTERRUPTED', `${PREFIX}: interrupted after ${written} points; run the same copy again to finish it (nothing is written twice)`, {
        details: { written, pointsDone, points },
      })
    }
  }

  let out: RecordBatchBuilder | undefined
  const flushOut = async (run: string) => {
    if (!out || out.length === 0) return
    const b = out.finish()
    out = undefined
    checkAbort()
    await to.write(b)
    batches++
    written += b.length
    for (let i = 0; i < b.length; i++) if (!Number.isFinite(b.value[i]!)) nonFinite++
    report(copied.length + unchanged.length, run)
  }

  for (const [done, id] of ids.entries()) {
    checkAbort()
    const src = srcInv.get(id) ?? new Map<string, number>()
    const dst = dstInv.get(id) ?? new Map<string, number>()
    // Metrics to read: all but those the destination already holds completely (counts equal, and without
    // --merge no destination count exceeds the source's, so equal counts are this copy's rows).
    const partial = new Set<string>()
    const todo: string[] = []
    for (const [metric, n] of src) {
      const d = dst.get(metric) ?? 0
      if (d === n && !merge) {
        pointsDone += n
        present += n
        continue
      }
      if (d > 0) partial.add(metric)
      todo.push(metric)
    }
    todo.sort()
    const before = new Map(todo.map((m) => [m, dst.get(m) ?? 0]))
    const writtenBy = new Map<string, number>()

    // Reads: the whole run when it is small, else one metric at a time, else time windows of one metric.
    const units = await readUnits(from, id, todo, src, readRows)
    for (const unit of units) {
      // Rows the destination already has in this window (of its partially copied metrics), as a multiset.
      const have = new Map<string, number>()
      const partialHere = unit.metrics.filter((m) => partial.has(m))
      if (partialHere.length) {
        for (const b of await to.range(unit.window[0], unit.window[1], { runs: [id], metrics: partialHere })) {
          for (let i = 0; i < b.length; i++) {
            const k = rowKey(b, i)
            have.set(k, (have.get(k) ?? 0) + 1)
          }
        }
      }
      // Which source rows to write: those the destination lacks. Decided for the whole window before anything
      // is written, so a destination holding rows the source does not have is refused untouched.
      const read = await from.range(unit.window[0], unit.window[1], { runs: [id], metrics: unit.metrics })
      const keep = read.map((b) => {
        const k = new Uint8Array(b.length).fill(1)
        if (have.size === 0) return k
        for (let i = 0; i < b.length; i++) {
          const key = rowKey(b, i)
          const n = have.get(key)
          if (n === undefined) continue
          if (n === 1) have.delete(key)
          else have.set(key, n - 1)
          k[i] = 0
        }
        return k
      })
      if (have.size && !merge) {
        const n = [...have.values()].reduce((a, b) => a + b, 0)
        throw notEmpty([`run ${JSON.stringify(id)} holds ${n} point${n === 1 ? '' : 's'} the source does not have`])
      }
      for (const [j, b] of read.entries()) {
        const k = keep[j]!
        for (let i = 0; i < b.length; i++) {
          pointsDone++
          if (k[i] === 0) {
            present++
            continue
          }
          out ??= new RecordBatchBuilder(id, Math.min(batchRows, b.length))
          out.appendFrom(b, i)
          const m = b.metricNames[b.metric[i]!]!
          writtenBy.set(m, (writtenBy.get(m) ?? 0) + 1)
          if (out.length >= batchRows) await flushOut(id)
        }
      }
    }
    await flushOut(id)
    await to.flush()

    // The destination must now hold what it held plus what was written, metric by metric.
    if (todo.length) {
      const now = (await inventory(to, [id])).get(id) ?? new Map<string, number>()
      for (const m of todo) {
        const want = before.get(m)! + (writtenBy.get(m) ?? 0)
        if ((now.get(m) ?? 0) !== want) {
          throw new EntrenarError('ENTRENAR_COPY_MISMATCH', `${PREFIX}: run ${JSON.stringify(id)} metric ${JSON.stringify(m)}: the destination holds ${now.get(m) ?? 0} points, expected ${want}`, {
            details: { run: id, metric: m, have: now.get(m) ?? 0, want },
          })
        }
      }
    }
    // Metadata last: a run whose metadata is in the destination was copied whole.
    const info: RunInfo | undefined = srcInfo.get(id)
    const wroteInfo = info !== undefined && canonical(info) !== canonical(dstInfo.get(id) ?? null)
    if (wroteInfo) {
      checkAbort()
      await to.putRun(info)
      await to.flush()
      runInfos++
    }
    if (wroteInfo || writtenBy.size) copied.push(id)
    else unchanged.push(id)
    report(done + 1, id)
  }
  return { runs: ids.length, copied, unchanged, points, written, present, nonFinite, batches, runInfos, merge }
}
