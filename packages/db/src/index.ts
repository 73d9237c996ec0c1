/**
 * `@entrenar/db`: the durable time-series store — a write-ahead log plus immutable Parquet segments per
 * run, typed queries, retention and compaction, crash recovery, and SQL over the segments through DuckDB.
 *
 * @module @entrenar/db
 */
export type { CompactionReport, RetentionReport } from './store/compact.js'
export type { SqlStoreOptions, StoreOptions } from './store/options.js'
export { openStore, type ParquetStore, type StoreStats, type WarmOptions, type WarmReport } from './store/parquet-store.js'
export { decodeRunId, encodeRunId } from './store/paths.js'
export type { RecoveryReport } from './store/recover.js'
export { type MetricSummary, RUN_CATALOG, type RunMetricSummary, type RunSummary } from './store/run-catalog.js'
export { DUCKDB_INSTALL_HINT } from './sql/duckdb.js'
