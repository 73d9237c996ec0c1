import * as v from 'valibot'

/**
 * JSON has no NaN, ±Infinity or -0; on the wire they travel as the strings `"NaN"`, `"Infinity"`,
 * `"-Infinity"` and `"-0"` so that every float64 round-trips exactly (NaN and Inf are data).
 */
export const WireFloat = v.union([v.number(), v.picklist(['NaN', 'Infinity', '-Infinity', '-0'])])
export type WireFloat = v.InferOutput<typeof WireFloat>

/** A float in its wire form: the number itself, or `"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"` (which JSON cannot carry as numbers). */
export function floatToWire(x: number): WireFloat {
  if (x === 0 && 1 / x < 0) return '-0'
  if (Number.isFinite(x)) return x
  return x !== x ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity'
}

/** Inverse of {@link floatToWire}: the exact float, NaN, ±Inf and −0 included. */
export function floatFromWire(x: WireFloat): number {
  if (typeof x === 'number') return x
  if (x === 'NaN') return Number.NaN
  if (x === '-0') return -0
  return x === 'Infinity' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY
}

/** {@link floatToWire} over an array. */
export function floatsToWire(a: ArrayLike<number>): WireFloat[] {
  const out: WireFloat[] = new Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = floatToWire(a[i]!)
  return out
}

/** {@link floatFromWire} over an array, into a `Float64Array`. */
export function floatsFromWire(a: readonly WireFloat[]): Float64Array {
  const out = new Float64Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = floatFromWire(a[i]!)
  return out
}
