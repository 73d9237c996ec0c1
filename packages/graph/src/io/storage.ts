/**
 * Where the lineage tables live: a tiny byte-level seam (as hyparquet's `AsyncBuffer`), so the graph
 * runs in a browser with any storage and in Node with `fsStorage` (`dir` option).
 */
export interface LineageStorage {
  /**
   * The bytes of a file, or undefined when it does not exist. The graph may keep and modify the
   * returned bytes (a load adopts columns in place): return a copy when they are shared.
   */
  read(name: string): Promise<Uint8Array | undefined>
  /** Writes the given files, each one atomically (a reader sees the whole file or none). */
  write(files: Readonly<Record<string, Uint8Array>>): Promise<void>
  /** The names of the files present. */
  list(): Promise<string[]>
  /** Deletes files; names that do not exist are ignored. */
  remove(names: readonly string[]): Promise<void>
  /**
   * Optional: reads only some byte ranges of a file. `plan` gets the file size and its last
   * `tail` bytes (the Parquet footer) and returns the ranges wanted; the result has the file's size,
   * those ranges and the tail filled in, and zeros elsewhere (left untouched, so never paged in).
   * Undefined when the file does not exist. Without it, loads read whole files.
   */
  readRanges?(name: string, tail: number, plan: (size: number, tail: Uint8Array) => readonly (readonly [number, number])[]): Promise<Uint8Array | undefined>
}

/** An in-memory {@link LineageStorage} (tests, browsers). */
export function memoryStorage(): LineageStorage {
  const files = new Map<string, Uint8Array>()
  return {
    async read(name) {
      const f = files.get(name)
      return f ? f.slice() : undefined
    },
    async write(update) {
      for (const [name, bytes] of Object.entries(update)) files.set(name, bytes.slice())
    },
    async list() {
      return [...files.keys()]
    },
    async remove(names) {
      for (const name of names) files.delete(name)
    },
  }
}
