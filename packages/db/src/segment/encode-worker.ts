// Worker-thread entry: encodes sorted rows as a Parquet segment off the main thread, so the
// training loop's writes and flushes keep their latency while segments are written.
import { parentPort } from 'node:worker_threads'
import { crc32 } from '../node/io.js'
import type { RecordBatch } from '@entrenar/core'
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

parentPort?.on('message', (req: EncodeRequest) => {
  const rows = req.rows ?? sortRows(req.batches!.runId, req.batches!.list)
  encodeSegment(rows, { rowGroupRows: req.rowGroupRows, crc32, ...(req.replaces ? { replaces: req.replaces } : {}) }).then(
    (bytes) => {
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
      parentPort!.postMessage({ id: req.id, bytes: own }, [own.buffer as ArrayBuffer])
    },
    (e: unknown) => parentPort!.postMessage({ id: req.id, error: e instanceof Error ? e.message : String(e) }),
  )
})
