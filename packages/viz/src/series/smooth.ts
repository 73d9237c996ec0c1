import { EntrenarError, ErrorCodes } from '@entrenar/core'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Smoothing kinds; see {@link smooth}. */
export type SmoothKind = 'ema' | 'time-ema' | 'running' | 'gaussian'

/** Options of {@link smooth}. */
export interface SmoothOptions {
  /** Which smoother: `ema` (TensorBoard's debiased EMA), `time-ema` (decay over x distance), `running` (trailing mean), `gaussian`. */
  readonly kind: SmoothKind
  /** `ema`/`time-ema`: decay weight in [0, 1) (default 0.6, TensorBoard's slider default). */
  readonly weight?: number
  /** `running`: trailing window in points (default 10); `time-ema`: the x span one `weight` decay covers (default (max x − min x) / 1000). */
  readonly window?: number
  /** `gaussian`: standard deviation in points (default 2); the kernel is cut at 3σ. */
  readonly sigma?: number
}

/** Defaults of {@link SmoothOptions}. */
export const SMOOTH_DEFAULTS: {
  /** EMA decay weight: 0.6. */
  readonly weight: number
  /** Running-mean window: 10 points. */
  readonly window: number
  /** Gaussian σ: 2 points. */
  readonly sigma: number
} = { weight: 0.6, window: 10, sigma: 2 }

function fail(message: string): never {
  throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/viz: ${message}`)
}

/** Validates smoothing options (fails fast with `ENTRENAR_INVALID_CONFIG`). */
export function checkSmoothOptions(options: SmoothOptions): void {
  const { kind, weight, window, sigma } = options
  if (kind !== 'ema' && kind !== 'time-ema' && kind !== 'running' && kind !== 'gaussian') fail(`unknown smoothing kind ${JSON.stringify(kind)}`)
  if (weight !== undefined && !(weight >= 0 && weight < 1)) fail(`smoothing weight must be in [0, 1), got ${weight}`)
  if (window !== undefined) {
    if (kind === 'running' && !(Number.isInteger(window) && window >= 1)) fail(`running window must be an integer ≥ 1, got ${window}`)
    if (kind === 'time-ema' && !(window > 0 && Number.isFinite(window))) fail(`time-ema window must be a finite x span > 0, got ${window}`)
  }
  if (sigma !== undefined && !(sigma > 0 && sigma <= 1e6)) fail(`gaussian sigma must be in (0, 1e6] points, got ${sigma}`)
}

const finite = (v: number) => v - v === 0

/**
 * Debiased exponential moving average exactly as TensorBoard's scalar dashboard
 * (tensorboard/plugins/scalar/tf_scalar_dashboard, `smoothing` in vz_line_chart2): `last = last·w +
 * (1−w)·v`, divided by `1 − w^n` so early points are not pulled towards 0. A constant series is
 * returned as is (TensorBoard does the same, to avoid floating-point wobble).
 */
function ema(y: Float64Array, w: number, out: Float64Array): void {
  let last = 0
  let n = 0
  let first = Number.NaN
  let constant = true
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!
    if (!finite(v)) continue
    if (first !== first) first = v
    else if (v !== first) constant = false
  }
  if (constant) {
    out.set(y)
    return
  }
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!
    if (!finite(v)) {
      out[i] = v
      continue
    }
    last = last * w + (1 - w) * v
    n++
    out[i] = w === 0 ? v : last / (1 - w ** n)
  }
}

/**
 * Time-weighted EMA (Weights & Biases' "Time Weighted EMA"): the decay follows the x gap, `w^(Δx /
 * span)`, so sparse points (validation every 500 steps, or x = wall time) are smoothed by elapsed x
 * rather than by point count. Debiased by the accumulated weight, as W&B does.
 */
function timeEma(x: Float64Array, y: Float64Array, w: number, span: number | undefined, out: Float64Array): void {
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!
    if (finite(v)) {
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
  }
  const unit = span ?? (hi > lo ? (hi - lo) / 1000 : 1)
  let acc = 0
  let norm = 0
  let prevX = Number.NaN
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!
    const xi = x[i]!
    if (!finite(v) || !finite(xi)) {
      out[i] = v
      continue
    }
    const dx = prevX === prevX ? Math.abs(xi - prevX) / unit : 0
    const decay = w ** dx
    acc = acc * decay + v
    norm = norm * decay + 1
    prevX = xi
    out[i] = acc / norm
  }
}

/** Trailing running average of the last `window` finite values (MLflow/W&B "running average"). */
function running(y: Float64Array, window: number, out: Float64Array): void {
  const ring = new Float64Array(window)
  let n = 0
  let head = 0
  let sum = 0
  // Kahan-compensated so a long run does not drift (Kahan 1965).
  let comp = 0
  const add = (d: number) => {
    const t = d - comp
    const s = sum + t
    comp = s - sum - t
    sum = s
  }
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!
    if (!finite(v)) {
      out[i] = v
      continue
    }
    if (n === window) add(-ring[head]!)
    else n++
    ring[head] = v
    head = (head + 1) % window
    add(v)
    out[i] = sum / n
  }
}

/**
 * Centred Gaussian kernel smoothing over neighbouring finite points (W&B's "Gaussian" smoothing),
 * σ in points, kernel cut at ±3σ and renormalised over the finite neighbours actually present.
 */
function gaussian(y: Float64Array, sigma: number, out: Float64Array): void {
  const r = Math.max(1, Math.ceil(3 * sigma))
  const kernel = new Float64Array(2 * r + 1)
  for (let k = -r; k <= r; k++) kernel[k + r] = Math.exp((-k * k) / (2 * sigma * sigma))
  const n = y.length
  for (let i = 0; i < n; i++) {
    const v = y[i]!
    if (!finite(v)) {
      out[i] = v
      continue
    }
    let s = 0
    let wsum = 0
    const lo = Math.max(0, i - r)
    const hi = Math.min(n - 1, i + r)
    for (let j = lo; j <= hi; j++) {
      const u = y[j]!
      if (!finite(u)) continue
      const kw = kernel[j - i + r]!
      s += kw * u
      wsum += kw
    }
    out[i] = s / wsum
  }
}

/**
 * Smooths a series before it is bucketed for drawing. NaN and ±Inf pass through at their own
 * positions and are never averaged into a neighbour; every other output is computed from finite
 * inputs only.
 *
 * - `ema`: debiased EMA as TensorBoard (weight 0.6 by default);
 * - `time-ema`: EMA whose decay follows the x gap (W&B);
 * - `running`: trailing mean of the last `window` finite values;
 * - `gaussian`: centred Gaussian kernel, σ in points.
 *
 * @example
 * ```ts
 * const smoothed = smooth(steps, losses, { kind: 'ema', weight: 0.9 })
 * ```
 */
export function smooth(x: Float64Array, y: Float64Array, options: SmoothOptions): Float64Array {
  checkSmoothOptions(options)
  if (x.length !== y.length) fail(`x has ${x.length} values but y has ${y.length}`)
  const out = new Float64Array(y.length)
  const w = options.weight ?? SMOOTH_DEFAULTS.weight
  switch (options.kind) {
    case 'ema':
      ema(y, w, out)
      break
    case 'time-ema':
      timeEma(x, y, w, options.window, out)
      break
    case 'running':
      running(y, options.window ?? SMOOTH_DEFAULTS.window, out)
      break
    case 'gaussian':
      gaussian(y, options.sigma ?? SMOOTH_DEFAULTS.sigma, out)
      break
  }
  return out
}

/** A causal smoother fed one point at a time (see {@link createSmoother}). */
export interface Smoother {
  /** Smoothed value at this point (NaN/±Inf pass through). */
  next(x: number, y: number): number
}

/**
 * A streaming smoother for the causal kinds, giving exactly what {@link smooth} gives over the same
 * prefix: `ema`, `running`, and `time-ema` with an explicit `window` (without one, `time-ema` depends
 * on the whole x range). Returns `undefined` for the kinds that need the whole series (`gaussian`).
 * (`ema` differs from {@link smooth} only on an all-constant series, where TensorBoard skips
 * smoothing; the streaming form returns the constant up to rounding.)
 */
export function createSmoother(options: SmoothOptions): Smoother | undefined {
  checkOptions('entrenar/viz: createSmoother', options, CREATE_SMOOTHER_OPTIONS)
  checkSmoothOptions(options)
  const w = options.weight ?? SMOOTH_DEFAULTS.weight
  if (options.kind === 'ema') {
    let last = 0
    let wn = 1
    return {
      next(_x, v) {
        if (!finite(v)) return v
        last = last * w + (1 - w) * v
        wn *= w
        return w === 0 ? v : last / (1 - wn)
      },
    }
  }
  if (options.kind === 'running') {
    const window = options.window ?? SMOOTH_DEFAULTS.window
    const ring = new Float64Array(window)
    let n = 0
    let head = 0
    let sum = 0
    let comp = 0
    const add = (d: number) => {
      const t = d - comp
      const s = sum + t
      comp = s - sum - t
      sum = s
    }
    return {
      next(_x, v) {
        if (!finite(v)) return v
        if (n === window) add(-ring[head]!)
        else n++
        ring[head] = v
        head = (head + 1) % window
        add(v)
        return sum / n
      },
    }
  }
  if (options.kind === 'time-ema' && options.window !== undefined) {
    const unit = options.window
    let acc = 0
    let norm = 0
    let prevX = Number.NaN
    return {
      next(xi, v) {
        if (!finite(v) || !finite(xi)) return v
        const decay = prevX === prevX ? w ** (Math.abs(xi - prevX) / unit) : 1
        acc = acc * decay + v
        norm = norm * decay + 1
        prevX = xi
        return acc / norm
      },
    }
  }
  return undefined
}

/** The option names createSmoother accepts (unknown ones are errors). */
const CREATE_SMOOTHER_OPTIONS = optionKeys<NonNullable<Parameters<typeof createSmoother>[0]>>({ kind: true, weight: true, window: true, sigma: true })
