import { EntrenarError, ErrorCodes, type SqlResult } from '@entrenar/core'

/** The part of `@duckdb/node-api` this store uses (it is an optional dependency, loaded on first `sql()`). */
interface DuckConnection {
  runAndReadAll(sql: string): Promise<{ columnNames(): string[]; getRowsJS(): unknown[][] }>
  closeSync(): void
}
interface DuckInstance {
  connect(): Promise<DuckConnection>
  closeSync(): void
}
interface DuckModule {
  DuckDBInstance: { create(path?: string, options?: Record<string, string>): Promise<DuckInstance> }
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
 * text (millisecond precision: select `epoch_us(timestamp)` for exact microseconds).
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

/**
 * An in-memory DuckDB over the store's files: view `metrics` on
 * `read_parquet([<live segment files>], hive_partitioning = true)` and view `runs` on the run files.
 */
export class SqlEngine {
  readonly #instance: DuckInstance
  readonly #conn: DuckConnection

  private constructor(instance: DuckInstance, conn: DuckConnection) {
    this.#instance = instance
    this.#conn = conn
  }

  static async open(specifier?: string): Promise<SqlEngine> {
    const duck = await loadDuckDb(specifier)
    const instance = await duck.DuckDBInstance.create(':memory:')
    return new SqlEngine(instance, await instance.connect())
  }

  /**
   * Points the views at the current files (called before each statement: segments come and go).
   * `metrics` lists the live segments explicitly rather than globbing every Parquet file under `metrics/`, so
   * SQL skips exactly what typed queries skip: segments replaced by a compaction whose old files a
   * crash left behind, and files moved aside as damaged.
   */
  async refresh(segmentPaths: readonly string[], runsGlob: string | undefined): Promise<void> {
    const metrics = segmentPaths.length
      ? `SELECT * FROM read_parquet([${segmentPaths.map(sqlString).join(', ')}], hive_partitioning = true, union_by_name = true)`
      : 'SELECT NULL::TIMESTAMPTZ AS timestamp, NULL::BIGINT AS step, NULL::INTEGER AS epoch, NULL::INTEGER AS batch, NULL::VARCHAR AS metric, NULL::DOUBLE AS value, NULL::VARCHAR AS tags, NULL::VARCHAR AS run_id WHERE false'
    await this.#conn.runAndReadAll(`CREATE OR REPLACE TEMP VIEW metrics AS ${metrics}`)
    const runs = runsGlob
      ? `SELECT * FROM read_json_auto(${sqlString(runsGlob)}, union_by_name = true)`
      : 'SELECT NULL::VARCHAR AS id, NULL::VARCHAR AS status WHERE false'
    await this.#conn.runAndReadAll(`CREATE OR REPLACE TEMP VIEW runs AS ${runs}`)
  }

  async run(text: string): Promise<SqlResult> {
    let reader: Awaited<ReturnType<DuckConnection['runAndReadAll']>>
    try {
      reader = await this.#conn.runAndReadAll(text)
    } catch (e) {
      throw new EntrenarError(ErrorCodes.INVALID_QUERY, `entrenar/db: SQL failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
    }
    return { columns: reader.columnNames(), rows: reader.getRowsJS().map((r) => r.map(jsonSafe)) }
  }

  close(): void {
    this.#conn.closeSync()
    this.#instance.closeSync()
  }
}
