import type { RegressionSource } from '@entrenar/core'
import { grow } from '../store/columns.js'
import type { GraphStore } from '../store/graph-store.js'

/** Per (metric, direction): the best-path state of every node computed so far. */
interface PathState {
  /** 0 unknown, 1 waiting for its parents, 2 known. */
  state: Uint8Array
  /** Best measured node on the chosen path from a root (the baseline), or -1. */
  peak: Int32Array
  /** Last measured node on that path (the node itself when measured), or -1. */
  last: Int32Array
  /** Edge of the first drop after the path last stood at the peak value, or -1. */
  drop: Int32Array
  /** Last measured node before that drop. */
  before: Int32Array
}

/** `x` is strictly better than `y`; NaN (a diverged model) is worse than every number. */
function better(x: number, y: number, higherIsBetter: boolean): boolean {
  if (x !== x) return false
  if (y !== y) return true
  return higherIsBetter ? x > y : x < y
}

/**
 * Regression source through the whole ancestry. For each node we keep the best path from a root
 * (following, at each node, the parent whose path has the best peak; first parent on ties), the peak
 * on it, and the first derivation after the path last stood at the peak at which the metric got
 * worse. The recurrence needs only the parents' states, so it is a dynamic programme in topological
 * order, computed lazily (only the ancestors of a queried node) and memoised: a first query over a
 * 1M-model chain walks it once, later queries are O(1). Appending a model or an edge into a
 * childless model invalidates that node only; other mutations drop the memo.
 * (The Rust `find_regression_source` compares with the immediate parent only.)
 */
export class RegressionIndex {
  readonly #paths = new Map<string, PathState>()
  #stack = new Int32Array(64)

  /** Forgets the state of one node (it has no children, so nothing else depended on it). */
  invalidateNode(v: number): void {
    for (const p of this.#paths.values()) if (v < p.state.length) p.state[v] = 0
  }

  invalidateAll(): void {
    this.#paths.clear()
  }

  query(g: GraphStore, v: number, metric: string, higherIsBetter: boolean): RegressionSource | undefined {
    const col = g.metrics.get(metric)
    if (!col?.present[v]) return undefined
    const p = this.#compute(g, v, metric, higherIsBetter)
    const drop = p.drop[v]!
    if (drop < 0) return undefined
    const values = col.values
    const model = g.eChild[drop]!
    const peak = p.peak[v]!
    return {
      metric,
      model: g.ids.get(model),
      parent: g.ids.get(g.eParent[drop]!),
      derivation: g.derivation(drop),
      before: values[p.before[v]!]!,
      after: values[model]!,
      baseline: g.ids.get(peak),
      baselineValue: values[peak]!,
      value: values[v]!,
    }
  }

  #state(g: GraphStore, key: string): PathState {
    let p = this.#paths.get(key)
    const n = Math.max(16, g.n)
    if (!p) {
      p = { state: new Uint8Array(n), peak: new Int32Array(n), last: new Int32Array(n), drop: new Int32Array(n), before: new Int32Array(n) }
      this.#paths.set(key, p)
    } else if (p.state.length < g.n) {
      p.state = grow(p.state, g.n)
      p.peak = grow(p.peak, g.n)
      p.last = grow(p.last, g.n)
      p.drop = grow(p.drop, g.n)
      p.before = grow(p.before, g.n)
    }
    return p
  }

  #compute(g: GraphStore, v: number, metric: string, hib: boolean): PathState {
    const p = this.#state(g, `${hib ? '+' : '-'}${metric}`)
    const { state } = p
    if (state[v] === 2) return p
    const col = g.metrics.get(metric)!
    const { inAdj, eParent } = g
    let stack = this.#stack
    let len = 0
    stack[len++] = v
    while (len > 0) {
      const u = stack[len - 1]!
      const s = state[u]!
      if (s === 2) {
        len--
        continue
      }
      if (s === 0) {
        // In a DAG a parent is never waiting (state 1) here: it would be its own ancestor.
        state[u] = 1
        const end = g.inEnd(u)
        if (len + (end - g.inStart(u)) >= stack.length) stack = grow(stack, len + end - g.inStart(u) + 1)
        for (let k = g.inStart(u); k < end; k++) {
          const w = eParent[inAdj[k]!]!
          if (state[w] === 0) stack[len++] = w
        }
        const extra = g.inExtra(u)
        if (extra)
          for (const e of extra) {
            const w = eParent[e]!
            if (state[w] !== 0) continue
            if (len === stack.length) stack = grow(stack, len + 1)
            stack[len++] = w
          }
        continue
      }
      this.#finalize(g, p, col.values, col.present, u, hib)
      state[u] = 2
      len--
    }
    this.#stack = stack
    return p
  }

  #finalize(g: GraphStore, p: PathState, values: Float64Array, present: Uint8Array, u: number, hib: boolean): void {
    const { inAdj, eParent } = g
    const peak = p.peak
    let q = -1
    let qEdge = -1
    let qPeak = -1
    for (let k = g.inStart(u), end = g.inEnd(u); k < end; k++) {
      const e = inAdj[k]!
      const pk = peak[eParent[e]!]!
      if (pk >= 0 && (qPeak < 0 || better(values[pk]!, values[qPeak]!, hib))) {
        q = eParent[e]!
        qEdge = e
        qPeak = pk
      }
    }
    const extra = g.inExtra(u)
    if (extra)
      for (const e of extra) {
        const pk = peak[eParent[e]!]!
        if (pk >= 0 && (qPeak < 0 || better(values[pk]!, values[qPeak]!, hib))) {
          q = eParent[e]!
          qEdge = e
          qPeak = pk
        }
      }
    if (!present[u]) {
      // Not measured: the model passes its best parent's path through.
      peak[u] = q < 0 ? -1 : qPeak
      p.last[u] = q < 0 ? -1 : p.last[q]!
      p.drop[u] = q < 0 ? -1 : p.drop[q]!
      p.before[u] = q < 0 ? -1 : p.before[q]!
      return
    }
    p.last[u] = u
    const x = values[u]!
    if (q < 0 || better(x, values[qPeak]!, hib)) {
      peak[u] = u
      p.drop[u] = -1
      p.before[u] = -1
      return
    }
    peak[u] = qPeak
    if (!better(values[qPeak]!, x, hib)) {
      // Back at the peak value: a later drop is a new regression.
      p.drop[u] = -1
      p.before[u] = -1
    } else if (p.drop[q]! >= 0) {
      p.drop[u] = p.drop[q]!
      p.before[u] = p.before[q]!
    } else {
      p.drop[u] = qEdge
      p.before[u] = p.last[q]!
    }
  }
}
