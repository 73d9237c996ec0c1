import { openStore } from '@entrenar/db'
import { EXIT, type Io, toJson } from '../io.js'
import { withStore } from '../node/store.js'
import { ImportLog, type ImportSummary, type SourceRun, writeRuns } from '../importers/common.js'
import { exportTensorboard, readTensorboard } from '../importers/tensorboard.js'

/** The importers `entrenar import <format>` knows. */
export type ImportFormat = 'tensorboard' | 'mlflow' | 'wandb'

/** The store directory of a command: the argument, else `$ENTRENAR_DIR`, else `./runs`. */
export function storeDirOf(dir: string | undefined, io: Io): string {
  return dir ?? io.env.ENTRENAR_DIR ?? './runs'
}

async function reader(format: ImportFormat): Promise<(path: string, log: ImportLog, progress: (line: string) => void) => SourceRun[]> {
  if (format === 'tensorboard') return readTensorboard
  if (format === 'mlflow') return (await import('../importers/mlflow.js')).readMlflow
  return (await import('../importers/wandb.js')).readWandb
}

/**
 * `entrenar import <format> <source> [store]`: reads TensorBoard event files, an MLflow file store or W&B
 * history exports and writes their runs into a store (created when missing). Idempotent: see
 * {@link writeRuns}. Progress goes to stderr; the summary (runs, points, skipped records with file and
 * offset, unmapped things) to stdout, as JSON with `--json`.
 */
export async function importCommand(format: ImportFormat, source: string, storeArg: string | undefined, io: Io): Promise<number> {
  const storeDir = storeDirOf(storeArg, io)
  const progress = (line: string) => io.err(`import ${format}: ${line}\n`)
  const log = new ImportLog()
  const runs = (await reader(format))(source, log, progress)
  const store = await openStore(storeDir)
  let imported: Awaited<ReturnType<typeof writeRuns>>
  try {
    imported = await writeRuns(store, runs, format, source, progress)
  } finally {
    await store.close()
  }
  const summary: ImportSummary = {
    format,
    source,
    store: storeDir,
    runs: imported,
    points: imported.reduce((n, r) => n + r.points, 0),
    written: imported.reduce((n, r) => n + r.written, 0),
    skipped: log.skipped,
    unmapped: log.unmappedList(),
  }
  if (io.json) io.out(toJson(summary))
  else {
    for (const r of imported) io.out(`${r.action.padEnd(9)} ${r.id}  ${r.name}  ${r.written}/${r.points} points written${r.nonFinite ? ` (${r.nonFinite} non-finite)` : ''}\n`)
    io.out(`${imported.length} run${imported.length === 1 ? '' : 's'}, ${summary.written} of ${summary.points} points written into ${storeDir}\n`)
    for (const s of log.skipped) io.out(`skipped   ${s.file}${s.offset !== undefined ? ` at byte ${s.offset}` : ''}${s.line !== undefined ? ` line ${s.line}` : ''}: ${s.reason}\n`)
    for (const u of summary.unmapped) io.out(`unmapped  ${u.run}: ${u.kind}${u.name ? ` ${JSON.stringify(u.name)}` : ''} ×${u.count}\n`)
  }
  return EXIT.OK
}

/** `entrenar export tensorboard <store> <logdir> [--run id]`: event files TensorBoard reads, one directory per run. */
export async function exportCommand(storeDir: string, logdir: string, o: { run?: string[] }, io: Io): Promise<number> {
  const progress = (line: string) => io.err(`export tensorboard: ${line}\n`)
  const runs = await withStore(storeDir, (store) => exportTensorboard(store, logdir, o.run, progress))
  if (io.json) io.out(toJson({ format: 'tensorboard', store: storeDir, logdir, runs, points: runs.reduce((n, r) => n + r.points, 0) }))
  else {
    for (const r of runs) io.out(`${r.id}  ${r.points} points${r.nonFinite ? ` (${r.nonFinite} non-finite)` : ''}  ${r.file}${r.droppedFields ? `  (epoch/batch/tags of ${r.droppedFields} points not representable)` : ''}\n`)
    io.out(`${runs.length} run${runs.length === 1 ? '' : 's'} exported to ${logdir}\n`)
  }
  return EXIT.OK
}
