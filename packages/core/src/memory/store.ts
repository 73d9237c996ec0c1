import { checkMetricName, checkStep, RecordBatchBuilder, type RecordBatch } from '../batch.js'
import type { MetricSink } from '../contracts/sink.js'
import type { MetricStore, RunInfo } from '../contracts/store.js'
import { EntrenarError, ErrorCodes } from '../errors.js'
import { executeQuery } from '../query/execute.js'
import type { MetricQuery, QueryResult, RangeFilter } from '../query/types.js'

/** Largest timestamp magnitude a store keeps, µs (int64 range, rounded down to a double). */
const MAX_TIMESTAMP_US = 9.2e18

/** Rejects a batch whose columns disagree or whose rows are invalid, before anything is kept. */
export function validateBatch(batch: RecordBatch, prefix = 'entrenar/core'): void {
  const bad = (msg: string): never => {
    throw new EntrenarError(ErrorCodes.WIRE_INVALID, `${prefix}: batch of run ${JSON.stringify(batch.runId)} ${msg}`)
  }
  if (typeof batch.runId !== 'string' || batch.runId.length === 0) {
    throw new EntrenarError(ErrorCodes.INVALID_RUN_ID, `${prefix}: batch has no run id`)
  }
  const n = batch.length
  for (const col of ['metric', 'value', 'step', 'timestampUs', 'epoch', 'batch', 'tagIndex'] as const) {
    if (batch[col].length !== n) bad(`column ${col} has ${batch[col].length} entries, expected ${n}`)
  }
  for (const name of batch.metricNames) {
    const e = checkMetricName(name)
    if (e) throw e
  }
  for (let i = 0; i < n; i++) {
    if (batch.metric[i]! >= batch.metricNames.length) bad(`row ${i} references metric ${batch.metric[i]} of ${batch.metricNames.length}`)
    const t = batch.tagIndex[i]!
    if (t < -1 || t >= batch.tagSets.length) bad(`row ${i} references tag set ${t} of ${batch.tagSets.length}`)
    const e = checkStep(batch.step[i])
    if (e) throw e
    const ts = batch.timestampUs[i]!
    // Stores keep microseconds as int64 (Parquet TIMESTAMP_MICROS): ±9.2e18 µs.
    if (!Number.isFinite(ts) || Math.abs(ts) > MAX_TIMESTAMP_US) bad(`row ${i} has timestamp_us ${ts}, not a finite number of microseconds within ±${MAX_TIMESTAMP_US}`)
  }
}

/** A copy of a batch that owns its arrays, so later mutation by the writer cannot change stored rows. */
function ownCopy(batch: RecordBatch): RecordBatch {
  const b = new RecordBatchBuilder(batch.runId, batch.length)
  for (let i = 0; i < batch.length; i++) b.appendFrom(batch, i)
  return b.finish()
}

class MemoryStore implements MetricStore {
  #batches: RecordBatch[] = []
  #runs = new Map<string, RunInfo>()
  #closed = false

  validate(batch: RecordBatch): void {
    validateBatch(batch)
  }

  async write(batch: RecordBatch): Promise<void> {
    this.#open()
    validateBatch(batch)
    if (batch.length > 0) this.#batches.push(ownCopy(batch))
  }

  async flush(): Promise<void> {
    this.#open()
  }

  async close(): Promise<void> {
    this.#closed = true
  }

  async query(q: MetricQuery): Promise<QueryResult> {
    return executeQuery(q, this.#batches)
  }

  async range(fromUs: number, toUs: number, filter?: RangeFilter): Promise<RecordBatch[]> {
    const runs = filter?.runs ? new Set(filter.runs) : undefined
    const metrics = filter?.metrics ? new Set(filter.metrics) : undefined
    const byRun = new Map<string, RecordBatchBuilder>()
    for (const batch of this.#batches) {
      if (runs && !runs.has(batch.runId)) continue
      for (let i = 0; i < batch.length; i++) {
        const ts = batch.timestampUs[i]!
        if (ts < fromUs || ts > toUs) continue
        if (metrics && !metrics.has(batch.metricNames[batch.metric[i]!]!)) continue
        let b = byRun.get(batch.runId)
        if (!b) {
          b = new RecordBatchBuilder(batch.runId)
          byRun.set(batch.runId, b)
        }
        b.appendFrom(batch, i)
      }
    }
    return [...byRun.keys()].sort().map((id) => byRun.get(id)!.finish())
  }

  async runs(): Promise<RunInfo[]> {
    return [...this.#runs.values()].sort((a, b) => a.startTimeMs - b.startTimeMs || (a.id < b.id ? -1 : 1))
  }

  async putRun(run: RunInfo): Promise<void> {
    this.#open()
    if (typeof run.id !== 'string' || run.id.length === 0) throw new EntrenarError(ErrorCodes.INVALID_RUN_ID, 'entrenar/core: run id must be a non-empty string')
    this.#runs.set(run.id, structuredClone(run))
  }

  #open(): void {
    if (this.#closed) throw new EntrenarError(ErrorCodes.CLOSED, 'entrenar/core: memory store is closed')
  }
}

/**
 * The in-memory {@link MetricStore}: the reference semantics of the contract, and what unit tests use.
 * Nothing is persisted; `flush` only checks the store is open.
 *
 * @example
 * ```ts
 * const store = createMemoryStore()
 * const monitor = await createMonitor({ runId: 'r1', store })
 * ```
 */
export function createMemoryStore(): MetricStore {
  return new MemoryStore()
}

/** A {@link MetricSink} that drops everything (the no-op implementation). */
export function createNoopSink(): MetricSink {
  return {
    write: async () => {},
    flush: async () => {},
    close: async () => {},
  }
}
