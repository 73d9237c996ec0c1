import { createHash } from 'node:crypto'
import { checkMetricName, checkStep, EntrenarError, ErrorCodes, NULL_INT32, RecordBatchBuilder, type RunInfo, type RunStatus } from '@entrenar/core'
import type { ParquetStore } from '@entrenar/db'

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

/** A run read from a foreign format, before it is written to the store. */
export interface SourceRun {
  readonly id: string
  readonly name: string
  readonly config: Readonly<Record<string, unknown>>
  readonly status: RunStatus
  readonly startTimeMs?: number
  readonly endTimeMs?: number
  /** Where in the source the run lives (a directory or file, relative to the imported path). */
  readonly source: string
  /** Hash of everything the run was read from: the same source imports to the same fingerprint. */
  readonly fingerprint: string
  readonly points: PointColumns
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

/** Collects skipped records and unmapped things while a source is read. */
export class ImportLog {
  readonly skipped: SkippedRecord[] = []
  readonly #unmapped = new Map<string, Unmapped>()
  skip(r: SkippedRecord): void {
    this.skipped.push(r)
  }
  unmapped(run: string, kind: string, name: string): void {
    const key = `${run}\u0000${kind}\u0000${name}`
    const u = this.#unmapped.get(key)
    if (u) u.count++
    else this.#unmapped.set(key, { run, kind, name, count: 1 })
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
  readonly skipped: SkippedRecord[]
  readonly unmapped: Unmapped[]
}

/** A short, stable hash of the parts (sha256, hex). */
export function stableId(prefix: string, ...parts: string[]): string {
  const h = createHash('sha256')
  for (const p of parts) h.update(p).update('\u0000')
  return `${prefix}-${h.digest('hex').slice(0, 20)}`
}

/** Incremental fingerprint of a source: names and contents of the files a run was read from. */
export class Fingerprint {
  readonly #h = createHash('sha256')
  add(name: string, content: Uint8Array | string): this {
    this.#h.update(name).update('\u0000').update(String(typeof content === 'string' ? Buffer.byteLength(content) : content.length)).update('\u0000').update(content)
    return this
  }
  digest(): string {
    return this.#h.digest('hex')
  }
}

/** Whether a metric name and step can be stored; the reason when not. */
export function pointProblem(metric: string, step: number): string | undefined {
  return checkMetricName(metric)?.message ?? checkStep(step)?.message
}

const keyOf = (metric: string, value: number, step: number, ts: number) => `${metric}\u0000${Object.is(value, -0) ? '-0' : String(value)}\u0000${step}\u0000${ts}`
const CHUNK = 65_536

/**
 * Writes runs read from a foreign format through the store's public API, idempotently: a run whose id
 * exists with the same source fingerprint is left alone; a run whose source changed (a log that grew)
 * gets only the points it does not hold yet (same metric, step, time and value), and its metadata is
 * replaced. The fingerprint is recorded last, so an interrupted import is finished by running it again.
 */
export async function writeRuns(
  store: ParquetStore,
  runs: readonly SourceRun[],
  format: string,
  sourcePath: string,
  progress: (line: string) => void,
): Promise<ImportedRun[]> {
  const existing = new Map((await store.runs()).map((r) => [r.id, r]))
  const out: ImportedRun[] = []
  for (const run of runs) {
    let nonFinite = 0
    for (const v of run.points.value) if (!Number.isFinite(v)) nonFinite++
    const prior = existing.get(run.id)
    const priorImport = prior?.config?.[IMPORT_KEY] as { fingerprint?: unknown } | undefined
    if (prior && priorImport?.fingerprint === run.fingerprint) {
      out.push({ id: run.id, name: run.name, source: run.source, points: run.points.length, written: 0, nonFinite, action: 'unchanged' })
      progress(`${run.name}: unchanged (${run.points.length} points already imported)`)
      continue
    }
    const have = new Set<string>()
    if (prior) {
      for (const b of await store.range(-Number.MAX_VALUE, Number.MAX_VALUE, { runs: [run.id] })) {
        for (let i = 0; i < b.length; i++) have.add(keyOf(b.metricNames[b.metric[i]!]!, b.value[i]!, b.step[i]!, b.timestampUs[i]!))
      }
    }
    const p = run.points
    let written = 0
    let builder = new RecordBatchBuilder(run.id, Math.min(CHUNK, p.length))
    for (let i = 0; i < p.length; i++) {
      if (have.size > 0 && have.has(keyOf(p.metric[i]!, p.value[i]!, p.step[i]!, p.timestampUs[i]!))) continue
      builder.append(builder.metricId(p.metric[i]!), p.value[i]!, p.step[i]!, p.timestampUs[i]!, NULL_INT32, NULL_INT32, -1)
      written++
      if (written % CHUNK === 0) {
        await store.write(builder.finish())
        builder = new RecordBatchBuilder(run.id, CHUNK)
        progress(`${run.name}: ${written}/${p.length} points`)
      }
    }
    if (written % CHUNK !== 0) await store.write(builder.finish())
    await store.flush()
    let lo = Number.POSITIVE_INFINITY
    let hi = Number.NEGATIVE_INFINITY
    for (const t of p.timestampUs) {
      if (t < lo) lo = t
      if (t > hi) hi = t
    }
    const startTimeMs = run.startTimeMs ?? (Number.isFinite(lo) ? Math.floor(lo / 1000) : 0)
    const endTimeMs = run.endTimeMs ?? (Number.isFinite(hi) ? Math.ceil(hi / 1000) : undefined)
    const info: RunInfo = {
      id: run.id,
      name: run.name,
      status: run.status,
      startTimeMs,
      ...(endTimeMs === undefined || run.status === 'running' ? {} : { endTimeMs }),
      config: { ...run.config, [IMPORT_KEY]: { format, source: sourcePath, path: run.source, fingerprint: run.fingerprint } },
    }
    await store.putRun(info)
    out.push({ id: run.id, name: run.name, source: run.source, points: p.length, written, nonFinite, action: prior ? 'updated' : 'imported' })
    progress(`${run.name}: ${prior ? 'updated' : 'imported'}, ${written} points written${nonFinite ? `, ${nonFinite} non-finite kept` : ''}`)
  }
  return out
}

/** A coded error for a source path that is missing or of the wrong kind. */
export function sourceError(message: string): EntrenarError {
  return new EntrenarError(ErrorCodes.NOT_FOUND, message)
}
