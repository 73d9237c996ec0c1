import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs'
import { join } from 'node:path'
import { sourceError } from './common.js'

/** Entries of a directory, sorted; missing → empty. */
export function entries(dir: string): string[] {
  try {
    return readdirSync(dir).sort()
  } catch {
    return []
  }
}

/** Whether `path` is a directory (symbolic links are not followed, so a link loop cannot trap a walk). */
export function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory()
  } catch {
    return false
  }
}

/** Whether `path` is a regular file (not a symbolic link). */
export function isFile(path: string): boolean {
  try {
    return lstatSync(path).isFile()
  } catch {
    return false
  }
}

/** Regular files under `dir`, as paths relative to it with `/` separators (no symbolic links followed). */
export function filesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = []
  for (const name of entries(dir)) {
    const path = join(dir, name)
    if (isDir(path)) out.push(...filesUnder(path, `${prefix}${name}/`))
    else if (isFile(path)) out.push(`${prefix}${name}`)
  }
  return out
}

/** Fails unless `path` exists (`ENTRENAR_NOT_FOUND`). */
export function mustExist(command: string, path: string): void {
  try {
    lstatSync(path)
  } catch {
    throw sourceError(`entrenar import ${command}: ${path} does not exist`)
  }
}

/** A number as Python and pandas print it: `nan`, `inf`, `-inf`, `Infinity`, `NaN`, or a decimal. Undefined when it is none. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim()
  switch (t.toLowerCase()) {
    case 'nan':
    case '-nan':
      return Number.NaN
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Number.POSITIVE_INFINITY
    case '-inf':
    case '-infinity':
      return Number.NEGATIVE_INFINITY
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined
  return Number(t)
}

/** The most a metadata file (meta.yaml, a param, a tag, config.yaml) may hold: they are read whole. */
export const MAX_METADATA_BYTES = 4 << 20

/**
 * A small file read whole, as UTF-8 text, or `undefined` when it holds more than `maxBytes` (read no
 * further than that, so a huge or endless file costs nothing) or cannot be read.
 */
export function readSmall(path: string, maxBytes = MAX_METADATA_BYTES): string | undefined {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return undefined
  }
  try {
    let buf = Buffer.allocUnsafe(Math.min(fstatSync(fd).size, maxBytes) + 1)
    let got = 0
    for (;;) {
      if (got === buf.length) {
        // The file grew since fstat: room up to the limit (and one byte to tell it is over).
        if (buf.length > maxBytes) return undefined
        const bigger = Buffer.allocUnsafe(maxBytes + 1)
        buf.copy(bigger, 0, 0, got)
        buf = bigger
      }
      const n = readSync(fd, buf, got, buf.length - got, null)
      if (n === 0) break
      got += n
    }
    if (got > maxBytes) return undefined
    return buf.toString('utf8', 0, got)
  } finally {
    closeSync(fd)
  }
}
