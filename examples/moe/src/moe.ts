/**
 * A mixture of experts for 2-D regression (Jacobs et al. 1991, "Adaptive Mixtures of Local Experts"):
 * a softmax gate over `E` experts, each a one-hidden-layer ReLU network without output bias. The
 * prediction is the gate-weighted sum of the experts' outputs; training is plain SGD on the MSE.
 */

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A batch of the task: four quadrants, each with its own linear function of the input. */
export function batch(rnd: () => number, n: number): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(2 * n)
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const a = rnd() * 2 - 1
    const b = rnd() * 2 - 1
    x[2 * i] = a
    x[2 * i + 1] = b
    y[i] = a >= 0 ? (b >= 0 ? 1 + a + b : 2 * a - b) : b >= 0 ? -1 + 0.5 * b - a : -a * 1.5 + 0.3
  }
  return { x, y }
}

/** What one step measured per expert. */
export interface ExpertStats {
  /** Update-to-weight ratio lr·‖g‖/‖θ‖ (healthy training sits near 1e-3; a dead expert's is 0). */
  readonly updateRatio: number
  /** L2 norm of the expert's parameter gradient. */
  readonly gradNorm: number
  /** Mean gate probability (share of the batch routed to it). */
  readonly load: number
}

/** A gated mixture of ReLU experts. */
export class MixtureOfExperts {
  readonly experts: number
  readonly hidden: number
  readonly #gate: Float64Array // E × 3 (2 inputs + bias)
  readonly #w: Float64Array[] // per expert: H × 3
  readonly #v: Float64Array[] // per expert: H
  learningRate: number

  constructor(experts: number, hidden: number, learningRate: number, seed: number) {
    const rnd = mulberry32(seed)
    this.experts = experts
    this.hidden = hidden
    this.learningRate = learningRate
    this.#gate = Float64Array.from({ length: experts * 3 }, () => (rnd() - 0.5) * 0.5)
    this.#w = Array.from({ length: experts }, () => Float64Array.from({ length: hidden * 3 }, () => (rnd() - 0.5) * 2))
    this.#v = Array.from({ length: experts }, () => Float64Array.from({ length: hidden }, () => (rnd() - 0.5) / Math.sqrt(hidden)))
  }

  /**
   * The incident: a faulty checkpoint restore loads an all-zero (singular) input matrix into the given
   * experts. Their hidden units sit at ReLU(0) = 0, where the derivative is 0, so no gradient ever
   * reaches them again — while the gate quietly routes around them and the total loss still falls.
   */
  corrupt(experts: readonly number[]): void {
    for (const e of experts) this.#w[e]!.fill(0)
  }

  /** One SGD step on a batch: total loss and per-expert statistics. */
  step(x: Float64Array, y: Float64Array): { loss: number; experts: ExpertStats[] } {
    const E = this.experts
    const H = this.hidden
    const n = y.length
    const gGate = new Float64Array(this.#gate.length)
    const gW = this.#w.map((w) => new Float64Array(w.length))
    const gV = this.#v.map((v) => new Float64Array(v.length))
    const load = new Float64Array(E)
    const pi = new Float64Array(E)
    const out = new Float64Array(E)
    const h = this.#w.map(() => new Float64Array(H))
    let loss = 0
    for (let i = 0; i < n; i++) {
      const a = x[2 * i]!
      const b = x[2 * i + 1]!
      let max = Number.NEGATIVE_INFINITY
      for (let e = 0; e < E; e++) {
        pi[e] = this.#gate[e * 3]! * a + this.#gate[e * 3 + 1]! * b + this.#gate[e * 3 + 2]!
        max = Math.max(max, pi[e]!)
      }
      let sum = 0
      for (let e = 0; e < E; e++) sum += pi[e] = Math.exp(pi[e]! - max)
      let pred = 0
      for (let e = 0; e < E; e++) {
        pi[e] = pi[e]! / sum
        const w = this.#w[e]!
        const v = this.#v[e]!
        const he = h[e]!
        let o = 0
        for (let j = 0; j < H; j++) {
          he[j] = Math.max(0, w[j * 3]! * a + w[j * 3 + 1]! * b + w[j * 3 + 2]!)
          o += v[j]! * he[j]!
        }
        out[e] = o
        pred += pi[e]! * o
      }
      const err = pred - y[i]!
      loss += err * err
      for (let e = 0; e < E; e++) {
        const p = pi[e]!
        load[e] = load[e]! + p / n
        // d loss / d out_e = 2·err·π_e ; d loss / d gate logit_e = 2·err·π_e·(out_e − pred)
        const dOut = (2 * err * p) / n
        const dLogit = (2 * err * p * (out[e]! - pred)) / n
        gGate[e * 3] = gGate[e * 3]! + dLogit * a
        gGate[e * 3 + 1] = gGate[e * 3 + 1]! + dLogit * b
        gGate[e * 3 + 2] = gGate[e * 3 + 2]! + dLogit
        const v = this.#v[e]!
        const he = h[e]!
        const gw = gW[e]!
        const gv = gV[e]!
        for (let j = 0; j < H; j++) {
          gv[j] = gv[j]! + dOut * he[j]!
          if (he[j]! > 0) {
            const d = dOut * v[j]!
            gw[j * 3] = gw[j * 3]! + d * a
            gw[j * 3 + 1] = gw[j * 3 + 1]! + d * b
            gw[j * 3 + 2] = gw[j * 3 + 2]! + d
          }
        }
      }
    }
    const lr = this.learningRate
    for (let k = 0; k < this.#gate.length; k++) this.#gate[k] = this.#gate[k]! - lr * gGate[k]!
    const experts: ExpertStats[] = []
    for (let e = 0; e < E; e++) {
      let norm = 0
      let weights = 0
      for (const [p, g] of [
        [this.#w[e]!, gW[e]!],
        [this.#v[e]!, gV[e]!],
      ] as const) {
        for (let k = 0; k < p.length; k++) {
          norm += g[k]! * g[k]!
          weights += p[k]! * p[k]!
          p[k] = p[k]! - lr * g[k]!
        }
      }
      experts.push({ updateRatio: (lr * Math.sqrt(norm)) / Math.max(Math.sqrt(weights), 1e-12), gradNorm: Math.sqrt(norm), load: load[e]! })
    }
    return { loss: loss / n, experts }
  }
}
