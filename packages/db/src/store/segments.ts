import type { RecordBatch } from '@entrenar/core'
import type { SegmentEncoder } from '../node/encoder.js'
import { ensureDir, join, writeFileDurable } from '../node/io.js'
import type { SortedRows } from '../segment/rows.js'
import { runDirName } from './paths.js'

/** Groups batches by run id, keeping arrival order inside each run. */
export function byRun(batches: readonly RecordBatch[]): Map<string, RecordBatch[]> {
  const m = new Map<string, RecordBatch[]>()
  for (const b of batches) {
    const l = m.get(b.runId)
    if (l) l.push(b)
    else m.set(b.runId, [b])
  }
  return m
}

/** Writes sorted rows as `metrics/run_id=<id>/<name>` durably; returns the path. */
export async function writeSortedSegment(
  root: string,
  encoder: SegmentEncoder,
  rows: SortedRows,
  name: string,
  rowGroupRows: number,
  replaces?: readonly string[],
): Promise<string> {
  const dir = join(root, 'metrics', runDirName(rows.runId))
  await ensureDir(dir)
  const bytes = await encoder.encode(rows, rowGroupRows, replaces)
  const path = join(dir, name)
  await writeFileDurable(path, [bytes])
  encoder.recycle(bytes)
  return path
}

/** Sorts one run's batches and writes them as one segment (both on the encoder's thread). */
export async function writeRunSegment(
  root: string,
  encoder: SegmentEncoder,
  runId: string,
  batches: readonly RecordBatch[],
  name: string,
  rowGroupRows: number,
): Promise<string> {
  const dir = join(root, 'metrics', runDirName(runId))
  await ensureDir(dir)
  const bytes = await encoder.encodeBatches(runId, batches, rowGroupRows)
  const path = join(dir, name)
  await writeFileDurable(path, [bytes])
  encoder.recycle(bytes)
  return path
}
