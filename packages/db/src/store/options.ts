import { type EntrenarError, EntrenarError as Err, ErrorCodes } from '@entrenar/core'
import { isAbsolute } from 'node:path'
import { hostName } from '../node/io.js'
import { defaultCacheDir } from './user-cache.js'

/** Options of `openStore`. Every field is optional; the defaults are documented in the README. */
export interface StoreOptions {
  /** Rows buffered (and kept in the WAL) before they are written as a Parquet segment. Default 262 144. */
  readonly segmentRows?: number
  /** Upper bound of buffered bytes (rows waiting plus rows being written); `write()` waits above it. Default 64 MiB. */
  readonly maxBufferBytes?: number
  /** Rows per Parquet row group: the unit of pruning and of the column cache. Default 16 384. */
  readonly rowGroupRows?: number
  /**
   * `flush()` also writes buffered rows as segments once the oldest has waited this long, so other
   * processes (DuckDB, a dashboard) see them. Default 30 000 ms; `Infinity` writes segments only when the buffer fills or on close.
   */
  readonly sealAfterMs?: number
  /** Bytes of decoded columns kept for repeated queries. Default 256 MiB. */
  readonly cacheBytes?: number
  /** Deletes segments whose newest row is older than `maxAgeDays` (on open and on `applyRetention()`). Off by default. */
  readonly retention?: {
    /** Age in days (fractions allowed, must be positive) past which a segment's newest row makes it deletable. */
    readonly maxAgeDays: number
  }
  /**
   * Replays, on open, the WALs of writers that are gone: on this host when their pid is gone, on
   * other hosts (a shared filesystem) when their lease is older than `staleWriterMs`. Default true.
   */
  readonly recoverWal?: boolean
  /** How often this writer renews its lease (`<dir>/writers/<writer id>.lease`). Default 30 000 ms. */
  readonly leaseMs?: number
  /**
   * Age of a lease after which its writer (on another host) is taken for dead and its WALs are
   * replayed; at least 2 × `leaseMs`. Default 300 000 ms (10 leases). Assumes the hosts' clocks agree
   * to well within `staleWriterMs − leaseMs`.
   */
  readonly staleWriterMs?: number
  /**
   * The name that identifies this machine in writer ids (which writers' pids this process can probe).
   * Default `os.hostname()`; set a unique value where host names repeat across machines (containers).
   */
  readonly host?: string
  /** Milliseconds since the epoch, for leases and their staleness. Default `Date.now`. */
  readonly clock?: () => number
  /** Encodes Parquet segments on a worker thread (when the built worker module is present). Default true. */
  readonly threads?: boolean
  /**
   * Called with each `ENTRENAR_DB_CORRUPT` found (torn WAL tail, damaged segment, unreadable run
   * file) after the damaged file has been moved to `<dir>/corrupt/`. Default: `console.warn`.
   */
  readonly onCorrupt?: (error: EntrenarError) => void
  /** Limits of `sql()` (read-only DuckDB over the store's own files). */
  readonly sql?: SqlStoreOptions
  /**
   * Opens the store without writing anything in its directory (no lease, no WAL replay, no
   * retention, no catalog update, damaged files reported but not moved): for a store this process
   * may not write. `write`, `putRun`, `seal`, `compact`, `recover` and `applyRetention` then fail
   * with `ENTRENAR_UNSUPPORTED`. Default false.
   */
  readonly readOnly?: boolean
  /**
   * Per-user cache directory: keeps the run catalog's per-segment figures that the store's own
   * catalog file cannot keep (read-only store), so the next open does not decode those segments
   * again. Only this user's private (mode 0700) directory and files are trusted, and an entry is used
   * only for the very segment file it was made from. Default `$XDG_CACHE_HOME/entrenar` or
   * `~/.cache/entrenar`; `false` disables it.
   */
  readonly cacheDir?: string | false
}

/** Limits of `sql()`; each call may lower or raise `timeoutMs` and `maxRows` for itself. */
export interface SqlStoreOptions {
  /** A statement running longer is interrupted (`ENTRENAR_SQL_TIMEOUT`). Default 30 000 ms. */
  readonly timeoutMs?: number
  /** Rows returned at most; the result says `truncated: true` when there were more. Default 100 000. */
  readonly maxRows?: number
  /** Approximate JSON bytes of the rows returned at most (a few huge values, e.g. a blob); beyond, `truncated: true`. Default 64 MiB. */
  readonly maxResultBytes?: number
  /**
   * Statements running at once; one more answers `ENTRENAR_BUSY`. Default 2: each running statement
   * holds a thread of Node's libuv pool (4 by default), which the store's file I/O shares.
   */
  readonly maxConcurrent?: number
  /** DuckDB's `memory_limit` (nothing spills to disk). Default `'2GB'`. */
  readonly memoryLimit?: string
}

/** Resolved options. */
export interface ResolvedOptions {
  readonly segmentRows: number
  readonly maxBufferBytes: number
  readonly rowGroupRows: number
  readonly sealAfterMs: number
  readonly cacheBytes: number
  readonly retentionDays: number | undefined
  readonly recoverWal: boolean
  readonly leaseMs: number
  readonly staleWriterMs: number
  readonly host: string
  readonly clock: () => number
  readonly threads: boolean
  readonly onCorrupt: (error: EntrenarError) => void
  readonly readOnly: boolean
  readonly cacheDir: string | undefined
  readonly sql: { readonly timeoutMs: number; readonly maxRows: number; readonly maxResultBytes: number; readonly maxConcurrent: number; readonly memoryLimit: string }
}

const SQL_KEYS = ['timeoutMs', 'maxRows', 'maxResultBytes', 'maxConcurrent', 'memoryLimit']

function resolveSql(o: SqlStoreOptions | undefined): ResolvedOptions['sql'] {
  if (o !== undefined && (o === null || typeof o !== 'object')) throw new Err(ErrorCodes.INVALID_CONFIG, 'entrenar/db: option sql must be an object')
  for (const k of Object.keys(o ?? {})) {
    if (!SQL_KEYS.includes(k)) throw new Err(ErrorCodes.INVALID_CONFIG, `entrenar/db: unknown option sql.${k}; expected one of ${SQL_KEYS.join(', ')}`)
  }
  const count = (name: string, v: unknown, fallback: number, min: number): number => {
    if (v === undefined) return fallback
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new Err(ErrorCodes.INVALID_CONFIG, `entrenar/db: option sql.${name} must be an integer >= ${min}, got ${String(v)}`)
    return v
  }
  const memoryLimit = o?.memoryLimit ?? '2GB'
  if (typeof memoryLimit !== 'string' || !/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memoryLimit)) {
    throw new Err(ErrorCodes.INVALID_CONFIG, `entrenar/db: option sql.memoryLimit must be a size such as '2GB' or '512MiB', got ${JSON.stringify(memoryLimit)}`)
  }
  return {
    timeoutMs: positive('sql.timeoutMs', o?.timeoutMs, 30_000),
    maxRows: count('maxRows', o?.maxRows, 100_000, 0),
    maxResultBytes: count('maxResultBytes', o?.maxResultBytes, 64 * 1024 * 1024, 1),
    maxConcurrent: count('maxConcurrent', o?.maxConcurrent, 2, 1),
    memoryLimit,
  }
}

const positive = (name: string, v: unknown, fallback: number, allowInfinity = false): number => {
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !(v > 0) || (!allowInfinity && !Number.isFinite(v))) {
    throw new Err(ErrorCodes.INVALID_CONFIG, `entrenar/db: option ${name} must be a positive number, got ${String(v)}`)
  }
  return v
}

/** Validates options; configuration fails fast with `ENTRENAR_INVALID_CONFIG`. */
export function resolveOptions(o: StoreOptions = {}): ResolvedOptions {
  if (o === null || typeof o !== 'object') throw new Err(ErrorCodes.INVALID_CONFIG, 'entrenar/db: options must be an object')
  const retentionDays = o.retention === undefined ? undefined : positive('retention.maxAgeDays', o.retention?.maxAgeDays, 0)
  const leaseMs = positive('leaseMs', o.leaseMs, 30_000)
  const staleWriterMs = positive('staleWriterMs', o.staleWriterMs, Math.max(300_000, 2 * leaseMs))
  if (staleWriterMs < 2 * leaseMs) {
    throw new Err(ErrorCodes.INVALID_CONFIG, `entrenar/db: option staleWriterMs (${staleWriterMs}) must be at least 2 × leaseMs (${leaseMs})`)
  }
  if (o.host !== undefined && (typeof o.host !== 'string' || o.host.length === 0)) {
    throw new Err(ErrorCodes.INVALID_CONFIG, `entrenar/db: option host must be a non-empty string, got ${JSON.stringify(o.host)}`)
  }
  if (o.clock !== undefined && typeof o.clock !== 'function') {
    throw new Err(ErrorCodes.INVALID_CONFIG, 'entrenar/db: option clock must be a function returning milliseconds')
  }
  if (o.readOnly !== undefined && typeof o.readOnly !== 'boolean') throw new Err(ErrorCodes.INVALID_CONFIG, `entrenar/db: option readOnly must be a boolean, got ${String(o.readOnly)}`)
  if (o.cacheDir !== undefined && o.cacheDir !== false && (typeof o.cacheDir !== 'string' || !isAbsolute(o.cacheDir))) {
    throw new Err(ErrorCodes.INVALID_CONFIG, `entrenar/db: option cacheDir must be an absolute path or false, got ${JSON.stringify(o.cacheDir)}`)
  }
  return {
    readOnly: o.readOnly ?? false,
    cacheDir: o.cacheDir === false ? undefined : (o.cacheDir ?? defaultCacheDir()),
    segmentRows: Math.floor(positive('segmentRows', o.segmentRows, 262_144)),
    maxBufferBytes: positive('maxBufferBytes', o.maxBufferBytes, 64 * 1024 * 1024),
    rowGroupRows: Math.floor(positive('rowGroupRows', o.rowGroupRows, 16_384)),
    sealAfterMs: positive('sealAfterMs', o.sealAfterMs, 30_000, true),
    cacheBytes: positive('cacheBytes', o.cacheBytes, 256 * 1024 * 1024),
    retentionDays,
    recoverWal: o.recoverWal ?? true,
    leaseMs,
    staleWriterMs,
    host: o.host ?? hostName(),
    clock: o.clock ?? Date.now,
    threads: o.threads ?? true,
    onCorrupt: o.onCorrupt ?? ((e) => console.warn(e.message)),
    sql: resolveSql(o.sql),
  }
}
