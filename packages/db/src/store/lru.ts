/** A least-recently-used map bounded by the total `bytes` of its entries (insertion order of a Map is the recency list). */
export class ByteLru<V> {
  readonly #max: number
  #bytes = 0
  readonly #map = new Map<string, { value: V; bytes: number }>()

  constructor(maxBytes: number) {
    this.#max = maxBytes
  }

  get bytes(): number {
    return this.#bytes
  }

  get(key: string): V | undefined {
    const e = this.#map.get(key)
    if (!e) return undefined
    this.#map.delete(key)
    this.#map.set(key, e)
    return e.value
  }

  set(key: string, value: V, bytes: number): void {
    this.delete(key)
    if (bytes > this.#max) return
    this.#map.set(key, { value, bytes })
    this.#bytes += bytes
    for (const [k, e] of this.#map) {
      if (this.#bytes <= this.#max) break
      this.#map.delete(k)
      this.#bytes -= e.bytes
    }
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
