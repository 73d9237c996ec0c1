/**
 * A seeded pseudo-random generator: sfc32 (Chris Doty-Humphrey's Small Fast Counter, PractRand suite),
 * seeded through splitmix32 so nearby seeds give unrelated streams. Deterministic on every platform.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [0, n). */
  int(n: number): number
  /** A standard normal deviate (Marsaglia's polar method). */
  normal(): number
}

class Sfc32 implements Random {
  #a: number
  #b: number
  #c: number
  #d = 1
  #spare = Number.NaN

  constructor(seed: number) {
    let s = seed >>> 0
    const split = (): number => {
      s = (s + 0x9e3779b9) | 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.#a = split()
    this.#b = split()
    this.#c = split()
    for (let i = 0; i < 12; i++) this.#u32()
  }

  #u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0
    this.#d = (this.#d + 1) | 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) | 0
    this.#c = (this.#c << 21) | (this.#c >>> 11)
    this.#c = (this.#c + t) | 0
    return t >>> 0
  }

  next(): number {
    return this.#u32() / 4294967296
  }

  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  normal(): number {
    if (this.#spare === this.#spare) {
      const s = this.#spare
      this.#spare = Number.NaN
      return s
    }
    for (;;) {
      const u = 2 * this.next() - 1
      const v = 2 * this.next() - 1
      const r = u * u + v * v
      if (r > 0 && r < 1) {
        const f = Math.sqrt((-2 * Math.log(r)) / r)
        this.#spare = v * f
        return u * f
      }
    }
  }
}

/**
 * A seeded random source (same seed → same sequence everywhere).
 *
 * @example
 * ```ts
 * const rng = seededRandom(42)
 * const noise = Array.from({ length: 5 }, () => rng.normal())
 * ```
 */
export function seededRandom(seed: number): Random {
  return new Sfc32(seed)
}
