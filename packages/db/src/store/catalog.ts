import { EntrenarError, ErrorCodes, isEntrenarError } from '@entrenar/core'
import type { DecodedArray } from 'hyparquet'
import { crc32, fileSize, join, listDir, moveFile, readRange } from '../node/io.js'
import {
  type CodedStrings,
  type CodedTags,
  doubleColumn,
  int64Column,
  nullableIntColumn,
  openSegment,
  type ReadSeam,
  type RowGroupInfo,
  readRowGroup,
  type SegmentInfo,
  stringColumn,
  tagColumn,
} from '../segment/read.js'
import { ByteLru } from './lru.js'
import { runDirName, runIdFromDirName } from './paths.js'

/** Decoded columns of one row group (each present when it was asked for). */
export interface RowGroupColumns {
  ts?: Float64Array
  step?: Float64Array
  value?: Float64Array
  metric?: CodedStrings
  /** Contiguous runs of one metric id: `[id, start, end)` triples, flattened. */
  metricRuns?: Uint32Array
  tags?: CodedTags
  epoch?: Int32Array
  batch?: Int32Array
}

/** A column the reader can decode. */
export type ColumnName = 'ts' | 'step' | 'value' | 'metric' | 'tags' | 'epoch' | 'batch'

const PARQUET_NAME: Record<ColumnName, string> = { ts: 'timestamp', step: 'step', value: 'value', metric: 'metric', tags: 'tags', epoch: 'epoch', batch: 'batch' }

const seam: ReadSeam = { size: fileSize, readRange, crc32 }

/**
 * What a reader knows about the segments on disk: footers (cached by file name; segments are
 * immutable), decoded columns (an LRU bounded in bytes), and the damaged files it has moved aside.
 */
export class Catalog {
  readonly #root: string
  readonly #segments = new Map<string, SegmentInfo>()
  readonly #columns: ByteLru<unknown>
  readonly #onCorrupt: (e: EntrenarError) => void

  constructor(root: string, cacheBytes: number, onCorrupt: (e: EntrenarError) => void) {
    this.#root = root
    this.#columns = new ByteLru(cacheBytes)
    this.#onCorrupt = onCorrupt
  }

  get cacheBytes(): number {
    return this.#columns.bytes
  }

  /** Run ids that have a partition directory. */
  async runIds(): Promise<string[]> {
    const out: string[] = []
    for (const d of await listDir(join(this.#root, 'metrics'))) {
      if (!d.isDirectory()) continue
      const id = runIdFromDirName(d.name)
      if (id !== undefined) out.push(id)
    }
    return out.sort()
  }

  /**
   * The live segments of the given runs (all runs when undefined): every `*.parquet` of each
   * partition minus the ones a compacted segment replaces. Damaged footers are reported and moved aside.
   */
  async segments(runs?: readonly string[]): Promise<SegmentInfo[]> {
    const ids = runs ? [...new Set(runs)].sort() : await this.runIds()
    const out: SegmentInfo[] = []
    for (const id of ids) {
      let dirName: string
      try {
        dirName = runDirName(id)
      } catch {
        continue // an id that cannot be stored has no rows
      }
      const dir = join(this.#root, 'metrics', dirName)
      const found: SegmentInfo[] = []
      for (const f of await listDir(dir)) {
        if (!f.isFile() || !f.name.endsWith('.parquet') || f.name.startsWith('.')) continue
        const seg = await this.#open(join(dir, f.name), f.name, id)
        if (seg) found.push(seg)
      }
      const replaced = new Set<string>()
      for (const s of found) for (const r of s.replaces) replaced.add(r)
      for (const s of found.sort((a, b) => (a.name < b.name ? -1 : 1))) if (!replaced.has(s.name)) out.push(s)
    }
    return out
  }

  /** Every segment file of a run, replaced ones included (compaction cleanup). */
  async allSegments(runId: string): Promise<SegmentInfo[]> {
    const dir = join(this.#root, 'metrics', runDirName(runId))
    const found: SegmentInfo[] = []
    for (const f of await listDir(dir)) {
      if (!f.isFile() || !f.name.endsWith('.parquet') || f.name.startsWith('.')) continue
      const seg = await this.#open(join(dir, f.name), f.name, runId)
      if (seg) found.push(seg)
    }
    return found.sort((a, b) => (a.name < b.name ? -1 : 1))
  }

  /** One segment file, opened (footer cached); undefined when gone or damaged (then quarantined). */
  segment(path: string, name: string, runId: string): Promise<SegmentInfo | undefined> {
    return this.#open(path, name, runId)
  }

  /** True when the segment's footer is cached. */
  cached(path: string): boolean {
    return this.#segments.has(path)
  }

  /** Forgets a segment (deleted by compaction or retention). */
  forget(path: string): void {
    this.#segments.delete(path)
    this.#columns.deletePrefix(`${path}#`)
  }

  async #open(path: string, name: string, runId: string): Promise<SegmentInfo | undefined> {
    const known = this.#segments.get(path)
    if (known) return known
    try {
      const seg = await openSegment(seam, path, name, runId)
      this.#segments.set(path, seg)
      return seg
    } catch (e) {
      if (isEntrenarError(e, ErrorCodes.NOT_FOUND)) return undefined // removed by a compaction meanwhile
      await this.quarantine(path, e)
      return undefined
    }
  }

  /** Moves a damaged file to `<root>/corrupt/…` and reports it as `ENTRENAR_DB_CORRUPT`. */
  async quarantine(path: string, e: unknown): Promise<void> {
    const err = isEntrenarError(e, ErrorCodes.DB_CORRUPT)
      ? e
      : new EntrenarError(ErrorCodes.DB_CORRUPT, `entrenar/db: ${path} is damaged: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
    this.forget(path)
    const rel = path.startsWith(this.#root) ? path.slice(this.#root.length + 1) : path
    const to = join(this.#root, 'corrupt', `${rel.replaceAll('/', '__')}.${Date.now()}`)
    try {
      await moveFile(path, to)
    } catch {
      // already moved by another reader, or read-only storage: reporting is what matters
    }
    this.#onCorrupt(new EntrenarError(ErrorCodes.DB_CORRUPT, `${err.message} (moved to ${to})`, { cause: err.cause ?? err, details: { path, movedTo: to } }))
  }

  /** Decoded columns of a row group, from the cache or decoded now; undefined when the segment is damaged (then quarantined). */
  async columns(seg: SegmentInfo, rg: RowGroupInfo, want: readonly ColumnName[]): Promise<RowGroupColumns | undefined> {
    const key = `${seg.path}#${rg.index}#`
    const out: RowGroupColumns = {}
    const missing: ColumnName[] = []
    for (const c of want) {
      const v = this.#columns.get(key + c)
      if (v === undefined) missing.push(c)
      else (out as Record<string, unknown>)[c] = v
    }
    // All-null columns (often `batch`, `tags`) need no read: their decoded form is the null fill.
    const toRead = missing.filter((c) => !rg.allNull.has(PARQUET_NAME[c]))
    if (missing.length > 0) {
      let raw: Map<string, DecodedArray[]> = new Map()
      try {
        if (toRead.length > 0) {
          raw = await readRowGroup(
            seam,
            seg,
            rg,
            toRead.map((c) => PARQUET_NAME[c]),
          )
        }
      } catch (e) {
        // Deleted meanwhile (compaction, retention): not damage.
        if (!this.#segments.has(seg.path) || (await fileSize(seg.path)) === undefined) return undefined
        await this.quarantine(seg.path, e)
        return undefined
      }
      const n = rg.rows
      try {
        for (const c of missing) {
          const chunks = raw.get(PARQUET_NAME[c])
          let value: unknown
          let bytes = 0
          switch (c) {
            case 'ts':
              value = int64Column(chunks, n, seg.tsScale)
              bytes = n * 8
              break
            case 'step':
              value = int64Column(chunks, n)
              bytes = n * 8
              break
            case 'value':
              value = doubleColumn(chunks, n)
              bytes = n * 8
              break
            case 'metric': {
              const coded = stringColumn(chunks, n)
              value = coded
              bytes = n * 4 + 64 * coded.names.length
              out.metricRuns = metricRuns(coded.ids)
              this.#columns.set(`${key}runs`, out.metricRuns, out.metricRuns.byteLength)
              break
            }
            case 'tags':
              value = tagColumn(chunks, n, seg.path)
              bytes = n * 4
              break
            case 'epoch':
            case 'batch':
              value = nullableIntColumn(chunks, n)
              bytes = n * 4
              break
          }
          ;(out as Record<string, unknown>)[c] = value
          this.#columns.set(key + c, value, bytes)
        }
      } catch (e) {
        await this.quarantine(seg.path, e)
        return undefined
      }
    }
    if (out.metric && !out.metricRuns) {
      out.metricRuns = (this.#columns.get(`${key}runs`) as Uint32Array | undefined) ?? metricRuns(out.metric.ids)
    }
    return out
  }

  /** Drops a run's cached state after its files changed. */
  forgetRun(runId: string): void {
    const prefix = join(this.#root, 'metrics', runDirName(runId))
    for (const p of [...this.#segments.keys()]) if (p.startsWith(prefix)) this.forget(p)
  }

  /** A segment known to be present on disk (used right after writing it). */
  async add(path: string, name: string, runId: string): Promise<void> {
    await this.#open(path, name, runId)
  }
}

function metricRuns(ids: Uint32Array): Uint32Array {
  const out: number[] = []
  let start = 0
  for (let i = 1; i <= ids.length; i++) {
    if (i === ids.length || ids[i] !== ids[start]) {
      out.push(ids[start]!, start, i)
      start = i
    }
  }
  return Uint32Array.from(out)
}
