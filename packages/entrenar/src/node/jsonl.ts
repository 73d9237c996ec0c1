/**
 * JSON-lines files of a store directory (incidents, drift events): durable appends. They are read back by
 * `@entrenar/core/node`'s `readJsonlLogSync` (in chunks, unreadable lines counted).
 */
import { mkdirSync } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { dirname } from 'node:path'

/** Appends JSON lines to a file without blocking the caller; see {@link openJsonlAppender}. */
export interface JsonlAppender {
  /** Queues one object; returns at once. */
  append(o: unknown): void
  /** Resolves when every line queued so far is written (and fsync'd). */
  flush(): Promise<void>
  /** Flushes and closes the file. Idempotent; `append` after close reports an error. */
  close(): Promise<void>
}

class Appender implements JsonlAppender {
  readonly #path: string
  readonly #onError: (e: unknown) => void
  #queue: string[] = []
  #running: Promise<void> | undefined
  #handle: FileHandle | undefined
  #closed = false

  constructor(path: string, onError: (e: unknown) => void) {
    this.#path = path
    this.#onError = onError
  }

  append(o: unknown): void {
    if (this.#closed) {
      this.#onError(new Error(`append to ${this.#path} after close`))
      return
    }
    this.#queue.push(`${JSON.stringify(o)}\n`)
    this.#kick()
  }

  // One drain at a time. `running` is cleared only after the drain settled (never inside it: a drain
  // that fails before its first await would finish before the assignment), then lines queued in the
  // meantime start the next one.
  #kick(): void {
    if (this.#running || this.#queue.length === 0) return
    this.#running = this.#drain().finally(() => {
      this.#running = undefined
      this.#kick()
    })
  }

  // Group commit: lines queued while a write and its fsync run go out together in the next write.
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const text = this.#queue.join('')
      this.#queue = []
      try {
        if (!this.#handle) {
          mkdirSync(dirname(this.#path), { recursive: true })
          this.#handle = await open(this.#path, 'a')
        }
        await this.#handle.write(text)
        await this.#handle.sync()
      } catch (e) {
        this.#onError(e)
      }
    }
  }

  async flush(): Promise<void> {
    while (this.#running) await this.#running
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.flush()
    const h = this.#handle
    this.#handle = undefined
    await h?.close()
  }
}

/**
 * Opens `path` for durable appends (parent directories created on the first line): writes are serialised,
 * group-committed and fsync'd, so a line whose `flush()` resolved survives a crash. Write errors go to
 * `onError` (the training loop is never interrupted by a full disk).
 */
export function openJsonlAppender(path: string, onError: (e: unknown) => void): JsonlAppender {
  return new Appender(path, onError)
}

/** Records of a JSON-lines log and the lines that could not be read as one. */
export interface StoredRecords<T> {
  /** The records read, in file order. */
  readonly events: T[]
  /** Lines skipped as unreadable: torn, not JSON, not a record, or over the reader's line limit. */
  readonly malformed: number
}
