import { lstatSync, readdirSync } from 'node:fs'
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
