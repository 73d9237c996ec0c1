import type { RecordBatch } from '../batch.js'
import type { MetricQuery, QueryResult, RangeFilter, SqlOptions, SqlResult } from '../query/types.js'
import type { MetricSink } from './sink.js'

/** Lifecycle of a run. `stopped` means the Andon stopped the line. */
export type RunStatus = 'running' | 'finished' | 'failed' | 'stopped'

/** Metadata of a run, stored beside its metrics. */
export interface RunInfo {
  /** Unique id; also the Hive partition key of the Parquet store. */
  readonly id: string
  /** Human-readable name. */
  readonly name?: string
  /** Hyper-parameters and configuration (JSON-serialisable). */
  readonly config?: Readonly<Record<string, unknown>>
  /** Lifecycle state: `running`, `finished`, `failed` or `stopped`. */
  readonly status: RunStatus
  /** Start, milliseconds since the Unix epoch. */
  readonly startTimeMs: number
  /** End, milliseconds since the Unix epoch; absent while running. */
  readonly endTimeMs?: number
  /** Host name of the process that ran it. */
  readonly host?: string
  /** Git revision of the code, when known. */
  readonly gitRevision?: string
  /** Why the run ended (e.g. the Andon's stop reason). */
  readonly reason?: string
}

/**
 * A queryable store of points (the spec's `MetricsStore`). A sink plus reads.
 *
 * Read semantics (checked by the `MetricStore` conformance suite): rows written and flushed are
 * visible to `query` and `range`; NaN, ±Inf and -0 round-trip exactly; out-of-order steps are kept;
 * results are ordered as {@link Series} documents.
 */
export interface MetricStore extends MetricSink {
  /** Runs the typed query; see {@link MetricQuery}. */
  query(q: MetricQuery): Promise<QueryResult>
  /** Every row with `fromUs <= timestampUs <= toUs`, one batch per run (in run id order). */
  range(fromUs: number, toUs: number, filter?: RangeFilter): Promise<RecordBatch[]>
  /** Metadata of every run, ordered by start time. */
  runs(): Promise<RunInfo[]>
  /** Creates or replaces a run's metadata. */
  putRun(run: RunInfo): Promise<void>
  /**
   * Full SQL over the store (a view `metrics`), when the implementation supports it. Read-only:
   * exactly one `SELECT` / `WITH … SELECT` statement, else `ENTRENAR_SQL_FORBIDDEN`; a timeout and a
   * row cap apply (see {@link SqlOptions}).
   */
  sql?(text: string, options?: SqlOptions): Promise<SqlResult>
}
