import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { EntrenarError, ErrorCodes, type RecordBatch } from '@entrenar/core'
import { type SortedRows, sortRows } from '../segment/rows.js'
import { encodeSegment } from '../segment/write.js'
import { crc32 } from './io.js'
import { withoutInvalid, workerExecArgv } from './worker-argv.js'

/** Encodes segments: on a worker thread when its module is present (the built package), else inline. */
export interface SegmentEncoder {
  /** Encodes `rows` (their typed arrays are transferred to the worker: do not use them afterwards). */
  encode(rows: SortedRows, rowGroupRows: number, replaces?: readonly string[]): Promise<Uint8Array>
  /** Sorts a run's batches (copied, not transferred) and encodes them; both steps off the main thread when threaded. */
  encodeBatches(runId: string, batches: readonly RecordBatch[], rowGroupRows: number): Promise<Uint8Array>
  /** Starts the worker now (when threaded), so the first segment does not wait for its start-up. */
  warm(): void
  /** Hands a written segment's buffer back to the worker for the next segment (do not use `bytes` afterwards). */
  recycle(bytes: Uint8Array): void
  /** True when a worker thread does the encoding. */
  readonly threaded: boolean
  /** Workers that died (crashed, ran out of memory, were terminated) while encoding. */
  readonly workerDeaths: number
  close(): Promise<void>
}

/** Options of `createEncoder`. */
export interface EncoderOptions {
  /** False encodes on the calling thread. Default true (when the worker module exists). */
  readonly threaded?: boolean
  /** The worker module. Default: `encode-worker.js` beside the built entry point. */
  readonly workerUrl?: URL
  /** The parent's flags the worker's are derived from. Default `process.execArgv`. */
  readonly execArgv?: readonly string[]
  /**
   * Called once per worker that died with requests in flight, with an `ENTRENAR_SINK_FAILED` whose
   * message and `cause` carry the worker's own error. Its `batches` requests were encoded again (on a
   * fresh worker, then on this thread), so no rows are lost; `rows` requests fail with the same cause.
   */
  readonly onWorkerDeath?: (error: EntrenarError) => void
}

/** The worker module beside the built entry point (`dist/encode-worker.js`). */
export function defaultWorkerUrl(): URL {
  return new URL('./encode-worker.js', import.meta.url)
}

/** A request in flight: what to send, and whether it can be sent again (its data was copied, not transferred). */
interface Request {
  readonly message: Record<string, unknown>
  readonly transfer: ArrayBuffer[]
  readonly retry: (() => Promise<Uint8Array>) | undefined
  attempts: number
  resolve(b: Uint8Array): void
  reject(e: Error): void
}

/** Reply of the worker: the segment, an encoding error, or (id -1) the error that is about to kill it. */
interface Reply {
  readonly id: number
  readonly bytes?: Uint8Array
  readonly error?: string
  readonly stack?: string
}

/** Fresh-worker attempts of a copied request before it is encoded on the calling thread. */
const WORKER_ATTEMPTS = 2

/**
 * Creates an encoder. `workerUrl` defaults to the built worker module; when it does not exist (tests
 * running from TypeScript sources) or `threaded` is false, encoding runs inline, yielding between row groups.
 */
export function createEncoder(options: EncoderOptions = {}): SegmentEncoder {
  const url = options.workerUrl ?? defaultWorkerUrl()
  const inlineRows = (rows: SortedRows, rowGroupRows: number, replaces?: readonly string[]) =>
    encodeSegment(rows, { rowGroupRows, crc32, ...(replaces ? { replaces } : {}) })
  const inlineBatches = (runId: string, batches: readonly RecordBatch[], rowGroupRows: number) => encodeSegment(sortRows(runId, batches), { rowGroupRows, crc32 })
  if (options.threaded === false || url.protocol !== 'file:' || !existsSync(fileURLToPath(url))) {
    return { threaded: false, workerDeaths: 0, warm: () => {}, recycle: () => {}, encode: inlineRows, encodeBatches: inlineBatches, close: async () => {} }
  }
  let execArgv = workerExecArgv(options.execArgv ?? process.execArgv)
  let worker: { w: Worker; waiting: Map<number, Request>; closing: boolean } | undefined
  let next = 0
  let deaths = 0

  const spawn = (): Worker => {
    try {
      return execArgv ? new Worker(url, { execArgv }) : new Worker(url)
    } catch (e) {
      // V8 and per-process flags are accepted when inherited but rejected when listed: drop them.
      if ((e as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || !execArgv) throw e
      const kept = withoutInvalid(execArgv, (e as Error).message)
      execArgv = kept.length < execArgv.length ? kept : []
      return spawn()
    }
  }

  const start = () => {
    const w = spawn()
    const waiting = new Map<number, Request>()
    const self = { w, waiting, closing: false }
    let cause: { message: string; error: unknown } | undefined
    const die = (why: string, error: unknown) => {
      if (worker === self) worker = undefined
      cause ??= { message: why, error }
      if (waiting.size === 0 || self.closing) {
        for (const r of waiting.values()) r.reject(new EntrenarError(ErrorCodes.CLOSED, 'entrenar/db: segment encoder closed while encoding'))
        waiting.clear()
        return
      }
      deaths++
      const requests = [...waiting.values()]
      waiting.clear()
      const retried = requests.filter((r) => r.retry).length
      const err = new EntrenarError(
        ErrorCodes.SINK_FAILED,
        `entrenar/db: segment encoder worker died with ${requests.length} request(s) in flight: ${cause.message}` +
          (retried > 0 ? ` (${retried} encoded again)` : ''),
        { cause: cause.error },
      )
      try {
        options.onWorkerDeath?.(err)
      } catch {
        // a failing handler must not lose the retry
      }
      for (const r of requests) {
        if (!r.retry) r.reject(err)
        else if (r.attempts < WORKER_ATTEMPTS) {
          r.attempts++
          dispatch(r)
        } else r.retry().then(r.resolve, (e: unknown) => r.reject(e instanceof Error ? e : new Error(String(e))))
      }
    }
    w.on('message', (m: Reply) => {
      if (m.id === -1) {
        // The worker's own uncaught error, sent just before it exits.
        cause ??= { message: m.error ?? 'unknown error', error: Object.assign(new Error(m.error), { stack: m.stack }) }
        return
      }
      const p = waiting.get(m.id)
      if (!p) return
      waiting.delete(m.id)
      if (waiting.size === 0) w.unref()
      if (m.bytes) p.resolve(m.bytes)
      else p.reject(new EntrenarError(ErrorCodes.SINK_FAILED, `entrenar/db: segment encoder: ${m.error}`, { cause: Object.assign(new Error(m.error), { stack: m.stack }) }))
    })
    w.on('messageerror', (e) => die(`a reply could not be deserialised: ${e.message}`, e))
    w.on('error', (e) => die(`${e.name}: ${e.message}`, e))
    w.on('exit', (code) => die(`exited with code ${code}`, undefined))
    w.unref()
    return self
  }

  const dispatch = (r: Request) => {
    worker ??= start()
    const { w, waiting } = worker
    const id = next++
    waiting.set(id, r)
    w.ref()
    w.postMessage({ id, ...r.message }, r.attempts === 0 ? r.transfer : [])
  }

  const send = (message: Record<string, unknown>, transfer: ArrayBuffer[], retry?: () => Promise<Uint8Array>): Promise<Uint8Array> =>
    new Promise<Uint8Array>((resolve, reject) => dispatch({ message, transfer, retry, attempts: 0, resolve, reject }))

  return {
    threaded: true,
    get workerDeaths() {
      return deaths
    },
    warm() {
      worker ??= start()
    },
    recycle(bytes) {
      const buf = bytes.buffer
      // Only a buffer of our own that a live worker can take (not a SharedArrayBuffer, not a small one).
      if (!worker || worker.closing || !(buf instanceof ArrayBuffer) || buf.byteLength < 1 << 20) return
      try {
        worker.w.postMessage({ recycle: buf }, [buf])
      } catch {
        // a worker on its way out: the buffer is simply dropped
      }
    },
    encode(rows, rowGroupRows, replaces) {
      const transfer = [rows.metric, rows.step, rows.timestampUs, rows.value, rows.epoch, rows.batch, rows.tagIndex].map((a) => a.buffer as ArrayBuffer)
      return send({ rows, rowGroupRows, ...(replaces ? { replaces } : {}) }, [...new Set(transfer)])
    },
    encodeBatches(runId, batches, rowGroupRows) {
      // Structured clone copies the batches: they stay readable here, so a dead worker's request can be sent again.
      return send({ batches: { runId, list: batches }, rowGroupRows }, [], () => inlineBatches(runId, batches, rowGroupRows))
    },
    async close() {
      const current = worker
      worker = undefined
      if (current) {
        current.closing = true
        await current.w.terminate()
      }
    },
  }
}
