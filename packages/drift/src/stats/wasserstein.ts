import { insufficient } from '../util/errors.js'
import { sortedFinite } from './finite.js'

/**
 * Wasserstein-1 (earth mover's) distance between two empirical distributions: ∫ |F_a(x) − F_b(x)| dx,
 * computed by a merge of the sorted samples in O((n + m) log(n + m)) (as scipy's wasserstein_distance
 * with equal weights). In the unit of the data. NaN/±Inf are left out.
 *
 * @example
 * ```ts
 * wasserstein([0, 1, 3], [5, 6, 8]) // 5
 * ```
 */
export function wasserstein(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = sortedFinite(a).values
  const y = sortedFinite(b).values
  if (x.length === 0) throw insufficient('wasserstein first sample', 0, 1)
  if (y.length === 0) throw insufficient('wasserstein second sample', 0, 1)
  let i = 0
  let j = 0
  let prev = Math.min(x[0]!, y[0]!)
  let total = 0
  while (i < x.length || j < y.length) {
    const next = j >= y.length || (i < x.length && x[i]! <= y[j]!) ? x[i]! : y[j]!
    total += Math.abs(i / x.length - j / y.length) * (next - prev)
    while (i < x.length && x[i] === next) i++
    while (j < y.length && y[j] === next) j++
    prev = next
  }
  return total
}
