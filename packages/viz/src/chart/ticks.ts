/** Axis ticks: `lo`/`hi` widened to whole steps, `values` from lo to hi. */
export interface Ticks {
  readonly lo: number
  readonly hi: number
  readonly step: number
  readonly values: readonly number[]
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
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1
    lo -= pad
    hi += pad
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
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1
    lo -= pad
    hi += pad
  } else {
    const pad = (hi - lo) * margin
    lo -= pad
    hi += pad
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
