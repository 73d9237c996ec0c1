/** A d-h-c MLP (tanh hidden layer, softmax output) trained by mini-batch SGD, in plain TypeScript. */
export class Mlp {
  readonly #d: number
  readonly #h: number
  readonly #c: number
  readonly #w1: Float64Array
  readonly #w2: Float64Array
  learningRate: number

  constructor(d: number, h: number, c: number, learningRate: number, seed = 1) {
    let a = seed >>> 0
    const rnd = () => {
      a = (a + 0x6d2b79f5) >>> 0
      let t = Math.imul(a ^ (a >>> 15), a | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5
    }
    this.#d = d
    this.#h = h
    this.#c = c
    // one extra column per layer holds the bias
    this.#w1 = Float64Array.from({ length: (d + 1) * h }, () => rnd() * 2 / Math.sqrt(d))
    this.#w2 = Float64Array.from({ length: (h + 1) * c }, () => rnd() * 2 / Math.sqrt(h))
    this.learningRate = learningRate
  }

  /** One SGD step on rows (`train`), or only the loss and accuracy. */
  step(x: readonly (readonly number[])[], y: readonly number[], train: boolean): { loss: number; accuracy: number; gradientNorm: number } {
    const [d, h, c] = [this.#d, this.#h, this.#c]
    const g1 = new Float64Array(this.#w1.length)
    const g2 = new Float64Array(this.#w2.length)
    const a = new Float64Array(h + 1)
    const p = new Float64Array(c)
    let loss = 0
    let correct = 0
    const n = x.length
    for (let r = 0; r < n; r++) {
      const xr = x[r]!
      for (let j = 0; j < h; j++) {
        let z = this.#w1[d * h + j]!
        for (let i = 0; i < d; i++) z += xr[i]! * this.#w1[i * h + j]!
        a[j] = Math.tanh(z)
      }
      a[h] = 1
      let max = Number.NEGATIVE_INFINITY
      for (let k = 0; k < c; k++) {
        let z = 0
        for (let j = 0; j <= h; j++) z += a[j]! * this.#w2[j * c + k]!
        p[k] = z
        max = Math.max(max, z)
      }
      let sum = 0
      for (let k = 0; k < c; k++) sum += p[k] = Math.exp(p[k]! - max)
      let best = 0
      for (let k = 0; k < c; k++) {
        p[k] = p[k]! / sum
        if (p[k]! > p[best]!) best = k
      }
      loss -= Math.log(Math.max(p[y[r]!]!, 1e-300))
      if (best === y[r]) correct++
      if (!train) continue
      for (let k = 0; k < c; k++) {
        const e = (p[k]! - (k === y[r] ? 1 : 0)) / n
        for (let j = 0; j <= h; j++) g2[j * c + k] = g2[j * c + k]! + e * a[j]!
      }
      for (let j = 0; j < h; j++) {
        let e = 0
        for (let k = 0; k < c; k++) e += ((p[k]! - (k === y[r] ? 1 : 0)) / n) * this.#w2[j * c + k]!
        e *= 1 - a[j]! * a[j]!
        for (let i = 0; i < d; i++) g1[i * h + j] = g1[i * h + j]! + e * xr[i]!
        g1[d * h + j] = g1[d * h + j]! + e
      }
    }
    let norm = 0
    if (train) {
      for (const [w, g] of [[this.#w1, g1], [this.#w2, g2]] as const) {
        for (let i = 0; i < w.length; i++) {
          norm += g[i]! * g[i]!
          w[i] = w[i]! - this.learningRate * g[i]!
        }
      }
    }
    return { loss: loss / n, accuracy: correct / n, gradientNorm: Math.sqrt(norm) }
  }
}
