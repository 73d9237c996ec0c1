import { charPerByte, decodeUtf8, equalsUtf8, hashString } from './utf8.js'

/**
 * Strings kept as UTF-8 bytes, as a Parquet PLAIN page lays them out: value i is
 * `bytes[starts[i] + 4, starts[i + 1])` (each value follows its 4-byte length).
 */
export interface Utf8Column {
  readonly bytes: Uint8Array
  readonly starts: Int32Array
  /** {@link hashString} of each value. */
  readonly hashes: Uint32Array
}

const encoder = new TextEncoder()

/**
 * A string ↔ dense index table: index i holds the i-th distinct string added. The reverse index is
 * an open-addressing hash table (linear probing, load ≤ 1/2) whose slots hold index + 1 (0 = free)
 * and the hash side by side in one Int32Array, so a probe reads one cache line and compares strings
 * only on a full 32-bit hash match. A bulk load may hand over its strings as UTF-8 bytes
 * ({@link adoptUtf8}): they stay bytes, with no string object per value for the garbage collector
 * to trace, and are decoded when asked for. 1M ids cost a few typed arrays instead of a 1M-entry `Map`.
 */
export class StringTable {
  /** Strings at indices `bulk …`. */
  #strings: string[] = []
  /** Strings at indices `0 … bulk - 1`, as bytes. */
  #utf8: Utf8Column | undefined
  /** The bytes decoded one char per byte, made on the first `get` of a byte-kept string. */
  #text: string | undefined
  /** Byte-kept strings decoded so far (each id becomes a string at most once, when first asked for). */
  #decoded: (string | undefined)[] | undefined
  #bulk = 0
  #hashes: Uint32Array = new Uint32Array(16)
  /** Slot k: `[2k]` index + 1 or 0, `[2k + 1]` its hash. */
  #slots = new Int32Array(64)
  #mask = 31

  get size(): number {
    return this.#bulk + this.#strings.length
  }

  #equals(i: number, s: string): boolean {
    if (i >= this.#bulk) return this.#strings[i - this.#bulk] === s
    const u = this.#utf8!
    return equalsUtf8(s, u.bytes, u.starts[i]! + 4, u.starts[i + 1]!)
  }

  /** The index of `s`, or `-1 - k` with k the free slot where it would go. */
  #find(s: string, h: number): number {
    const slots = this.#slots
    const mask = this.#mask
    const hh = h | 0
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const i = slots[2 * k]! - 1
      if (i < 0) return -1 - k
      if (slots[2 * k + 1] === hh && this.#equals(i, s)) return i
    }
  }

  /** Rebuilds the slots for the first `size` strings with capacity for `needed`. */
  #reindex(size: number, needed: number): void {
    let cap = 32
    while (cap < needed * 2) cap *= 2
    const slots = new Int32Array(cap * 2)
    const mask = cap - 1
    const hashes = this.#hashes
    for (let i = 0; i < size; i++) {
      const h = hashes[i]!
      let k = h & mask
      while (slots[2 * k]! !== 0) k = (k + 1) & mask
      slots[2 * k] = i + 1
      slots[2 * k + 1] = h
    }
    this.#slots = slots
    this.#mask = mask
  }

  #reserve(needed: number): void {
    if (needed > this.#hashes.length) {
      let cap = Math.max(16, this.#hashes.length)
      while (cap < needed) cap *= 2
      const hashes = new Uint32Array(cap)
      hashes.set(this.#hashes)
      this.#hashes = hashes
    }
    if (needed * 2 > this.#mask + 1) this.#reindex(this.size, needed)
  }

  /** The index of `s`, adding it when new. */
  intern(s: string): number {
    const h = hashString(s)
    const found = this.#find(s, h)
    if (found >= 0) return found
    const i = this.size
    this.#reserve(i + 1)
    this.#strings.push(s)
    this.#hashes[i] = h
    // The table may have been rebuilt: probe again for the free slot.
    const k = -1 - this.#find(s, h)
    this.#slots[2 * k] = i + 1
    this.#slots[2 * k + 1] = h
    return i
  }

  /** The index of `s`, or -1. */
  lookup(s: string): number {
    const i = this.#find(s, hashString(s))
    return i < 0 ? -1 : i
  }

  get(i: number): string {
    if (i >= this.#bulk) return this.#strings[i - this.#bulk]!
    const decoded = this.#decoded ?? this.#startDecoding()
    const known = decoded[i]
    if (known !== undefined) return known
    const u = this.#utf8!
    const from = u.starts[i]! + 4
    const to = u.starts[i + 1]!
    let s: string | undefined
    // ASCII ids (the usual case) are slices of one decoded string: O(1) each, no decoder call.
    for (let j = from; j < to; j++) {
      if (u.bytes[j]! >= 0x80) {
        s = decodeUtf8(u.bytes, from, to)
        break
      }
    }
    if (s === undefined) {
      this.#text ??= charPerByte(u.bytes)
      s = this.#text.slice(from, to)
    }
    decoded[i] = s
    return s
  }

  #startDecoding(): (string | undefined)[] {
    // Filled by push: a packed array (a 1M-slot `new Array(n)` would start in dictionary mode).
    const decoded: (string | undefined)[] = []
    for (let i = 0; i < this.#bulk; i++) decoded.push(undefined)
    this.#decoded = decoded
    return decoded
  }

  /** The UTF-8 bytes of string i (a view for strings kept as bytes). */
  utf8(i: number): Uint8Array {
    if (i >= this.#bulk) return encoder.encode(this.#strings[i - this.#bulk]!)
    const u = this.#utf8!
    return u.bytes.subarray(u.starts[i]! + 4, u.starts[i + 1]!)
  }

  /** Whether string i is kept as bytes (see {@link utf8}). */
  isBytes(i: number): boolean {
    return i < this.#bulk
  }

  /**
   * Strings `base … base + count - 1` in the order of their home slots (a counting sort on the top
   * bits of the slot): inserting them in that order writes the slot table front to back instead of
   * at random, so a 1M-id bulk load misses the cache far less (radix-partitioned hash build).
   */
  #slotOrder(base: number, count: number): Int32Array {
    const order = new Int32Array(count)
    const capBits = 31 - Math.clz32(this.#mask + 1)
    const bits = Math.min(12, capBits)
    const shift = capBits - bits
    const mask = this.#mask
    const hs = this.#hashes
    const cursor = new Int32Array((1 << bits) + 1)
    for (let j = 0; j < count; j++) cursor[((hs[base + j]! & mask) >>> shift) + 1]!++
    for (let b = 0; b < 1 << bits; b++) cursor[b + 1]! += cursor[b]!
    for (let j = 0; j < count; j++) order[cursor[(hs[base + j]! & mask) >>> shift]!++] = base + j
    return order
  }

  /** Indexes `count` new strings (indices `base …`) whose hashes are in place; false on a duplicate. */
  #indexNew(base: number, count: number): boolean {
    const slots = this.#slots
    const mask = this.#mask
    const hs = this.#hashes
    const order = count > 1 << 16 ? this.#slotOrder(base, count) : undefined
    for (let x = 0; x < count; x++) {
      const j = order ? order[x]! : base + x
      const h = hs[j]!
      const hh = h | 0
      let k = h & mask
      for (;;) {
        const i = slots[2 * k]! - 1
        if (i < 0) break
        if (slots[2 * k + 1] === hh && this.#equals(i, this.get(j))) return false
        k = (k + 1) & mask
      }
      slots[2 * k] = j + 1
      slots[2 * k + 1] = h
    }
    return true
  }

  /**
   * Takes over `count` strings given as UTF-8 bytes (bulk load into an empty table); returns false,
   * leaving the table empty, on a duplicate.
   */
  adoptUtf8(column: Utf8Column, count: number): boolean {
    if (this.size !== 0) throw new Error('adoptUtf8 needs an empty table')
    this.#utf8 = column
    this.#bulk = count
    this.#hashes = column.hashes.length >= count ? column.hashes : new Uint32Array(16)
    this.#reindex(0, count)
    if (this.#indexNew(0, count)) return true
    this.#utf8 = undefined
    this.#text = undefined
    this.#decoded = undefined
    this.#bulk = 0
    this.#hashes = new Uint32Array(16)
    this.#reindex(0, 0)
    return false
  }

  /**
   * Appends strings that must be new and distinct (bulk load); returns false, changing nothing, on a
   * duplicate.
   */
  appendAll(strings: readonly string[]): boolean {
    const base = this.size
    const n = strings.length
    this.#reserve(base + n)
    for (let j = 0; j < n; j++) this.#hashes[base + j] = hashString(strings[j]!)
    for (const s of strings) this.#strings.push(s)
    if (this.#indexNew(base, n)) return true
    this.#strings.length -= n
    this.#reindex(base, base)
    return false
  }
}
