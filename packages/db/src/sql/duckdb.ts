import { EntrenarError, ErrorCodes, type SqlOptions, type SqlResult } from '@entrenar/core'

/** The part of `@duckdb/node-api` this store uses (it is an optional dependency, loaded on first `sql()`). */
interface DuckResult {
  columnNames(): string[]
  columnTypes(): { toString(): string }[]
  yieldRowsJs(): AsyncIterableIterator<unknown[][]>
}
interface DuckPrepared {
  readonly statementType: number
  stream(): Promise<DuckResult>
  destroySync(): void
}
interface DuckConnection {
  run(sql: string): Promise<unknown>
  extractStatements(sql: string): Promise<{ readonly count: number; prepare(index: number): Promise<DuckPrepared> }>
  interrupt(): void
  closeSync(): void
}
interface DuckInstance {
  connect(): Promise<DuckConnection>
  closeSync(): void
}
interface DuckModule {
  DuckDBInstance: { create(path?: string, options?: Record<string, string>): Promise<DuckInstance> }
  StatementType: { readonly SELECT: number; readonly [name: string]: number | string }
}

/** The install hint of the coded error raised when DuckDB is missing. */
export const DUCKDB_INSTALL_HINT = 'npm install @duckdb/node-api'

/** Loads `@duckdb/node-api`, or throws `ENTRENAR_UNSUPPORTED` telling how to install it. */
export async function loadDuckDb(specifier = '@duckdb/node-api'): Promise<DuckModule> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as DuckModule
  } catch (e) {
    throw new EntrenarError(
      ErrorCodes.UNSUPPORTED,
      `entrenar/db: sql() needs the optional dependency @duckdb/node-api, which could not be loaded (${e instanceof Error ? e.message : String(e)}); install it with \`${DUCKDB_INSTALL_HINT}\``,
      { cause: e },
    )
  }
}

/** Quotes a string as a SQL literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

/**
 * DuckDB values as JSON-safe JS values: BIGINT → number when exact, else string; timestamps → ISO
 * text (millisecond precision: select `epoch_us(timestamp)` for exact microseconds). Numbers stay
 * numbers, NaN and ±Infinity included (the wire codec of core carries them).
 */
export function jsonSafe(v: unknown): unknown {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v
  if (v instanceof Date) return v.toISOString()
  if (Array.isArray(v)) return v.map(jsonSafe)
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64')
  if (typeof v === 'object' && v.constructor === Object) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]))
  return String(v)
}

/** Limits of the SQL engine (see `StoreOptions.sql`). */
export interface SqlLimits {
  readonly timeoutMs: number
  readonly maxRows: number
  readonly maxResultBytes: number
  readonly maxConcurrent: number
  readonly memoryLimit: string
}

/** What the views `metrics` and `runs` read: the live segment files and the run files' glob (absolute paths). */
export interface SqlViews {
  readonly segments: readonly string[]
  readonly runsGlob: string | undefined
}

const PREFIX = 'entrenar/db'
/** DuckDB messages can quote the whole statement; an error message quotes at most this much of one. */
const MAX_MESSAGE = 600

/** Rough JSON size of a result value: the answer stays bounded even when its rows are few and huge (a blob read whole). */
function sizeOf(v: unknown): number {
  if (typeof v === 'string') return v.length + 2
  if (Array.isArray(v)) {
    let n = 2
    for (const x of v) n += sizeOf(x) + 1
    return n
  }
  if (v !== null && typeof v === 'object') {
    let n = 2
    for (const [k, x] of Object.entries(v)) n += k.length + 4 + sizeOf(x)
    return n
  }
  return 8
}

const excerpt = (s: string) => (s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}… (${s.length} characters)` : s)

/**
 * Read-only DuckDB over one store directory. The instance is hardened once, before any user text runs:
 * no file or network access outside the store directory (`enable_external_access = false` with
 * `allowed_directories = [<store>]`), no extension installed or loaded on demand, no spilling to a temp
 * directory, a memory limit, and `lock_configuration = true` so no statement can undo any of it.
 * Each `run()` gets a fresh connection (nothing a statement sets outlives it) with the views `metrics`
 * and `runs`, accepts exactly one statement that DuckDB's own parser and binder classify as `SELECT`,
 * streams at most `maxRows` rows, and interrupts the statement on timeout or when the caller aborts.
 */
export class SqlEngine {
  readonly #duck: DuckModule
  readonly #instance: DuckInstance
  readonly #limits: SqlLimits
  /** Running statements: how to interrupt each, and when it has let go of its connection. */
  readonly #active = new Map<DuckConnection, { stop(reason: 'closed'): void; done: Promise<void> }>()
  #closed = false

  private constructor(duck: DuckModule, instance: DuckInstance, limits: SqlLimits) {
    this.#duck = duck
    this.#instance = instance
    this.#limits = limits
  }

  /** Opens an in-memory engine confined to `root` (an absolute directory). */
  static async open(root: string, limits: SqlLimits, specifier?: string): Promise<SqlEngine> {
    const duck = await loadDuckDb(specifier)
    const instance = await duck.DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' })
    const setup = await instance.connect()
    try {
      // Order matters: directories are allowed before access is switched off, and the lock comes last.
      for (const s of [
        "SET temp_directory = ''",
        `SET memory_limit = ${sqlString(limits.memoryLimit)}`,
        `SET allowed_directories = [${sqlString(root.endsWith('/') ? root : `${root}/`)}]`,
        'SET enable_external_access = false',
        'SET lock_configuration = true',
      ]) {
        await setup.run(s)
      }
    } catch (e) {
      instance.closeSync()
      throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${PREFIX}: cannot configure the SQL engine: ${e instanceof Error ? excerpt(e.message) : String(e)}`, { cause: e })
    } finally {
      setup.closeSync()
    }
    return new SqlEngine(duck, instance, limits)
  }

  /** Runs one read-only statement over the views; see the class comment. */
  async run(text: string, views: SqlViews, options: SqlOptions = {}): Promise<SqlResult> {
    const timeoutMs = options.timeoutMs ?? this.#limits.timeoutMs
    const maxRows = options.maxRows ?? this.#limits.maxRows
    if (!(timeoutMs > 0)) throw new EntrenarError(ErrorCodes.INVALID_QUERY, `${PREFIX}: sql() timeoutMs must be a positive number, got ${String(timeoutMs)}`)
    if (!(Number.isSafeInteger(maxRows) && maxRows >= 0)) throw new EntrenarError(ErrorCodes.INVALID_QUERY, `${PREFIX}: sql() maxRows must be a non-negative integer, got ${String(maxRows)}`)
    const signal = options.signal
    if (signal?.aborted) throw cancelled()
    if (this.#closed) throw new EntrenarError(ErrorCodes.CLOSED, `${PREFIX}: sql() after close`)
    return this.#runAdmitted(text, views, signal, timeoutMs, maxRows)
  }

  async #runAdmitted(text: string, views: SqlViews, signal: AbortSignal | undefined, timeoutMs: number, maxRows: number): Promise<SqlResult> {
    const conn = await this.#instance.connect()
    if (this.#closed) {
      conn.closeSync()
      throw new EntrenarError(ErrorCodes.CLOSED, `${PREFIX}: sql() after close`)
    }
    let why: 'timeout' | 'cancelled' | 'closed' | undefined
    // DuckDB's interrupt acts on the query running at that moment: one that arrives between our setup
    // statements, or just before the user's statement starts, would be lost. So it repeats until the run ends.
    let repeat: ReturnType<typeof setInterval> | undefined
    const stop = (reason: NonNullable<typeof why>) => {
      why ??= reason
      conn.interrupt()
      repeat ??= setInterval(() => conn.interrupt(), 25)
    }
    let release = () => {}
    this.#active.set(conn, { stop, done: new Promise<void>((r) => (release = r)) })
    const onAbort = () => stop('cancelled')
    signal?.addEventListener('abort', onAbort, { once: true })
    if (signal?.aborted) stop('cancelled')
    const timer = setTimeout(() => stop('timeout'), Math.min(timeoutMs, 2 ** 31 - 1))
    let prepared: DuckPrepared | undefined
    try {
      await this.#views(conn, views)
      prepared = await this.#prepare(conn, text)
      if (why) throw interrupted(why, timeoutMs)
      const result = await prepared.stream()
      const rows: unknown[][] = []
      let truncated = false
      let bytes = 0
      for await (const chunk of result.yieldRowsJs()) {
        for (const r of chunk) {
          if (rows.length === maxRows) {
            truncated = true
            break
          }
          const row = r.map(jsonSafe)
          bytes += sizeOf(row)
          if (bytes > this.#limits.maxResultBytes) {
            truncated = true
            break
          }
          rows.push(row)
        }
        if (truncated || why) break
      }
      if (why) throw interrupted(why, timeoutMs)
      return { columns: result.columnNames(), columnTypes: result.columnTypes().map(String), rows, truncated }
    } catch (e) {
      if (why) throw interrupted(why, timeoutMs, e)
      if (e instanceof EntrenarError) throw e
      const message = e instanceof Error ? e.message : String(e)
      if (/^Permission Error/.test(message)) throw new EntrenarError(ErrorCodes.SQL_FORBIDDEN, `${PREFIX}: SQL may read only the store's own files: ${excerpt(message)}`, { cause: e })
      throw new EntrenarError(ErrorCodes.INVALID_QUERY, `${PREFIX}: SQL failed: ${excerpt(message)}`, { cause: e })
    } finally {
      clearTimeout(timer)
      clearInterval(repeat)
      signal?.removeEventListener('abort', onAbort)
      prepared?.destroySync()
      this.#active.delete(conn)
      conn.closeSync()
      release()
    }
  }

  /** Points `metrics` and `runs` at the current files, on this connection only (TEMP views). */
  async #views(conn: DuckConnection, views: SqlViews): Promise<void> {
    // `metrics` lists the live segments rather than globbing every Parquet file under `metrics/`, so SQL skips
    // exactly what typed queries skip: segments replaced by a compaction whose old files a crash left
    // behind, and files moved aside as damaged.
    const metrics = views.segments.length
      ? `SELECT * FROM read_parquet([${views.segments.map(sqlString).join(', ')}], hive_partitioning = true, union_by_name = true)`
      : 'SELECT NULL::TIMESTAMPTZ AS timestamp, NULL::BIGINT AS step, NULL::INTEGER AS epoch, NULL::INTEGER AS batch, NULL::VARCHAR AS metric, NULL::DOUBLE AS value, NULL::VARCHAR AS tags, NULL::VARCHAR AS run_id WHERE false'
    await conn.run(`CREATE TEMP VIEW metrics AS ${metrics}`)
    const runs = views.runsGlob
      ? `SELECT * FROM read_json_auto(${sqlString(views.runsGlob)}, union_by_name = true)`
      : 'SELECT NULL::VARCHAR AS id, NULL::VARCHAR AS status WHERE false'
    await conn.run(`CREATE TEMP VIEW runs AS ${runs}`)
  }

  /** Parses with DuckDB's own parser; exactly one statement, which the binder classifies as SELECT. */
  async #prepare(conn: DuckConnection, text: string): Promise<DuckPrepared> {
    let extracted: Awaited<ReturnType<DuckConnection['extractStatements']>>
    try {
      extracted = await conn.extractStatements(text)
    } catch (e) {
      throw new EntrenarError(ErrorCodes.INVALID_QUERY, `${PREFIX}: SQL does not parse: ${excerpt(e instanceof Error ? e.message : String(e))}`, { cause: e })
    }
    if (extracted.count !== 1) {
      throw new EntrenarError(ErrorCodes.SQL_FORBIDDEN, `${PREFIX}: SQL must be exactly one SELECT statement, got ${extracted.count} statements`, { details: { statements: extracted.count } })
    }
    // Preparing plans without executing anything (checked for ATTACH, SET, CREATE): the type is known before any effect.
    const prepared = await extracted.prepare(0)
    const type = prepared.statementType
    if (type !== this.#duck.StatementType.SELECT) {
      prepared.destroySync()
      const name = typeof this.#duck.StatementType[type] === 'string' ? (this.#duck.StatementType[type] as string) : `type ${type}`
      throw new EntrenarError(ErrorCodes.SQL_FORBIDDEN, `${PREFIX}: SQL is read-only: only SELECT (or WITH … SELECT) statements run, got ${name}`, { details: { statement_type: name } })
    }
    return prepared
  }

  /** Interrupts every running statement, waits for them to let go, and releases the engine. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const running = [...this.#active.values()]
    for (const r of running) r.stop('closed')
    await Promise.all(running.map((r) => r.done))
    this.#instance.closeSync()
  }
}

function cancelled(cause?: unknown): EntrenarError {
  return new EntrenarError(ErrorCodes.SQL_CANCELLED, `${PREFIX}: SQL statement cancelled: its caller went away`, cause === undefined ? undefined : { cause })
}

function interrupted(why: 'timeout' | 'cancelled' | 'closed', timeoutMs: number, cause?: unknown): EntrenarError {
  if (why === 'timeout') {
    return new EntrenarError(ErrorCodes.SQL_TIMEOUT, `${PREFIX}: SQL statement interrupted after ${timeoutMs} ms (the timeout)`, {
      details: { timeout_ms: timeoutMs },
      ...(cause === undefined ? {} : { cause }),
    })
  }
  if (why === 'closed') return new EntrenarError(ErrorCodes.CLOSED, `${PREFIX}: SQL statement interrupted: the store was closed`, cause === undefined ? undefined : { cause })
  return cancelled(cause)
}
