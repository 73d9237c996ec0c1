import * as v from 'valibot'
import type { MetricSink } from '../contracts/sink.js'
import type { MetricStore } from '../contracts/store.js'
import {
  AckWire,
  ack,
  EmptyWire,
  emptyWire,
  batchFromWire,
  batchToWire,
  MetricQueryWire,
  QueryResultWire,
  queryFromWire,
  queryToWire,
  RangeRequestWire,
  RecordBatchWire,
  RunInfoWire,
  rangeFilterFromWire,
  resultFromWire,
  resultToWire,
  runFromWire,
  runToWire,
  SCHEMA_VERSION,
} from '../wire/schemas.js'
import { SqlResultWire, sqlFromWire, sqlToWire } from '../wire/sql.js'
import type { SqlOptions } from '../query/types.js'
import { type Contract, commandMethod, method } from './contract.js'


const sinkMethods = {
  write: method<[Parameters<MetricSink['write']>[0]], void, typeof RecordBatchWire, typeof AckWire>({
    summary: 'Accept a columnar batch of points',
    request: RecordBatchWire,
    response: AckWire,
    encodeRequest: (batch) => batchToWire(batch),
    decodeRequest: (w) => [batchFromWire(w)],
    encodeResponse: ack,
    decodeResponse: () => undefined,
  }),
  flush: commandMethod('Make every earlier write durable'),
  close: commandMethod('Flush and release resources'),
}

/** Wire description of {@link MetricSink}: service `sink`. */
export const metricSinkContract: Contract<MetricSink> = {
  service: 'sink',
  description: 'A MetricSink: where batches of points go',
  methods: sinkMethods,
}

const RunsWire = v.object({ schema_version: v.literal(SCHEMA_VERSION), runs: v.array(RunInfoWire) })
const PutRunWire = v.object({ schema_version: v.literal(SCHEMA_VERSION), run: RunInfoWire })
const RangeAnswerWire = v.object({ schema_version: v.literal(SCHEMA_VERSION), batches: v.array(RecordBatchWire) })
const SqlRequestWire = v.object({ schema_version: v.literal(SCHEMA_VERSION), sql: v.string() })

/** Wire description of {@link MetricStore}: service `store`. */
export const metricStoreContract: Contract<MetricStore> = {
  service: 'store',
  description: 'A MetricStore: a queryable store of training metrics',
  methods: {
    ...sinkMethods,
    query: method<[Parameters<MetricStore['query']>[0]], Awaited<ReturnType<MetricStore['query']>>, typeof MetricQueryWire, typeof QueryResultWire>({
      summary: 'Run a typed query (filters, aggregates, buckets, spike-preserving downsampling)',
      request: MetricQueryWire,
      response: QueryResultWire,
      encodeRequest: queryToWire,
      decodeRequest: (w) => [queryFromWire(w)],
      encodeResponse: resultToWire,
      decodeResponse: resultFromWire,
    }),
    range: method<Parameters<MetricStore['range']>, Awaited<ReturnType<MetricStore['range']>>, typeof RangeRequestWire, typeof RangeAnswerWire>({
      summary: 'Every row in a time range, one batch per run',
      request: RangeRequestWire,
      response: RangeAnswerWire,
      encodeRequest: (fromUs, toUs, filter) => ({
        schema_version: SCHEMA_VERSION,
        from_us: fromUs,
        to_us: toUs,
        ...(filter?.runs ? { runs: [...filter.runs] } : {}),
        ...(filter?.metrics ? { metrics: [...filter.metrics] } : {}),
      }),
      decodeRequest: (w) => [w.from_us, w.to_us, rangeFilterFromWire(w)],
      encodeResponse: (batches) => ({ schema_version: SCHEMA_VERSION, batches: batches.map(batchToWire) }),
      decodeResponse: (w) => w.batches.map(batchFromWire),
    }),
    runs: method<[], Awaited<ReturnType<MetricStore['runs']>>, typeof EmptyWire, typeof RunsWire>({
      summary: 'Metadata of every run',
      request: EmptyWire,
      response: RunsWire,
      encodeRequest: emptyWire,
      decodeRequest: () => [],
      encodeResponse: (runs) => ({ schema_version: SCHEMA_VERSION, runs: runs.map(runToWire) }),
      decodeResponse: (w) => w.runs.map(runFromWire),
    }),
    putRun: method<Parameters<MetricStore['putRun']>, void, typeof PutRunWire, typeof AckWire>({
      summary: "Create or replace a run's metadata",
      request: PutRunWire,
      response: AckWire,
      encodeRequest: (run) => ({ schema_version: SCHEMA_VERSION, run: runToWire(run) }),
      decodeRequest: (w) => [runFromWire(w.run)],
      encodeResponse: ack,
      decodeResponse: () => undefined,
    }),
    sql: method<[string, SqlOptions?], Awaited<ReturnType<NonNullable<MetricStore['sql']>>>, typeof SqlRequestWire, typeof SqlResultWire>({
      summary:
        'Read-only SQL over the views `metrics` and `runs` (optional capability): exactly one SELECT statement, with the server\'s timeout and row cap (`truncated` says when rows were cut); a client that disconnects interrupts it',
      request: SqlRequestWire,
      response: SqlResultWire,
      // The server's limits apply over HTTP; only the caller's signal travels (as the request's own abort).
      encodeRequest: (sql) => ({ schema_version: SCHEMA_VERSION, sql }),
      decodeRequest: (w, context) => [w.sql, context?.signal ? { signal: context.signal } : undefined],
      encodeResponse: sqlToWire,
      decodeResponse: sqlFromWire,
      signalOf: (_sql, options) => options?.signal,
    }),
  },
}
