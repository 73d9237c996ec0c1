import * as v from 'valibot'
import { NULL_INT32, type RecordBatch } from '../batch.js'
import type { RunInfo } from '../contracts/store.js'
import { AGGREGATES, type MetricQuery, type QueryResult, type RangeFilter, type Series } from '../query/types.js'
import { floatsFromWire, floatsToWire, WireFloat } from './numbers.js'

/** Version of every wire message this build writes and reads. */
export const SCHEMA_VERSION = 1

const version = v.literal(SCHEMA_VERSION)
const str = v.string()
const int = v.pipe(v.number(), v.integer())
const stringMap = v.record(v.string(), v.string())

/** Wire form of {@link RecordBatch}: columnar arrays, snake_case. */
export const RecordBatchWire = v.object({
  /** Version of the wire format ({@link SCHEMA_VERSION}). */
  schema_version: version,
  /** The run every row belongs to (`runId`). */
  run_id: v.pipe(str, v.minLength(1)),
  /** Distinct metric names; `metric` indexes into it. */
  metric_names: v.array(str),
  /** Per row: index into `metric_names`. */
  metric: v.array(v.pipe(int, v.minValue(0))),
  /** Per row: the value; NaN, ±Inf and −0 as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"`. */
  value: v.array(WireFloat),
  /** Per row: the step (a safe integer). */
  step: v.array(v.pipe(v.number(), v.safeInteger())),
  /** Per row: epoch microseconds. */
  timestamp_us: v.array(v.number()),
  /** Per row: the epoch, or null. */
  epoch: v.array(v.nullable(int)),
  /** Per row: the batch index, or null. */
  batch: v.array(v.nullable(int)),
  /** Distinct tag sets; `tag_index` indexes into it. */
  tag_sets: v.array(stringMap),
  /** Per row: index into `tag_sets`, or −1 for no tags. */
  tag_index: v.array(v.pipe(int, v.minValue(-1))),
})
export type RecordBatchWire = v.InferOutput<typeof RecordBatchWire>

/** The wire form of a batch (snake_case, floats as {@link floatToWire}, null for absent epochs and batches). */
export function batchToWire(b: RecordBatch): RecordBatchWire {
  const nullable = (a: Int32Array) => Array.from(a, (x) => (x === NULL_INT32 ? null : x))
  return {
    schema_version: SCHEMA_VERSION,
    run_id: b.runId,
    metric_names: [...b.metricNames],
    metric: Array.from(b.metric),
    value: floatsToWire(b.value),
    step: Array.from(b.step),
    timestamp_us: Array.from(b.timestampUs),
    epoch: nullable(b.epoch),
    batch: nullable(b.batch),
    tag_sets: b.tagSets.map((t) => ({ ...t })),
    tag_index: Array.from(b.tagIndex),
  }
}

/** The batch of a validated wire body ({@link RecordBatchWire}); inverse of {@link batchToWire}: values exact, NaN, ±Inf and −0 kept. */
export function batchFromWire(w: RecordBatchWire): RecordBatch {
  const ints = (a: readonly (number | null)[]) => Int32Array.from(a, (x) => (x === null ? NULL_INT32 : x))
  return {
    runId: w.run_id,
    length: w.value.length,
    metricNames: w.metric_names,
    metric: Uint32Array.from(w.metric),
    value: floatsFromWire(w.value),
    step: Float64Array.from(w.step),
    timestampUs: Float64Array.from(w.timestamp_us),
    epoch: ints(w.epoch),
    batch: ints(w.batch),
    tagSets: w.tag_sets,
    tagIndex: Int32Array.from(w.tag_index),
  }
}

/** Wire form of {@link MetricQuery}. */
export const MetricQueryWire = v.object({
  /** Version of the wire format. */
  schema_version: version,
  /** Only these runs (`runs`). */
  runs: v.optional(v.array(str)),
  /** Only these metrics (`metrics`). */
  metrics: v.optional(v.array(str)),
  /** Rows with `timestamp_us >= from_us` (`from`). */
  from_us: v.optional(v.number()),
  /** Rows with `timestamp_us <= to_us` (`to`). */
  to_us: v.optional(v.number()),
  /** Inclusive step range `[lo, hi]` (`steps`). */
  steps: v.optional(v.tuple([v.number(), v.number()])),
  /** Rows whose tags contain these (`tags`). */
  tags: v.optional(stringMap),
  /** Aggregate per series or bucket (`aggregate`). */
  aggregate: v.optional(v.picklist(AGGREGATES)),
  /** Bucketing (`bucket`). */
  bucket: v.optional(
    v.union([
      v.object({
        /** Bucket on the step or on the time. */
        by: v.picklist(['step', 'time']),
        /** Bucket width: steps, or microseconds for `time`. */
        size: v.pipe(v.number(), v.gtValue(0)),
      }),
      v.object({
        /** Most buckets. */
        points: v.pipe(int, v.minValue(1)),
        /** Spike-preserving min/max/last downsampling. */
        mode: v.literal('minmax-last'),
      }),
    ]),
  ),
})
export type MetricQueryWire = v.InferOutput<typeof MetricQueryWire>

function defined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k]
  return o
}

/** The wire form of a typed query. */
export function queryToWire(q: MetricQuery): MetricQueryWire {
  return defined({
    schema_version: SCHEMA_VERSION,
    runs: q.runs ? [...q.runs] : undefined,
    metrics: q.metrics ? [...q.metrics] : undefined,
    from_us: q.from,
    to_us: q.to,
    steps: q.steps ? [q.steps[0], q.steps[1]] : undefined,
    tags: q.tags ? { ...q.tags } : undefined,
    aggregate: q.aggregate,
    bucket: q.bucket ? { ...q.bucket } : undefined,
  }) as MetricQueryWire
}

/** The typed query of a validated wire body; inverse of {@link queryToWire}. */
export function queryFromWire(w: MetricQueryWire): MetricQuery {
  return defined({
    runs: w.runs,
    metrics: w.metrics,
    from: w.from_us,
    to: w.to_us,
    steps: w.steps,
    tags: w.tags,
    aggregate: w.aggregate,
    bucket: w.bucket,
  }) as MetricQuery
}

const floats = v.array(WireFloat)
/** Wire form of {@link Series}. */
export const SeriesWire = v.object({
  /** The run (`runId`). */
  run_id: str,
  /** The metric. */
  metric: str,
  /** Per entry: step, bucket start or largest step, as in {@link Series.x}. */
  x: floats,
  /** Per entry: the value or aggregate (wire floats). */
  value: floats,
  /** Per raw row: epoch microseconds. */
  timestamp_us: v.optional(floats),
  /** Per bucket: smallest finite value (`minmax-last`). */
  min: v.optional(floats),
  /** Per bucket: largest finite value (`minmax-last`). */
  max: v.optional(floats),
  /** Per entry: rows aggregated. */
  count: v.optional(floats),
  /** Per entry: NaN rows among them. */
  nan_count: v.optional(floats),
})
/** Wire form of {@link QueryResult}. */
export const QueryResultWire = v.object({
  /** Version of the wire format. */
  schema_version: version,
  /** One series per `(run, metric)` with matching rows. */
  series: v.array(SeriesWire),
})
export type QueryResultWire = v.InferOutput<typeof QueryResultWire>

const OPTIONAL_COLUMNS = [
  ['timestampUs', 'timestamp_us'],
  ['min', 'min'],
  ['max', 'max'],
  ['count', 'count'],
  ['nanCount', 'nan_count'],
] as const

/** The wire form of a query result (floats as {@link floatToWire}). */
export function resultToWire(r: QueryResult): QueryResultWire {
  return {
    schema_version: SCHEMA_VERSION,
    series: r.series.map((s) => {
      const w: v.InferOutput<typeof SeriesWire> = { run_id: s.runId, metric: s.metric, x: floatsToWire(s.x), value: floatsToWire(s.value) }
      for (const [k, wk] of OPTIONAL_COLUMNS) {
        const col = s[k]
        if (col) w[wk] = floatsToWire(col)
      }
      return w
    }),
  }
}

/** The query result of a validated wire body; inverse of {@link resultToWire}: values exact, NaN, ±Inf and −0 kept. */
export function resultFromWire(w: QueryResultWire): QueryResult {
  return {
    series: w.series.map((s) => {
      const out: { -readonly [K in keyof Series]: Series[K] } = { runId: s.run_id, metric: s.metric, x: floatsFromWire(s.x), value: floatsFromWire(s.value) }
      for (const [k, wk] of OPTIONAL_COLUMNS) {
        const col = s[wk]
        if (col) out[k] = floatsFromWire(col)
      }
      return out
    }),
  }
}

/** Wire form of {@link RunInfo}. */
export const RunInfoWire = v.object({
  /** Run id (`id`). */
  id: v.pipe(str, v.minLength(1)),
  /** Run name. */
  name: v.optional(str),
  /** Hyper-parameters and configuration (JSON). */
  config: v.optional(v.record(str, v.unknown())),
  /** Lifecycle state. */
  status: v.picklist(['running', 'finished', 'failed', 'stopped']),
  /** Start, epoch milliseconds (`startTimeMs`). */
  start_time_ms: v.number(),
  /** End, epoch milliseconds (`endTimeMs`). */
  end_time_ms: v.optional(v.number()),
  /** Host the run ran on. */
  host: v.optional(str),
  /** Git revision of the training code (`gitRevision`). */
  git_revision: v.optional(str),
  /** Why the run ended (`reason`). */
  reason: v.optional(str),
})
export type RunInfoWire = v.InferOutput<typeof RunInfoWire>

/** The wire form of run metadata. */
export function runToWire(r: RunInfo): RunInfoWire {
  return defined({
    id: r.id,
    name: r.name,
    config: r.config ? { ...r.config } : undefined,
    status: r.status,
    start_time_ms: r.startTimeMs,
    end_time_ms: r.endTimeMs,
    host: r.host,
    git_revision: r.gitRevision,
    reason: r.reason,
  }) as RunInfoWire
}

/** The run metadata of a validated wire body; inverse of {@link runToWire}. */
export function runFromWire(w: RunInfoWire): RunInfo {
  return defined({
    id: w.id,
    name: w.name,
    config: w.config,
    status: w.status,
    startTimeMs: w.start_time_ms,
    endTimeMs: w.end_time_ms,
    host: w.host,
    gitRevision: w.git_revision,
    reason: w.reason,
  }) as RunInfo
}

/** Wire form of a {@link RangeFilter} call. */
export const RangeRequestWire = v.object({
  schema_version: version,
  from_us: v.number(),
  to_us: v.number(),
  runs: v.optional(v.array(str)),
  metrics: v.optional(v.array(str)),
})

export function rangeFilterFromWire(w: v.InferOutput<typeof RangeRequestWire>): RangeFilter | undefined {
  if (!w.runs && !w.metrics) return undefined
  return defined({ runs: w.runs, metrics: w.metrics }) as RangeFilter
}

/** A request without arguments (flush, close, runs, …). */
export const EmptyWire = v.object({ schema_version: version })
export const emptyWire = (): v.InferOutput<typeof EmptyWire> => ({ schema_version: SCHEMA_VERSION })

/** An empty acknowledgement. */
export const AckWire = v.object({
  /** Version of the wire format. */
  schema_version: version,
})
/** The acknowledgement body. */
export const ack = (): v.InferOutput<typeof AckWire> => ({ schema_version: SCHEMA_VERSION })

/** Wire form of an error answer. */
export const ErrorWire = v.object({
  /** Version of the wire format. */
  schema_version: version,
  /** The error. */
  error: v.object({
    /** Its `ENTRENAR_*` code. */
    code: str,
    /** What went wrong. */
    message: str,
    /** Structured details (option names, limits, ids), when present. */
    details: v.optional(v.record(str, v.unknown())),
  }),
})
