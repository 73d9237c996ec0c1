import type { RecordBatch } from '@entrenar/core'
import type { SegmentEncoder } from '../node/encoder.js'
import { createExclusive, fsyncDir, join, readWhole, removeFile } from '../node/io.js'
import { sortRows } from '../segment/rows.js'
import type { Catalog } from './catalog.js'
import type { Liveness } from './lease.js'
import { runDirName, segmentName } from './paths.js'
import { writeSortedSegment } from './segments.js'

/** What a compaction did. */
export interface CompactionReport {
  /** Segments merged away. */
  readonly merged: number
  /** Segments written. */
  readonly written: number
  /** Rows rewritten. */
  readonly rows: number
}

/** What a retention pass deleted. */
export interface RetentionReport {
  /** Segment files deleted because their newest row was older than the retention age. */
  readonly deletedSegments: number
  /** Rows those segments held. */
  readonly deletedRows: number
}

const LOCK = '.compact.lock'
async function takeLock(dir: string, writer: string, liveness: Liveness): Promise<boolean> {
  const path = join(dir, LOCK)
  if (await createExclusive(path, writer)) return true
  // A lock whose owner is gone (dead pid on this host, stale lease on another) is taken over.
  const bytes = await readWhole(path)
  if (!bytes) return createExclusive(path, writer)
  if (!(await liveness.gone(new TextDecoder().decode(bytes), path))) return false
  await removeFile(path)
  return createExclusive(path, writer)
}

/**
 * Merges a run's segments into as few as possible, each sorted by (metric, step, time). The new
 * segment records in its footer the names it replaces (transitively), so readers skip the old files
 * from the moment it is renamed into place: the switch is atomic for this store's readers, and a
 * crash before the old files are deleted leaves no duplicate. Old files are deleted afterwards.
 * One compaction per run at a time (an exclusive lock file; other writers never need it).
 */
export async function compactRun(
  root: string,
  runId: string,
  writer: string,
  liveness: Liveness,
  catalog: Catalog,
  encoder: SegmentEncoder,
  o: { rowGroupRows: number; minSegments: number; segmentRows: number },
): Promise<CompactionReport> {
  const dir = join(root, 'metrics', runDirName(runId))
  if (!(await takeLock(dir, writer, liveness))) return { merged: 0, written: 0, rows: 0 }
  try {
    const all = await catalog.allSegments(runId)
    const replacedNames = new Set(all.flatMap((s) => s.replaces))
    // Leftovers of a compaction that crashed after its rename: delete them now.
    for (const s of all) {
      if (replacedNames.has(s.name)) {
        await removeFile(s.path)
        catalog.forget(s.path)
      }
    }
    const live = all.filter((s) => !replacedNames.has(s.name))
    const small = live.filter((s) => s.rows < o.segmentRows)
    if (small.length < o.minSegments) return { merged: 0, written: 0, rows: 0 }
    const batches: RecordBatch[] = []
    let rows = 0
    for (const seg of small) {
      for (const rg of seg.rowGroups) {
        const c = await catalog.columns(seg, rg, ['ts', 'step', 'value', 'metric', 'tags', 'epoch', 'batch'])
        if (!c) throw new Error(`entrenar/db: segment ${seg.path} is damaged; compaction of run ${runId} stopped`)
        batches.push({
          runId,
          length: rg.rows,
          metricNames: c.metric!.names,
          metric: c.metric!.ids,
          timestampUs: c.ts!,
          step: c.step!,
          value: c.value!,
          epoch: c.epoch!,
          batch: c.batch!,
          tagSets: c.tags!.sets,
          tagIndex: c.tags!.ids,
        })
        rows += rg.rows
      }
    }
    const sorted = sortRows(runId, batches)
    const replaces = [...new Set(small.flatMap((s) => [s.name, ...s.replaces]))].sort()
    const name = segmentName(writer, `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`)
    await writeSortedSegment(root, encoder, sorted, name, o.rowGroupRows, replaces)
    for (const s of small) {
      await removeFile(s.path)
      catalog.forget(s.path)
    }
    await fsyncDir(dir)
    return { merged: small.length, written: 1, rows }
  } finally {
    await removeFile(join(dir, LOCK))
  }
}

/** Deletes every segment whose newest row is older than `cutoffUs` (whole segments only). */
export async function applyRetention(root: string, catalog: Catalog, cutoffUs: number): Promise<RetentionReport> {
  let deletedSegments = 0
  let deletedRows = 0
  for (const seg of await catalog.segments()) {
    const newest = Math.max(...seg.rowGroups.map((rg) => rg.tsMax))
    if (seg.rowGroups.length > 0 && newest < cutoffUs) {
      await removeFile(seg.path)
      catalog.forget(seg.path)
      deletedSegments++
      deletedRows += seg.rows
    }
  }
  if (deletedSegments > 0) await fsyncDir(join(root, 'metrics'))
  return { deletedSegments, deletedRows }
}
