/**
 * The one module of @entrenar/andon that touches Node: files (renacer.toml, JSON-lines with fsync),
 * process memory, the environment and stderr. Everything else runs in a browser too.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, realpathSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path'
import type { MemoryProbes } from '../types.js'

/** Reads a UTF-8 text file of at most `maxBytes` (its size is checked first); `text` is undefined when it is larger. */
export function readTextCapped(path: string, maxBytes: number): { readonly text: string | undefined; readonly bytes: number } {
  const fd = openSync(path, 'r')
  try {
    const bytes = fstatSync(fd).size
    if (bytes > maxBytes) return { text: undefined, bytes }
    return { text: readFileSync(fd, 'utf8'), bytes }
  } finally {
    closeSync(fd)
  }
}

/**
 * Where `path` really lands (symbolic links of every existing part followed): `path` is taken relative to
 * `base` unless absolute. `inside` says whether that place is strictly inside `root` (also resolved);
 * a dangling symbolic link on the way counts as outside (writing through it would create its target).
 */
export function landing(path: string, base: string, root: string): { readonly path: string; readonly inside: boolean } {
  const real = (p: string): string | undefined => {
    const rest: string[] = []
    let cur = p
    for (;;) {
      try {
        return join(realpathSync(cur), ...rest.reverse())
      } catch (e) {
        const code = (e as { code?: string }).code
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e
        try {
          if (lstatSync(cur).isSymbolicLink()) return undefined
        } catch {
          // not there at all: look at the parent
        }
        const parent = dirname(cur)
        if (parent === cur) return p
        rest.push(basename(cur))
        cur = parent
      }
    }
  }
  const target = resolve(base, path)
  const at = real(target)
  const top = real(resolve(root)) ?? resolve(root)
  if (at === undefined) return { path: target, inside: false }
  const rel = relative(top, at)
  return { path: at, inside: rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) }
}

/** `<dir>/andon/incidents.jsonl`. */
export function incidentsPath(storeDir: string): string {
  return join(storeDir, 'andon', 'incidents.jsonl')
}

/** `<dir>/andon/silences.jsonl`. */
export function silencesPath(storeDir: string): string {
  return join(storeDir, 'andon', 'silences.jsonl')
}

/**
 * The complete lines of `path` from byte `offset` on (a line still being appended, without its
 * newline, is left for the next call), and the offset after them. A missing file reads as empty.
 */
export function readLinesFrom(path: string, offset: number): { readonly lines: string[]; readonly offset: number } {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return { lines: [], offset }
    throw e
  }
  try {
    const size = fstatSync(fd).size
    // A file that shrank was replaced: read it again from the start.
    const from = size < offset ? 0 : offset
    if (size === from) return { lines: [], offset: from }
    const buf = Buffer.allocUnsafe(size - from)
    let got = 0
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, from + got)
      if (n === 0) break
      got += n
    }
    const end = buf.subarray(0, got).lastIndexOf(0x0a)
    if (end < 0) return { lines: [], offset: from }
    return { lines: buf.toString('utf8', 0, end).split('\n'), offset: from + end + 1 }
  } finally {
    closeSync(fd)
  }
}

/** Appends lines to a file. Writes are serialised and group-committed: lines queued during a write go out together. */
export interface LineAppender {
  append(line: string): Promise<void>
  close(): Promise<void>
}

/**
 * Opens `path` for appending (parents created). With `fsync`, each group of lines is fsync'd before its
 * promises resolve, so an incident whose append resolved survives a crash.
 */
export function openAppender(path: string, options: { fsync: boolean; noFollow?: boolean }): LineAppender {
  let queue: { line: string; done: () => void; fail: (e: unknown) => void }[] = []
  let running: Promise<void> | undefined
  let handle: Awaited<ReturnType<typeof open>> | undefined
  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue
      queue = []
      try {
        if (!handle) {
          mkdirSync(dirname(path), { recursive: true })
          // O_NOFOLLOW: a symbolic link swapped in at `path` after the check is not written through.
          handle = await open(path, options.noFollow ? constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW : 'a')
        }
        await handle.write(batch.map((b) => `${b.line}\n`).join(''))
        if (options.fsync) await handle.sync()
        for (const b of batch) b.done()
      } catch (e) {
        for (const b of batch) b.fail(e)
      }
    }
  }
  // `running` is cleared in a `finally`, never inside `drain`: a drain that fails before its first await
  // (mkdir on a path whose parent is a file) returns settled, and clearing inside it would run before
  // the assignment, leaving `close()` awaiting a settled promise forever. Lines queued after the loop
  // ended but before the `finally` are drained by the next kick.
  const kick = (): void => {
    if (running !== undefined || queue.length === 0) return
    running = drain().finally(() => {
      running = undefined
      kick()
    })
  }
  return {
    append(line) {
      return new Promise<void>((done, fail) => {
        queue.push({ line, done, fail })
        kick()
      })
    },
    async close() {
      while (running) await running
      await handle?.close()
      handle = undefined
    },
  }
}

/** Node's process memory: RSS and V8 heap used. */
export const nodeProbes: MemoryProbes = {
  rssBytes: () => process.memoryUsage.rss(),
  heapUsedBytes: () => process.memoryUsage().heapUsed,
}

/** An environment variable. */
export function env(name: string): string | undefined {
  return typeof process === 'undefined' ? undefined : process.env[name]
}

/** Where console alerts go: stderr, with its TTY flag. */
export function stderr(): { write(text: string): void; readonly isTTY: boolean } {
  return { write: (t) => void process.stderr.write(t), isTTY: process.stderr.isTTY === true }
}
