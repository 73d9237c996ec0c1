// Worker-thread entry: encodes sorted rows as a Parquet segment off the main thread, so the
// training loop's writes and flushes keep their latency while segments are written.
import { parentPort } from 'node:worker_threads'
import type { RecordBatch } from '@entrenar/core'
import { crc32 } from '../node/io.js'
import { type SortedRows, sortRows } from './rows.js'
import { encodeSegment } from './write.js'

/** A request to the encoder worker: sorted rows, or a run's batches to sort here first. */
export interface EncodeRequest {
  readonly id: number
  readonly rows?: SortedRows
  readonly batches?: { readonly runId: string; readonly list: readonly RecordBatch[] }
  readonly rowGroupRows: number
  readonly replaces?: readonly string[]
}

const describe = (e: unknown) => ({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), stack: e instanceof Error ? e.stack : undefined })

// An error that would kill this thread is sent first (id -1), so the parent reports the cause, not only an exit code.
process.on('uncaughtException', (e) => {
  parentPort?.postMessage({ id: -1, ...describe(e) })
  process.exit(1)
})
process.on('unhandledRejection', (e) => {
  parentPort?.postMessage({ id: -1, ...describe(e) })
  process.exit(1)
})

parentPort?.on('message', (req: EncodeRequest) => {
  let encoded: Promise<Uint8Array>
  try {
    const rows = req.rows ?? sortRows(req.batches!.runId, req.batches!.list)
    encoded = encodeSegment(rows, { rowGroupRows: req.rowGroupRows, crc32, ...(req.replaces ? { replaces: req.replaces } : {}) })
  } catch (e) {
    encoded = Promise.reject(e)
  }
  encoded.then(
    (bytes) => {
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
      parentPort!.postMessage({ id: req.id, bytes: own }, [own.buffer as ArrayBuffer])
    },
    (e: unknown) => parentPort!.postMessage({ id: req.id, ...describe(e) }),
  )
})
