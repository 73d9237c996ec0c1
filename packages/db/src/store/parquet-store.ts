import {
  EntrenarError,
  ErrorCodes,
  type MetricQuery,
  type MetricStore,
  type QueryResult,
  type RangeFilter,
  type RecordBatch,
  RecordBatchBuilder,
  type RunInfo,
  type SqlOptions,
  type SqlResult,
  validateBatch,
  validateQuery,
} from '@entrenar/core'
import { createEncoder, type SegmentEncoder } from '../node/encoder.js'
import { crc32, ensureDir, fileMtimeMs, fsyncDir, join, listDir, openAppend, type AppendFile, removeFile, resolve } from '../node/io.js'
import { type Block, QueryScan, ScratchPool } from '../query/scan.js'
import type { RowGroupInfo, SegmentInfo } from '../segment/read.js'
import { SqlEngine } from '../sql/duckdb.js'
import { WAL_MAGIC, encodeFrames } from '../wal/codec.js'
import { Catalog, type ColumnName, type Piece, type SegmentFilter } from './catalog.js'
import { type CompactionReport, compactRun, type RetentionReport, applyRetention } from './compact.js'
import { type Lease, Liveness, startLease } from './lease.js'
import { type ResolvedOptions, resolveOptions, type StoreOptions } from './options.js'
import { encodeRunId, genRangeString, newWriterId, segmentName, walName } from './paths.js'
import { NO_RECOVERY, type RecoveryReport, recoverWals } from './recover.js'
import { RunCatalog, type RunMetricSummary, type RunSummary } from './run-catalog.js'
import { writeRun } from './runs.js'
import { byRun, writeRunSegment } from './segments.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Counters of a store, for dashboards and tests. */
export interface StoreStats {
  /** Rows accepted and not yet in a segment (buffered or being written). */
  readonly bufferedRows: number
  /** Bytes those rows hold in memory (columns plus unwritten WAL frames). */
  readonly bufferedBytes: number
  /** Bytes of decoded columns in the cache. */
  readonly cacheBytes: number
  /** Segments this writer has written. */
  readonly segmentsWritten: number
  /** WAL fsyncs (each may cover many `flush()` calls: group commit). */
  readonly walSyncs: number
  /** True when Parquet encoding runs on a worker thread. */
  readonly threadedEncoding: boolean
  /** Encoding workers that died while writing segments (their rows were encoded again; see `problems()`). */
  readonly encoderWorkerDeaths: number
  /** Segment footers this process holds open (cached). */
  readonly segmentsOpen: number
  /** Segments decoded to complete the run catalog's metric figures (an older catalog), since open. */
  readonly catalogSegmentsDecoded: number
  /**
   * Row-group step columns decoded since open. An aggregate leaves undecoded the step and timestamp
   * columns of row groups of one metric whose statistics put them wholly inside its filters.
   */
  readonly stepColumnsDecoded: number
}

/**
 * The Parquet-backed {@link MetricStore} returned by `openStore`, plus the store's own operations.
 */
export interface ParquetStore extends MetricStore {
  /** The store directory. */
  readonly dir: string
  /** This process's writer id: names its WAL and segment files. */
  readonly writerId: string
  /** What replaying dead writers' WALs did when the store was opened. */
  readonly recovery: RecoveryReport
  /**
   * Replays the WALs of writers that are gone now (as on open): for a long-lived process, such as a
   * dashboard, that should pick up the rows of workers of other hosts that died after it opened.
   */
  recover(): Promise<RecoveryReport>
  /**
   * Read-only SQL through DuckDB over the views `metrics` and `runs`: exactly one `SELECT` / `WITH … SELECT`
   * statement (else `ENTRENAR_SQL_FORBIDDEN`), reading only the store's own files, interrupted after
   * `timeoutMs` (`ENTRENAR_SQL_TIMEOUT`) or when `signal` aborts (`ENTRENAR_SQL_CANCELLED`), at most
   * `maxRows` rows (`truncated: true` when there were more). `ENTRENAR_UNSUPPORTED` when `@duckdb/node-api` is missing.
   */
  sql(text: string, options?: SqlOptions): Promise<SqlResult>
  /** Writes buffered rows as Parquet segments now (visible to other processes and to DuckDB). */
  seal(): Promise<void>
  /** Merges each run's small segments into segments sorted by (metric, step); atomic for readers of this store. */
  compact(options?: { readonly runs?: readonly string[]; readonly minSegments?: number }): Promise<CompactionReport>
  /** Applies `retention.maxAgeDays` (or the given age) now. */
  applyRetention(maxAgeDays?: number): Promise<RetentionReport>
  /**
   * Every `ENTRENAR_DB_CORRUPT` found so far (also passed to `onCorrupt`), and an `ENTRENAR_SINK_FAILED`
   * per encoding worker that died while writing segments (its own error as `cause`; the rows were encoded again).
   */
  problems(): readonly EntrenarError[]
  /** Counters of this process's view of the store (buffered rows and bytes, segments, cache); synchronous and cheap. */
  stats(): StoreStats
  /**
   * Rows, distinct metrics and last step of every run with rows in segments (run id order), from the run
   * catalog (`<dir>/run-catalog.json`): one file and the directories' mtimes, not a scan of the segments.
   * Rows still buffered by a process are not counted until they are sealed.
   */
  runSummaries(): Promise<RunSummary[]>
  /**
   * Every run's metrics with their rows, NaN count, last step and the value there, from the run catalog
   * (the run table of the dashboard without decoding a segment). A segment summarised by an older version
   * is decoded once, then its figures are kept in the catalog. Buffered rows are sealed first, as for
   * {@link runSummaries}.
   */
  metricSummaries(): Promise<readonly RunMetricSummary[]>
  /**
   * Prepares the first queries of a long-lived reader (a dashboard server): reads the run catalog and
   * opens every live segment's footer, one file at a time, pausing whenever a query, range or SQL
   * statement of this store runs (it never delays a request), until `maxFooterBytes` of footers are
   * open (default 64 MiB). Stops early when `signal` aborts or the store closes (`close()` waits for
   * the file being read). Never rejects for the store's content: damaged files are reported as queries
   * report them. Call it without awaiting: `void store.warm()`.
   */
  warm(options?: WarmOptions): Promise<WarmReport>
}

/** Options of {@link ParquetStore.warm}. */
export interface WarmOptions {
  /** Stops the warm-up. */
  readonly signal?: AbortSignal
  /** Bytes of serialized footers opened at most (a bound on the memory they hold). Default 64 MiB. */
  readonly maxFooterBytes?: number
}

/** What {@link ParquetStore.warm} did. */
export interface WarmReport {
  /** Footers opened by the warm-up (footers opened already are not counted). */
  readonly segments: number
  /** Serialized bytes of those footers. */
  readonly footerBytes: number
  /** True when every live segment's footer is open; false when stopped (signal, close, byte bound). */
  readonly complete: boolean
}

const PREFIX = 'entrenar/db'

/**
 * Copy of a batch with its own arrays and timestamps rounded to whole microseconds (the Parquet precision).
 * The columns live in one SharedArrayBuffer, so handing the batch to the encoding worker shares them
 * instead of copying them (the rows stay readable here while their segment is written).
 */
function ownBatch(b: RecordBatch): RecordBatch {
  const n = b.length
  const mem = new SharedArrayBuffer(n * 40)
  const f64 = (k: number) => new Float64Array(mem, k * n * 8, n)
  const i32 = (k: number) => new Int32Array(mem, n * 24 + k * n * 4, n)
  const ts = f64(0)
  const step = f64(1)
  const value = f64(2)
  const metric = new Uint32Array(mem, n * 24, n)
  const epoch = i32(1)
  const batch = i32(2)
  const tagIndex = i32(3)
  step.set(b.step)
  value.set(b.value)
  metric.set(b.metric)
  epoch.set(b.epoch)
  batch.set(b.batch)
  tagIndex.set(b.tagIndex)
  for (let i = 0; i < n; i++) {
    const t = b.timestampUs[i]!
    if (!Number.isFinite(t) || Math.abs(t) > 9.2e18) {
      throw new EntrenarError(ErrorCodes.WIRE_INVALID, `${PREFIX}: batch of run ${JSON.stringify(b.runId)} row ${i} has timestamp ${t}, not a finite number of microseconds`)
    }
    ts[i] = Math.round(t)
  }
  return {
    runId: b.runId,
    length: n,
    metricNames: b.metricNames.slice(),
    metric,
    value,
    step,
    timestampUs: ts,
    epoch,
    batch,
    tagSets: b.tagSets.map((t) => Object.freeze({ ...t })),
    tagIndex,
  }
}

const blockOf = (b: RecordBatch): Block => b

/** Bytes a buffered row holds in memory: 3 × f64 + 4 × 32-bit columns, plus a share of its batch's objects. */
const ROW_BYTES = 44

class Store implements ParquetStore {
  readonly dir: string
  readonly writerId: string
  recovery: RecoveryReport = NO_RECOVERY
  readonly #o: ResolvedOptions
  readonly #catalog: Catalog
  readonly #runCatalog: RunCatalog
  readonly #problems: EntrenarError[] = []
  readonly #pool = new ScratchPool()
  readonly #encoder: SegmentEncoder
  readonly #liveness: Liveness
  #lease: Lease | undefined

  // Write path: rows of the current WAL generation, unwritten frames, the file.
  #buffer: RecordBatch[] = []
  #bufferRows = 0
  #bufferBytes = 0
  #oldestMs = 0
  #pending: Uint8Array[] = []
  /** Bytes of `#pending` (frames not yet appended to the WAL). */
  #pendingBytes = 0
  #gen = 0
  /** The oldest WAL generation whose rows a failed seal put back in the buffer (the next seal's segment holds them too). */
  #carriedGen: number | undefined
  #file: AppendFile | undefined
  #walFiles: { gen: number; path: string }[] = []
  /** Rows being written as segments right now: still served from memory until their files exist. */
  #sealing: { batches: RecordBatch[]; bytes: number; names: Set<string> } | undefined
  #seq = 0
  #durable = 0
  /** Serialises WAL appends (commits and the rotation step of a seal). */
  #walChain: Promise<unknown> = Promise.resolve()
  /** Serialises segment writes (seals, compaction, retention); commits never wait for it. */
  #segChain: Promise<unknown> = Promise.resolve()
  #commitP: Promise<void> | undefined
  #sealQueued: Promise<void> | undefined
  #sealRunning: Promise<void> | undefined
  #segmentsWritten = 0
  /** A background seal's failure, thrown by the next `flush()` (the rows stay buffered and in the WAL). */
  #backgroundError: unknown
  #walSyncs = 0
  #closed = false
  /** The last run id checked as a path component (a run writes many batches). */
  #lastRunId: string | undefined
  #closeP: Promise<void> | undefined
  #sql: Promise<SqlEngine> | undefined
  #sqlRunning = 0
  /** True once this store wrote rows or run metadata: only then does close() bring the run catalog up to date. */
  #wrote = false
  /** Reads (query, range, SQL) running now; the warm-up waits while there are any. */
  #reading = 0
  #idle: { promise: Promise<void>; resolve: () => void } | undefined
  #warming: Promise<unknown> | undefined

  constructor(dir: string, o: ResolvedOptions) {
    this.dir = dir
    this.#o = o
    this.writerId = newWriterId(o.host, process.pid)
    this.#liveness = new Liveness(dir, { host: o.host, now: o.clock, staleWriterMs: o.staleWriterMs })
    this.#catalog = new Catalog(dir, o.cacheBytes, (e) => this.#report(e), o.readOnly)
    this.#runCatalog = new RunCatalog(dir, this.#catalog, (e) => this.#report(e), { readOnly: o.readOnly, ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}) })
    this.#catalog.useHints(() => this.#runCatalog.hints())
    this.#encoder = createEncoder({ threaded: o.threads, onWorkerDeath: (e) => this.#problems.push(e) })
  }

  #report(e: EntrenarError): void {
    this.#problems.push(e)
    try {
      this.#o.onCorrupt(e)
    } catch {
      // a failing handler must not break reads
    }
  }

  async init(): Promise<void> {
    if (this.#o.readOnly) {
      // Nothing is created or written: the directory must hold a store already.
      if ((await fileMtimeMs(join(this.dir, 'metrics'))) === undefined && (await fileMtimeMs(join(this.dir, 'runs'))) === undefined) {
        throw new EntrenarError(ErrorCodes.NOT_FOUND, `${PREFIX}: ${this.dir} holds no store (no metrics/ or runs/ directory) to open read-only`, { details: { dir: this.dir } })
      }
      return
    }
    try {
      for (const d of ['metrics', 'wal', 'runs']) await ensureDir(join(this.dir, d))
      // The lease exists before this writer's first WAL or claim, so other hosts never see them unleased.
      this.#lease = await startLease(this.dir, this.writerId, { host: this.#o.host, leaseMs: this.#o.leaseMs, now: this.#o.clock })
      if (this.#o.recoverWal) this.recovery = await this.#recoverNow()
      if (this.#o.retentionDays !== undefined) await this.applyRetention(this.#o.retentionDays)
    } catch (e) {
      await this.close().catch(() => undefined)
      throw e
    }
  }

  async #recoverNow(): Promise<RecoveryReport> {
    const r = await recoverWals(this.dir, this.writerId, this.#liveness, this.#catalog, this.#encoder, this.#o.rowGroupRows, (e) => this.#report(e))
    if (r.rows > 0) await this.#runCatalog.refresh()
    return r
  }

  recover(): Promise<RecoveryReport> {
    this.#writable('recover()')
    return this.#enqueue(() => this.#recoverNow())
  }

  #open(): void {
    if (this.#closed) throw new EntrenarError(ErrorCodes.CLOSED, `${PREFIX}: store ${this.dir} is closed`)
  }

  /** Operations that write the store directory fail on a store opened read-only. */
  #writable(what: string): void {
    this.#open()
    if (this.#o.readOnly) throw new EntrenarError(ErrorCodes.UNSUPPORTED, `${PREFIX}: store ${this.dir} is open read-only: ${what} would write to it`, { details: { dir: this.dir } })
  }

  /** Runs `fn` after every earlier WAL operation. */
  #walEnqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#walChain.then(fn)
    this.#walChain = p.catch(() => undefined)
    return p
  }

  /** Runs `fn` after every earlier segment operation. */
  #enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#segChain.then(fn)
    this.#segChain = p.catch(() => undefined)
    return p
  }

  /** The checks of `write` that depend on the batch alone (run id as a path, timestamps), keeping nothing. */
  validate(batch: RecordBatch): void {
    validateBatch(batch, PREFIX)
    encodeRunId(batch.runId)
  }

  async write(batch: RecordBatch): Promise<void> {
    this.#writable('write()')
    validateBatch(batch, PREFIX)
    if (batch.runId !== this.#lastRunId) {
      encodeRunId(batch.runId)
      this.#lastRunId = batch.runId
    }
    if (batch.length === 0) return
    if (!this.#wrote) {
      this.#wrote = true
      // The encoding worker starts while the first rows are buffered, not when the first segment is due.
      this.#encoder.warm()
    }
    const own = ownBatch(batch)
    const frames = encodeFrames(own, crc32)
    if (this.#bufferRows === 0) this.#oldestMs = Date.now()
    this.#buffer.push(own)
    for (const f of frames) {
      this.#pending.push(f)
      this.#pendingBytes += f.length
    }
    this.#seq++
    this.#bufferRows += own.length
    this.#bufferBytes += own.length * ROW_BYTES
    if (this.#bufferRows >= this.#o.segmentRows || this.#bufferBytes + this.#pendingBytes >= this.#o.maxBufferBytes / 2) {
      void this.#scheduleSeal().catch((e: unknown) => {
        this.#backgroundError = e
      })
    }
    // Backpressure: memory stays under maxBufferBytes whatever the run length.
    while (this.#sealing && this.#bufferBytes + this.#pendingBytes + this.#sealing.bytes > this.#o.maxBufferBytes && this.#sealRunning) {
      await this.#sealRunning.catch(() => undefined)
    }
  }

  async flush(): Promise<void> {
    this.#open()
    await this.#flushNow()
    const e = this.#backgroundError
    if (e !== undefined) {
      this.#backgroundError = undefined
      throw e
    }
  }

  async #flushNow(): Promise<void> {
    const target = this.#seq
    // Aged rows become segments in the background (visibility for other readers); durability is the WAL's job.
    if (this.#bufferRows > 0 && Date.now() - this.#oldestMs >= this.#o.sealAfterMs) {
      void this.#scheduleSeal().catch((e: unknown) => {
        this.#backgroundError = e
      })
    }
    while (this.#durable < target) await this.#commit()
  }

  /** Group commit: every caller waiting while a commit runs shares the next one. */
  #commit(): Promise<void> {
    this.#commitP ??= this.#walEnqueue(async () => {
      const upto = this.#seq
      const frames = this.#pending
      const frameBytes = this.#pendingBytes
      this.#pending = []
      this.#pendingBytes = 0
      if (frames.length > 0) {
        try {
          const f = await this.#walFile()
          await f.append(frames)
          await f.sync()
          this.#walSyncs++
        } catch (e) {
          this.#pending = frames.concat(this.#pending)
          this.#pendingBytes += frameBytes
          throw new EntrenarError(ErrorCodes.SINK_FAILED, `${PREFIX}: WAL append failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
        }
      }
      if (upto > this.#durable) this.#durable = upto
    }).finally(() => {
      this.#commitP = undefined
    })
    return this.#commitP
  }

  async #walFile(): Promise<AppendFile> {
    if (this.#file) return this.#file
    const path = join(this.dir, 'wal', walName(this.writerId, this.#gen))
    const f = await openAppend(path)
    await f.append([WAL_MAGIC])
    await f.sync()
    await fsyncDir(join(this.dir, 'wal'))
    this.#file = f
    this.#walFiles.push({ gen: this.#gen, path })
    return f
  }

  seal(): Promise<void> {
    this.#writable('seal()')
    return this.#scheduleSeal()
  }

  /**
   * Seals every row written before the call. A seal that is queued but not started covers them
   * (it takes the buffer when it starts), so callers share it; a running one does not, so a new
   * one is queued behind it.
   */
  #scheduleSeal(): Promise<void> {
    if (this.#sealQueued) return this.#sealQueued
    const p = this.#enqueue(() => {
      this.#sealQueued = undefined
      this.#sealRunning = p
      return this.#sealNow().finally(() => {
        this.#sealRunning = undefined
      })
    })
    this.#sealQueued = p
    return p
  }

  /**
   * Writes the buffered rows as one segment per run, named after this writer and the WAL
   * generation they came from, then deletes that generation's WAL. The generation's frames are
   * committed first, so a failure (disk full) loses nothing: the rows stay buffered and in the WAL.
   */
  async #sealNow(): Promise<void> {
    if (this.#bufferRows === 0) return
    // Step 1, in WAL order: rotate to a new generation and make the old one's frames durable, so a
    // failure below loses nothing. Commits queue behind this short step only, not behind step 2.
    const rotated = await this.#walEnqueue(async () => {
      const batches = this.#buffer
      const upto = this.#seq
      const frames = this.#pending
      const frameBytes = this.#pendingBytes
      const gen = this.#gen
      const lo = Math.min(gen, this.#carriedGen ?? gen)
      this.#carriedGen = undefined
      const file = this.#file
      const bytes = this.#bufferBytes
      const rows = this.#bufferRows
      this.#buffer = []
      this.#pending = []
      this.#pendingBytes = 0
      this.#file = undefined
      this.#gen++
      this.#bufferRows = 0
      this.#bufferBytes = 0
      // Named after every generation it holds, so a replay of any of their WALs finds it (see recover.ts).
      const name = segmentName(this.writerId, genRangeString(lo, gen))
      this.#sealing = { batches, bytes, names: new Set([name]) }
      try {
        if (frames.length > 0) {
          const f = file ?? (await this.#walFileFor(gen))
          await f.append(frames)
          await f.sync()
          this.#walSyncs++
          if (!file) await f.close()
        }
        await file?.close()
      } catch (e) {
        this.#restore(batches, frames, rows, bytes, lo)
        this.#pendingBytes += frameBytes
        throw new EntrenarError(ErrorCodes.SINK_FAILED, `${PREFIX}: WAL append failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
      }
      if (upto > this.#durable) this.#durable = upto
      return { batches, gen, lo, name, rows, bytes }
    })
    // Step 2: the Parquet segments, one per run, then the generation's WAL goes.
    const { batches, gen, lo, name, rows, bytes } = rotated
    const written: string[] = []
    try {
      for (const [runId, list] of byRun(batches)) {
        written.push(await writeRunSegment(this.dir, this.#encoder, runId, list, name, this.#o.rowGroupRows))
        this.#segmentsWritten++
      }
      const done = this.#walFiles.filter((w) => w.gen <= gen)
      this.#walFiles = this.#walFiles.filter((w) => w.gen > gen)
      for (const w of done) {
        // Gone already: another process took this writer for dead and claimed the WAL (see recover.ts).
        if (!(await removeFile(w.path))) this.#report(claimedUnderUs(w.path, name, this.#o.staleWriterMs))
      }
      // No directory fsync for the deletions: a WAL whose deletion a machine crash undoes is skipped on replay,
      // since this writer's segment holding that generation exists (see recover.ts).
    } catch (e) {
      // Undo partial segments so the retry (same rows, next generation, named after both) cannot duplicate them.
      for (const p of written) await removeFile(p).catch(() => undefined)
      for (const p of written) this.#catalog.forget(p)
      this.#restore(batches, [], rows, bytes, lo)
      throw new EntrenarError(ErrorCodes.SINK_FAILED, `${PREFIX}: writing ${rows} rows as segments failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
    } finally {
      this.#sealing = undefined
    }
  }

  /** Puts rows of a failed seal back in front of the buffer (they are still in the WAL when `frames` is empty). */
  #restore(batches: RecordBatch[], frames: Uint8Array[], rows: number, bytes: number, fromGen: number): void {
    this.#carriedGen = Math.min(this.#carriedGen ?? fromGen, fromGen)
    this.#buffer = batches.concat(this.#buffer)
    this.#pending = frames.concat(this.#pending)
    this.#bufferRows += rows
    this.#bufferBytes += bytes
    this.#sealing = undefined
  }

  async #walFileFor(gen: number): Promise<AppendFile> {
    const path = join(this.dir, 'wal', walName(this.writerId, gen))
    const f = await openAppend(path)
    await f.append([WAL_MAGIC])
    this.#walFiles.push({ gen, path })
    await fsyncDir(join(this.dir, 'wal'))
    return f
  }

  async close(): Promise<void> {
    this.#closeP ??= (async () => {
      this.#closed = true
      this.#idle?.resolve()
      try {
        // The warm-up stops at its next file: nothing reads the store after close() resolves.
        await this.#warming?.catch(() => undefined)
        await this.#scheduleSeal()
        await this.#segChain
        await this.#walChain
        // A cache: a failure to bring it up to date (a read-only medium, a vanished directory) loses nothing.
        if (this.#wrote) await this.#runCatalog.refresh().catch(() => undefined)
      } finally {
        await this.#file?.close().catch(() => undefined)
        this.#file = undefined
        await this.#encoder.close()
        await this.#lease?.stop()
        this.#pool.clear()
        const engine = this.#sql
        this.#sql = undefined
        if (engine) await (await engine.catch(() => undefined))?.close()
      }
    })()
    return this.#closeP
  }

  // ---------------------------------------------------------------- reads

  /** Buffered rows visible to this process, and the names of segments they will become (excluded from disk reads to avoid double counting). */
  #memory(): { batches: RecordBatch[]; skip: Set<string> } {
    const s = this.#sealing
    return { batches: s ? s.batches.concat(this.#buffer) : this.#buffer.slice(), skip: s ? s.names : new Set() }
  }

  /** Counts a read in flight while `fn` runs (the warm-up pauses meanwhile). */
  async #read<T>(fn: () => Promise<T>): Promise<T> {
    this.#reading++
    try {
      return await fn()
    } finally {
      if (--this.#reading === 0 && this.#idle) {
        this.#idle.resolve()
        this.#idle = undefined
      }
    }
  }

  /** Resolves when no read runs (after yielding to the event loop once, so a request arriving now goes first). */
  async #whenIdle(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r))
    while (this.#reading > 0 && !this.#closed) {
      if (!this.#idle) {
        let resolve!: () => void
        const promise = new Promise<void>((r) => {
          resolve = r
        })
        this.#idle = { promise, resolve }
      }
      await this.#idle.promise
      await new Promise<void>((r) => setImmediate(r))
    }
  }

  warm(options: WarmOptions = {}): Promise<WarmReport> {
    this.#open()
    checkOptions('entrenar/db: warm', options, WARM_OPTIONS)
    const max = options.maxFooterBytes ?? 64 * 1024 * 1024
    if (typeof max !== 'number' || !(max > 0)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${PREFIX}: warm() option maxFooterBytes must be a positive number, got ${String(max)}`)
    const signal = options.signal
    const stop = () => this.#closed || signal?.aborted === true
    const p = (async (): Promise<WarmReport> => {
      await this.#whenIdle()
      if (stop()) return { segments: 0, footerBytes: 0, complete: false }
      await this.#runCatalog.runs().catch(() => undefined)
      try {
        return await this.#catalog.warm(stop, () => this.#whenIdle(), max)
      } catch {
        // A directory that vanished or cannot be listed: the queries will say so themselves.
        return { segments: 0, footerBytes: 0, complete: false }
      }
    })()
    const prev = this.#warming
    this.#warming = Promise.all([prev, p])
    return p
  }

  query(q: MetricQuery): Promise<QueryResult> {
    validateQuery(q)
    return this.#read(() => this.#query(q))
  }

  async #query(q: MetricQuery): Promise<QueryResult> {
    const mem = this.#memory()
    const scan = new QueryScan(q, this.#pool)
    const want: ColumnName[] = ['ts', 'step', 'value', 'metric']
    if (scan.needsTags) want.push('tags')
    const metricKeys = q.metrics ? q.metrics.map((m) => Buffer.from(m, 'utf8')) : undefined
    const metricSet = q.metrics ? new Set(q.metrics) : undefined
    this.#catalog.beginRead()
    const sources = new Map<Block, { seg: SegmentInfo; rg: RowGroupInfo }>()
    // The segment of every block read from one: a segment found damaged while completing drops all its blocks.
    const segmentOf = new Map<Block, string>()
    for (const seg of await this.#catalog.segments(q.runs, segmentFilter(q, metricSet))) {
      if (mem.skip.has(seg.name)) continue
      // A segment found damaged part-way contributes nothing (it is quarantined), never half its rows.
      const pieces = await this.#catalog.queryPieces(
        seg,
        seg.rowGroups.filter((rg) => keepRowGroup(q, rg, metricKeys)),
        want,
        metricSet,
        valueOnlyTest(q, seg),
      )
      if (!pieces) continue
      for (const p of pieces) {
        const b: Block = { ...p, runId: seg.runId, tagSets: p.tagSets ?? [], tagIndex: p.tagIndex ?? EMPTY_I32 }
        if (p.valueOnly) sources.set(b, { seg, rg: p.valueOnly })
        segmentOf.set(b, seg.path)
        scan.add(b)
      }
    }
    const runs = q.runs ? new Set(q.runs) : undefined
    for (const b of mem.batches) if (!runs || runs.has(b.runId)) scan.add(blockOf(b))
    if (sources.size > 0) {
      // Groups that cannot fold from values alone get the steps and timestamps of their value-only row groups.
      await scan.complete(
        async (b) => {
          const { seg, rg } = sources.get(b)!
          const c = await this.#catalog.columns(seg, rg, want.includes('metric') ? want : [...want, 'metric'])
          if (!c) return undefined
          return {
            runId: seg.runId,
            length: rg.rows,
            metricNames: c.metric!.names,
            metric: c.metric!.ids,
            metricRuns: c.metricRuns!,
            sortedRuns: c.sortedRuns!,
            ...(c.timeRuns ? { timeRuns: c.timeRuns } : {}),
            timestampUs: c.ts!,
            step: c.step!,
            value: c.value!,
            tagSets: c.tags?.sets ?? [],
            tagIndex: c.tags?.ids ?? EMPTY_I32,
          }
        },
        (b) => segmentOf.get(b),
      )
    }
    return scan.finish()
  }

  range(fromUs: number, toUs: number, filter?: RangeFilter): Promise<RecordBatch[]> {
    validateQuery({ from: fromUs, to: toUs, ...(filter?.runs ? { runs: filter.runs } : {}), ...(filter?.metrics ? { metrics: filter.metrics } : {}) })
    return this.#read(() => this.#range(fromUs, toUs, filter))
  }

  async #range(fromUs: number, toUs: number, filter?: RangeFilter): Promise<RecordBatch[]> {
    const mem = this.#memory()
    const metrics = filter?.metrics ? new Set(filter.metrics) : undefined
    const byRunId = new Map<string, RecordBatchBuilder>()
    const builder = (runId: string, capacity?: number) => {
      let b = byRunId.get(runId)
      if (!b) {
        b = new RecordBatchBuilder(runId, capacity)
        byRunId.set(runId, b)
      }
      return b
    }
    const q: MetricQuery = { from: fromUs, to: toUs, ...(filter?.metrics ? { metrics: filter.metrics } : {}) }
    const metricKeys = filter?.metrics ? filter.metrics.map((m) => Buffer.from(m, 'utf8')) : undefined
    this.#catalog.beginRead()
    // The pieces first, then the rows that pass counted per run: each run's builder is sized exactly
    // once (no growth, no copy at the end) before the rows are copied.
    const found: { runId: string; pieces: readonly Piece[]; spans: Float64Array[] }[] = []
    const counts = new Map<string, number>()
    for (const seg of await this.#catalog.segments(filter?.runs, segmentFilter(q, metrics))) {
      if (mem.skip.has(seg.name)) continue
      // Whole row groups (no per-metric pieces): rows keep the segment's order. A damaged segment contributes nothing.
      const kept = seg.rowGroups.filter((rg) => keepRowGroup(q, rg, metricKeys))
      const pieces = (await this.#catalog.queryPieces(seg, kept, RANGE_COLUMNS, undefined)) ?? []
      let n = counts.get(seg.runId) ?? 0
      const spans: Float64Array[] = []
      for (const c of pieces) {
        const keep = c.metricNames.map((m) => !metrics || metrics.has(m))
        const sp = rangeSpans(c, keep, fromUs, toUs)
        spans.push(sp)
        const ids = c.metric
        const ts = c.timestampUs
        for (let k = 0; k < sp.length; k += 3) {
          const start = sp[k]!
          const end = sp[k + 1]!
          if (sp[k + 2] === 1) {
            n += end - start
            continue
          }
          for (let i = start; i < end; i++) {
            const t = ts[i]!
            if (t >= fromUs && t <= toUs && keep[ids[i]!]) n++
          }
        }
      }
      counts.set(seg.runId, n)
      found.push({ runId: seg.runId, pieces, spans })
    }
    for (const { runId, pieces, spans } of found) {
      for (let p = 0; p < pieces.length; p++) {
        const c = pieces[p]!
        const sp = spans[p]!
        const out = builder(runId, Math.max(1, counts.get(runId)!))
        const names = c.metricNames
        const keep = names.map((m) => !metrics || metrics.has(m))
        const mIds = names.map((m) => out.metricId(m))
        const tIds = c.tagSets!.map((t) => out.tagSetId(t))
        const ids = c.metric
        const ts = c.timestampUs
        const tags = c.tagIndex!
        const value = c.value
        const step = c.step
        const epoch = c.epoch!
        const batch = c.batch!
        for (let k = 0; k < sp.length; k += 3) {
          const exact = sp[k + 2] === 1
          for (let i = sp[k]!, end = sp[k + 1]!; i < end; i++) {
            const t = ts[i]!
            if (!exact && (t < fromUs || t > toUs || !keep[ids[i]!])) continue
            const tag = tags[i]!
            out.append(mIds[ids[i]!]!, value[i]!, step[i]!, t, epoch[i]!, batch[i]!, tag < 0 ? -1 : tIds[tag]!)
          }
        }
      }
    }
    const runs = filter?.runs ? new Set(filter.runs) : undefined
    for (const b of mem.batches) {
      if (runs && !runs.has(b.runId)) continue
      for (let i = 0; i < b.length; i++) {
        const t = b.timestampUs[i]!
        if (t < fromUs || t > toUs) continue
        if (metrics && !metrics.has(b.metricNames[b.metric[i]!]!)) continue
        builder(b.runId).appendFrom(b, i)
      }
    }
    // detach(): the batch takes the builder's arrays (sized exactly above), no final copy; the builder is dropped.
    return [...byRunId.keys()]
      .sort()
      .map((id) => byRunId.get(id)!.detach())
      .filter((b) => b.length > 0)
  }

  async runs(): Promise<RunInfo[]> {
    return this.#runCatalog.runs()
  }

  async runSummaries(): Promise<RunSummary[]> {
    if (!this.#closed) await this.#scheduleSeal()
    return this.#runCatalog.summaries()
  }

  async metricSummaries(): Promise<readonly RunMetricSummary[]> {
    if (!this.#closed) await this.#scheduleSeal()
    return this.#runCatalog.metricSummaries()
  }

  async putRun(run: RunInfo): Promise<void> {
    this.#writable('putRun()')
    this.#wrote = true
    await writeRun(this.dir, run)
  }

  async sql(text: string, options?: SqlOptions): Promise<SqlResult> {
    if (typeof text !== 'string' || text.trim() === '') throw new EntrenarError(ErrorCodes.INVALID_QUERY, `${PREFIX}: sql() needs a statement`)
    if (options !== undefined && (options === null || typeof options !== 'object')) throw new EntrenarError(ErrorCodes.INVALID_QUERY, `${PREFIX}: sql() options must be an object`)
    for (const k of Object.keys(options ?? {})) {
      if (k !== 'signal' && k !== 'timeoutMs' && k !== 'maxRows') throw new EntrenarError(ErrorCodes.INVALID_QUERY, `${PREFIX}: unknown sql() option ${JSON.stringify(k)}; expected signal, timeoutMs, maxRows`)
    }
    // Admitted synchronously, before the first await, so calls made together cannot overshoot the limit.
    const max = this.#o.sql.maxConcurrent
    if (this.#sqlRunning >= max) {
      throw new EntrenarError('ENTRENAR_BUSY', `${PREFIX}: ${this.#sqlRunning} SQL statements are running (at most ${max}); retry later`, {
        details: { running: this.#sqlRunning, max_concurrent: max },
      })
    }
    this.#sqlRunning++
    try {
      return await this.#read(() => this.#runSql(text, options))
    } finally {
      this.#sqlRunning--
    }
  }

  async #runSql(text: string, options: SqlOptions | undefined): Promise<SqlResult> {
    if (!this.#closed) await this.#scheduleSeal()
    this.#sql ??= SqlEngine.open(resolve(this.dir), this.#o.sql)
    let engine: SqlEngine
    try {
      engine = await this.#sql
    } catch (e) {
      this.#sql = undefined
      throw e
    }
    // Absolute paths: DuckDB confines reads to the store directory by path prefix.
    const segments = (await this.#catalog.segments()).map((s) => resolve(s.path))
    const hasRuns = (await listDir(join(this.dir, 'runs'))).some((f) => f.name.endsWith('.json') && !f.name.startsWith('.'))
    return engine.run(text, { segments, runsGlob: hasRuns ? resolve(this.dir, 'runs', '*.json') : undefined }, options)
  }

  async compact(options: { readonly runs?: readonly string[]; readonly minSegments?: number } = {}): Promise<CompactionReport> {
    this.#writable('compact()')
    const ids = options.runs ?? (await this.#catalog.runIds())
    let merged = 0
    let written = 0
    let rows = 0
    for (const id of ids) {
      const r = await this.#enqueue(() => compactRun(this.dir, id, this.writerId, this.#liveness, this.#catalog, this.#encoder, { rowGroupRows: this.#o.rowGroupRows, minSegments: options.minSegments ?? 2, segmentRows: Math.max(this.#o.segmentRows, 1_048_576) }))
      merged += r.merged
      written += r.written
      rows += r.rows
    }
    return { merged, written, rows }
  }

  async applyRetention(maxAgeDays = this.#o.retentionDays): Promise<RetentionReport> {
    this.#writable('applyRetention()')
    if (maxAgeDays === undefined) return { deletedSegments: 0, deletedRows: 0 }
    return this.#enqueue(() => applyRetention(this.dir, this.#catalog, Date.now() * 1000 - maxAgeDays * 86_400_000_000))
  }

  problems(): readonly EntrenarError[] {
    return this.#problems.slice()
  }

  stats(): StoreStats {
    return {
      bufferedRows: this.#bufferRows + (this.#sealing ? this.#sealing.batches.reduce((s, b) => s + b.length, 0) : 0),
      bufferedBytes: this.#bufferBytes + this.#pendingBytes + (this.#sealing?.bytes ?? 0),
      cacheBytes: this.#catalog.cacheBytes,
      segmentsWritten: this.#segmentsWritten,
      threadedEncoding: this.#encoder.threaded,
      encoderWorkerDeaths: this.#encoder.workerDeaths,
      walSyncs: this.#walSyncs,
      catalogSegmentsDecoded: this.#runCatalog.decodedSegments,
      stepColumnsDecoded: this.#catalog.stepColumnsDecoded,
      segmentsOpen: this.#catalog.openSegments,
    }
  }
}

const EMPTY_I32 = new Int32Array(0)
const RANGE_COLUMNS: readonly ColumnName[] = ['ts', 'step', 'value', 'metric', 'tags', 'epoch', 'batch']

/** The report of a WAL generation claimed by another process while this writer was alive. */
function claimedUnderUs(walPath: string, segment: string, staleWriterMs: number): EntrenarError {
  return new EntrenarError(
    ErrorCodes.DB_CORRUPT,
    `${PREFIX}: WAL ${walPath} of this writer was claimed by another process that took the writer for gone (lease not renewed for ${staleWriterMs} ms: process paused, event loop blocked or store unreachable); segment ${segment} now holds the generation's rows unless that process's replay renamed its own copy after it`,
    { details: { path: walPath, segment, staleWriterMs } },
  )
}

/**
 * The rows of a piece that a time range may select, as `[start, end, exact]` triples in row order:
 * `exact` 1 when every row of `[start, end)` is selected (a kept metric's run inside `[from, to]`,
 * or the bisected part of a run whose timestamps never decrease), 0 when each row must be tested.
 * Runs of metrics not kept, and runs wholly outside the range, are left out.
 */
function rangeSpans(c: Piece, keep: readonly boolean[], from: number, to: number): Float64Array {
  const runs = c.metricRuns
  const time = c.timeRuns
  if (!time || time.length !== runs.length) return Float64Array.of(0, c.length, 0)
  const out: number[] = []
  for (let r = 0; r < runs.length; r += 3) {
    if (!keep[runs[r]!]) continue
    const start = runs[r + 1]!
    const end = runs[r + 2]!
    if (end <= start || time[r + 1]! < from || time[r]! > to) continue
    if (time[r]! >= from && time[r + 1]! <= to) out.push(start, end, 1)
    else if (time[r + 2] === 1) {
      const ts = c.timestampUs
      let lo = start
      let hi = end
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (ts[mid]! < from) lo = mid + 1
        else hi = mid
      }
      const a = lo
      hi = end
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (ts[mid]! <= to) lo = mid + 1
        else hi = mid
      }
      if (lo > a) out.push(a, lo, 1)
    } else out.push(start, end, 0)
  }
  return Float64Array.from(out)
}

/**
 * The filters by which a read may leave out whole segments unopened (from the run catalog's bounds);
 * undefined without a time or step filter: a read of whole series opens every footer anyway, and
 * reading the catalog for it would only add to a first query.
 */
function segmentFilter(q: MetricQuery, metrics: ReadonlySet<string> | undefined): SegmentFilter | undefined {
  if (q.from === undefined && q.to === undefined && q.steps === undefined) return undefined
  return { ...(q.from !== undefined ? { from: q.from } : {}), ...(q.to !== undefined ? { to: q.to } : {}), ...(q.steps ? { steps: q.steps } : {}), ...(metrics ? { metrics } : {}) }
}

/**
 * Which row groups of a segment an aggregate may fold from their value column alone: the query is an
 * aggregate without buckets or tag filter, the segment is this store's (rows sorted by metric, step,
 * timestamp; exact statistics; timestamps in microseconds), and the row group's statistics (present)
 * put every row of it inside the time and step filters. Undefined when no row group may.
 */
function valueOnlyTest(q: MetricQuery, seg: SegmentInfo): ((rg: RowGroupInfo) => boolean) | undefined {
  if (q.aggregate === undefined || q.bucket || q.tags !== undefined || !seg.own || seg.tsScale !== 1) return undefined
  const from = q.from ?? Number.NEGATIVE_INFINITY
  const to = q.to ?? Number.POSITIVE_INFINITY
  const lo = q.steps ? q.steps[0] : Number.NEGATIVE_INFINITY
  const hi = q.steps ? q.steps[1] : Number.POSITIVE_INFINITY
  return (rg) =>
    rg.rows > 0 &&
    Number.isFinite(rg.tsMin) &&
    Number.isFinite(rg.tsMax) &&
    Number.isFinite(rg.stepMin) &&
    Number.isFinite(rg.stepMax) &&
    rg.tsMin >= from &&
    rg.tsMax <= to &&
    rg.stepMin >= lo &&
    rg.stepMax <= hi
}

/** Row-group pruning from footer statistics: time, step and metric ranges (metric names compare as UTF-8 bytes, the Parquet order). */
function keepRowGroup(q: MetricQuery, rg: RowGroupInfo, metricKeys: Buffer[] | undefined): boolean {
  if (q.from !== undefined && rg.tsMax < q.from) return false
  if (q.to !== undefined && rg.tsMin > q.to) return false
  if (q.steps && (rg.stepMax < q.steps[0] || rg.stepMin > q.steps[1])) return false
  if (metricKeys && rg.metricMin !== undefined && rg.metricMax !== undefined) {
    const lo = Buffer.from(rg.metricMin, 'utf8')
    const hi = Buffer.from(rg.metricMax, 'utf8')
    if (!metricKeys.some((k) => Buffer.compare(k, lo) >= 0 && Buffer.compare(k, hi) <= 0)) return false
  }
  return true
}

/**
 * Opens (creating if needed) a Parquet metric store in `dir`: the embedded default of Entrenar.
 *
 * Layout: `metrics/run_id=<id>/part-<writer>-<seq>.parquet` (immutable, Hive-partitioned segments
 * that DuckDB, Spark or pyarrow read), `wal/<writer>.<gen>.wal` (CRC-framed write-ahead log),
 * `runs/<id>.json` (run metadata), `corrupt/` (damaged files moved aside). `write()` buffers;
 * `flush()` resolves when the rows are durable (WAL fsync'd, group commit); rows become segments
 * when `segmentRows` are buffered, after `sealAfterMs`, on `seal()` and on `close()`. Opening
 * replays the WALs of writers that died. Several processes may write one store: each owns its files.
 *
 * @example
 * ```ts
 * const store = await openStore('./runs')
 * const monitor = await createMonitor({ runId: 'r1', store })
 * // …
 * await store.query({ runs: ['r1'], metrics: ['loss'], bucket: { points: 800, mode: 'minmax-last' } })
 * await store.sql('SELECT metric, avg(value) FROM metrics GROUP BY metric')
 * ```
 */
export async function openStore(dir: string, options?: StoreOptions): Promise<ParquetStore> {
  checkOptions('entrenar/db: openStore', options, OPEN_STORE_OPTIONS)
  if (typeof dir !== 'string' || dir.length === 0) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${PREFIX}: store directory must be a non-empty path`)
  const store = new Store(dir, resolveOptions(options))
  await store.init()
  return store
}

/** The option names warm() accepts. */
const WARM_OPTIONS = optionKeys<WarmOptions>({ signal: true, maxFooterBytes: true })

/** The option names openStore accepts (unknown ones are errors). */
const OPEN_STORE_OPTIONS = optionKeys<NonNullable<Parameters<typeof openStore>[1]>>({ segmentRows: true, maxBufferBytes: true, rowGroupRows: true, sealAfterMs: true, cacheBytes: true, retention: true, recoverWal: true, leaseMs: true, staleWriterMs: true, host: true, clock: true, threads: true, onCorrupt: true, sql: true, readOnly: true, cacheDir: true })
