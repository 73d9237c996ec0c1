/**
 * A least-recently-used map bounded by the total `bytes` of its entries (insertion order of a Map is
 * the recency list), resistant to scans larger than itself.
 *
 * Plain LRU answers a repeated read of more than it holds with no hit at all: each insertion evicts
 * the entry the next pass needs first. Here every read operation starts an epoch ({@link newEpoch});
 * an insertion evicts only entries not touched in the current epoch, and when those do not free
 * enough room the new entry is not admitted. A read larger than the cache therefore keeps the part it
 * read first and decodes the rest again next time: its cost falls with the share that fits, instead
 * of staying at a full decode.
 */
export class ByteLru<V> {
  readonly #max: number
  #bytes = 0
  #epoch = 0
  readonly #map = new Map<string, { value: V; bytes: number; epoch: number }>()

  constructor(maxBytes: number) {
    this.#max = maxBytes
  }

  get bytes(): number {
    return this.#bytes
  }

  get maxBytes(): number {
    return this.#max
  }

  /** Starts a new read operation: entries it touches are protected from its own later insertions. */
  newEpoch(): void {
    this.#epoch++
  }

  get(key: string): V | undefined {
    const e = this.#map.get(key)
    if (!e) return undefined
    this.#map.delete(key)
    e.epoch = this.#epoch
    this.#map.set(key, e)
    return e.value
  }

  /** True when `key` is cached (recency unchanged). */
  has(key: string): boolean {
    return this.#map.has(key)
  }

  /** Caches `value`; false when it was not admitted (larger than the bound, or room only by evicting this epoch's entries). */
  set(key: string, value: V, bytes: number): boolean {
    this.delete(key)
    if (bytes > this.#max) return false
    const need = this.#bytes + bytes - this.#max
    if (need > 0) {
      // Entries of the current epoch sit at the tail (every touch moves an entry there): count what the older ones free.
      let free = 0
      for (const e of this.#map.values()) {
        if (free >= need || e.epoch === this.#epoch) break
        free += e.bytes
      }
      if (free < need) return false
      for (const [k, e] of this.#map) {
        if (this.#bytes + bytes <= this.#max) break
        this.#map.delete(k)
        this.#bytes -= e.bytes
      }
    }
    this.#map.set(key, { value, bytes, epoch: this.#epoch })
    this.#bytes += bytes
    return true
  }

  delete(key: string): void {
    const e = this.#map.get(key)
    if (!e) return
    this.#map.delete(key)
    this.#bytes -= e.bytes
  }

  /** Drops every entry whose key starts with `prefix`. */
  deletePrefix(prefix: string): void {
    for (const k of [...this.#map.keys()]) if (k.startsWith(prefix)) this.delete(k)
  }
}
