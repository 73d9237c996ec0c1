import { EntrenarError, ErrorCodes } from '@entrenar/core'
import type { SegmentEncoder } from '../node/encoder.js'
import { claimByRename, crc32, fileMtimeMs, fsyncDir, hostName, join, listDir, moveFile, processAlive, readWhole, removeFile, replaceFile } from '../node/io.js'
import { decodeWal } from '../wal/codec.js'
import type { Catalog } from './catalog.js'
import { type Liveness, WRITERS_DIR } from './lease.js'
import { claimName, fnv1a, genString, parseClaimName, parseGenRange, parseLeaseName, parseSegmentName, parseWalName, segmentName } from './paths.js'
import { byRun, writeRunSegment } from './segments.js'

/** What WAL recovery did. */
export interface RecoveryReport {
  /** WAL files replayed (including claims taken over). */
  readonly walFiles: number
  /** Rows written as segments from them. */
  readonly rows: number
  /** Segment files written by the replay. */
  readonly segments: number
  /** Rows found already in segments (a replay interrupted after some of its segments, or a race). */
  readonly skippedRows: number
  /** Claims of recoveries whose claimer died mid-replay, taken over and finished. */
  readonly takenOver: number
  /** WALs left alone: their writer (or claimer) is alive, on another host by a fresh lease. */
  readonly leftAlone: number
  /**
   * True when the partitions were listed for temp files left mid-write: after a crash (a gone writer's
   * lease or WAL was found) or while no sweep has found the store clean yet; false after clean closes.
   */
  readonly sweptTemps: boolean
}

/** An empty report. */
export const NO_RECOVERY: RecoveryReport = { walFiles: 0, rows: 0, segments: 0, skippedRows: 0, takenOver: 0, leftAlone: 0, sweptTemps: false }

/**
 * `writers/temps.swept`: present while the last sweep for temp files left none behind. Written before
 * gone writers' leases are deleted and removed when a sweep leaves a file it may not delete yet.
 */
export const SWEPT_MARKER = 'temps.swept'

/**
 * Replays the WALs of writers that are gone (see {@link Liveness}: pid probe on this host, lease
 * staleness on other hosts). A WAL is first claimed by renaming it to
 * `<writer>.<gen>.wal.<me>.claim`: of several processes recovering at once exactly one wins the
 * rename. A claim whose claimer is gone (it died mid-replay) is claimed again the same way and
 * replayed from the start. Each WAL generation `g` of writer `W` becomes, per run, the segment
 * `part-W-<g>.parquet`, unless a segment of `W` that holds generation `g` already holds that run's rows
 * (`part-W-<g>`, or `part-W-<lo>t<hi>` with `lo ≤ g ≤ hi` written by a seal that took back the rows of a
 * failed one; present or replaced by a compaction): replay is idempotent, so an interrupted replay, taken
 * over, never duplicates rows, and generations may be replayed in any order. A torn tail (a crash mid-append) is reported as `ENTRENAR_DB_CORRUPT`; its
 * intact frames are recovered and the file is moved to `corrupt/`. Leases of gone writers that own
 * no file any more are deleted.
 */
export async function recoverWals(
  root: string,
  me: string,
  liveness: Liveness,
  catalog: Catalog,
  encoder: SegmentEncoder,
  rowGroupRows: number,
  onCorrupt: (e: EntrenarError) => void,
): Promise<RecoveryReport> {
  const walDir = join(root, 'wal')
  const r: { -readonly [K in keyof RecoveryReport]: RecoveryReport[K] } = { ...NO_RECOVERY }
  const names = (await listDir(walDir)).filter((f) => f.isFile()).map((f) => f.name)
  for (const name of names.sort()) {
    const wal = parseWalName(name)
    const claim = wal ? undefined : parseClaimName(name)
    const file = wal ?? claim
    if (!file) continue
    // The process whose liveness decides: the writer of a WAL, the claimer of a claim.
    const holder = claim ? claim.claimer : file.writer
    if (holder === me || file.writer === me) continue
    const path = join(walDir, name)
    if (!(await liveness.gone(holder, path))) {
      if (liveness.foreign(holder)) r.leftAlone++
      continue
    }
    const mine = join(walDir, claimName(file.writer, file.gen, me))
    if (!(await claimByRename(path, mine))) continue // claimed by another process meanwhile
    if (claim) r.takenOver++
    await replay(root, mine, name, file.writer, file.gen, catalog, encoder, rowGroupRows, onCorrupt, r)
  }
  if (r.walFiles > 0) await fsyncDir(walDir)
  // A temp file outlives only a process that died mid-write, and such a process leaves its lease (a
  // clean close deletes it) and maybe a WAL. So the run partitions (one listing each) are swept only
  // when that evidence is found or no sweep has found the store clean yet. The gone leases are deleted
  // after the sweep: a crash mid-sweep leaves the evidence for the next open.
  const marker = join(root, WRITERS_DIR, SWEPT_MARKER)
  if (r.walFiles > 0 || r.takenOver > 0 || (await hasGoneLease(root, me, liveness)) || (await readWhole(marker)) === undefined) {
    r.sweptTemps = true
    const left = await removeDeadTemps(root)
    // A marker that cannot be written (read-only medium) only means the next open sweeps again.
    if (left === 0) await replaceFile(marker, 'the last sweep for temp files left none\n').catch(() => undefined)
    else await removeFile(marker).catch(() => undefined)
  }
  await removeGoneLeases(root, me, liveness)
  return r
}

/** True when a lease of another writer that is gone is left in `writers/` (it died without closing). */
async function hasGoneLease(root: string, me: string, liveness: Liveness): Promise<boolean> {
  const dir = join(root, WRITERS_DIR)
  for (const f of await listDir(dir)) {
    const writer = parseLeaseName(f.name)
    if (writer && writer !== me && (await liveness.gone(writer, join(dir, f.name)))) return true
  }
  return false
}

/** Replays one claimed WAL into segments, then deletes it (or moves it to `corrupt/` when its tail is torn). */
async function replay(
  root: string,
  path: string,
  name: string,
  writer: string,
  gen: number,
  catalog: Catalog,
  encoder: SegmentEncoder,
  rowGroupRows: number,
  onCorrupt: (e: EntrenarError) => void,
  r: { walFiles: number; rows: number; segments: number; skippedRows: number },
): Promise<void> {
  const bytes = await readWhole(path)
  if (!bytes) return
  r.walFiles++
  const scan = decodeWal(bytes, crc32)
  for (const [runId, batches] of byRun(scan.batches)) {
    const n = batches.reduce((s, b) => s + b.length, 0)
    if (n === 0) continue
    // Only a segment that holds this very generation counts. A later generation's segment proves nothing:
    // recoveries replay a writer's generations in any order (several at once, or one taking over a claim
    // whose claimer died while another replayed the next generation).
    const done = (await catalog.allSegments(runId)).some((s) =>
      [s.name, ...s.replaces].some((x) => {
        const p = parseSegmentName(x)
        const range = p?.writer === writer ? parseGenRange(p.seq) : undefined
        return range !== undefined && range[0] <= gen && gen <= range[1]
      }),
    )
    if (done) {
      r.skippedRows += n
      continue
    }
    const segPath = await writeRunSegment(root, encoder, runId, batches, segmentName(writer, genString(gen)), rowGroupRows)
    catalog.forget(segPath)
    r.rows += n
    r.segments++
  }
  if (scan.badOffset === undefined) {
    await removeFile(path)
    return
  }
  const original = parseWalName(name) ? name : name.replace(/\.[A-Za-z0-9]+\.claim$/, '')
  const to = join(root, 'corrupt', `wal__${original}.${Date.now()}`)
  try {
    await moveFile(path, to)
  } catch {
    return // taken over by another process (this one was judged gone): it reports the damage
  }
  onCorrupt(
    new EntrenarError(
      ErrorCodes.DB_CORRUPT,
      `entrenar/db: WAL ${original} is damaged at byte ${scan.badOffset} of ${bytes.length} (${scan.reason}); recovered ${scan.batches.length} intact frames, moved the file to ${to}`,
      { details: { path, badOffset: scan.badOffset, size: bytes.length, movedTo: to } },
    ),
  )
}

/** Deletes the leases of gone writers that neither own nor claim a WAL any more. */
async function removeGoneLeases(root: string, me: string, liveness: Liveness): Promise<void> {
  const dir = join(root, WRITERS_DIR)
  const busy = new Set<string>()
  for (const f of await listDir(join(root, 'wal'))) {
    const w = parseWalName(f.name) ?? parseClaimName(f.name)
    if (w) busy.add(w.writer)
    const c = parseClaimName(f.name)
    if (c) busy.add(c.claimer)
  }
  for (const f of await listDir(dir)) {
    const writer = parseLeaseName(f.name)
    if (!writer || writer === me || busy.has(writer)) continue
    const path = join(dir, f.name)
    if (await liveness.gone(writer, path)) await removeFile(path)
  }
}

/**
 * Deletes temp files (`.<host tag>-<pid>-<random>.tmp`) left mid-write: those of dead processes of
 * this host, and those of other hosts untouched for an hour (a temp file lives for one write).
 */
async function removeDeadTemps(root: string): Promise<number> {
  let left = 0
  const hostTag = fnv1a(hostName())
  const metrics = (await listDir(join(root, 'metrics'))).filter((d) => d.isDirectory()).map((d) => join(root, 'metrics', d.name))
  for (const dir of [root, join(root, 'runs'), join(root, WRITERS_DIR), ...metrics]) {
    for (const f of await listDir(dir)) {
      const m = /^\.([0-9a-f]{8})-(\d+)-[a-z0-9]+\.tmp$/.exec(f.name)
      if (!m) continue
      const path = join(dir, f.name)
      if (m[1] === hostTag ? !processAlive(Number(m[2])) : Date.now() - ((await fileMtimeMs(path)) ?? Date.now()) > FOREIGN_TEMP_MS) await removeFile(path)
      else if (m[1] !== hostTag) left++ // a live process of this host renames its own temp or, dying, leaves its lease
    }
  }
  return left
}

/** Age after which a temp file of another host is taken for abandoned. */
const FOREIGN_TEMP_MS = 3_600_000
