// Worker-thread entry: encodes sorted rows as a Parquet segment off the main thread, so the
// training loop's writes and flushes keep their latency while segments are written.
import { parentPort } from 'node:worker_threads'
import type { RecordBatch } from '@entrenar/core'
import { crc32 } from '../node/io.js'
import { RowsScratch, type SortedRows, sortRows } from './rows.js'
import { encodeSegment } from './write.js'

/**
 * A request to the encoder worker: sorted rows, or a run's batches to sort here first; or (no id) a
 * segment buffer handed back once written, to encode the next segment into.
 */
export interface EncodeRequest {
  readonly id?: number
  readonly recycle?: ArrayBuffer
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

// The sorted columns of one request at a time are reused arrays (encoding yields between row groups, so a
// second request may arrive meanwhile: it gets fresh ones).
const scratch = new RowsScratch()
let scratchBusy = false
/** The largest segment buffer handed back, reused by the next segment (fresh 10-60 MB buffers cost page faults and GC). */
let spare: ArrayBuffer | undefined

parentPort?.on('message', (req: EncodeRequest) => {
  if (req.recycle) {
    if (!spare || req.recycle.byteLength > spare.byteLength) spare = req.recycle
    return
  }
  let encoded: Promise<Uint8Array>
  const buffer = spare
  spare = undefined
  const reuse = !scratchBusy && req.rows === undefined
  if (reuse) scratchBusy = true
  try {
    const rows = req.rows ?? sortRows(req.batches!.runId, req.batches!.list, reuse ? scratch : undefined)
    encoded = encodeSegment(rows, { rowGroupRows: req.rowGroupRows, crc32, ...(req.replaces ? { replaces: req.replaces } : {}), ...(buffer ? { buffer } : {}) })
  } catch (e) {
    encoded = Promise.reject(e)
  }
  if (reuse) encoded = encoded.finally(() => (scratchBusy = false))
  encoded.then(
    (bytes) => {
      // The encoder's buffer is the segment plus a little slack: transferred whole, not copied.
      parentPort!.postMessage({ id: req.id, bytes }, [bytes.buffer as ArrayBuffer])
    },
    (e: unknown) => parentPort!.postMessage({ id: req.id, ...describe(e) }),
  )
})
