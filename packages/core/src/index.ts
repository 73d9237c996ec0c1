/**
 * `@entrenar/core`: the contracts every Entrenar package implements — the columnar `RecordBatch`,
 * `MetricSink`, `MetricStore`, `ChangeDetector`, `AlertPolicy`, `LineageGraph`, `Dashboard`,
 * `MetricsExporter` — with their JSON wire schemas, `EntrenarError` and its codes, in-memory
 * implementations, and the generic HTTP client and handler that carry any contract over the network.
 * Browser-safe: nothing here imports `node:*` (see `@entrenar/core/node`).
 *
 * @module @entrenar/core
 */
export {
  batchFromRows,
  batchToRows,
  checkMetricName,
  checkStep,
  checkTags,
  emptyBatch,
  MAX_METRIC_NAME_LENGTH,
  NULL_INT32,
  type RecordBatch,
  RecordBatchBuilder,
  type RecordRow,
  type Tags,
} from './batch.js'
export { ALERT_LEVELS, type Alert, type AlertEvent, type AlertLevel, type AlertPolicy, type Decision, type Incident, levelRank } from './contracts/alert.js'
export type { Dashboard, DashboardFrame } from './contracts/dashboard.js'
export type { AnomalyDetector, ChangeDetector, DetectorSignal, DriftEvent, Severity } from './contracts/detector.js'
export type { ExportedSample, ExportFormat, MetricsExporter } from './contracts/exporter.js'
export {
  CHANGE_TYPES,
  type ChangeType,
  type Derivation,
  type HealthEvent,
  healthEventFromDrift,
  healthEventFromIncident,
  type IncidentQuery,
  type LineageEntry,
  type LineageExportFormat,
  type LineageGraph,
  type MetricDelta,
  type ModelDiff,
  type ModelNode,
  type RegressionSource,
  type ValueChange,
} from './contracts/lineage.js'
export type { MetricSink } from './contracts/sink.js'
export type { MetricStore, RunInfo, RunStatus } from './contracts/store.js'
export { EntrenarError, type ErrorCode, ErrorCodes, isEntrenarError, toEntrenarError } from './errors.js'
export { checkOptions, closestName, editDistance, optionKeys, unknownNameMessage } from './options.js'
export { findUnknownKey, type UnknownKey } from './wire/strict.js'
export { createHttpClient, type HttpClientOptions } from './http/client.js'
export { type AnyMethodSpec, type CallContext, type Contract, contractMethods, type MethodSpec, type MethodsOf, method } from './http/contract.js'
export { checkBearer, combineHandlers, createHttpHandler, errorResponse, type FetchHandler, type HttpHandlerOptions } from './http/handler.js'
export {
  constantTimeEqual,
  cookieValue,
  createRequestGuard,
  hasToken,
  LOOPBACK_HOSTS,
  mediaType,
  parseHost,
  type RequestGuard,
  type RequestGuardOptions,
  readBody,
  tokenCookieName,
} from './http/guard.js'
export { metricSinkContract, metricStoreContract } from './http/store-contract.js'
export {
  asDetectorService,
  type DetectorBatchResult,
  type DetectorService,
  type DetectorServiceOptions,
  type DetectorState,
  detectorServiceContract,
  openRemoteDetector,
  type RemoteDetector,
} from './http/detector-contract.js'
export { AlertEventWire, AlertWire, type AlertPolicyService, type AlertPolicyStatus, alertEventFromWire, alertEventToWire, alertPolicyContract, asAlertPolicyService, IncidentWire } from './http/alert-contract.js'
export { SILENCE_MATCH_OPS, type Silence, type SilenceMatcher, type SilenceMatchOp, type SilenceService, type SilenceSpec, type SilenceState } from './contracts/silence.js'
export { SilenceMatcherWire, SilenceSpecWire, SilenceWire, silenceContract, silenceFromWire, silenceToWire } from './http/silence-contract.js'
export {
  DerivationWire,
  derivationFromWire,
  derivationToWire,
  HealthEventWire,
  healthEventFromWire,
  healthEventToWire,
  lineageGraphContract,
  ModelNodeWire,
  modelFromWire,
  modelToWire,
} from './http/lineage-contract.js'
export { createDefaultPolicy, type DefaultPolicyOptions } from './memory/policy.js'
export { createMemoryStore, createNoopSink, validateBatch } from './memory/store.js'
export { aggregate, quantileOfSorted } from './query/aggregate.js'
export { executeQuery, orderSeries, rowMatches, type SeriesColumns, shapeSeries, validateQuery } from './query/execute.js'
export { AGGREGATES, type Aggregate, type Bucket, type MetricQuery, type QueryResult, type RangeFilter, type Series, type SqlOptions, type SqlResult } from './query/types.js'
export { floatFromWire, floatsFromWire, floatsToWire, floatToWire, WireFloat } from './wire/numbers.js'
export { SqlResultWire, sqlFromWire, sqlToWire } from './wire/sql.js'
export {
  AckWire,
  batchFromWire,
  batchToWire,
  ErrorWire,
  MetricQueryWire,
  QueryResultWire,
  queryFromWire,
  queryToWire,
  RecordBatchWire,
  RunInfoWire,
  resultFromWire,
  resultToWire,
  runFromWire,
  runToWire,
  SCHEMA_VERSION,
  SeriesWire,
} from './wire/schemas.js'
