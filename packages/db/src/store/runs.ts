import { EntrenarError, ErrorCodes, type RunInfo, type RunStatus } from '@entrenar/core'
import { join, listDir, readWhole, writeFileDurable } from '../node/io.js'
import { decodeRunId, encodeRunId } from './paths.js'

const STATUSES: readonly RunStatus[] = ['running', 'finished', 'failed', 'stopped']

/** Checks a RunInfo before it is stored. */
export function checkRun(run: RunInfo): void {
  if (run === null || typeof run !== 'object') throw new EntrenarError(ErrorCodes.WIRE_INVALID, 'entrenar/db: run must be an object')
  encodeRunId(run.id)
  if (!STATUSES.includes(run.status)) throw new EntrenarError(ErrorCodes.WIRE_INVALID, `entrenar/db: run status ${JSON.stringify(run.status)} is not one of ${STATUSES.join(', ')}`)
  if (typeof run.startTimeMs !== 'number' || !Number.isFinite(run.startTimeMs)) {
    throw new EntrenarError(ErrorCodes.WIRE_INVALID, `entrenar/db: run ${JSON.stringify(run.id)} startTimeMs must be a finite number`)
  }
}

/** Writes `runs/<encoded id>.json` atomically (temp, fsync, rename, directory fsync). */
export async function writeRun(root: string, run: RunInfo): Promise<void> {
  checkRun(run)
  let text: string
  try {
    text = JSON.stringify(run)
  } catch (e) {
    throw new EntrenarError(ErrorCodes.WIRE_INVALID, `entrenar/db: run ${JSON.stringify(run.id)} is not JSON-serialisable: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
  await writeFileDurable(join(root, 'runs', `${encodeRunId(run.id)}.json`), [new TextEncoder().encode(text)])
}

/** Reads every run file; an unreadable one is reported through `onBad` and skipped. */
export async function readRuns(root: string, onBad: (path: string, e: unknown) => Promise<void>): Promise<RunInfo[]> {
  const dir = join(root, 'runs')
  const out: RunInfo[] = []
  for (const f of await listDir(dir)) {
    if (!f.isFile() || !f.name.endsWith('.json') || f.name.startsWith('.')) continue
    const id = decodeRunId(f.name.slice(0, -5))
    if (id === undefined) continue
    const path = join(dir, f.name)
    const bytes = await readWhole(path)
    if (!bytes) continue
    try {
      const run = JSON.parse(new TextDecoder().decode(bytes)) as RunInfo
      checkRun(run)
      if (run.id !== id) throw new Error(`holds run ${JSON.stringify(run.id)}`)
      out.push(run)
    } catch (e) {
      await onBad(path, e)
    }
  }
  return out.sort((a, b) => a.startTimeMs - b.startTimeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}
