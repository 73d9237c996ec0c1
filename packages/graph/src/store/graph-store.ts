import { CHANGE_TYPES, type ChangeType, type Derivation, type ModelNode } from '@entrenar/core'
import { grow, type MetricColumn } from './columns.js'
import { StringTable, type Utf8Column } from './string-table.js'

/** Change type ↔ byte code (index in {@link CHANGE_TYPES}). */
export const CHANGE_CODE: Readonly<Record<ChangeType, number>> = Object.fromEntries(CHANGE_TYPES.map((t, i) => [t, i])) as Record<ChangeType, number>

/** Overlay edges tolerated before the CSR arrays are rebuilt (also at least 1/8 of all edges). */
const OVERLAY_MIN = 4096

/**
 * Compact storage of a lineage graph for millions of models: ids in a string ↔ index table, node
 * attributes in typed columns (strings interned in a pool), metrics one Float64Array + presence
 * bytes per metric, edges as parallel arrays, and adjacency as CSR (offsets + edge indices, in
 * derivation order; trueno-graph's `CsrGraph` layout) plus a small overlay of edges added since the
 * last rebuild, so appends stay O(1) amortised while walks read flat arrays.
 */
export class GraphStore {
  readonly ids = new StringTable()
  /** Interned versions, config hashes, run ids and descriptions. */
  readonly pool = new StringTable()
  n = 0
  createdAt: Float64Array = new Float64Array(16)
  versionOf = new Int32Array(16).fill(-1)
  configHashOf = new Int32Array(16).fill(-1)
  runOf = new Int32Array(16).fill(-1)
  readonly tags = new Map<number, Readonly<Record<string, string>>>()
  readonly config = new Map<number, Readonly<Record<string, unknown>>>()
  readonly metrics = new Map<string, MetricColumn>()

  m = 0
  eParent: Int32Array = new Int32Array(16)
  eChild: Int32Array = new Int32Array(16)
  eType: Uint8Array = new Uint8Array(16)
  eDesc: Int32Array = new Int32Array(16).fill(-1)

  #csrNodes = 0
  #csrEdges = 0
  outOff = new Int32Array(1)
  outAdj = new Int32Array(0)
  inOff = new Int32Array(1)
  inAdj = new Int32Array(0)
  readonly #outExtra = new Map<number, number[]>()
  readonly #inExtra = new Map<number, number[]>()

  /** Index of a model id, or -1. */
  indexOf(id: string): number {
    return this.ids.lookup(id)
  }

  /** Room for `needed` models in every column (each checked: a bulk load adopts exact-size arrays). */
  #ensureNodes(needed: number): void {
    this.createdAt = grow(this.createdAt, needed)
    this.versionOf = grow(this.versionOf, needed, -1)
    this.configHashOf = grow(this.configHashOf, needed, -1)
    this.runOf = grow(this.runOf, needed, -1)
    for (const col of this.metrics.values()) {
      col.values = grow(col.values, needed)
      col.present = grow(col.present, needed)
    }
  }

  /** The column of a metric, created on first use. */
  column(name: string): MetricColumn {
    let col = this.metrics.get(name)
    if (!col) {
      col = { values: new Float64Array(this.createdAt.length), present: new Uint8Array(this.createdAt.length) }
      this.metrics.set(name, col)
    }
    return col
  }

  /** Adds a model or overwrites the attributes of an existing one; returns its index. */
  setModel(model: ModelNode): { index: number; isNew: boolean } {
    let i = this.ids.lookup(model.id)
    const isNew = i < 0
    if (isNew) {
      this.#ensureNodes(this.n + 1)
      i = this.ids.intern(model.id)
      this.n++
    } else {
      this.resetModel(i)
    }
    this.createdAt[i] = model.createdAtMs
    this.versionOf[i] = model.version === undefined ? -1 : this.pool.intern(model.version)
    this.configHashOf[i] = model.configHash === undefined ? -1 : this.pool.intern(model.configHash)
    this.runOf[i] = model.runId === undefined ? -1 : this.pool.intern(model.runId)
    if (model.tags) this.tags.set(i, Object.freeze({ ...model.tags }))
    else this.tags.delete(i)
    if (model.config) this.config.set(i, structuredClone(model.config))
    else this.config.delete(i)
    for (const [name, value] of Object.entries(model.metrics)) {
      const col = this.column(name)
      col.values[i] = value
      col.present[i] = 1
    }
    return { index: i, isNew }
  }

  /**
   * Appends many new models (bulk load; set their attributes afterwards). Returns false, changing
   * nothing, on a duplicate id.
   */
  appendNodes(ids: readonly string[]): boolean {
    this.#ensureNodes(this.n + ids.length)
    if (!this.ids.appendAll(ids)) return false
    this.n += ids.length
    return true
  }

  /** Bulk load into an empty graph of `count` ids kept as UTF-8 bytes; false on a duplicate id. */
  adoptIds(ids: Utf8Column, count: number): boolean {
    this.#ensureNodes(count)
    if (!this.ids.adoptUtf8(ids, count)) return false
    this.n = count
    return true
  }

  /** Clears the attributes of model `i` (before a load replaces them). */
  resetModel(i: number): void {
    for (const col of this.metrics.values()) col.present[i] = 0
    this.versionOf[i] = -1
    this.configHashOf[i] = -1
    this.runOf[i] = -1
    this.tags.delete(i)
    this.config.delete(i)
  }

  /** The model at index `i`, rebuilt from the columns. */
  model(i: number): ModelNode {
    const metrics: Record<string, number> = {}
    for (const [name, col] of this.metrics) if (col.present[i]) metrics[name] = col.values[i]!
    const out: { -readonly [K in keyof ModelNode]: ModelNode[K] } = { id: this.ids.get(i), metrics, createdAtMs: this.createdAt[i]! }
    if (this.versionOf[i]! >= 0) out.version = this.pool.get(this.versionOf[i]!)
    if (this.configHashOf[i]! >= 0) out.configHash = this.pool.get(this.configHashOf[i]!)
    const config = this.config.get(i)
    if (config) out.config = structuredClone(config)
    const tags = this.tags.get(i)
    if (tags) out.tags = { ...tags }
    if (this.runOf[i]! >= 0) out.runId = this.pool.get(this.runOf[i]!)
    return out
  }

  /** Value of a metric at a model, or undefined when the model lacks it. */
  metric(name: string, i: number): number | undefined {
    const col = this.metrics.get(name)
    return col?.present[i] ? col.values[i] : undefined
  }

  /** Appends an edge (no checks) and indexes it in the overlay; returns its index. */
  appendEdge(parent: number, child: number, type: number, desc: number): number {
    const e = this.m
    if (e >= this.eParent.length) {
      this.eParent = grow(this.eParent, e + 1)
      this.eChild = grow(this.eChild, e + 1)
      this.eType = grow(this.eType, e + 1)
      this.eDesc = grow(this.eDesc, e + 1, -1)
    }
    this.eParent[e] = parent
    this.eChild[e] = child
    this.eType[e] = type
    this.eDesc[e] = desc
    this.m++
    push(this.#outExtra, parent, e)
    push(this.#inExtra, child, e)
    const overlay = this.m - this.#csrEdges
    if (overlay > OVERLAY_MIN && overlay * 8 > this.m) this.rebuild()
    return e
  }

  /**
   * Appends edges given as columns without indexing them one by one (an empty graph keeps the arrays
   * themselves); call {@link rebuild} after.
   */
  appendEdgeColumns(parent: Int32Array, child: Int32Array, type: Uint8Array, desc: Int32Array): void {
    if (this.m === 0) {
      // An empty graph adopts the columns (the bulk load of a base): no copies.
      this.eParent = parent
      this.eChild = child
      this.eType = type
      this.eDesc = desc
      this.m = parent.length
      return
    }
    const need = this.m + parent.length
    this.eParent = grow(this.eParent, need)
    this.eChild = grow(this.eChild, need)
    this.eType = grow(this.eType, need)
    this.eDesc = grow(this.eDesc, need, -1)
    this.eParent.set(parent, this.m)
    this.eChild.set(child, this.m)
    this.eType.set(type, this.m)
    this.eDesc.set(desc, this.m)
    this.m = need
  }

  /** Rebuilds the CSR arrays over every edge (counting sort, stable in edge order) and empties the overlay. */
  rebuild(): void {
    const n = this.n
    const m = this.m
    const outOff = new Int32Array(n + 1)
    const inOff = new Int32Array(n + 1)
    const ep = this.eParent
    const ec = this.eChild
    // Degrees, then inclusive prefix sums (off[v] = end of v), then edges placed back to front
    // (off[v] ends at the start of v): stable, and no separate cursor arrays.
    for (let e = 0; e < m; e++) {
      outOff[ep[e]!]!++
      inOff[ec[e]!]!++
    }
    for (let i = 1; i < n; i++) {
      outOff[i]! += outOff[i - 1]!
      inOff[i]! += inOff[i - 1]!
    }
    outOff[n] = m
    inOff[n] = m
    const outAdj = new Int32Array(m)
    const inAdj = new Int32Array(m)
    for (let e = m - 1; e >= 0; e--) {
      outAdj[--outOff[ep[e]!]!] = e
      inAdj[--inOff[ec[e]!]!] = e
    }
    this.outOff = outOff
    this.inOff = inOff
    this.outAdj = outAdj
    this.inAdj = inAdj
    this.#csrNodes = n
    this.#csrEdges = m
    this.#outExtra.clear()
    this.#inExtra.clear()
  }

  /** Drops edges from index `m` on (rollback of a failed bulk append). */
  truncateEdges(m: number): void {
    this.m = m
    this.rebuild()
  }

  inStart(v: number): number {
    return v < this.#csrNodes ? this.inOff[v]! : 0
  }
  inEnd(v: number): number {
    return v < this.#csrNodes ? this.inOff[v + 1]! : 0
  }
  outStart(v: number): number {
    return v < this.#csrNodes ? this.outOff[v]! : 0
  }
  outEnd(v: number): number {
    return v < this.#csrNodes ? this.outOff[v + 1]! : 0
  }
  /** Parent edges of `v` added since the last rebuild. */
  inExtra(v: number): readonly number[] | undefined {
    return this.#inExtra.get(v)
  }
  outExtra(v: number): readonly number[] | undefined {
    return this.#outExtra.get(v)
  }
  hasOverlay(): boolean {
    return this.m > this.#csrEdges
  }

  /** Edge indices into `v`, in derivation order. */
  inEdges(v: number): number[] {
    const out: number[] = []
    for (let k = this.inStart(v), end = this.inEnd(v); k < end; k++) out.push(this.inAdj[k]!)
    const x = this.#inExtra.get(v)
    if (x) out.push(...x)
    return out
  }

  /** Edge indices out of `v`, in derivation order. */
  outEdges(v: number): number[] {
    const out: number[] = []
    for (let k = this.outStart(v), end = this.outEnd(v); k < end; k++) out.push(this.outAdj[k]!)
    const x = this.#outExtra.get(v)
    if (x) out.push(...x)
    return out
  }

  outDegree(v: number): number {
    return this.outEnd(v) - this.outStart(v) + (this.#outExtra.get(v)?.length ?? 0)
  }

  /** The edge parent → child, or -1. */
  findEdge(parent: number, child: number): number {
    for (let k = this.inStart(child), end = this.inEnd(child); k < end; k++) if (this.eParent[this.inAdj[k]!] === parent) return this.inAdj[k]!
    const x = this.#inExtra.get(child)
    if (x) for (const e of x) if (this.eParent[e] === parent) return e
    return -1
  }

  derivation(e: number): Derivation {
    const d = this.eDesc[e]!
    return {
      parent: this.ids.get(this.eParent[e]!),
      child: this.ids.get(this.eChild[e]!),
      changeType: CHANGE_TYPES[this.eType[e]!]!,
      ...(d >= 0 ? { description: this.pool.get(d) } : {}),
    }
  }
}

function push(map: Map<number, number[]>, key: number, value: number): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
