/** Growable typed-array helpers: capacity doubles, so n appends cost O(n) copies in total. */
export function grow<T extends Float64Array | Int32Array | Uint8Array | Uint32Array>(a: T, needed: number, fill?: number): T {
  if (needed <= a.length) return a
  let cap = Math.max(16, a.length)
  while (cap < needed) cap *= 2
  const b = new (a.constructor as new (n: number) => T)(cap)
  b.set(a)
  if (fill !== undefined && fill !== 0) b.fill(fill, a.length)
  return b
}

/** One metric across all models: values plus a presence flag (NaN is a value, absence is not). */
export interface MetricColumn {
  values: Float64Array
  present: Uint8Array
}
