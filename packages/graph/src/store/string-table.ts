/** A string ↔ dense index table: index i holds the i-th distinct string interned. */
export class StringTable {
  readonly #strings: string[] = []
  readonly #index = new Map<string, number>()

  get size(): number {
    return this.#strings.length
  }

  /** The index of `s`, adding it when new. */
  intern(s: string): number {
    let i = this.#index.get(s)
    if (i === undefined) {
      i = this.#strings.length
      this.#strings.push(s)
      this.#index.set(s, i)
    }
    return i
  }

  /** The index of `s`, or -1. */
  lookup(s: string): number {
    return this.#index.get(s) ?? -1
  }

  get(i: number): string {
    return this.#strings[i]!
  }

  /** Appends strings expected to be new and distinct (bulk load); returns false on a duplicate, after which the table must be discarded. */
  appendAll(strings: readonly string[]): boolean {
    const base = this.#strings.length
    for (let i = 0; i < strings.length; i++) {
      const s = strings[i]!
      const before = this.#index.size
      this.#index.set(s, base + i)
      if (this.#index.size === before) return false
      this.#strings.push(s)
    }
    return true
  }

  /** Every string in index order (shared, do not mutate). */
  all(): readonly string[] {
    return this.#strings
  }
}
