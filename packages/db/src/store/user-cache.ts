import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { lstat, mkdir, open, realpath, rename, rm } from 'node:fs/promises'
import { homedir } from 'node:os'
import { crc32, join, tmpPrefix } from '../node/io.js'

/**
 * A per-user cache of segment summaries for stores this process may not write (a read-only medium,
 * another user's store): `<cacheDir>/run-catalog-<hash of the store's real path>.json`.
 *
 * It is only ever a hint that saves decoding a segment again, and it is trusted no further than that:
 * - the cache directory and file must belong to this user and be writable by nobody else (mode checked
 *   on the opened descriptor, symbolic links refused), so another user cannot plant figures;
 * - an entry applies to one segment file only, identified by device, inode, size and modification
 *   time: a different segment list, a replaced or rewritten file, or a copy elsewhere finds no entry;
 * - the file carries a checksum and every entry is validated like the store's own catalog.
 * Platforms without user ids (Windows) do not use it.
 */
export interface SegmentIdentity {
  readonly dev: string
  readonly ino: string
  readonly size: number
  readonly mtimeNs: string
}

const FORMAT = 'entrenar-segment-summary-cache'
const VERSION = 1
/** A cache file larger than this is ignored (a store of a million segments stays well below). */
const MAX_BYTES = 256 * 1024 * 1024

/** Default cache directory: `$XDG_CACHE_HOME/entrenar` or `~/.cache/entrenar`. */
export function defaultCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME
  return join(xdg?.startsWith('/') ? xdg : join(homedir(), '.cache'), 'entrenar')
}

const uid = (): number | undefined => (typeof process.getuid === 'function' ? process.getuid() : undefined)

/** The cache file of a store, or undefined when the platform has no user ids. */
async function cachePath(cacheDir: string, storeRoot: string): Promise<{ file: string; root: string } | undefined> {
  if (uid() === undefined) return undefined
  const root = await realpath(storeRoot)
  const h = createHash('sha256').update(root).digest('hex').slice(0, 32)
  return { file: join(cacheDir, `run-catalog-${h}.json`), root }
}

/** True when `path` is a directory of this user that nobody else may write (not a symbolic link). */
async function ownPrivateDir(path: string): Promise<boolean> {
  try {
    const st = await lstat(path)
    return st.isDirectory() && st.uid === uid() && (st.mode & 0o022) === 0
  } catch {
    return false
  }
}

/**
 * Entries of the store's cache file, by `<run id>/<segment name>`; empty when absent or not trusted.
 * Each value is opaque here: the caller validates it as it validates its own catalog.
 */
export async function readUserCache(cacheDir: string, storeRoot: string): Promise<Map<string, { id: SegmentIdentity; summary: unknown }>> {
  const out = new Map<string, { id: SegmentIdentity; summary: unknown }>()
  try {
    const where = await cachePath(cacheDir, storeRoot)
    if (!where || !(await ownPrivateDir(cacheDir))) return out
    const fh = await open(where.file, constants.O_RDONLY | constants.O_NOFOLLOW)
    try {
      const st = await fh.stat()
      if (!st.isFile() || st.uid !== uid() || (st.mode & 0o022) !== 0 || st.size > MAX_BYTES) return out
      const text = (await fh.readFile()).toString('utf8')
      const nl = text.indexOf('\n')
      if (nl < 0) return out
      const head = JSON.parse(text.slice(0, nl)) as { crc?: unknown }
      const body = text.slice(nl + 1)
      if (head.crc !== crc32(new TextEncoder().encode(body))) return out
      const c = JSON.parse(body) as { format?: unknown; version?: unknown; root?: unknown; segments?: unknown }
      if (c.format !== FORMAT || c.version !== VERSION || c.root !== where.root || typeof c.segments !== 'object' || c.segments === null) return out
      for (const [key, v] of Object.entries(c.segments as Record<string, unknown>)) {
        const e = v as { id?: Partial<SegmentIdentity>; summary?: unknown }
        const id = e?.id
        if (!id || typeof id.dev !== 'string' || typeof id.ino !== 'string' || !Number.isSafeInteger(id.size) || typeof id.mtimeNs !== 'string') continue
        out.set(key, { id: id as SegmentIdentity, summary: e.summary })
      }
    } finally {
      await fh.close()
    }
  } catch {
    // Absent, unreadable or not JSON: no hints.
  }
  return out
}

/** Replaces the store's cache file (atomic rename; private directory and file). Failures are ignored: it is a cache. */
export async function writeUserCache(cacheDir: string, storeRoot: string, segments: ReadonlyMap<string, { id: SegmentIdentity; summary: unknown }>): Promise<boolean> {
  let tmp: string | undefined
  try {
    const where = await cachePath(cacheDir, storeRoot)
    if (!where) return false
    await mkdir(cacheDir, { recursive: true, mode: 0o700 })
    if (!(await ownPrivateDir(cacheDir))) return false
    const body = new TextEncoder().encode(JSON.stringify({ format: FORMAT, version: VERSION, root: where.root, segments: Object.fromEntries(segments) }))
    tmp = join(cacheDir, `.${tmpPrefix()}${Math.random().toString(36).slice(2)}.tmp`)
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
    try {
      await fh.writev([new TextEncoder().encode(`${JSON.stringify({ crc: crc32(body) })}\n`), body])
    } finally {
      await fh.close()
    }
    await rename(tmp, where.file)
    tmp = undefined
    return true
  } catch {
    return false
  } finally {
    if (tmp) await rm(tmp, { force: true }).catch(() => undefined)
  }
}
