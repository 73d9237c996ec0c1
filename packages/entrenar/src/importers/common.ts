import { createHash } from 'node:crypto'
import { checkMetricName, checkStep, EntrenarError, ErrorCodes, NULL_INT32, RecordBatchBuilder, type RunInfo, type RunStatus } from '@entrenar/core'
import type { ParquetStore } from '@entrenar/db'
import { type FileState, type ImportLimits, type ImportMeter, type ResumePoint, sha256Prefix } from './stream.js'

/** The config key under which an imported run records where it came from. */
export const IMPORT_KEY = 'entrenar.import'

/** The points of one run read from a foreign format, in columns. */
export class PointColumns {
  readonly metric: string[] = []
  readonly value: number[] = []
  readonly step: number[] = []
  readonly timestampUs: number[] = []
  get length(): number {
    return this.metric.length
  }
  push(metric: string, value: number, step: number, timestampUs: number): void {
    this.metric.push(metric)
    this.value.push(value)
    this.step.push(step)
    this.timestampUs.push(timestampUs)
  }
}

/** Where a reader puts the points of a run: buffered, and written to the store when `full`. */
export interface PointSink {
  push(metric: string, value: number, step: number, timestampUs: number): void
  /** Points pushed so far, and how many of them are NaN or ±Inf. */
  readonly points: number
  readonly nonFinite: number
  /** The batch has reached its size: the reader awaits `drain()` before it decodes more. */
  readonly full: boolean
  drain(): Promise<void>
}

/** A run found in a foreign format, before its points are read: they are streamed by `read`. */
export interface RunSource {
  readonly id: string
  readonly name: string
  readonly config: Readonly<Record<string, unknown>>
  readonly status: RunStatus
  readonly startTimeMs?: number
  readonly endTimeMs?: number
  /** Where in the source the run lives (a directory or file, relative to the imported path). */
  readonly source: string
  /** Hash of everything the run is read from (streamed): the same source imports to the same fingerprint. */
  fingerprint(): Promise<string>
  /**
   * Files that grow by appending (event files, metric logs, history lines), by a key unique in the run:
   * an import records how far it read each, and the next import of a grown file reads only what follows.
   */
  readonly appendable: readonly { readonly key: string; readonly path: string }[]
  /**
   * Reads the run's points into `sink`, awaiting `sink.drain()` whenever it is full; appendable files
   * found in `resume` are read from there. Resolves to how far each appendable file was read completely.
   */
  read(sink: PointSink, resume: ReadonlyMap<string, ResumePoint>): Promise<Map<string, ResumePoint>>
}

/** A record or line that could not be read: the file (relative to the imported path), the byte offset or line, why. */
export interface SkippedRecord {
  readonly file: string
  readonly offset?: number
  readonly line?: number
  readonly bytes?: number
  readonly reason: string
}

/** Something present in the source that has no place in the store (a histogram, an image, a text value). */
export interface Unmapped {
  readonly run: string
  readonly kind: string
  readonly name: string
  count: number
}

/** Skipped records and distinct unmapped things an import lists; beyond these only counts grow (a hostile source cannot grow the summary). */
export const IMPORT_LIST_LIMIT = 1000

/** Collects skipped records and unmapped things while a source is read; lists are capped at {@link IMPORT_LIST_LIMIT}, counts are not. */
export class ImportLog {
  readonly skipped: SkippedRecord[] = []
  /** Every skipped record, listed or not. */
  skippedCount = 0
  /** Unmapped occurrences whose kind and name were not listed because the list was full. */
  unmappedOverflow = 0
  readonly #unmapped = new Map<string, Unmapped>()
  skip(r: SkippedRecord): void {
    this.skippedCount++
    if (this.skipped.length < IMPORT_LIST_LIMIT) this.skipped.push(r)
  }
  unmapped(run: string, kind: string, name: string): void {
    const key = `${run}\u0000${kind}\u0000${name}`
    const u = this.#unmapped.get(key)
    if (u) u.count++
    else if (this.#unmapped.size < IMPORT_LIST_LIMIT) this.#unmapped.set(key, { run, kind, name, count: 1 })
    else this.unmappedOverflow++
  }
  unmappedList(): Unmapped[] {
    return [...this.#unmapped.values()]
  }
}

/** What importing one run did. */
export interface ImportedRun {
  readonly id: string
  readonly name: string
  readonly source: string
  /** Points the source holds. */
  readonly points: number
  /** Points written now (0 when unchanged; only the new ones when the source grew). */
  readonly written: number
  readonly nonFinite: number
  /** `imported`: a new run; `updated`: the run existed from an earlier import of a changed source; `unchanged`: same fingerprint, nothing written. */
  readonly action: 'imported' | 'updated' | 'unchanged'
}

/** The `--json` summary of an import. */
export interface ImportSummary {
  readonly format: string
  readonly source: string
  readonly store: string
  readonly runs: ImportedRun[]
  readonly points: number
  readonly written: number
  /** The first {@link IMPORT_LIST_LIMIT} skipped records, with file and offset or line. */
  readonly skipped: SkippedRecord[]
  /** Every skipped record (more than `skipped` lists when the source is badly damaged). */
  readonly skippedCount: number
  /** Up to {@link IMPORT_LIST_LIMIT} distinct unmapped things, each with its count. */
  readonly unmapped: Unmapped[]
  /** Unmapped occurrences not listed in `unmapped` because it was full. */
  readonly unmappedOverflow: number
}

/** A short, stable hash of the parts (sha256, hex). */
export function stableId(prefix: string, ...parts: string[]): string {
  const h = createHash('sha256')
  for (const p of parts) h.update(p).update('\u0000')
  return `${prefix}-${h.digest('hex').slice(0, 20)}`
}

/** Whether a metric name and step can be stored; the reason when not. */
export function pointProblem(metric: string, step: number): string | undefined {
  return checkMetricName(metric)?.message ?? checkStep(step)?.message
}

const keyOf = (metric: string, value: number, step: number, ts: number) => `${metric}\u0000${Object.is(value, -0) ? '-0' : String(value)}\u0000${step}\u0000${ts}`

/** What an earlier import of a run recorded in its config. */
interface PriorImport {
  readonly fingerprint?: unknown
  readonly points?: unknown
  readonly nonFinite?: unknown
  readonly files?: unknown
}

const count = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0

/** The file states an earlier import recorded, when well-formed (they come from a store on disk). */
function priorFiles(files: unknown): Map<string, FileState> {
  const out = new Map<string, FileState>()
  if (!files || typeof files !== 'object' || Array.isArray(files)) return out
  for (const [key, v] of Object.entries(files)) {
    const f = v as Partial<FileState> | null
    if (f && count(f.bytes) && count(f.lines) && count(f.points) && count(f.nonFinite) && typeof f.sha256 === 'string') out.set(key, { bytes: f.bytes, lines: f.lines, points: f.points, nonFinite: f.nonFinite, sha256: f.sha256 })
  }
  return out
}

/**
 * Buffers the points of one run and writes them to the store in batches of at most `batchPoints`. When
 * `dedupe` is set (the run already holds points), each batch first asks the store for the run's points in
 * the batch's step range and drops those it holds (same metric, step, time and value): memory follows the
 * batch, not the run.
 */
class RunWriter implements PointSink {
  #batch = new PointColumns()
  points = 0
  written = 0
  nonFinite = 0
  lo = Number.POSITIVE_INFINITY
  hi = Number.NEGATIVE_INFINITY
  constructor(
    readonly store: ParquetStore,
    readonly runId: string,
    readonly dedupe: boolean,
    readonly limits: ImportLimits,
    readonly meter: ImportMeter,
  ) {}
  push(metric: string, value: number, step: number, timestampUs: number): void {
    this.#batch.push(metric, value, step, timestampUs)
    this.points++
    this.meter.points++
    if (!Number.isFinite(value)) this.nonFinite++
    if (timestampUs < this.lo) this.lo = timestampUs
    if (timestampUs > this.hi) this.hi = timestampUs
  }
  get full(): boolean {
    return this.#batch.length >= this.limits.batchPoints
  }
  async drain(): Promise<void> {
    const p = this.#batch
    if (p.length === 0) return
    this.meter.batch(p.length)
    this.#batch = new PointColumns()
    let have: Set<string> | undefined
    if (this.dedupe) {
      let lo = Number.POSITIVE_INFINITY
      let hi = Number.NEGATIVE_INFINITY
      for (const s of p.step) {
        if (s < lo) lo = s
        if (s > hi) hi = s
      }
      have = new Set()
      for (const s of (await this.store.query({ runs: [this.runId], steps: [lo, hi] })).series) {
        const ts = s.timestampUs
        for (let i = 0; i < s.x.length; i++) have.add(keyOf(s.metric, s.value[i]!, s.x[i]!, ts ? ts[i]! : 0))
      }
    }
    const builder = new RecordBatchBuilder(this.runId, p.length)
    let n = 0
    for (let i = 0; i < p.length; i++) {
      const key = have ? keyOf(p.metric[i]!, p.value[i]!, p.step[i]!, p.timestampUs[i]!) : ''
      if (have?.has(key)) continue
      // A point repeated inside the source is written once per occurrence on a first import; on a
      // re-import the store already holds it, and it is written no more.
      builder.append(builder.metricId(p.metric[i]!), p.value[i]!, p.step[i]!, p.timestampUs[i]!, NULL_INT32, NULL_INT32, -1)
      n++
    }
    if (n > 0) await this.store.write(builder.finish())
    this.written += n
  }
}

/**
 * Writes runs read from a foreign format through the store's public API, streaming and idempotently: a
 * run whose id exists with the same source fingerprint is left alone (its files are hashed, not decoded);
 * otherwise its points are read in batches and written, and a run that exists already (an earlier import
 * of a source that grew, or an import that was interrupted) gets only the points it does not hold yet.
 * A new run's metadata is recorded before its points with no fingerprint, and the fingerprint after the
 * points are flushed, so an interrupted import is finished by running it again, without duplicates.
 */
export async function writeRuns(
  store: ParquetStore,
  runs: readonly RunSource[],
  format: string,
  sourcePath: string,
  progress: (line: string) => void,
  limits: ImportLimits,
  meter: ImportMeter,
): Promise<ImportedRun[]> {
  const existing = new Map((await store.runs()).map((r) => [r.id, r]))
  const out: ImportedRun[] = []
  for (const run of runs) {
    const fingerprint = await run.fingerprint()
    const prior = existing.get(run.id)
    const priorImport = prior?.config?.[IMPORT_KEY] as PriorImport | undefined
    if (prior && priorImport?.fingerprint === fingerprint) {
      const points = typeof priorImport.points === 'number' ? priorImport.points : 0
      const nonFinite = typeof priorImport.nonFinite === 'number' ? priorImport.nonFinite : 0
      out.push({ id: run.id, name: run.name, source: run.source, points, written: 0, nonFinite, action: 'unchanged' })
      progress(`${run.name}: unchanged (${points} points already imported)`)
      continue
    }
    const importInfo = { format, source: sourcePath, path: run.source }
    const info = (startTimeMs: number, endTimeMs: number | undefined, extra: Record<string, unknown>): RunInfo => ({
      id: run.id,
      name: run.name,
      status: run.status,
      startTimeMs,
      ...(endTimeMs === undefined || run.status === 'running' ? {} : { endTimeMs }),
      config: { ...run.config, [IMPORT_KEY]: { ...importInfo, ...extra } },
    })
    if (!prior) await store.putRun(info(run.startTimeMs ?? 0, undefined, { fingerprint: null }))
    // A file that only grew since the last import (its first bytes hash as recorded) is read from where
    // that import stopped; any other file is read whole, and its points checked against the store.
    const recorded = priorFiles(priorImport?.files)
    const resume = new Map<string, ResumePoint>()
    let resumedPoints = 0
    let resumedNonFinite = 0
    for (const f of prior ? run.appendable : []) {
      const st = recorded.get(f.key)
      if (st === undefined || (await sha256Prefix(f.path, st.bytes, limits.chunkBytes)) !== st.sha256) continue
      resume.set(f.key, st)
      resumedPoints += st.points
      resumedNonFinite += st.nonFinite
    }
    const w = new RunWriter(store, run.id, prior !== undefined, limits, meter)
    const ends = await run.read(w, resume)
    await w.drain()
    await store.flush()
    const files: Record<string, FileState> = Object.create(null)
    for (const f of run.appendable) {
      const end = ends.get(f.key)
      const sha256 = end && (await sha256Prefix(f.path, end.bytes, limits.chunkBytes))
      if (end && sha256) files[f.key] = { ...end, sha256 }
    }
    // Points read before a resume point are not read again: their times are the earlier import's.
    const kept = prior !== undefined && resume.size > 0 ? prior : undefined
    const lo = Math.min(Number.isFinite(w.lo) ? Math.floor(w.lo / 1000) : Number.POSITIVE_INFINITY, kept?.startTimeMs ?? Number.POSITIVE_INFINITY)
    const hi = Math.max(Number.isFinite(w.hi) ? Math.ceil(w.hi / 1000) : Number.NEGATIVE_INFINITY, kept?.endTimeMs ?? Number.NEGATIVE_INFINITY)
    const startTimeMs = run.startTimeMs ?? (Number.isFinite(lo) ? lo : 0)
    const endTimeMs = run.endTimeMs ?? (Number.isFinite(hi) ? hi : undefined)
    const points = resumedPoints + w.points
    const nonFinite = resumedNonFinite + w.nonFinite
    await store.putRun(info(startTimeMs, endTimeMs, { fingerprint, points, nonFinite, files }))
    out.push({ id: run.id, name: run.name, source: run.source, points, written: w.written, nonFinite, action: prior ? 'updated' : 'imported' })
    progress(`${run.name}: ${prior ? 'updated' : 'imported'}, ${w.written} of ${points} points written${resume.size ? ` (${w.points} read after ${resume.size} file${resume.size === 1 ? '' : 's'} resumed)` : ''}${nonFinite ? `, ${nonFinite} non-finite kept` : ''}`)
  }
  return out
}

/** A coded error for a source path that is missing or of the wrong kind. */
export function sourceError(message: string): EntrenarError {
  return new EntrenarError(ErrorCodes.NOT_FOUND, message)
}
