import { EntrenarError, ErrorCodes } from '@entrenar/core'

/** Longest encoded run id accepted as a path component (file names are limited to 255 bytes). */
export const MAX_ENCODED_RUN_ID = 200

const SAFE = /^[A-Za-z0-9_-]$/

/**
 * Encodes a run id as one path component, Hive style: ASCII letters, digits, `_`, `-` and
 * non-leading `.` stay; every other byte of the UTF-8 form becomes `%XX` (as Hive and DuckDB
 * escape partition values). The result never contains `/`, `\`, NUL or a leading dot, so no run
 * id can name a path outside its directory. Empty ids, control characters and ids whose
 * encoding exceeds {@link MAX_ENCODED_RUN_ID} bytes are rejected with `ENTRENAR_INVALID_RUN_ID`.
 */
export function encodeRunId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new EntrenarError(ErrorCodes.INVALID_RUN_ID, 'entrenar/db: run id must be a non-empty string')
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(id)) {
    throw new EntrenarError(ErrorCodes.INVALID_RUN_ID, `entrenar/db: run id ${JSON.stringify(id.slice(0, 64))} contains control characters`)
  }
  let out = ''
  for (const ch of id) {
    if (SAFE.test(ch) || (ch === '.' && out.length > 0)) {
      out += ch
    } else {
      for (const b of new TextEncoder().encode(ch)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`
    }
    if (out.length > MAX_ENCODED_RUN_ID) {
      throw new EntrenarError(ErrorCodes.INVALID_RUN_ID, `entrenar/db: run id of ${id.length} characters encodes to more than ${MAX_ENCODED_RUN_ID} bytes`)
    }
  }
  return out
}

/** Inverse of {@link encodeRunId}; undefined for a component that is not a valid encoding. */
export function decodeRunId(encoded: string): string | undefined {
  try {
    const id = decodeURIComponent(encoded)
    return encodeRunId(id) === encoded ? id : undefined
  } catch {
    return undefined
  }
}

/** Directory of a run's segments, relative to the store root. */
export function runDirName(id: string): string {
  return `run_id=${encodeRunId(id)}`
}

/** Parses `run_id=<encoded>` back into a run id. */
export function runIdFromDirName(name: string): string | undefined {
  return name.startsWith('run_id=') ? decodeRunId(name.slice(7)) : undefined
}

/** Segment file of writer `writer`, WAL generation or compaction sequence `seq`. */
export function segmentName(writer: string, seq: string): string {
  return `part-${writer}-${seq}.parquet`
}

/** `[writer, seq]` of a segment file name, or undefined for foreign files. */
export function parseSegmentName(name: string): { writer: string; seq: string } | undefined {
  const m = /^part-([A-Za-z0-9]+)-([A-Za-z0-9]+)\.parquet$/.exec(name)
  return m ? { writer: m[1]!, seq: m[2]! } : undefined
}

/** WAL file of writer `writer`, generation `gen`. */
export function walName(writer: string, gen: number): string {
  return `${writer}.${genString(gen)}.wal`
}

/** `[writer, gen]` of a WAL file name. */
export function parseWalName(name: string): { writer: string; gen: number } | undefined {
  const m = /^([A-Za-z0-9]+)\.(\d+)\.wal$/.exec(name)
  return m ? { writer: m[1]!, gen: Number(m[2]) } : undefined
}

/**
 * A WAL claimed for replay by writer `claimer`: `<writer>.<gen>.wal.<claimer>.claim`. Claiming is a
 * rename, so of two processes racing for one WAL exactly one gets it; the claim is as alive as its claimer.
 */
export function claimName(writer: string, gen: number, claimer: string): string {
  return `${walName(writer, gen)}.${claimer}.claim`
}

/** `[writer, gen, claimer]` of a claim file name. */
export function parseClaimName(name: string): { writer: string; gen: number; claimer: string } | undefined {
  const m = /^([A-Za-z0-9]+)\.(\d+)\.wal\.([A-Za-z0-9]+)\.claim$/.exec(name)
  return m ? { writer: m[1]!, gen: Number(m[2]), claimer: m[3]! } : undefined
}

/** Lease file of writer `writer` (in `<dir>/writers/`). */
export function leaseName(writer: string): string {
  return `${writer}.lease`
}

/** Writer id of a lease file name. */
export function parseLeaseName(name: string): string | undefined {
  const m = /^([A-Za-z0-9]+)\.lease$/.exec(name)
  return m ? m[1] : undefined
}

/** A generation number as a fixed-width, sortable string. */
export function genString(gen: number): string {
  return gen.toString().padStart(8, '0')
}

/**
 * The segment sequence of a seal that holds the rows of WAL generations `lo..hi`: `genString(hi)` when
 * `lo === hi` (every seal that did not follow a failed one), else `<lo>t<hi>` (a seal that took back the
 * rows of failed ones). The name tells replay exactly which generations a segment holds.
 */
export function genRangeString(lo: number, hi: number): string {
  return lo === hi ? genString(hi) : `${genString(lo)}t${genString(hi)}`
}

/** The WAL generations `[lo, hi]` a segment sequence holds (see {@link genRangeString}); undefined for compaction sequences. */
export function parseGenRange(seq: string): readonly [number, number] | undefined {
  const m = /^(\d+)(?:t(\d+))?$/.exec(seq)
  if (!m) return undefined
  const lo = Number(m[1])
  return [lo, m[2] === undefined ? lo : Number(m[2])]
}

/** FNV-1a (Fowler, Noll, Vo) 32-bit hash of a string, as 8 hex digits: a short host tag. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0).toString(16).padStart(8, '0')
}

/** A writer id: `h<host tag>p<pid>r<random>`, unique per opened store, alphanumeric only. */
export function newWriterId(host: string, pid: number): string {
  return `h${fnv1a(host)}p${pid}r${Math.random().toString(36).slice(2, 8).padEnd(6, '0')}`
}

/** Host tag and pid of a writer id, when it has the standard shape. */
export function parseWriterId(writer: string): { hostTag: string; pid: number } | undefined {
  const m = /^h([0-9a-f]{8})p(\d+)r[a-z0-9]+$/.exec(writer)
  return m ? { hostTag: m[1]!, pid: Number(m[2]) } : undefined
}
