import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { RecordBatch } from '@entrenar/core'
import { type SortedRows, sortRows } from '../segment/rows.js'
import { encodeSegment } from '../segment/write.js'
import { crc32 } from './io.js'

/** Encodes segments: on a worker thread when its module is present (the built package), else inline. */
export interface SegmentEncoder {
  /** Encodes `rows` (their typed arrays are transferred to the worker: do not use them afterwards). */
  encode(rows: SortedRows, rowGroupRows: number, replaces?: readonly string[]): Promise<Uint8Array>
  /** Sorts a run's batches (copied, not transferred) and encodes them; both steps off the main thread when threaded. */
  encodeBatches(runId: string, batches: readonly RecordBatch[], rowGroupRows: number): Promise<Uint8Array>
  /** True when a worker thread does the encoding. */
  readonly threaded: boolean
  close(): Promise<void>
}

/** The worker module beside the built entry point (`dist/encode-worker.js`). */
export function defaultWorkerUrl(): URL {
  return new URL('./encode-worker.js', import.meta.url)
}

/**
 * Creates an encoder. `workerUrl` defaults to the built worker module; when it does not exist (tests
 * running from TypeScript sources) or `threaded` is false, encoding runs inline, yielding between row groups.
 */
export function createEncoder(options: { threaded?: boolean; workerUrl?: URL } = {}): SegmentEncoder {
  const url = options.workerUrl ?? defaultWorkerUrl()
  if (options.threaded === false || url.protocol !== 'file:' || !existsSync(fileURLToPath(url))) {
    return {
      threaded: false,
      encode: (rows, rowGroupRows, replaces) => encodeSegment(rows, { rowGroupRows, crc32, ...(replaces ? { replaces } : {}) }),
      encodeBatches: (runId, batches, rowGroupRows) => encodeSegment(sortRows(runId, batches), { rowGroupRows, crc32 }),
      close: async () => {},
    }
  }
  let worker: Worker | undefined
  let next = 0
  const waiting = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>()
  const failAll = (e: Error) => {
    for (const w of waiting.values()) w.reject(e)
    waiting.clear()
    worker = undefined
  }
  const start = (): Worker => {
    const w = new Worker(url)
    w.on('message', (m: { id: number; bytes?: Uint8Array; error?: string }) => {
      const p = waiting.get(m.id)
      if (!p) return
      waiting.delete(m.id)
      if (waiting.size === 0) w.unref()
      if (m.bytes) p.resolve(m.bytes)
      else p.reject(new Error(`entrenar/db: segment encoder: ${m.error}`))
    })
    w.on('error', (e) => failAll(e))
    w.on('exit', (code) => {
      if (waiting.size > 0) failAll(new Error(`entrenar/db: segment encoder exited with code ${code}`))
      worker = undefined
    })
    w.unref()
    return w
  }
  const send = (message: Record<string, unknown>, transfer: ArrayBuffer[]): Promise<Uint8Array> => {
    worker ??= start()
    const w = worker
    const id = next++
    return new Promise<Uint8Array>((resolve, reject) => {
      waiting.set(id, { resolve, reject })
      w.ref()
      w.postMessage({ id, ...message }, transfer)
    })
  }
  return {
    threaded: true,
    encode(rows, rowGroupRows, replaces) {
      const transfer = [rows.metric, rows.step, rows.timestampUs, rows.value, rows.epoch, rows.batch, rows.tagIndex].map((a) => a.buffer as ArrayBuffer)
      return send({ rows, rowGroupRows, ...(replaces ? { replaces } : {}) }, [...new Set(transfer)])
    },
    encodeBatches(runId, batches, rowGroupRows) {
      // Structured clone copies the batches: they stay readable here while the segment is written.
      return send({ batches: { runId, list: batches }, rowGroupRows }, [])
    },
    async close() {
      const w = worker
      worker = undefined
      if (w) await w.terminate()
    },
  }
}
