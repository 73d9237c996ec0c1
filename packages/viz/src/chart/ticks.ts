/** Axis ticks: `lo`/`hi` widened to whole steps, `values` from lo to hi. */
export interface Ticks {
  readonly lo: number
  readonly hi: number
  readonly step: number
  readonly values: readonly number[]
}

/**
 * Where `v` sits between `a` and `b` (0 at a, 1 at b), without overflow when `b − a` exceeds the
 * double range (values near ±1.8e308 are data too); 0.5 for an empty range.
 */
export function frac(v: number, a: number, b: number): number {
  const d = b - a
  if (Number.isFinite(d)) return d > 0 ? (v - a) / d : 0.5
  return (v / 2 - a / 2) / (b / 2 - a / 2)
}

/** Widens a zero-width range around its value (by 10%, or by 1 when that underflows). */
function widen(lo: number, hi: number): [number, number] {
  const pad = Math.abs(lo) * 0.1
  return pad > 1e-300 && Number.isFinite(lo - pad) && Number.isFinite(hi + pad) ? [lo - pad, hi + pad] : [lo - 1, hi + 1]
}

/** The "nice number" of Heckbert ("Nice numbers for graph labels", Graphics Gems 1990): 1, 2, 5 × 10^k. */
export function niceNumber(range: number, round: boolean): number {
  const exp = Math.floor(Math.log10(range))
  const f = range / 10 ** exp
  let nf: number
  if (round) nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10
  else nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10
  return nf * 10 ** exp
}

/**
 * About `count` nice ticks covering `[lo, hi]` (Heckbert's loose labelling). A zero-width or
 * non-finite range is widened around its value so an axis is always drawable.
 */
export function niceTicks(lo: number, hi: number, count: number): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0
    hi = 1
  }
  if (hi < lo) [lo, hi] = [hi, lo]
  if (!(hi - lo > 1e-300 * Math.max(1, Math.abs(lo)))) [lo, hi] = widen(lo, hi)
  if (!Number.isFinite(hi - lo)) {
    // The span overflows a double: tick the halved range and double the values back.
    const t = niceTicks(lo / 2, hi / 2, count)
    return { lo, hi, step: t.step * 2, values: t.values.map((v) => v * 2).filter((v) => v >= lo && v <= hi) }
  }
  const n = Math.max(2, count)
  const step = niceNumber(niceNumber(hi - lo, false) / (n - 1), true)
  const a = Math.floor(lo / step) * step
  const b = Math.ceil(hi / step) * step
  const values: number[] = []
  // Index-based to avoid accumulating floating error; round to the step's decimals.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1)
  for (let i = 0; a + i * step <= b + step * 1e-9; i++) values.push(Number((a + i * step).toFixed(Math.min(20, decimals))))
  return { lo: a, hi: b, step, values }
}

/**
 * A padded data range with the nice ticks that fall inside it (matplotlib-style 5% margins instead
 * of widening to whole tick steps, which can waste half the plot). A flat or empty range is widened
 * around its value.
 */
export function paddedTicks(lo: number, hi: number, count: number, margin = 0.05): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0
    hi = 1
  }
  if (!(hi - lo > 1e-300 * Math.max(1, Math.abs(lo)))) [lo, hi] = widen(lo, hi)
  else {
    const pad = Number.isFinite(hi - lo) ? (hi - lo) * margin : 0
    if (Number.isFinite(lo - pad) && Number.isFinite(hi + pad)) {
      lo -= pad
      hi += pad
    }
  }
  // Ask for more ticks until enough fall inside the range (a loose step can leave only one).
  let best: Ticks = { lo, hi, step: hi - lo, values: [] }
  for (let c = Math.max(2, count); c <= count + 6; c++) {
    const t = niceTicks(lo, hi, c)
    const eps = t.step * 1e-9
    best = { lo, hi, step: t.step, values: t.values.filter((v) => v >= lo - eps && v <= hi + eps) }
    if (best.values.length >= Math.min(3, count)) break
  }
  return best
}
