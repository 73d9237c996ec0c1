import { openStore } from '@entrenar/db'
import { EXIT, type Io, toJson } from '../io.js'
import { withStore } from '../node/store.js'
import { ImportLog, type ImportSummary, type RunSource, writeRuns } from '../importers/common.js'
import { type ImportLimits, ImportMeter, importLimits } from '../importers/stream.js'
import { exportTensorboard, readTensorboard } from '../importers/tensorboard.js'

/** The importers `entrenar import <format>` knows. */
export type ImportFormat = 'tensorboard' | 'mlflow' | 'wandb'

/** The store directory of a command: the argument, else `$ENTRENAR_DIR`, else `./runs`. */
export function storeDirOf(dir: string | undefined, io: Io): string {
  return dir ?? io.env.ENTRENAR_DIR ?? './runs'
}

type Reader = (path: string, log: ImportLog, limits: ImportLimits, meter: ImportMeter) => Promise<RunSource[]>

async function reader(format: ImportFormat): Promise<Reader> {
  if (format === 'tensorboard') return readTensorboard
  if (format === 'mlflow') return (await import('../importers/mlflow.js')).readMlflow
  return (await import('../importers/wandb.js')).readWandb
}

/** Flags of `entrenar import <format>`. */
export interface ImportFlags {
  /** Progress on stderr even when it is not a terminal or with `--json`. */
  readonly progress?: boolean
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
function bytes(n: number): string {
  let u = 0
  while (n >= 1024 && u < UNITS.length - 1) {
    n /= 1024
    u++
  }
  return `${u === 0 ? n : n.toFixed(1)} ${UNITS[u]}`
}

/**
 * Progress of an import on stderr: drawn in place on a terminal (at most every 200 ms), as lines every
 * 2 s with `--progress` elsewhere; nothing when stderr is not a terminal or with `--json`, unless
 * `--progress`. Shows points read, bytes read, and both per second.
 */
function importProgress(io: Io, format: string, force: boolean) {
  const on = force || io.interactive
  const tty = io.interactive
  let last = 0
  let meter: ImportMeter | undefined
  const status = () => {
    const m = meter!
    const s = Math.max((Date.now() - m.startedMs) / 1000, 1e-3)
    return `import ${format}: ${m.points} points, ${bytes(m.bytes)} read (${Math.round(m.points / s)} points/s, ${bytes(m.bytes / s)}/s)`
  }
  return {
    attach(m: ImportMeter) {
      meter = m
    },
    line(text: string) {
      if (on) io.err(`${tty ? '\r\x1b[2K' : ''}import ${format}: ${text}\n`)
    },
    tick() {
      if (!on || !meter) return
      const now = Date.now()
      if (now - last < (tty ? 200 : 2000)) return
      last = now
      io.err(tty ? `\r\x1b[2K${status()}` : `${status()}\n`)
    },
    done() {
      if (on && meter) io.err(`${tty ? '\r\x1b[2K' : ''}${status()}\n`)
    },
  }
}

/** What {@link runImport} did: the summary and the import's meter (bytes, points, most buffered). */
export interface ImportResult {
  readonly summary: ImportSummary
  readonly meter: ImportMeter
}

/**
 * Imports `source` into the store at `storeDir`, streaming: files are read in chunks of
 * `limits.chunkBytes` and points written in batches of `limits.batchPoints`, so memory does not grow
 * with the size of the source.
 */
export async function runImport(format: ImportFormat, source: string, storeDir: string, io: Io, o: ImportFlags & { limits?: Partial<ImportLimits> } = {}): Promise<ImportResult> {
  const limits = importLimits(o.limits)
  const p = importProgress(io, format, o.progress === true)
  const meter = new ImportMeter(p.tick)
  p.attach(meter)
  const log = new ImportLog()
  const runs = await (await reader(format))(source, log, limits, meter)
  const store = await openStore(storeDir)
  let imported: Awaited<ReturnType<typeof writeRuns>>
  try {
    imported = await writeRuns(store, runs, format, source, p.line, limits, meter)
  } finally {
    await store.close()
  }
  p.done()
  const summary: ImportSummary = {
    format,
    source,
    store: storeDir,
    runs: imported,
    points: imported.reduce((n, r) => n + r.points, 0),
    written: imported.reduce((n, r) => n + r.written, 0),
    skipped: log.skipped,
    skippedCount: log.skippedCount,
    unmapped: log.unmappedList(),
    unmappedOverflow: log.unmappedOverflow,
  }
  return { summary, meter }
}

/**
 * `entrenar import <format> <source> [store]`: reads TensorBoard event files, an MLflow file store or W&B
 * history exports and writes their runs into a store (created when missing). Idempotent: see
 * {@link writeRuns}. Progress goes to stderr (see `importProgress`); the summary (runs, points, skipped
 * records with file and offset, unmapped things) to stdout, as JSON with `--json`.
 */
export async function importCommand(format: ImportFormat, source: string, storeArg: string | undefined, o: ImportFlags, io: Io): Promise<number> {
  const storeDir = storeDirOf(storeArg, io)
  const { summary } = await runImport(format, source, storeDir, io, o)
  const imported = summary.runs
  if (io.json) io.out(toJson(summary))
  else {
    for (const r of imported) io.out(`${r.action.padEnd(9)} ${r.id}  ${r.name}  ${r.written}/${r.points} points written${r.nonFinite ? ` (${r.nonFinite} non-finite)` : ''}\n`)
    io.out(`${imported.length} run${imported.length === 1 ? '' : 's'}, ${summary.written} of ${summary.points} points written into ${storeDir}\n`)
    for (const s of summary.skipped) io.out(`skipped   ${s.file}${s.offset !== undefined ? ` at byte ${s.offset}` : ''}${s.line !== undefined ? ` line ${s.line}` : ''}: ${s.reason}\n`)
    if (summary.skippedCount > summary.skipped.length) io.out(`skipped   ${summary.skippedCount - summary.skipped.length} more records not listed (${summary.skippedCount} in all)\n`)
    for (const u of summary.unmapped) io.out(`unmapped  ${u.run}: ${u.kind}${u.name ? ` ${JSON.stringify(u.name)}` : ''} ×${u.count}\n`)
    if (summary.unmappedOverflow) io.out(`unmapped  ${summary.unmappedOverflow} more occurrences of other names not listed\n`)
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
