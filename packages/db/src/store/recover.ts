import { EntrenarError, ErrorCodes } from '@entrenar/core'
import type { SegmentEncoder } from '../node/encoder.js'
import { crc32, fsyncDir, hostName, join, listDir, moveFile, processAlive, readWhole, removeFile } from '../node/io.js'
import { decodeWal } from '../wal/codec.js'
import type { Catalog } from './catalog.js'
import { fnv1a, genString, parseSegmentName, parseWalName, parseWriterId, segmentName } from './paths.js'
import { byRun, writeRunSegment } from './segments.js'

/** What WAL recovery did. */
export interface RecoveryReport {
  readonly walFiles: number
  readonly rows: number
  readonly segments: number
  readonly skippedRows: number
}

/**
 * Replays the WALs of writers that are gone: a writer of this host whose pid no longer exists.
 * (WALs of other hosts are left to their owners, or to a later open on that host.) Each WAL
 * generation `g` of writer `W` becomes, per run, the segment `part-W-<g>.parquet`, unless a segment
 * `part-W-<g'>` with `g' ≥ g` already holds that run's rows (present or replaced by a compaction):
 * replay is idempotent, so a crash during recovery, or two processes recovering at once, never
 * duplicates rows. A torn tail (a crash mid-append) is reported as `ENTRENAR_DB_CORRUPT`; its
 * intact frames are recovered and the file is moved to `corrupt/`.
 */
export async function recoverWals(
  root: string,
  me: string,
  catalog: Catalog,
  encoder: SegmentEncoder,
  rowGroupRows: number,
  onCorrupt: (e: EntrenarError) => void,
): Promise<RecoveryReport> {
  const walDir = join(root, 'wal')
  const hostTag = fnv1a(hostName())
  let walFiles = 0
  let rows = 0
  let segments = 0
  let skippedRows = 0
  const files = (await listDir(walDir)).filter((f) => f.isFile()).map((f) => ({ name: f.name, parsed: parseWalName(f.name) }))
  for (const { name, parsed } of files.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!parsed || parsed.writer === me) continue
    const owner = parseWriterId(parsed.writer)
    if (!owner || owner.hostTag !== hostTag || processAlive(owner.pid)) continue
    const path = join(walDir, name)
    const bytes = await readWhole(path)
    if (!bytes) continue // recovered by another process meanwhile
    walFiles++
    const scan = decodeWal(bytes, crc32)
    for (const [runId, batches] of byRun(scan.batches)) {
      const n = batches.reduce((s, b) => s + b.length, 0)
      if (n === 0) continue
      const done = (await catalog.allSegments(runId)).some((s) =>
        [s.name, ...s.replaces].some((x) => {
          const p = parseSegmentName(x)
          return p?.writer === parsed.writer && /^\d+$/.test(p.seq) && Number(p.seq) >= parsed.gen
        }),
      )
      if (done) {
        skippedRows += n
        continue
      }
      const name = segmentName(parsed.writer, genString(parsed.gen))
      const segPath = await writeRunSegment(root, encoder, runId, batches, name, rowGroupRows)
      catalog.forget(segPath)
      rows += n
      segments++
    }
    if (scan.badOffset !== undefined) {
      const to = join(root, 'corrupt', `wal__${name}.${Date.now()}`)
      try {
        await moveFile(path, to)
      } catch {
        // moved by a concurrent recovery
      }
      onCorrupt(
        new EntrenarError(
          ErrorCodes.DB_CORRUPT,
          `entrenar/db: WAL ${name} is damaged at byte ${scan.badOffset} of ${bytes.length} (${scan.reason}); recovered ${scan.batches.length} intact frames, moved the file to ${to}`,
          { details: { path, badOffset: scan.badOffset, size: bytes.length, movedTo: to } },
        ),
      )
    } else {
      await removeFile(path)
    }
  }
  if (walFiles > 0) await fsyncDir(walDir)
  await removeDeadTemps(root, hostTag)
  return { walFiles, rows, segments, skippedRows }
}

/** Deletes temp files (`.<host tag>-<pid>-<random>.tmp`) left by dead processes of this host mid-write. */
async function removeDeadTemps(root: string, hostTag: string): Promise<void> {
  const dirs = [join(root, 'runs'), ...(await listDir(join(root, 'metrics'))).filter((d) => d.isDirectory()).map((d) => join(root, 'metrics', d.name))]
  for (const dir of dirs) {
    for (const f of await listDir(dir)) {
      const m = /^\.([0-9a-f]{8})-(\d+)-[a-z0-9]+\.tmp$/.exec(f.name)
      if (m && m[1] === hostTag && !processAlive(Number(m[2]))) await removeFile(join(dir, f.name))
    }
  }
}
