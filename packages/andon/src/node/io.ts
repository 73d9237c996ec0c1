/**
 * The one module of @entrenar/andon that touches Node: files (renacer.toml, JSON-lines with fsync),
 * process memory, the environment and stderr. Everything else runs in a browser too.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { MemoryProbes } from '../types.js'

/** Reads a UTF-8 text file. */
export function readText(path: string): string {
  return readFileSync(path, 'utf8')
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
export function openAppender(path: string, options: { fsync: boolean }): LineAppender {
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
          handle = await open(path, 'a')
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
