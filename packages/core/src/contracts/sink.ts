import type { RecordBatch } from '../batch.js'

/**
 * Where batches of points go (the spec's `MetricsEmitter`): a store, a dashboard, an exporter.
 *
 * Semantics every implementation shares (checked by the `MetricSink` conformance suite):
 * - `write` accepts a batch; it may buffer. It never mutates the batch. A rejected batch (invalid
 *   rows) throws a coded {@link EntrenarError} and leaves earlier batches untouched.
 * - The caller may reuse the batch's arrays once the promise returned by `write` settles (the
 *   monitor recycles them: allocating typed arrays per batch costs more than logging). A sink that
 *   keeps rows beyond that copies them before its promise settles.
 * - `flush` resolves once every batch written before it is as durable as the sink can make it.
 * - `close` flushes, then releases resources; `write` after `close` rejects with `ENTRENAR_CLOSED`.
 *   `close` twice is a no-op.
 *
 * @example
 * ```ts
 * const sink: MetricSink = createMemoryStore()
 * await sink.write(batchFromRows('run-1', [{ metric: 'loss', value: 0.5, step: 1, timestampUs: Date.now() * 1000, epoch: null, batch: null, tags: null }]))
 * await sink.flush()
 * ```
 */
export interface MetricSink {
  /** Accepts a batch (may buffer). */
  write(batch: RecordBatch): Promise<void>
  /** Makes every earlier write durable. */
  flush(): Promise<void>
  /** Flushes and releases resources; idempotent. */
  close(): Promise<void>
  /**
   * Throws the coded error `write` would throw for this batch's content (run id, names, steps,
   * timestamps), keeping nothing. Lets a queue in front of the sink acknowledge only rows the sink
   * will take. Optional: without it, {@link @entrenar/core!validateBatch} is the check.
   */
  validate?(batch: RecordBatch): void
}
