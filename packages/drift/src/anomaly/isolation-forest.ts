import { type AnomalyDetector, EntrenarError, ErrorCodes } from '@entrenar/core'
import { checkNumber, configError, DriftErrorCodes, insufficient } from '../util/errors.js'
import { type Random, seededRandom } from '../util/random.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Options of {@link isolationForest}; defaults as Liu et al. 2008 and scikit-learn. */
export interface IsolationForestOptions {
  /** Trees. Default 100. */
  readonly trees?: number
  /** Rows drawn (without replacement) per tree, ψ; capped at the rows given. Default 256. */
  readonly sampleSize?: number
  /**
   * Expected share of anomalies in the training rows: the threshold is the (1 − contamination)
   * quantile of their scores. `'auto'` uses the paper's 0.5. Default 0.1 (aprender's default).
   */
  readonly contamination?: number | 'auto'
  /** Seed of the sampling and the splits. Default 1. */
  readonly seed?: number
}

/** An Isolation Forest: the core `AnomalyDetector` plus batch helpers. */
export interface IsolationForest extends AnomalyDetector {
  /** Score threshold learnt by `fit` (rows above it are anomalies). */
  readonly threshold: number
  /** Features per row, once fitted. */
  readonly dimensions: number
  /** Training rows left out because a feature was NaN/±Inf. */
  readonly skippedRows: number
  /** Scores of many rows. */
  scoreMany(rows: readonly ArrayLike<number>[]): Float64Array
}

const EULER = 0.5772156649015329

/** Average path length of an unsuccessful BST search over n points, c(n) (as scikit-learn). */
function averagePath(n: number): number {
  if (n <= 1) return 0
  if (n === 2) return 1
  return 2 * (Math.log(n - 1) + EULER) - (2 * (n - 1)) / n
}

function isFiniteRow(row: ArrayLike<number>, d: number): boolean {
  for (let j = 0; j < d; j++) if (!Number.isFinite(row[j])) return false
  return true
}

class Forest implements IsolationForest {
  readonly #trees: number
  readonly #sampleSize: number
  readonly #contamination: number | 'auto'
  readonly #seed: number
  #d = 0
  #psi = 0
  #maxNodes = 0
  #feature = new Int32Array(0)
  #split = new Float64Array(0)
  #left = new Int32Array(0)
  #right = new Int32Array(0)
  #size = new Int32Array(0)
  #threshold = Number.NaN
  #skipped = 0
  #fitted = false

  constructor(o: IsolationForestOptions) {
    this.#trees = checkNumber('trees', o.trees ?? 100, 1, 100_000, { integer: true })
    this.#sampleSize = checkNumber('sampleSize', o.sampleSize ?? 256, 2, 1e7, { integer: true })
    const c = o.contamination ?? 0.1
    if (c !== 'auto') checkNumber('contamination', c, 0, 0.5, { openLo: true })
    this.#contamination = c
    this.#seed = checkNumber('seed', o.seed ?? 1, 0, 2 ** 32 - 1, { integer: true })
  }

  get threshold(): number {
    return this.#threshold
  }
  get dimensions(): number {
    return this.#d
  }
  get skippedRows(): number {
    return this.#skipped
  }

  fit(rows: readonly ArrayLike<number>[]): void {
    if (rows.length === 0) throw insufficient('isolationForest.fit rows', 0, 2)
    const d = rows[0]!.length
    if (d === 0) throw configError('isolationForest.fit: rows have no features')
    const kept: ArrayLike<number>[] = []
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!
      if (row.length !== d) throw new EntrenarError(ErrorCodes.INVALID_VALUE, `entrenar/drift: isolationForest.fit row ${i} has ${row.length} features, row 0 has ${d}`)
      if (isFiniteRow(row, d)) kept.push(row)
    }
    if (kept.length < 2) throw insufficient('isolationForest.fit rows (finite)', kept.length, 2)
    this.#d = d
    this.#skipped = rows.length - kept.length
    const psi = Math.min(this.#sampleSize, kept.length)
    this.#psi = psi
    this.#maxNodes = 2 * psi - 1
    const total = this.#trees * this.#maxNodes
    this.#feature = new Int32Array(total).fill(-1)
    this.#split = new Float64Array(total)
    this.#left = new Int32Array(total)
    this.#right = new Int32Array(total)
    this.#size = new Int32Array(total)
    const rng = seededRandom(this.#seed)
    const pool = new Int32Array(kept.length)
    const idx = new Int32Array(psi)
    const heightLimit = Math.ceil(Math.log2(psi))
    for (let t = 0; t < this.#trees; t++) {
      for (let i = 0; i < pool.length; i++) pool[i] = i
      for (let i = 0; i < psi; i++) {
        const j = i + rng.int(pool.length - i)
        const tmp = pool[i]!
        pool[i] = pool[j]!
        pool[j] = tmp
        idx[i] = pool[i]!
      }
      this.#build(kept, idx, t * this.#maxNodes, heightLimit, rng)
    }
    this.#fitted = true
    const scores = this.scoreMany(kept)
    if (this.#contamination === 'auto') this.#threshold = 0.5
    else {
      scores.sort()
      const h = (scores.length - 1) * (1 - this.#contamination)
      const lo = Math.floor(h)
      const hi = Math.min(scores.length - 1, lo + 1)
      this.#threshold = scores[lo]! + (h - lo) * (scores[hi]! - scores[lo]!)
    }
  }

  // iTree construction (Liu, Ting & Zhou 2008, Algorithm 2), iterative over a node stack, nodes in flat arrays.
  #build(rows: ArrayLike<number>[], idx: Int32Array, base: number, heightLimit: number, rng: Random): void {
    const d = this.#d
    let next = 1
    // Stack of [node, start, end, depth].
    const stack: number[] = [0, 0, idx.length, 0]
    while (stack.length > 0) {
      const depth = stack.pop()!
      const end = stack.pop()!
      const start = stack.pop()!
      const node = stack.pop()!
      const n = end - start
      const at = base + node
      this.#size[at] = n
      if (depth >= heightLimit || n <= 1) continue
      // Pick a random feature that is not constant on this node (at most d tries).
      let feature = -1
      let lo = 0
      let hi = 0
      for (let tries = 0; tries < d && feature < 0; tries++) {
        const q = rng.int(d)
        lo = Number.POSITIVE_INFINITY
        hi = Number.NEGATIVE_INFINITY
        for (let i = start; i < end; i++) {
          const v = rows[idx[i]!]![q]!
          if (v < lo) lo = v
          if (v > hi) hi = v
        }
        if (hi > lo) feature = q
      }
      if (feature < 0) continue
      const split = lo + rng.next() * (hi - lo)
      let i = start
      let j = end - 1
      while (i <= j) {
        if (rows[idx[i]!]![feature]! < split) i++
        else {
          const tmp = idx[i]!
          idx[i] = idx[j]!
          idx[j] = tmp
          j--
        }
      }
      if (i === start || i === end) continue
      const left = next++
      const right = next++
      this.#feature[at] = feature
      this.#split[at] = split
      this.#left[at] = left
      this.#right[at] = right
      stack.push(left, start, i, depth + 1, right, i, end, depth + 1)
    }
  }

  score(row: ArrayLike<number>): number {
    if (!this.#fitted) throw new EntrenarError(DriftErrorCodes.NOT_FITTED, 'entrenar/drift: isolationForest.score before fit')
    const d = this.#d
    if (row.length !== d) throw new EntrenarError(ErrorCodes.INVALID_VALUE, `entrenar/drift: isolationForest.score row has ${row.length} features, the forest was fitted on ${d}`)
    if (!isFiniteRow(row, d)) return Number.NaN
    let sum = 0
    for (let t = 0; t < this.#trees; t++) {
      const base = t * this.#maxNodes
      let node = 0
      let depth = 0
      for (;;) {
        const f = this.#feature[base + node]!
        if (f < 0) break
        node = row[f]! < this.#split[base + node]! ? this.#left[base + node]! : this.#right[base + node]!
        depth++
      }
      sum += depth + averagePath(this.#size[base + node]!)
    }
    // s(x, ψ) = 2^(−E[h(x)] / c(ψ)): near 1 anomalous, ≤ 0.5 normal.
    return 2 ** (-(sum / this.#trees) / averagePath(this.#psi))
  }

  scoreMany(rows: readonly ArrayLike<number>[]): Float64Array {
    const out = new Float64Array(rows.length)
    for (let i = 0; i < rows.length; i++) out[i] = this.score(rows[i]!)
    return out
  }

  isAnomaly(row: ArrayLike<number>): boolean {
    const s = this.score(row)
    // A row with a NaN/±Inf feature cannot be placed in the trees: it is reported as an anomaly.
    return s !== s || s > this.#threshold
  }
}

/**
 * Isolation Forest (Liu, Ting & Zhou, "Isolation Forest", ICDM 2008): 100 trees over 256-row samples,
 * height limit ⌈log₂ ψ⌉, score 2^(−E[h]/c(ψ)) (higher = more anomalous), threshold at the
 * contamination quantile of the training scores. Seeded: the same rows and seed give the same forest.
 * Trees live in flat typed arrays (no object per node). Rows with NaN/±Inf are skipped by `fit` and are
 * anomalies for `isAnomaly`.
 *
 * @example
 * ```ts
 * const forest = isolationForest({ seed: 7 })
 * forest.fit(trainingRows)
 * forest.isAnomaly([gradNorm, loss])
 * ```
 */
export function isolationForest(options: IsolationForestOptions = {}): IsolationForest {
  checkOptions('entrenar/drift: isolationForest', options, ISOLATION_FOREST_OPTIONS)
  return new Forest(options)
}

/** The option names isolationForest accepts (unknown ones are errors). */
const ISOLATION_FOREST_OPTIONS = optionKeys<NonNullable<Parameters<typeof isolationForest>[0]>>({ trees: true, sampleSize: true, contamination: true, seed: true })
