import { EntrenarError, ErrorCodes, type MetricSink, type MetricStore, type RecordBatch, type RunInfo, type SqlOptions, validateBatch } from '@entrenar/core'

/** Error code of a write refused because the queue is full (HTTP 429 on the wire). */
export const BUSY = 'ENTRENAR_BUSY'

/** Counters of a {@link BoundedStore}. */
export interface QueueStats {
  /** Rows accepted and not yet written to the store. */
  readonly queuedRows: number
  /** Highest `queuedRows` seen. */
  readonly peakQueuedRows: number
  /** The bound. */
  readonly maxQueuedRows: number
  /** Rows accepted since start. */
  readonly acceptedRows: number
  /** Rows the store has taken. */
  readonly writtenRows: number
  /** Writes refused because the queue was full. */
  readonly rejectedWrites: number
  /** Queued writes the store then failed to take (each also went to `onError` and is reported to its run's writer). */
  readonly drainFailures: number
  /** Rows of those writes: accepted, then lost. */
  readonly lostRows: number
}

/** A store whose writes pass through a bounded queue: a full queue refuses with `ENTRENAR_BUSY` instead of growing. */
export interface BoundedStore extends MetricStore {
  /** Queue counters: rows queued now and at the peak, the cap, rows accepted and written, writes refused, drain failures. */
  stats(): QueueStats
  /** Rows that could be accepted right now. */
  capacity(): number
  /** Writes every queued row and flushes the store, unless the store was closed through `close`. */
  drain(): Promise<void>
  /**
   * Waits until every row accepted so far has been handed to the store, without flushing the
   * shared store; rejects with the failures of earlier queued writes (`ENTRENAR_SINK_FAILED`).
   */
  settle(): Promise<void>
  /** True once `close` was called. */
  closed(): boolean
  /** The store's own checks of a batch (its `validate`, else core's `validateBatch`); keeps nothing. */
  validate(batch: RecordBatch): void
}

/**
 * Wraps a store so that `write` validates the batch with the store's own rules (`validate`, else
 * core's `validateBatch`) before accepting it, hands it to `also` sinks (the exporter,
 * synchronously cheap) and queues it for the store; one writer drains the queue in order. When
 * `maxQueuedRows` would be exceeded, `write` rejects with `ENTRENAR_BUSY`: the caller retries
 * later (HTTP 429 + Retry-After) and memory stays bounded whatever the clients do.
 * A store failure while draining (a full disk, say) is counted, sent to `onError`, and reported
 * to the writer of that run: its next write, or the next `flush`/`settle`, rejects with
 * `ENTRENAR_SINK_FAILED` naming the rows lost.
 */
export function boundedStore(
  store: MetricStore,
  options: { maxQueuedRows: number; also?: readonly MetricSink[]; onRun?: (run: RunInfo) => void; onError?: (e: unknown) => void },
): BoundedStore {
  const max = options.maxQueuedRows
  if (!(Number.isInteger(max) && max > 0)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: maxQueuedRows ${max} must be a positive integer`)
  const also = options.also ?? []
  const queue: RecordBatch[] = []
  let head = 0
  let queued = 0
  let peak = 0
  let accepted = 0
  let written = 0
  let rejected = 0
  let draining: Promise<void> | null = null
  /** Drain failures not yet reported, by run id. */
  const failures = new Map<string, { rows: number; cause: unknown }>()
  let drainFailures = 0
  let lostRows = 0
  let closed = false

  const failed = (runs: readonly string[]): EntrenarError => {
    const lost = runs.map((r) => ({ run: r, ...failures.get(r)! }))
    for (const r of runs) failures.delete(r)
    const first = lost[0]!.cause
    const why = first instanceof Error ? first.message : String(first)
    return new EntrenarError(
      ErrorCodes.SINK_FAILED,
      `entrenar/serve: ${lost.reduce((n, l) => n + l.rows, 0)} accepted rows of run ${lost.map((l) => JSON.stringify(l.run)).join(', ')} could not be stored: ${why}`,
      { cause: first, details: { runs: lost.map((l) => ({ run_id: l.run, lost_rows: l.rows })) } },
    )
  }
  const report = (): void => {
    if (failures.size > 0) throw failed([...failures.keys()])
  }
  const check = (batch: RecordBatch): void => {
    if (store.validate) store.validate(batch)
    else validateBatch(batch, 'entrenar/serve')
  }

  const drain = async (): Promise<void> => {
    while (head < queue.length) {
      const batch = queue[head]!
      try {
        await store.write(batch)
        written += batch.length
      } catch (e) {
        drainFailures++
        lostRows += batch.length
        const f = failures.get(batch.runId)
        failures.set(batch.runId, { rows: (f?.rows ?? 0) + batch.length, cause: f?.cause ?? e })
        options.onError?.(e)
      }
      queue[head++] = undefined as unknown as RecordBatch
      queued -= batch.length
      if (head > 1024 && head * 2 > queue.length) {
        queue.splice(0, head)
        head = 0
      }
    }
    queue.length = 0
    head = 0
  }
  const kick = (): void => {
    if (!draining) {
      draining = drain().finally(() => {
        draining = null
        if (head < queue.length) kick()
      })
    }
  }
  const settle = async (): Promise<void> => {
    while (draining) await draining
  }

  const bounded: BoundedStore = {
    async write(batch) {
      if (closed) throw new EntrenarError(ErrorCodes.CLOSED, 'entrenar/serve: write after close')
      if (failures.has(batch.runId)) throw failed([batch.runId])
      check(batch)
      if (batch.length === 0) return
      // A batch larger than the whole queue can never fit: retrying would loop forever, so it is refused as too large.
      if (batch.length > max) {
        rejected++
        throw new EntrenarError('ENTRENAR_BODY_TOO_LARGE', `entrenar/serve: a batch of ${batch.length} rows exceeds the queue of ${max} rows; split it`, {
          details: { batch_rows: batch.length, max_queued_rows: max },
        })
      }
      if (queued + batch.length > max) {
        rejected++
        throw new EntrenarError(BUSY, `entrenar/serve: ${queued} rows queued, ${batch.length} more would exceed ${max}; retry later`, {
          details: { queued_rows: queued, max_queued_rows: max, batch_rows: batch.length },
        })
      }
      for (const s of also) await s.write(batch)
      queue.push(batch)
      queued += batch.length
      accepted += batch.length
      if (queued > peak) peak = queued
      kick()
    },
    validate: check,
    async flush() {
      await settle()
      report()
      await store.flush()
    },
    async settle() {
      await settle()
      report()
    },
    async close() {
      if (closed) return
      await bounded.flush().catch((e: unknown) => options.onError?.(e))
      closed = true
      await store.close()
    },
    query: (q) => store.query(q),
    range: (from, to, filter) => store.range(from, to, filter),
    runs: () => store.runs(),
    putRun: async (run) => {
      await store.putRun(run)
      options.onRun?.(run)
    },
    stats: () => ({ queuedRows: queued, peakQueuedRows: peak, maxQueuedRows: max, acceptedRows: accepted, writtenRows: written, rejectedWrites: rejected, drainFailures, lostRows }),
    capacity: () => max - queued,
    closed: () => closed,
    drain: async () => {
      if (closed) return settle()
      return bounded.flush()
    },
  }
  if (store.sql) {
    const sql = store.sql.bind(store)
    Object.assign(bounded, { sql: (text: string, options?: SqlOptions) => sql(text, options) })
  }
  return bounded
}
