/**
 * The demo's data and model, self-contained so `entrenar demo` needs nothing but this package: the
 * classic three-arm spiral (CS231n's "spiral data", 2-D, 3 classes) and a 2-H-3 tanh/softmax MLP
 * trained by mini-batch SGD, seeded (mulberry32) so every run is the same.
 */

/** mulberry32 (Tommy Ettinger): a small, fast, seeded 32-bit PRNG. */
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

/** Rows as a flat feature array plus labels. */
export interface Spiral {
  readonly x: Float64Array
  readonly y: Int32Array
  readonly rows: number
  readonly classes: number
}

/** `perClass` points per arm, shuffled; noise 0.2 as in CS231n. */
export function spiral(perClass: number, seed: number): Spiral {
  const classes = 3
  const rows = perClass * classes
  const rnd = mulberry32(seed)
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd())
  const order = Array.from({ length: rows }, (_, i) => i)
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  const x = new Float64Array(rows * 2)
  const y = new Int32Array(rows)
  for (let c = 0; c < classes; c++) {
    for (let k = 0; k < perClass; k++) {
      const r = k / perClass
      const t = c * 4 + (4 * k) / perClass + gauss() * 0.2
      const i = order[c * perClass + k]!
      x[2 * i] = r * Math.sin(t)
      x[2 * i + 1] = r * Math.cos(t)
      y[i] = c
    }
  }
  return { x, y, rows, classes }
}

/** What one SGD step measured. */
export interface StepStats {
  readonly loss: number
  readonly accuracy: number
  readonly gradientNorm: number
}

/** A 2-H-3 MLP with tanh hidden units and a softmax output. */
export class TinyMlp {
  readonly #h: number
  readonly #w1: Float64Array
  readonly #b1: Float64Array
  readonly #w2: Float64Array
  readonly #b2: Float64Array
  /** Step size of plain gradient descent; may be changed between steps. */
  learningRate: number

  constructor(hidden: number, learningRate: number, seed: number) {
    const rnd = mulberry32(seed)
    this.#h = hidden
    this.#w1 = Float64Array.from({ length: 2 * hidden }, () => (rnd() - 0.5) * 2)
    this.#b1 = new Float64Array(hidden)
    this.#w2 = Float64Array.from({ length: hidden * 3 }, () => (rnd() - 0.5) / Math.sqrt(hidden))
    this.#b2 = new Float64Array(3)
    this.learningRate = learningRate
  }

  /** Forward + backward over rows [from, from+size) and an SGD update (`train`) or just the loss. */
  run(d: Spiral, from: number, size: number, train: boolean): StepStats {
    const H = this.#h
    const end = Math.min(d.rows, from + size)
    const n = end - from
    const gw1 = new Float64Array(this.#w1.length)
    const gb1 = new Float64Array(H)
    const gw2 = new Float64Array(this.#w2.length)
    const gb2 = new Float64Array(3)
    const a = new Float64Array(H)
    const p = new Float64Array(3)
    let loss = 0
    let correct = 0
    for (let i = from; i < end; i++) {
      const x0 = d.x[2 * i]!
      const x1 = d.x[2 * i + 1]!
      for (let j = 0; j < H; j++) a[j] = Math.tanh(x0 * this.#w1[j]! + x1 * this.#w1[H + j]! + this.#b1[j]!)
      let max = Number.NEGATIVE_INFINITY
      for (let k = 0; k < 3; k++) {
        let z = this.#b2[k]!
        for (let j = 0; j < H; j++) z += a[j]! * this.#w2[j * 3 + k]!
        p[k] = z
        if (z > max) max = z
      }
      let sum = 0
      for (let k = 0; k < 3; k++) {
        p[k] = Math.exp(p[k]! - max)
        sum += p[k]!
      }
      let best = 0
      for (let k = 0; k < 3; k++) {
        p[k] = p[k]! / sum
        if (p[k]! > p[best]!) best = k
      }
      const label = d.y[i]!
      // No epsilon inside the log: a saturated wrong prediction gives +Inf, which the Andon must see.
      loss -= Math.log(p[label]!)
      if (best === label) correct++
      if (!train) continue
      for (let k = 0; k < 3; k++) {
        const g = (p[k]! - (k === label ? 1 : 0)) / n
        gb2[k] = gb2[k]! + g
        for (let j = 0; j < H; j++) gw2[j * 3 + k] = gw2[j * 3 + k]! + g * a[j]!
      }
      for (let j = 0; j < H; j++) {
        let g = 0
        for (let k = 0; k < 3; k++) g += ((p[k]! - (k === label ? 1 : 0)) / n) * this.#w2[j * 3 + k]!
        g *= 1 - a[j]! * a[j]!
        gb1[j] = gb1[j]! + g
        gw1[j] = gw1[j]! + g * x0
        gw1[H + j] = gw1[H + j]! + g * x1
      }
    }
    let norm = 0
    if (train) {
      for (const [w, g] of [
        [this.#w1, gw1],
        [this.#b1, gb1],
        [this.#w2, gw2],
        [this.#b2, gb2],
      ] as const) {
        for (let i = 0; i < w.length; i++) {
          norm += g[i]! * g[i]!
          w[i] = w[i]! - this.learningRate * g[i]!
        }
      }
    }
    return { loss: loss / n, accuracy: correct / n, gradientNorm: Math.sqrt(norm) }
  }
}
