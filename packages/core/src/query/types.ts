/** Aggregates a typed query can compute. See {@link aggregate} for the exact semantics of each. */
export type Aggregate = 'mean' | 'min' | 'max' | 'sum' | 'count' | 'std' | 'p50' | 'p90' | 'p99' | 'first' | 'last'

/** All aggregates, in a stable order (wire schemas and validation use it). */
export const AGGREGATES: readonly Aggregate[] = ['mean', 'min', 'max', 'sum', 'count', 'std', 'p50', 'p90', 'p99', 'first', 'last']

/**
 * How rows of one series are grouped:
 * - `{ by: 'step', size }`: buckets `[k·size, (k+1)·size)` of the step; `x` is the bucket start;
 * - `{ by: 'time', size }`: the same on `timestampUs` (size in microseconds);
 * - `{ points, mode: 'minmax-last' }`: at most `points` buckets of equal step width over the series'
 *   step range; each keeps `min`, `max` and the `last` value (spike-preserving downsampling: a spike is
 *   never lost, unlike random sampling); `x` is the step of the bucket's last row.
 */
export type Bucket =
  | {
      /** Bucket on the step or on `timestampUs`. */
      readonly by: 'step' | 'time'
      /** Bucket width: steps, or microseconds for `time`; positive and finite. */
      readonly size: number
    }
  | {
      /** Most buckets (a positive integer), e.g. the chart's width in pixels. */
      readonly points: number
      /** The spike-preserving min/max/last downsampling. */
      readonly mode: 'minmax-last'
    }

/**
 * The typed query of a {@link MetricStore}. Every field is optional; filters combine with AND.
 *
 * @example
 * ```ts
 * await store.query({ runs: ['r1'], metrics: ['loss'], bucket: { points: 800, mode: 'minmax-last' } })
 * ```
 */
export interface MetricQuery {
  /** Keep rows of these runs only. */
  readonly runs?: readonly string[]
  /** Keep rows of these metrics only. */
  readonly metrics?: readonly string[]
  /** Keep rows with `timestampUs >= from` (microseconds, inclusive). */
  readonly from?: number
  /** Keep rows with `timestampUs <= to` (microseconds, inclusive). */
  readonly to?: number
  /** Keep rows with `lo <= step <= hi` (inclusive). */
  readonly steps?: readonly [number, number]
  /** Keep rows whose tags contain every given key with the given value. */
  readonly tags?: Readonly<Record<string, string>>
  /** Aggregate each series (or each bucket when `bucket` is set; default `mean` for step/time buckets). */
  readonly aggregate?: Aggregate
  /** Group the rows of each series into buckets. */
  readonly bucket?: Bucket
}

/**
 * One series of a query result: the rows of one `(runId, metric)` pair, columnar.
 *
 * - Raw (no aggregate, no bucket): one entry per row ordered by `(step, timestampUs)` (stable);
 *   `x` is the step, `timestampUs` is set.
 * - Aggregate without bucket: one entry; `x` is the largest step of the series.
 * - Step/time buckets: one entry per non-empty bucket, ascending; `x` is the bucket start.
 * - `minmax-last`: one entry per non-empty bucket; `value` is the last value, `min`/`max` are set.
 * `count` (rows per entry) and `nanCount` (NaN rows per entry) are set for every aggregated shape.
 */
export interface Series {
  /** The run. */
  readonly runId: string
  /** The metric. */
  readonly metric: string
  /** Per entry: the step (raw rows), the bucket start, or the largest step (aggregate without bucket). */
  readonly x: Float64Array
  /** Per entry: the value, the aggregate, or the last value (`minmax-last`). */
  readonly value: Float64Array
  /** Per raw row: its time, epoch microseconds (raw shape only). */
  readonly timestampUs?: Float64Array
  /** Per bucket: smallest finite value (`minmax-last` only). */
  readonly min?: Float64Array
  /** Per bucket: largest finite value (`minmax-last` only). */
  readonly max?: Float64Array
  /** Per entry: rows aggregated (aggregated shapes only). */
  readonly count?: Float64Array
  /** Per entry: NaN rows among them (aggregated shapes only). */
  readonly nanCount?: Float64Array
}

/** The answer to a {@link MetricQuery}: series sorted by `runId`, then `metric`. */
export interface QueryResult {
  /** One series per `(runId, metric)` with matching rows. */
  readonly series: readonly Series[]
}

/** Rows selected by `range()`: one per run and metric filter. */
export interface RangeFilter {
  /** Only these runs (default all). */
  readonly runs?: readonly string[]
  /** Only these metrics (default all). */
  readonly metrics?: readonly string[]
}

/**
 * The answer to `sql()`: column names and rows (DuckDB's values mapped to JSON-safe JS values; NaN,
 * ±Infinity and -0 stay numbers in DOUBLE/FLOAT columns and lists of them, also over HTTP).
 */
export interface SqlResult {
  /** Column names, in select order. */
  readonly columns: readonly string[]
  /** Rows, each an array of values in column order. */
  readonly rows: readonly (readonly unknown[])[]
  /** The engine's type of each column (`DOUBLE`, `BIGINT`, `VARCHAR[]`, …), when known. */
  readonly columnTypes?: readonly string[]
  /** True when the statement produced more rows than the row cap and only the first `rows.length` are returned. */
  readonly truncated?: boolean
}

/** Per-call options of `sql()`. */
export interface SqlOptions {
  /** Aborting it interrupts the running statement (`ENTRENAR_SQL_CANCELLED`). Over HTTP, a client that goes away aborts it. */
  readonly signal?: AbortSignal
  /** Interrupts the statement after this many milliseconds (`ENTRENAR_SQL_TIMEOUT`). Default: the implementation's. */
  readonly timeoutMs?: number
  /** Returns at most this many rows and sets `truncated` when there were more. Default: the implementation's. */
  readonly maxRows?: number
}
