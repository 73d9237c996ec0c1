import { EntrenarError, ErrorCodes, type MetricSink, type MetricStore, type RecordBatch, type RunInfo, validateBatch } from '@entrenar/core'

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
}

/** A store whose writes pass through a bounded queue: a full queue refuses with `ENTRENAR_BUSY` instead of growing. */
export interface BoundedStore extends MetricStore {
  stats(): QueueStats
  /** Rows that could be accepted right now. */
  capacity(): number
  /** Writes every queued row and flushes the store, unless the store was closed through `close`. */
  drain(): Promise<void>
}

/**
 * Wraps a store so that `write` validates the batch, hands it to `also` sinks (the exporter,
 * synchronously cheap) and queues it for the store; one writer drains the queue in order. When
 * `maxQueuedRows` would be exceeded, `write` rejects with `ENTRENAR_BUSY`: the caller retries
 * later (HTTP 429 + Retry-After) and memory stays bounded whatever the clients do.
 * A store failure while draining rejects the next `flush`, as a sink's `flush` promises.
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
  let failure: unknown = null
  let closed = false

  const drain = async (): Promise<void> => {
    while (head < queue.length) {
      const batch = queue[head]!
      try {
        await store.write(batch)
        written += batch.length
      } catch (e) {
        failure ??= e
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
      validateBatch(batch, 'entrenar/serve')
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
    async flush() {
      await settle()
      if (failure) {
        const e = failure
        failure = null
        throw e
      }
      await store.flush()
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
    stats: () => ({ queuedRows: queued, peakQueuedRows: peak, maxQueuedRows: max, acceptedRows: accepted, writtenRows: written, rejectedWrites: rejected }),
    capacity: () => max - queued,
    drain: async () => {
      if (closed) return settle()
      return bounded.flush()
    },
  }
  if (store.sql) {
    const sql = store.sql.bind(store)
    Object.assign(bounded, { sql: (text: string) => sql(text) })
  }
  return bounded
}
