/**
 * Where the lineage tables live: a tiny byte-level seam (as hyparquet's `AsyncBuffer`), so the graph
 * runs in a browser with any storage and in Node with {@link fsStorage}.
 */
export interface LineageStorage {
  /** The bytes of a file, or undefined when it does not exist. */
  read(name: string): Promise<Uint8Array | undefined>
  /** Replaces the given files; each one atomically. */
  write(files: Readonly<Record<string, Uint8Array>>): Promise<void>
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
  }
}
