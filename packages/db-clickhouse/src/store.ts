import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client'
import {
  type Aggregate,
  checkOptions,
  EntrenarError,
  ErrorCodes,
  type MetricQuery,
  type MetricStore,
  NULL_INT32,
  type QueryResult,
  type RangeFilter,
  type RecordBatch,
  RecordBatchBuilder,
  type RunInfo,
  type Series,
  type SqlOptions,
  type SqlResult,
  validateBatch,
  validateQuery,
} from '@entrenar/core'
import { bitsToFloat, quoteIdent, quoteString, tsvEscape, tsvRows, tsvUnescape } from './sql.js'

const PREFIX = 'entrenar/db-clickhouse'

/** Options of {@link openClickHouseStore}. */
export interface ClickHouseStoreOptions {
  /** HTTP endpoint of the server, e.g. `http://127.0.0.1:8123`. */
  readonly url: string
  /** Database of the store (created when missing). Default `entrenar`. */
  readonly database?: string
  /** User of the server's HTTP interface (ClickHouse's `default` when unset); also read from a `clickhouse://user:pass@…` URL by {@link parseClickHouseUrl}. */
  readonly username?: string
  /** That user's password, sent by the ClickHouse client with every request. */
  readonly password?: string
  /** Attempts per insert on a transport error; a retried batch keeps its batch id, so it is never stored twice. Default 3. */
  readonly insertAttempts?: number
  /** Limits of `sql()` (a call's own `timeoutMs` / `maxRows` override them); exceeding the timeout rejects with `ENTRENAR_SQL_TIMEOUT`. */
  readonly sql?: {
    /** Milliseconds a `sql()` query may run before it is cancelled. Default 30 000. */
    readonly timeoutMs?: number
    /** Most rows a `sql()` result returns; a longer result is cut there and flagged `truncated: true`. Default 100 000. */
    readonly maxRows?: number
  }
  /**
   * Shards the store over a cluster of the server's `remote_servers` configuration: each node keeps its rows in
   * local tables (`points_local`, `runs_local`), and `points` / `runs` become `Distributed` tables over them.
   * Open the store once against every node (each creates its own local and distributed tables). Inserts are
   * synchronous (`insert_distributed_sync = 1`): a write resolves only after the shard holding its rows stored
   * them, and fails with `ENTRENAR_SINK_FAILED` while that shard is down.
   */
  readonly cluster?: {
    /** Cluster name in `remote_servers`. */
    readonly name: string
    /**
     * Sharding expression over the row's columns. Default `cityHash64(run_id)` for points (`cityHash64(id)` for
     * runs): a run's rows and every retry of a batch land on one shard, where `FINAL` collapses the copies.
     * A custom key must keep every row of a batch on one shard; it may use only `run_id`.
     */
    readonly shardingKey?: string
  }
}

const OPTION_KEYS = ['url', 'database', 'username', 'password', 'insertAttempts', 'sql', 'cluster'] as const

/** A {@link MetricStore} on ClickHouse. */
export interface ClickHouseStore extends MetricStore {
  /** The database of the store. */
  readonly database: string
  /**
   * Writes a batch under a caller-chosen id: writing the same id again (a retry after a lost
   * acknowledgement) stores its rows once.
   */
  writeBatch(batch: RecordBatch, batchId: string): Promise<void>
  sql(text: string, options?: SqlOptions): Promise<SqlResult>
}

/**
 * Parses `clickhouse://host:port/db` (or `clickhouse+https://…`, user and password in the URL) into
 * store options: the HTTP port of the server, the database from the path.
 */
export function parseClickHouseUrl(text: string): ClickHouseStoreOptions {
  let u: URL
  try {
    u = new URL(text)
  } catch {
    // The text may carry a password: the message shows it without (and the parser's error, which holds the text, is not kept as the cause).
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${PREFIX}: ${JSON.stringify(String(text).replace(/\/\/[^@/]*@/, '//…@'))} is not a URL`)
  }
  if (u.protocol !== 'clickhouse:' && u.protocol !== 'clickhouse+https:') {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${PREFIX}: store URL must start with clickhouse:// or clickhouse+https://, got ${JSON.stringify(u.protocol)}`)
  }
  const scheme = u.protocol === 'clickhouse:' ? 'http' : 'https'
  const db = decodeURIComponent(u.pathname.replace(/^\/+/, ''))
  // `?cluster=name[&shardingKey=expr]` selects the cluster mode; any other parameter is a typo, not ignored.
  for (const key of u.searchParams.keys()) {
    if (key !== 'cluster' && key !== 'shardingKey') throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${PREFIX}: unknown store URL parameter ${JSON.stringify(key)} (known: cluster, shardingKey)`)
  }
  const cluster = u.searchParams.get('cluster')
  const shardingKey = u.searchParams.get('shardingKey')
  if (shardingKey !== null && cluster === null) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${PREFIX}: shardingKey needs cluster in the store URL`)
  return {
    ...(cluster !== null ? { cluster: { name: cluster, ...(shardingKey !== null ? { shardingKey } : {}) } } : {}),
    url: `${scheme}://${u.host}`,
    ...(db ? { database: db } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  }
}

/** Float64 result columns are read as their IEEE-754 bits, so NaN, ±Inf and -0 cross the wire exactly. */
const bits = (expr: string) => `reinterpretAsUInt64(reinterpretAsString(toFloat64(${expr})))`
const ORDER_KEY = 'tuple(step, timestamp_us, batch_id, row_no)'

/** SQL of one aggregate with the reference semantics of core's `aggregate()`. */
function aggregateSql(kind: Aggregate): string {
  const finite = 'isFinite(value)'
  const cf = `countIf(${finite})`
  switch (kind) {
    case 'count':
      return 'toFloat64(count())'
    case 'first':
      return `argMin(value, ${ORDER_KEY})`
    case 'last':
      return `argMax(value, ${ORDER_KEY})`
    case 'min':
    case 'max':
      return `if(countIf(NOT isNaN(value)) = 0, nan, ${kind}If(value, NOT isNaN(value)))`
    case 'sum':
      return `if(${cf} = 0, nan, sumIf(value, ${finite}))`
    case 'mean':
      return `if(${cf} = 0, nan, avgIf(value, ${finite}))`
    case 'std':
      // stddevSampStable (Welford), not stddevSamp: the latter is Σx² − (Σx)²/n, which loses about half the
      // digits when the spread is small against the values (1e6 ± 300 came out 1.6e-9 off).
      return `if(${cf} = 0, nan, if(${cf} < 2, 0, stddevSampStableIf(value, ${finite})))`
    case 'p50':
    case 'p90':
    case 'p99': {
      const q = kind === 'p50' ? 0.5 : kind === 'p90' ? 0.9 : 0.99
      // Linear interpolation between closest ranks (numpy's default), over finite values.
      const arr = `arraySort(groupArrayIf(value, ${finite}))`
      const pos = `((length(${arr}) - 1) * ${q})`
      const lo = `toUInt64(floor(${pos}))`
      return `if(length(${arr}) = 0, nan, arrayElement(${arr}, ${lo} + 1) + (arrayElement(${arr}, least(length(${arr}), ${lo} + 2)) - arrayElement(${arr}, ${lo} + 1)) * (${pos} - floor(${pos})))`
    }
  }
}

/** A number as a ClickHouse literal (±Inf as `inf`). */
function num(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return 'inf'
  if (v === Number.NEGATIVE_INFINITY) return '-inf'
  return String(v)
}

const list = (xs: readonly string[]) => (xs.length === 0 ? "('')" : `(${xs.map(quoteString).join(', ')})`)

/** WHERE clause of the row filters of a typed query. */
function whereSql(q: MetricQuery | RangeFilter & { from?: number; to?: number }): string {
  const c: string[] = []
  if (q.runs) c.push(q.runs.length === 0 ? '0' : `run_id IN ${list(q.runs)}`)
  if (q.metrics) c.push(q.metrics.length === 0 ? '0' : `metric IN ${list(q.metrics)}`)
  if (q.from !== undefined) c.push(`timestamp_us >= ${num(q.from)}`)
  if (q.to !== undefined) c.push(`timestamp_us <= ${num(q.to)}`)
  const mq = q as MetricQuery
  if (mq.steps) c.push(`step >= ${num(mq.steps[0])} AND step <= ${num(mq.steps[1])}`)
  if (mq.tags) {
    // Tags are stored as the JSON object of string values; a key/value pair is present exactly when its JSON
    // text follows `{` or `,` (inside a JSON string every quote is escaped, so it cannot match there).
    for (const [k, v] of Object.entries(mq.tags)) {
      const pair = `${JSON.stringify(k)}:${JSON.stringify(v)}`
      c.push(`tags IS NOT NULL AND (position(assumeNotNull(tags), ${quoteString(`{${pair}`)}) > 0 OR position(assumeNotNull(tags), ${quoteString(`,${pair}`)}) > 0)`)
    }
  }
  return c.length ? `WHERE ${c.join(' AND ')}` : ''
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

function clickhouseCode(e: unknown): number | undefined {
  const m = /Code: (\d+)/.exec(e instanceof Error ? e.message : String(e))
  return m ? Number(m[1]) : undefined
}

const excerpt = (s: string) => (s.length > 600 ? `${s.slice(0, 600)}… (${s.length} characters)` : s)

/** Functions that read outside the store's tables (dictionaries, other tables by name). */
const FORBIDDEN_FUNCTIONS = /\b(dictGet\w*|dictHas|dictIsIn|joinGet|hasColumnInTable)\s*\(/i

/** The text with string literals, quoted identifiers and comments blanked (same length), for scanning. */
function blank(text: string): string {
  let out = ''
  let i = 0
  while (i < text.length) {
    const ch = text[i]!
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1
      while (j < text.length && text[j] !== ch) j += text[j] === '\\' ? 2 : 1
      const body = text.slice(i + 1, Math.min(j, text.length))
      out += ch === "'" ? `'${' '.repeat(body.length)}'` : `${ch}${body}${ch}`
      i = j + 1
      continue
    }
    if (ch === '-' && text[i + 1] === '-') {
      const j = text.indexOf('\n', i)
      const end = j < 0 ? text.length : j
      out += ' '.repeat(end - i)
      i = end
      continue
    }
    if (ch === '/' && text[i + 1] === '*') {
      const j = text.indexOf('*/', i + 2)
      const end = j < 0 ? text.length : j + 2
      out += ' '.repeat(end - i)
      i = end
      continue
    }
    out += ch
    i++
  }
  return out
}

class Store implements ClickHouseStore {
  readonly database: string
  readonly #client: ClickHouseClient
  readonly #db: string
  readonly #attempts: number
  readonly #sqlTimeoutMs: number
  readonly #sqlMaxRows: number
  readonly #inflight = new Set<Promise<unknown>>()
  readonly #cluster: { readonly name: string; readonly shardingKey: string } | undefined
  #closed = false
  #lastVersion = 0

  constructor(client: ClickHouseClient, database: string, options: ClickHouseStoreOptions) {
    this.#client = client
    this.#cluster = options.cluster && { name: options.cluster.name, shardingKey: options.cluster.shardingKey ?? 'cityHash64(run_id)' }
    this.database = database
    this.#db = quoteIdent(database)
    this.#attempts = options.insertAttempts ?? 3
    this.#sqlTimeoutMs = options.sql?.timeoutMs ?? 30_000
    this.#sqlMaxRows = options.sql?.maxRows ?? 100_000
  }

  async init(): Promise<void> {
    const db = this.#db
    const c = this.#cluster
    // On a cluster, the rows live in this node's local tables and `points` / `runs` are Distributed over them.
    const points = c ? 'points_local' : 'points'
    const runs = c ? 'runs_local' : 'runs'
    const distributed = c
      ? [
          // `value` is an ALIAS here: 18.16's synchronous Distributed insert would send a MATERIALIZED column to the
          // shard, which refuses it. The alias expands before the query reaches the shards.
          `CREATE TABLE IF NOT EXISTS ${db}.points (
            run_id String, metric String, step Int64, timestamp_us Int64,
            epoch Nullable(Int32), batch Nullable(Int32), value_bits UInt64,
            value Float64 ALIAS reinterpretAsFloat64(reinterpretAsString(value_bits)),
            tags Nullable(String), batch_id String, row_no UInt32
          ) ENGINE = Distributed(${quoteIdent(c.name)}, ${db}, points_local, ${c.shardingKey})`,
          `CREATE TABLE IF NOT EXISTS ${db}.runs AS ${db}.runs_local
            ENGINE = Distributed(${quoteIdent(c.name)}, ${db}, runs_local, ${c.shardingKey.replace(/\brun_id\b/g, 'id')})`,
        ]
      : []
    for (const query of [
      `CREATE DATABASE IF NOT EXISTS ${db}`,
      // One row per point, the Parquet schema's columns. The value is stored as its IEEE-754 bits (exact for NaN
      // payloads, ±Inf and -0) with a materialized Float64 twin that queries aggregate on. Rows of one batch share a
      // batch id; the sort key makes a re-inserted batch collapse into the first copy (reads use FINAL).
      `CREATE TABLE IF NOT EXISTS ${db}.${points} (
        run_id String, metric String, step Int64, timestamp_us Int64,
        epoch Nullable(Int32), batch Nullable(Int32), value_bits UInt64,
        value Float64 MATERIALIZED reinterpretAsFloat64(reinterpretAsString(value_bits)),
        tags Nullable(String), batch_id String, row_no UInt32
      ) ENGINE = ReplacingMergeTree ORDER BY (run_id, metric, step, timestamp_us, batch_id, row_no)`,
      // Run metadata: the highest version of an id wins.
      `CREATE TABLE IF NOT EXISTS ${db}.${runs} (
        id String, version UInt64, start_time_ms Float64, name String, status String, doc String
      ) ENGINE = ReplacingMergeTree(version) ORDER BY id`,
      ...distributed,
      `CREATE VIEW IF NOT EXISTS ${db}.metrics AS SELECT
        toDateTime(intDiv(timestamp_us, 1000000)) AS timestamp, timestamp_us, run_id, step, epoch, batch, metric, value, tags
        FROM ${db}.points FINAL`,
    ]) {
      await this.#call('open', () => this.#client.command({ query }))
    }
  }

  async write(batch: RecordBatch): Promise<void> {
    await this.writeBatch(batch, `${Date.now().toString(36).padStart(10, '0')}-${randomUUID()}`)
  }

  async writeBatch(batch: RecordBatch, batchId: string): Promise<void> {
    this.#open()
    validateBatch(batch, PREFIX)
    if (typeof batchId !== 'string' || batchId.length === 0) throw new EntrenarError(ErrorCodes.WIRE_INVALID, `${PREFIX}: batch id must be a non-empty string`)
    if (batch.length === 0) return
    // Serialized before the first await: the caller may reuse the batch's arrays once write() settles.
    const body = rowBinary(batch, batchId)
    const query = `INSERT INTO ${this.#db}.points (run_id, metric, step, timestamp_us, epoch, batch, value_bits, tags, batch_id, row_no) FORMAT RowBinary`
    await this.#track(this.#insert(query, body))
  }

  /** Runs an INSERT; `body` (the rows in the query's format) is sent as the request body, the query in the URL. */
  async #insert(query: string, body?: Buffer): Promise<void> {
    let last: unknown
    const settings = this.#cluster ? { clickhouse_settings: { insert_distributed_sync: 1 as const } } : {}
    for (let attempt = 0; attempt < this.#attempts; attempt++) {
      try {
        if (body) {
          const r = await this.#client.exec({ query, values: Readable.from([body]), ...settings })
          // The answer is empty; reading it to the end frees the connection.
          for await (const _ of r.stream) void _
        } else await this.#client.command({ query, ...settings })
        return
      } catch (e) {
        last = e
        // The server answered with an error: the same body would fail again.
        if (clickhouseCode(e) !== undefined) break
      }
    }
    throw new EntrenarError(ErrorCodes.SINK_FAILED, `${PREFIX}: insert into ${this.database} failed: ${excerpt(last instanceof Error ? last.message : String(last))}`, { cause: last })
  }

  async flush(): Promise<void> {
    this.#open()
    await Promise.all([...this.#inflight])
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await Promise.allSettled([...this.#inflight])
    await this.#client.close()
  }

  async query(q: MetricQuery): Promise<QueryResult> {
    validateQuery(q)
    const where = whereSql(q)
    const from = `${this.#db}.points FINAL`
    const b = q.bucket
    const series: Series[] = []
    if (!b && !q.aggregate) {
      const rows = await this.#select(
        `SELECT run_id, metric, step, timestamp_us, value_bits FROM ${from} ${where} ORDER BY run_id, metric, step, timestamp_us, batch_id, row_no`,
      )
      for (const g of groupRows(rows)) {
        const n = g.rows.length
        const x = new Float64Array(n)
        const ts = new Float64Array(n)
        const value = new Float64Array(n)
        g.rows.forEach((r, i) => {
          x[i] = Number(r[2])
          ts[i] = Number(r[3])
          value[i] = bitsToFloat(r[4]!)
        })
        series.push({ runId: g.runId, metric: g.metric, x, value, timestampUs: ts })
      }
    } else if (!b) {
      const rows = await this.#select(
        `SELECT run_id, metric, max(step), ${bits(aggregateSql(q.aggregate!))}, count(), countIf(isNaN(value)) FROM ${from} ${where} GROUP BY run_id, metric ORDER BY run_id, metric`,
      )
      for (const g of groupRows(rows)) series.push(columns(g, ['x', 'value', 'count', 'nanCount'], [num1, bitsToFloat, num1, num1]))
    } else if ('points' in b) {
      const inner = `SELECT run_id, metric, step, timestamp_us, batch_id, row_no, value FROM ${from} ${where}`
      // The step range of a series is the same with or without the copies a retried batch may have left, so it is
      // read without FINAL (the scan that dominates this query).
      const bounds = `SELECT run_id, metric, min(step) AS lo, max(step) AS hi FROM ${this.#db}.points ${where} GROUP BY run_id, metric`
      const k = `least(${b.points - 1}, floor((step - lo) / ((hi - lo + 1) / ${b.points})))`
      const rows = await this.#select(
        `SELECT run_id, metric, ${k} AS k, max(step), ${bits(aggregateSql('last'))}, ${bits(aggregateSql('min'))}, ${bits(aggregateSql('max'))}, count(), countIf(isNaN(value))
         FROM (${inner}) ANY INNER JOIN (${bounds}) USING (run_id, metric) GROUP BY run_id, metric, k ORDER BY run_id, metric, k`,
      )
      for (const g of groupRows(rows)) series.push(columns(g, ['', 'x', 'value', 'min', 'max', 'count', 'nanCount'], [null, num1, bitsToFloat, bitsToFloat, bitsToFloat, num1, num1]))
    } else {
      const key = `floor(${b.by === 'step' ? 'step' : 'timestamp_us'} / ${num(b.size)}) * ${num(b.size)}`
      const rows = await this.#select(
        `SELECT run_id, metric, ${bits('kf')}, ${bits(aggregateSql(q.aggregate ?? 'mean'))}, count(), countIf(isNaN(value)), ${key} AS kf FROM ${from} ${where} GROUP BY run_id, metric, kf ORDER BY run_id, metric, kf`,
      )
      for (const g of groupRows(rows)) series.push(columns(g, ['x', 'value', 'count', 'nanCount'], [bitsToFloat, bitsToFloat, num1, num1]))
    }
    series.sort((a, c) => cmp(a.runId, c.runId) || cmp(a.metric, c.metric))
    return { series }
  }

  async range(fromUs: number, toUs: number, filter?: RangeFilter): Promise<RecordBatch[]> {
    if (typeof fromUs !== 'number' || typeof toUs !== 'number' || Number.isNaN(fromUs) || Number.isNaN(toUs)) {
      throw new EntrenarError(ErrorCodes.INVALID_QUERY, `${PREFIX}: range bounds must be numbers (microseconds)`)
    }
    validateQuery({ ...(filter?.runs ? { runs: filter.runs } : {}), ...(filter?.metrics ? { metrics: filter.metrics } : {}) })
    const where = whereSql({ ...filter, from: fromUs, to: toUs })
    // RowBinary: the value's bits arrive as bytes, integers without text; one pass over the answer.
    const buf = await this.#selectBinary(
      `SELECT run_id, metric, step, timestamp_us, value_bits, epoch, batch, tags FROM ${this.#db}.points FINAL ${where} ORDER BY run_id, batch_id, row_no`,
    )
    const r = new BinaryReader(buf)
    const out: RecordBatch[] = []
    const tagCache = new Map<string, Record<string, string>>()
    let b: RecordBatchBuilder | undefined
    let run = ''
    while (!r.done()) {
      const runId = r.string()
      if (!b || runId !== run) {
        if (b) out.push(b.finish())
        b = new RecordBatchBuilder(runId, 1024)
        run = runId
      }
      const metric = b.metricId(r.string())
      const step = r.int64()
      const ts = r.int64()
      const value = r.float64Bits()
      const epoch = r.nullableInt32()
      const batch = r.nullableInt32()
      const tagText = r.nullableString()
      let tags: Record<string, string> | null = null
      if (tagText !== null) {
        tags = tagCache.get(tagText) ?? (JSON.parse(tagText) as Record<string, string>)
        tagCache.set(tagText, tags)
      }
      b.append(metric, value, step, ts, epoch, batch, b.tagSetId(tags))
    }
    if (b) out.push(b.finish())
    return out.sort((a, c) => cmp(a.runId, c.runId))
  }

  async runs(): Promise<RunInfo[]> {
    // `version` is selected because 18.16 forwards only the selected columns to the shards of a Distributed table,
    // and their FINAL needs it.
    const rows = await this.#select(`SELECT doc, version FROM ${this.#db}.runs FINAL ORDER BY start_time_ms, id`)
    const runs = rows.map((r) => JSON.parse(tsvUnescape(r[0]!)) as RunInfo)
    return runs.sort((a, b) => a.startTimeMs - b.startTimeMs || cmp(a.id, b.id))
  }

  async putRun(run: RunInfo): Promise<void> {
    this.#open()
    if (run === null || typeof run !== 'object' || typeof run.id !== 'string' || run.id.length === 0) {
      throw new EntrenarError(ErrorCodes.INVALID_RUN_ID, `${PREFIX}: run id must be a non-empty string`)
    }
    if (typeof run.startTimeMs !== 'number' || !Number.isFinite(run.startTimeMs)) {
      throw new EntrenarError(ErrorCodes.WIRE_INVALID, `${PREFIX}: run ${JSON.stringify(run.id)} startTimeMs must be a finite number`)
    }
    // Versions grow within this process even when the clock steps back; across processes the later clock wins.
    this.#lastVersion = Math.max(this.#lastVersion + 1, Date.now() * 1000)
    const doc = JSON.stringify(run)
    const line = [run.id, String(this.#lastVersion), String(run.startTimeMs), run.name ?? '', run.status, doc].map((s) => tsvEscape(String(s))).join('\t')
    await this.#track(this.#insert(`INSERT INTO ${this.#db}.runs (id, version, start_time_ms, name, status, doc) FORMAT TabSeparated\n${line}\n`))
  }

  async sql(text: string, options: SqlOptions = {}): Promise<SqlResult> {
    const timeoutMs = options.timeoutMs ?? this.#sqlTimeoutMs
    const maxRows = options.maxRows ?? this.#sqlMaxRows
    if (typeof text !== 'string') throw new EntrenarError(ErrorCodes.INVALID_QUERY, `${PREFIX}: sql() text must be a string`)
    if (!(timeoutMs > 0)) throw new EntrenarError(ErrorCodes.INVALID_QUERY, `${PREFIX}: sql() timeoutMs must be a positive number, got ${String(timeoutMs)}`)
    if (!(Number.isSafeInteger(maxRows) && maxRows >= 0)) throw new EntrenarError(ErrorCodes.INVALID_QUERY, `${PREFIX}: sql() maxRows must be a non-negative integer, got ${String(maxRows)}`)
    if (options.signal?.aborted) throw cancelled()
    if (this.#closed) throw new EntrenarError(ErrorCodes.CLOSED, `${PREFIX}: sql() after close`)
    const body = await this.#confine(text)
    const queryId = randomUUID()
    const ac = new AbortController()
    let why: 'timeout' | 'cancelled' | undefined
    const stop = (reason: 'timeout' | 'cancelled') => {
      why ??= reason
      ac.abort()
      // The HTTP connection going away does not stop a running statement on every server version: kill it too.
      this.#client.command({ query: `KILL QUERY WHERE query_id = ${quoteString(queryId)} ASYNC` }).catch(() => {})
    }
    const onAbort = () => stop('cancelled')
    options.signal?.addEventListener('abort', onAbort, { once: true })
    const timer = setTimeout(() => stop('timeout'), Math.min(timeoutMs, 2 ** 31 - 1))
    try {
      const rs = await this.#client.query({
        query: `SELECT * FROM (\n${body}\n) LIMIT ${maxRows + 1}`,
        format: 'TabSeparatedWithNamesAndTypes',
        query_id: queryId,
        abort_signal: ac.signal,
        clickhouse_settings: { readonly: '1', max_execution_time: Math.max(1, Math.ceil(timeoutMs / 1000)), database: this.database },
      })
      const rows = tsvRows(await rs.text())
      const columns = (rows[0] ?? []).map(tsvUnescape)
      const types = (rows[1] ?? []).map(tsvUnescape)
      const data = rows.slice(2).map((r) => r.map((f, i) => fromText(f, types[i] ?? 'String')))
      const truncated = data.length > maxRows
      return { columns, columnTypes: types, rows: truncated ? data.slice(0, maxRows) : data, truncated }
    } catch (e) {
      if (why === 'timeout' || clickhouseCode(e) === 159) {
        throw new EntrenarError(ErrorCodes.SQL_TIMEOUT, `${PREFIX}: SQL statement interrupted after ${timeoutMs} ms (the timeout)`, { details: { timeout_ms: timeoutMs }, cause: e })
      }
      if (why === 'cancelled') throw cancelled(e)
      const code = clickhouseCode(e)
      const message = e instanceof Error ? e.message : String(e)
      if (code === 164) throw new EntrenarError(ErrorCodes.SQL_FORBIDDEN, `${PREFIX}: SQL is read-only: ${excerpt(message)}`, { cause: e })
      if (code === undefined) throw new EntrenarError(ErrorCodes.HTTP_TRANSPORT, `${PREFIX}: ClickHouse is unreachable: ${excerpt(message)}`, { cause: e })
      throw new EntrenarError(ErrorCodes.INVALID_QUERY, `${PREFIX}: SQL failed: ${excerpt(message)}`, { cause: e })
    } finally {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
    }
  }

  /**
   * Checks the statement before it runs: exactly one `SELECT` / `WITH … SELECT`, no table of another
   * database, no dictionary or join-table lookups. The server adds `readonly = 1` (no writes, no settings
   * changes, no table functions such as `url()` or `file()`), and the text runs as a subquery, so anything
   * but a single SELECT is a syntax error there too.
   */
  async #confine(text: string): Promise<string> {
    const forbid = (msg: string): never => {
      throw new EntrenarError(ErrorCodes.SQL_FORBIDDEN, `${PREFIX}: ${msg}`)
    }
    let body = text.trimEnd()
    const scan0 = blank(body)
    if (scan0.trimEnd().endsWith(';')) body = body.slice(0, scan0.trimEnd().length - 1).trimEnd()
    const scan = blank(body)
    if (scan.includes(';')) forbid('SQL must be exactly one SELECT statement, got more than one')
    const first = /^[\s(]*([A-Za-z]+)/.exec(scan)?.[1]?.toUpperCase()
    if (first !== 'SELECT' && first !== 'WITH') forbid(`SQL is read-only: only SELECT (or WITH … SELECT) statements run, got ${first ?? 'nothing'}`)
    if (FORBIDDEN_FUNCTIONS.test(scan)) forbid(`SQL may read only the store's tables: ${FORBIDDEN_FUNCTIONS.exec(scan)![1]}() is not allowed`)
    const rows = await this.#select('SELECT name FROM system.databases')
    const others = new Set(rows.map((r) => tsvUnescape(r[0]!)).filter((d) => d !== this.database))
    others.add('system')
    // `db.table` references: an identifier (bare or quoted) followed by a dot.
    const ref = /(?:`((?:[^`\\]|\\.)*)`|"((?:[^"\\]|\\.)*)"|([A-Za-z_][A-Za-z0-9_]*))\s*\.\s*[`"A-Za-z_]/g
    // Scanned with comments blanked (`system/**/.tables`) and string literals emptied.
    for (const m of scan.matchAll(ref)) {
      const quoted = m[1] ?? m[2]
      if (quoted?.includes('\\')) forbid(`SQL may not use escape sequences in a quoted database or table name: ${m[0]}`)
      const name = m[3] ?? quoted ?? ''
      if (others.has(name)) forbid(`SQL may read only the store's database ${JSON.stringify(this.database)}, not ${JSON.stringify(name)}`)
    }
    return body
  }

  /**
   * A SELECT answered in RowBinary. `wait_end_of_query` makes the server finish the statement before it answers,
   * so an error is an HTTP error, never an exception text appended to rows already sent.
   */
  async #selectBinary(query: string): Promise<Buffer> {
    return this.#call('query', async () => {
      const r = await this.#client.exec({ query: `${query} FORMAT RowBinary`, clickhouse_settings: { wait_end_of_query: 1 } })
      const chunks: Buffer[] = []
      for await (const c of r.stream) chunks.push(c as Buffer)
      return Buffer.concat(chunks)
    })
  }

  async #select(query: string): Promise<string[][]> {
    return this.#call('query', async () => tsvRows(await (await this.#client.query({ query, format: 'TabSeparated' })).text()))
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (e) {
      if (e instanceof EntrenarError) throw e
      const message = e instanceof Error ? e.message : String(e)
      if (clickhouseCode(e) === undefined) throw new EntrenarError(ErrorCodes.HTTP_TRANSPORT, `${PREFIX}: ${what} failed, ClickHouse is unreachable: ${excerpt(message)}`, { cause: e })
      throw new EntrenarError(ErrorCodes.INTERNAL, `${PREFIX}: ${what} failed: ${excerpt(message)}`, { cause: e })
    }
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inflight.add(p)
    const done = () => this.#inflight.delete(p)
    p.then(done, done)
    return p
  }

  #open(): void {
    if (this.#closed) throw new EntrenarError(ErrorCodes.CLOSED, `${PREFIX}: store is closed`)
  }
}

const utf8 = new TextEncoder()
/** A string as RowBinary: its UTF-8 length as a LEB128 varint, then the bytes. */
function binaryString(s: string): Uint8Array {
  const bytes = utf8.encode(s)
  const head: number[] = []
  let n = bytes.length
  do {
    head.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0))
    n = Math.floor(n / 128)
  } while (n > 0)
  const out = new Uint8Array(head.length + bytes.length)
  out.set(head)
  out.set(bytes, head.length)
  return out
}

/**
 * The rows of a batch in ClickHouse's RowBinary format, in the column order of the INSERT. The value's
 * bits are copied from the batch's own memory (so every NaN payload, ±Inf and -0 is sent as it is); integers
 * are written little-endian without going through strings.
 */
function rowBinary(batch: RecordBatch, batchId: string): Buffer {
  const run = binaryString(batch.runId)
  const id = binaryString(batchId)
  const names = batch.metricNames.map(binaryString)
  const tags = batch.tagSets.map((t) => binaryString(JSON.stringify(t)))
  const n = batch.length
  let size = n * (run.length + id.length + 8 + 8 + 5 + 5 + 8 + 1 + 4)
  for (let i = 0; i < n; i++) {
    size += names[batch.metric[i]!]!.length
    const t = batch.tagIndex[i]!
    if (t >= 0) size += tags[t]!.length
  }
  const buf = Buffer.allocUnsafe(size)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  // The doubles as pairs of 32-bit words, read from the batch's memory (little-endian hosts: all Node targets).
  const values = batch.value instanceof Float64Array ? batch.value : Float64Array.from(batch.value)
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2)
  let o = 0
  const bytes = (b: Uint8Array) => {
    buf.set(b, o)
    o += b.length
  }
  const int64 = (v: number) => {
    const hi = Math.floor(v / 4294967296)
    view.setUint32(o, v - hi * 4294967296, true)
    view.setInt32(o + 4, hi, true)
    o += 8
  }
  const nullableInt32 = (v: number) => {
    if (v === NULL_INT32) buf[o++] = 1
    else {
      buf[o++] = 0
      view.setInt32(o, v, true)
      o += 4
    }
  }
  for (let i = 0; i < n; i++) {
    bytes(run)
    bytes(names[batch.metric[i]!]!)
    int64(batch.step[i]!)
    int64(Math.trunc(batch.timestampUs[i]!))
    nullableInt32(batch.epoch[i]!)
    nullableInt32(batch.batch[i]!)
    view.setUint32(o, words[2 * i]!, true)
    view.setUint32(o + 4, words[2 * i + 1]!, true)
    o += 8
    const t = batch.tagIndex[i]!
    if (t < 0) buf[o++] = 1
    else {
      buf[o++] = 0
      bytes(tags[t]!)
    }
    bytes(id)
    view.setUint32(o, i, true)
    o += 4
  }
  return o === size ? buf : buf.subarray(0, o)
}

/** Reads RowBinary values in order; reading past the end is an error, not a silent short answer. */
class BinaryReader {
  #o = 0
  readonly #buf: Buffer
  readonly #view: DataView
  readonly #f64 = new Float64Array(1)
  readonly #u32 = new Uint32Array(this.#f64.buffer)
  constructor(buf: Buffer) {
    this.#buf = buf
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }
  done(): boolean {
    return this.#o >= this.#buf.length
  }
  #need(n: number): void {
    if (this.#o + n > this.#buf.length) throw new EntrenarError(ErrorCodes.INTERNAL, `${PREFIX}: a RowBinary answer ended inside a row (${this.#buf.length} bytes)`)
  }
  string(): string {
    let len = 0
    let shift = 1
    for (;;) {
      this.#need(1)
      const byte = this.#buf[this.#o++]!
      len += (byte & 0x7f) * shift
      if (byte < 0x80) break
      shift *= 128
    }
    this.#need(len)
    const s = this.#buf.toString('utf8', this.#o, this.#o + len)
    this.#o += len
    return s
  }
  int64(): number {
    this.#need(8)
    const v = this.#view.getInt32(this.#o + 4, true) * 4294967296 + this.#view.getUint32(this.#o, true)
    this.#o += 8
    return v
  }
  /** A UInt64 of IEEE-754 bits as the double they are (NaN payloads and -0 kept). */
  float64Bits(): number {
    this.#need(8)
    this.#u32[0] = this.#view.getUint32(this.#o, true)
    this.#u32[1] = this.#view.getUint32(this.#o + 4, true)
    this.#o += 8
    return this.#f64[0]!
  }
  nullableInt32(): number {
    this.#need(1)
    if (this.#buf[this.#o++] === 1) return NULL_INT32
    this.#need(4)
    const v = this.#view.getInt32(this.#o, true)
    this.#o += 4
    return v
  }
  nullableString(): string | null {
    this.#need(1)
    return this.#buf[this.#o++] === 1 ? null : this.string()
  }
}

function cancelled(cause?: unknown): EntrenarError {
  return new EntrenarError(ErrorCodes.SQL_CANCELLED, `${PREFIX}: SQL statement cancelled: its caller went away`, cause === undefined ? undefined : { cause })
}

const num1 = (s: string) => Number(s)

/** A TabSeparated field of a `sql()` result as a JSON-safe value of its ClickHouse type. */
function fromText(field: string, type: string): unknown {
  if (field === '\\N' && type.startsWith('Nullable(')) return null
  const t = type.replace(/^Nullable\((.*)\)$/, '$1')
  if (t === 'Float64' || t === 'Float32') {
    if (field === 'nan' || field === '-nan') return Number.NaN
    if (field === 'inf' || field === '+inf') return Number.POSITIVE_INFINITY
    if (field === '-inf') return Number.NEGATIVE_INFINITY
    return Number(field)
  }
  if (/^U?Int(8|16|32|64)$/.test(t)) {
    const n = Number(field)
    return Number.isSafeInteger(n) ? n : field
  }
  return tsvUnescape(field)
}

interface Group {
  runId: string
  metric: string
  rows: string[][]
}

/** Rows ordered by (run_id, metric) as groups; the first two fields are the (escaped) run and metric. */
function groupRows(rows: string[][]): Group[] {
  const out: Group[] = []
  let cur: Group | undefined
  for (const r of rows) {
    if (!cur || r[0] !== cur.rows[0]![0] || r[1] !== cur.rows[0]![1]) {
      cur = { runId: tsvUnescape(r[0]!), metric: tsvUnescape(r[1]!), rows: [] }
      out.push(cur)
    }
    cur.rows.push(r)
  }
  return out
}

/** Columns of a grouped result: field 2 onwards named by `names` ('' skips a field). */
function columns(g: Group, names: readonly string[], parse: readonly (((s: string) => number) | null)[]): Series {
  const n = g.rows.length
  const cols: Record<string, Float64Array> = {}
  names.forEach((name, j) => {
    if (!name) return
    const a = new Float64Array(n)
    const p = parse[j]!
    for (let i = 0; i < n; i++) a[i] = p(g.rows[i]![j + 2]!)
    cols[name] = a
  })
  return { runId: g.runId, metric: g.metric, x: cols.x!, value: cols.value!, ...cols } as Series
}

/**
 * Opens (and creates when missing) a ClickHouse-backed {@link MetricStore}.
 *
 * @example
 * ```ts
 * const store = await openClickHouseStore({ url: 'http://127.0.0.1:8123', database: 'entrenar' })
 * const store2 = await openClickHouseStore('clickhouse://127.0.0.1:8123/entrenar')
 * ```
 */
export async function openClickHouseStore(options: ClickHouseStoreOptions | string): Promise<ClickHouseStore> {
  const o = typeof options === 'string' ? parseClickHouseUrl(options) : options
  checkOptions('openClickHouseStore', o, OPTION_KEYS)
  if (typeof o.url !== 'string' || !/^https?:\/\//.test(o.url)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${PREFIX}: url must be an http(s):// URL of the server`)
  const database = o.database ?? 'entrenar'
  if (typeof database !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${PREFIX}: database must be an identifier ([A-Za-z_][A-Za-z0-9_]*), got ${JSON.stringify(database)}`)
  }
  if (o.insertAttempts !== undefined && !(Number.isInteger(o.insertAttempts) && o.insertAttempts >= 1)) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${PREFIX}: insertAttempts must be a positive integer`)
  }
  if (o.sql !== undefined) checkOptions('openClickHouseStore sql', o.sql, ['timeoutMs', 'maxRows'])
  if (o.cluster !== undefined) {
    checkOptions('openClickHouseStore cluster', o.cluster, ['name', 'shardingKey'])
    if (typeof o.cluster.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.cluster.name)) {
      throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${PREFIX}: cluster.name must be an identifier, got ${JSON.stringify(o.cluster.name)}`)
    }
    // The key is SQL pasted into DDL: only a small expression language over run_id is accepted.
    const key = o.cluster.shardingKey
    if (key !== undefined && (typeof key !== 'string' || !/^[A-Za-z0-9_(), +*%-]{1,200}$/.test(key) || !/\brun_id\b/.test(key))) {
      throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${PREFIX}: cluster.shardingKey must be an expression over run_id (letters, digits, _ ( ) , + - * %), got ${JSON.stringify(key)}`)
    }
  }
  const client = createClient({
    url: o.url,
    ...(o.username !== undefined ? { username: o.username } : {}),
    ...(o.password !== undefined ? { password: o.password } : {}),
    log: { level: ClickHouseLogLevel.OFF },
  })
  const store = new Store(client, database, o)
  try {
    await store.init()
  } catch (e) {
    await client.close()
    throw e
  }
  return store
}
