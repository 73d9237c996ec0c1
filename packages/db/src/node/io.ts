/**
 * File I/O of `@entrenar/db` (with `encoder.ts`, the only modules that import `node:*`): durable
 * file operations (temp file → fsync → rename → directory fsync), ranged reads, listings, CRC-32.
 * The codecs (`wal/`, `segment/`) and the query scan work on bytes and typed arrays only.
 */
import { constants, type Dirent } from 'node:fs'
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { crc32 as zlibCrc32 } from 'node:zlib'
import { fnv1a } from '../store/paths.js'

export { join, resolve }

/** CRC-32 (IEEE 802.3 polynomial, as zlib and Parquet page checksums use), native speed. */
export function crc32(bytes: Uint8Array, initial = 0): number {
  return zlibCrc32(bytes, initial) >>> 0
}

/** Host name of this machine (stored with runs and used to recognise this host's writers). */
export function hostName(): string {
  return hostname()
}

/** True when a process with this pid exists on this host (signal 0 probes without delivering). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Creates a directory and its parents; fsyncs the parent so the new entry survives a crash. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await stat(dir)
    return
  } catch {
    // created below
  }
  await mkdir(dir, { recursive: true })
  await fsyncDir(dirname(dir))
}

/** fsync of a directory, so renames and unlinks inside it are durable. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined
  try {
    fh = await open(dir, constants.O_RDONLY)
    await fh.sync()
  } catch (e) {
    // Some filesystems refuse fsync on directories (EINVAL/EISDIR); nothing more can be done there.
    const code = (e as NodeJS.ErrnoException).code
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw e
  } finally {
    await fh?.close()
  }
}

/** Temp files are named `.<host tag>-<pid>-<random>.tmp`, so a later open can delete those of dead processes. */
export function tmpPrefix(): string {
  return `${fnv1a(hostname())}-${process.pid}-`
}

/** Writes `bytes` to `path` atomically and durably: temp file, fsync, rename, directory fsync. */
export async function writeFileDurable(path: string, chunks: readonly Uint8Array[]): Promise<void> {
  const dir = dirname(path)
  const tmp = join(dir, `.${tmpPrefix()}${Math.random().toString(36).slice(2)}.tmp`)
  const fh = await open(tmp, 'w')
  try {
    await fh.writev(chunks as Uint8Array[])
    await fh.sync()
  } catch (e) {
    await fh.close()
    await rm(tmp, { force: true })
    throw e
  }
  await fh.close()
  await rename(tmp, path)
  await fsyncDir(dir)
}

/**
 * Replaces `path` atomically (temp file, rename) without fsync: for small files whose loss in a
 * machine crash is harmless (a lease: a crashed machine's writers are dead anyway).
 */
export async function replaceFile(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${tmpPrefix()}${Math.random().toString(36).slice(2)}.tmp`)
  try {
    await writeFile(tmp, text)
    await rename(tmp, path)
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
}

/**
 * Renames `from` to `to`; false when `from` is gone (another process renamed it first). An ENOENT
 * for a rename that did happen (an NFS retransmission of an executed rename) is recognised by `to` existing.
 */
export async function claimByRename(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    return (await fileSize(to)) !== undefined
  }
  await fsyncDir(dirname(to))
  return true
}

/** Names in a directory (empty when it does not exist). */
export async function listDir(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw e
  }
}

/** Whole file, or undefined when it does not exist. */
export async function readWhole(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
}

/** Size of a file, or undefined when it does not exist. */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
}

/** Modification time in ms, or undefined when the file does not exist. */
export async function fileMtimeMs(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs
  } catch {
    return undefined
  }
}

/** Reads `[start, end)` of a file into a fresh ArrayBuffer. */
export async function readRange(path: string, start: number, end: number): Promise<ArrayBuffer> {
  const fh = await open(path, 'r')
  try {
    // Not zero-filled: only the bytes read are handed out.
    const out = new Uint8Array(Buffer.allocUnsafeSlow(end - start).buffer, 0, end - start)
    let off = 0
    while (off < out.length) {
      const { bytesRead } = await fh.read(out, off, out.length - off, start + off)
      if (bytesRead === 0) break
      off += bytesRead
    }
    return off === out.length ? out.buffer : out.buffer.slice(0, off)
  } finally {
    await fh.close()
  }
}

/**
 * Reads several `[start, end)` ranges of one file with a single open (a query's row groups of one
 * segment), into `into` when given (the caller's reusable buffer). Each result may be shorter than
 * asked when the file is shorter.
 */
export async function readRanges(path: string, ranges: readonly (readonly [number, number])[], into?: Uint8Array): Promise<Uint8Array[]> {
  const fh = await open(path, 'r')
  try {
    const out: Uint8Array[] = []
    let at = 0
    for (const [start, end] of ranges) {
      // Into consecutive parts of `into` when it holds them all, else a fresh buffer; not zero-filled
      // either way: only the bytes read are handed out.
      const fits = into !== undefined && at + (end - start) <= into.byteLength
      const buf = fits ? into.subarray(at, at + (end - start)) : new Uint8Array(Buffer.allocUnsafeSlow(end - start).buffer, 0, end - start)
      if (fits) at += end - start
      let off = 0
      while (off < buf.length) {
        const { bytesRead } = await fh.read(buf, off, buf.length - off, start + off)
        if (bytesRead === 0) break
        off += bytesRead
      }
      out.push(off === buf.length ? buf : buf.subarray(0, off))
    }
    return out
  } finally {
    await fh.close()
  }
}

/** Moves a file (atomically when on the same filesystem) and fsyncs both directories. */
export async function moveFile(from: string, to: string): Promise<void> {
  await ensureDir(dirname(to))
  await rename(from, to)
  await fsyncDir(dirname(from))
  await fsyncDir(dirname(to))
}

/** Deletes a file if present; false when it was not there. */
export async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path)
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    return false
  }
}

/** Creates a file exclusively (fails with EEXIST when present): the compaction lock. */
export async function createExclusive(path: string, content: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx')
    await fh.writeFile(content)
    await fh.close()
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw e
  }
}

/** An append-only log file: appends with `writev`, makes them durable with `fdatasync`. */
export interface AppendFile {
  append(chunks: readonly Uint8Array[]): Promise<void>
  sync(): Promise<void>
  close(): Promise<void>
}

/** Opens (creating) a file for appending. */
export async function openAppend(path: string): Promise<AppendFile> {
  const fh = await open(path, 'a')
  return {
    append: async (chunks) => {
      const left = chunks.slice() as Uint8Array[]
      while (left.length > 0) {
        const { bytesWritten } = await fh.writev(left)
        let n = bytesWritten
        while (left.length > 0 && n >= left[0]!.length) n -= left.shift()!.length
        if (n > 0 && left.length > 0) left[0] = left[0]!.subarray(n)
      }
    },
    sync: () => fh.datasync(),
    close: () => fh.close(),
  }
}
