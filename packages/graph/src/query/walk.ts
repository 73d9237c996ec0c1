import { grow } from '../store/columns.js'
import type { GraphStore } from '../store/graph-store.js'

/**
 * Visited marks reused across walks: a node is visited when its stamp equals the current epoch,
 * so starting a walk costs O(1) instead of clearing an O(n) array.
 */
export class Marks {
  #stamp = new Uint32Array(16)
  #epoch = 0

  /** Starts a new walk over `n` nodes. */
  begin(n: number): void {
    this.#stamp = grow(this.#stamp, n)
    this.#epoch++
    if (this.#epoch === 0xffffffff) {
      this.#stamp.fill(0)
      this.#epoch = 1
    }
  }

  /** Marks `v`; false when it was already marked in this walk. */
  mark(v: number): boolean {
    if (this.#stamp[v] === this.#epoch) return false
    this.#stamp[v] = this.#epoch
    return true
  }

  has(v: number): boolean {
    return this.#stamp[v] === this.#epoch
  }
}

/**
 * Breadth-first walk from `start` along parent edges (`up`) or child edges, nearest first, up to
 * `depth` levels (Infinity for all). Returns node indices, `start` excluded. Edges are visited in
 * derivation order, so the order is deterministic.
 */
export function bfs(g: GraphStore, marks: Marks, start: number, up: boolean, depth: number): Int32Array {
  if (depth <= 0) return new Int32Array(0)
  marks.begin(g.n)
  marks.mark(start)
  const adj = up ? g.inAdj : g.outAdj
  const far = up ? g.eParent : g.eChild
  let queue = new Int32Array(64)
  let tail = 0
  const expand = (v: number) => {
    const end = up ? g.inEnd(v) : g.outEnd(v)
    for (let k = up ? g.inStart(v) : g.outStart(v); k < end; k++) {
      const w = far[adj[k]!]!
      if (!marks.mark(w)) continue
      if (tail === queue.length) queue = grow(queue, tail + 1)
      queue[tail++] = w
    }
    const extra = up ? g.inExtra(v) : g.outExtra(v)
    if (extra)
      for (const edge of extra) {
        const w = far[edge]!
        if (!marks.mark(w)) continue
        if (tail === queue.length) queue = grow(queue, tail + 1)
        queue[tail++] = w
      }
  }
  expand(start)
  // queue[0, levelEnd) holds level 1; nodes of level `depth` are listed but not expanded.
  let levelEnd = tail
  let level = 1
  for (let head = 0; head < tail; head++) {
    if (head === levelEnd) {
      level++
      levelEnd = tail
    }
    if (level >= depth) break
    expand(queue[head]!)
  }
  return queue.slice(0, tail)
}

/** The chain of first parents from the root down to `start` (root first). */
export function firstParentChain(g: GraphStore, start: number): Int32Array {
  let chain = new Int32Array(16)
  let len = 0
  let v = start
  for (;;) {
    if (len === chain.length) chain = grow(chain, len + 1)
    chain[len++] = v
    let first = -1
    if (g.inEnd(v) > g.inStart(v)) first = g.inAdj[g.inStart(v)]!
    else first = g.inExtra(v)?.[0] ?? -1
    if (first < 0) break
    v = g.eParent[first]!
  }
  return chain.subarray(0, len).reverse()
}

/**
 * True when `target` is reachable from `from` along child edges (or equals it): adding
 * `target → from` would then close a cycle. Depth-first with an explicit stack.
 */
export function reaches(g: GraphStore, marks: Marks, from: number, target: number): boolean {
  if (from === target) return true
  marks.begin(g.n)
  marks.mark(from)
  const stack = [from]
  while (stack.length > 0) {
    const v = stack.pop()!
    for (let k = g.outStart(v), end = g.outEnd(v); k < end; k++) {
      const w = g.eChild[g.outAdj[k]!]!
      if (w === target) return true
      if (marks.mark(w)) stack.push(w)
    }
    const extra = g.outExtra(v)
    if (extra)
      for (const e of extra) {
        const w = g.eChild[e]!
        if (w === target) return true
        if (marks.mark(w)) stack.push(w)
      }
  }
  return false
}

/**
 * Kahn's topological sort over every node; returns the index of a node on a cycle, or -1 when the
 * graph is acyclic.
 */
export function findCycleNode(g: GraphStore): number {
  const n = g.n
  const indeg = new Int32Array(n)
  for (let e = 0; e < g.m; e++) indeg[g.eChild[e]!]!++
  const queue = new Int32Array(n)
  let tail = 0
  for (let v = 0; v < n; v++) if (indeg[v] === 0) queue[tail++] = v
  for (let head = 0; head < tail; head++) {
    const v = queue[head]!
    for (let k = g.outStart(v), end = g.outEnd(v); k < end; k++) {
      const w = g.eChild[g.outAdj[k]!]!
      if (--indeg[w]! === 0) queue[tail++] = w
    }
    const extra = g.outExtra(v)
    if (extra)
      for (const e of extra) {
        const w = g.eChild[e]!
        if (--indeg[w]! === 0) queue[tail++] = w
      }
  }
  if (tail === n) return -1
  for (let v = 0; v < n; v++) if (indeg[v]! > 0) return v
  return -1
}
