/** 32-bit FNV-1a over UTF-16 code units (Fowler–Noll–Vo; fast and well spread for short ids). */
export function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/**
 * A string ↔ dense index table: index i holds the i-th distinct string added. The reverse index is
 * an open-addressing hash table (linear probing, load ≤ 1/2) of int32 slots with the hashes kept
 * beside the strings, so 1M ids cost two typed arrays instead of a 1M-entry `Map` — several times
 * faster to build here, and a fraction of the memory.
 */
export class StringTable {
  #strings: string[] = []
  #hashes = new Uint32Array(16)
  #slots = new Int32Array(32).fill(-1)
  #mask = 31

  get size(): number {
    return this.#strings.length
  }

  #find(s: string, h: number): number {
    const slots = this.#slots
    const mask = this.#mask
    const strings = this.#strings
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const i = slots[k]!
      if (i < 0) return -1 - k
      if (this.#hashes[i] === h && strings[i] === s) return i
    }
  }

  #grow(needed: number): void {
    if (needed > this.#hashes.length) {
      let cap = this.#hashes.length
      while (cap < needed) cap *= 2
      const hashes = new Uint32Array(cap)
      hashes.set(this.#hashes)
      this.#hashes = hashes
    }
    if (needed * 2 <= this.#slots.length) return
    let cap = this.#slots.length
    while (cap < needed * 2) cap *= 2
    const slots = new Int32Array(cap).fill(-1)
    const mask = cap - 1
    const hashes = this.#hashes
    for (let i = 0; i < this.#strings.length; i++) {
      let k = hashes[i]! & mask
      while (slots[k]! >= 0) k = (k + 1) & mask
      slots[k] = i
    }
    this.#slots = slots
    this.#mask = mask
  }

  /** The index of `s`, adding it when new. */
  intern(s: string): number {
    const h = hashString(s)
    const found = this.#find(s, h)
    if (found >= 0) return found
    const i = this.#strings.length
    this.#grow(i + 1)
    this.#strings.push(s)
    this.#hashes[i] = h
    // The table may have been rebuilt: probe again for the free slot.
    this.#slots[-1 - this.#find(s, h)] = i
    return i
  }

  /** The index of `s`, or -1. */
  lookup(s: string): number {
    const i = this.#find(s, hashString(s))
    return i < 0 ? -1 : i
  }

  get(i: number): string {
    return this.#strings[i]!
  }

  /**
   * Appends strings that must be new and distinct (bulk load); returns false, changing nothing, on a
   * duplicate. `hashes`, when given, holds {@link hashString} of each string (computed while decoding).
   */
  appendAll(strings: readonly string[], hashes?: Uint32Array): boolean {
    const base = this.#strings.length
    this.#grow(base + strings.length)
    for (let j = 0; j < strings.length; j++) {
      const s = strings[j]!
      const h = hashes ? hashes[j]! : hashString(s)
      const found = this.#find(s, h)
      if (found >= 0) {
        this.#rollback(base)
        return false
      }
      this.#strings.push(s)
      this.#hashes[base + j] = h
      this.#slots[-1 - found] = base + j
    }
    return true
  }

  #rollback(size: number): void {
    this.#strings.length = size
    this.#slots.fill(-1)
    const mask = this.#mask
    for (let i = 0; i < size; i++) {
      let k = this.#hashes[i]! & mask
      while (this.#slots[k]! >= 0) k = (k + 1) & mask
      this.#slots[k] = i
    }
  }

  /** Every string in index order (shared, do not mutate). */
  all(): readonly string[] {
    return this.#strings
  }
}
