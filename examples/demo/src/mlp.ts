import type { DataSet } from './data.js'
import { mulberry32 } from './data.js'

/** What one optimisation step reports. */
export interface StepResult {
  readonly loss: number
  readonly accuracy: number
  readonly gradientNorm: number
}

/**
 * A one-hidden-layer perceptron (ReLU, softmax cross-entropy) trained by mini-batch SGD, in plain
 * TypeScript on typed arrays. Small on purpose: the demo is about monitoring, not modelling.
 */
export class Mlp {
  readonly #in: number
  readonly #hidden: number
  readonly #out: number
  readonly #w1: Float64Array
  readonly #b1: Float64Array
  readonly #w2: Float64Array
  readonly #b2: Float64Array
  // scratch buffers reused by every step
  readonly #h: Float64Array
  readonly #p: Float64Array
  readonly #g1: Float64Array
  readonly #gb1: Float64Array
  readonly #g2: Float64Array
  readonly #gb2: Float64Array
  readonly #dh: Float64Array
  learningRate: number

  constructor(options: { inputs: number; hidden: number; outputs: number; learningRate: number; seed: number }) {
    this.#in = options.inputs
    this.#hidden = options.hidden
    this.#out = options.outputs
    this.learningRate = options.learningRate
    const rand = mulberry32(options.seed)
    // He initialisation for ReLU layers (He et al. 2015).
    const he = (fanIn: number) => () => (rand() * 2 - 1) * Math.sqrt(6 / fanIn)
    this.#w1 = Float64Array.from({ length: this.#in * this.#hidden }, he(this.#in))
    this.#b1 = new Float64Array(this.#hidden)
    this.#w2 = Float64Array.from({ length: this.#hidden * this.#out }, he(this.#hidden))
    this.#b2 = new Float64Array(this.#out)
    this.#h = new Float64Array(this.#hidden)
    this.#p = new Float64Array(this.#out)
    this.#g1 = new Float64Array(this.#w1.length)
    this.#gb1 = new Float64Array(this.#hidden)
    this.#g2 = new Float64Array(this.#w2.length)
    this.#gb2 = new Float64Array(this.#out)
    this.#dh = new Float64Array(this.#hidden)
  }

  /** Forward pass of row `r`: fills the hidden activations and class probabilities; returns the predicted class. */
  #forward(x: Float64Array, r: number): number {
    const h = this.#h
    for (let j = 0; j < this.#hidden; j++) {
      let s = this.#b1[j]!
      for (let i = 0; i < this.#in; i++) s += x[r * this.#in + i]! * this.#w1[i * this.#hidden + j]!
      h[j] = Math.max(s , 0)
    }
    let max = Number.NEGATIVE_INFINITY
    for (let k = 0; k < this.#out; k++) {
      let s = this.#b2[k]!
      for (let j = 0; j < this.#hidden; j++) s += h[j]! * this.#w2[j * this.#out + k]!
      this.#p[k] = s
      if (s > max) max = s
    }
    // Softmax with the max subtracted (stable while the logits are finite; Inf − Inf gives NaN when they are not).
    let z = 0
    let best = 0
    for (let k = 0; k < this.#out; k++) {
      const e = Math.exp(this.#p[k]! - max)
      this.#p[k] = e
      z += e
    }
    for (let k = 0; k < this.#out; k++) {
      this.#p[k] = this.#p[k]! / z
      if (this.#p[k]! > this.#p[best]!) best = k
    }
    return best
  }

  /** One SGD step on rows `[start, end)` of `data` (wrapping around). */
  step(data: DataSet, start: number, size: number): StepResult {
    this.#g1.fill(0)
    this.#gb1.fill(0)
    this.#g2.fill(0)
    this.#gb2.fill(0)
    let loss = 0
    let correct = 0
    for (let b = 0; b < size; b++) {
      const r = (start + b) % data.rows
      const y = data.y[r]!
      if (this.#forward(data.x, r) === y) correct++
      loss -= Math.log(this.#p[y]!)
      // dL/dlogits = p − onehot(y)
      this.#dh.fill(0)
      for (let k = 0; k < this.#out; k++) {
        const d = this.#p[k]! - (k === y ? 1 : 0)
        this.#gb2[k]! += d
        for (let j = 0; j < this.#hidden; j++) {
          this.#g2[j * this.#out + k]! += d * this.#h[j]!
          this.#dh[j]! += d * this.#w2[j * this.#out + k]!
        }
      }
      for (let j = 0; j < this.#hidden; j++) {
        if (this.#h[j]! <= 0) continue
        this.#gb1[j]! += this.#dh[j]!
        for (let i = 0; i < this.#in; i++) this.#g1[i * this.#hidden + j]! += this.#dh[j]! * data.x[r * this.#in + i]!
      }
    }
    let norm2 = 0
    const update = (w: Float64Array, g: Float64Array) => {
      for (let i = 0; i < w.length; i++) {
        const gi = g[i]! / size
        norm2 += gi * gi
        w[i]! -= this.learningRate * gi
      }
    }
    update(this.#w1, this.#g1)
    update(this.#b1, this.#gb1)
    update(this.#w2, this.#g2)
    update(this.#b2, this.#gb2)
    return { loss: loss / size, accuracy: correct / size, gradientNorm: Math.sqrt(norm2) }
  }

  /** Mean loss and accuracy over a whole data set (no update). */
  evaluate(data: DataSet): { loss: number; accuracy: number } {
    let loss = 0
    let correct = 0
    for (let r = 0; r < data.rows; r++) {
      if (this.#forward(data.x, r) === data.y[r]!) correct++
      loss -= Math.log(this.#p[data.y[r]!]!)
    }
    return { loss: loss / data.rows, accuracy: correct / data.rows }
  }
}
