/**
 * The view in the address's fragment, so a view can be bookmarked, shared and survives a reload:
 * `#runs=a,b&metrics=loss,acc&layout=side-by-side&smooth=ema:0.6&steps=100..500&log=loss&clip=acc`. Names are
 * URI-encoded one by one, so a comma or `&` inside a name is safe.
 */
export interface ViewState {
  readonly runs?: readonly string[]
  readonly metrics?: readonly string[]
  readonly layout?: 'overlay' | 'side-by-side'
  readonly smooth?: { readonly kind: string; readonly value: number }
  readonly steps?: readonly [number, number]
  /** Metrics whose panels draw y on a log scale. */
  readonly log?: readonly string[]
  /** Metrics whose panels clip y to the 1st–99th percentile. */
  readonly clip?: readonly string[]
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
const list = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : v === '' ? [] : v.split(',').map(decode))

/** Reads the view from a fragment (`location.hash`); unknown or malformed parts are ignored. */
export function readHash(hash: string): ViewState {
  // Parsed by hand: values stay percent-encoded until split on ',' (URLSearchParams would decode first).
  const raw = new Map<string, string>()
  for (const part of hash.replace(/^#/, '').split('&')) {
    const eq = part.indexOf('=')
    if (eq > 0) raw.set(part.slice(0, eq), part.slice(eq + 1))
  }
  const p = { get: (k: string): string | undefined => raw.get(k) }
  const out: { -readonly [K in keyof ViewState]: ViewState[K] } = {}
  const runs = list(p.get('runs'))
  if (runs) out.runs = runs
  const metrics = list(p.get('metrics'))
  if (metrics) out.metrics = metrics
  const layout = p.get('layout')
  if (layout === 'overlay' || layout === 'side-by-side') out.layout = layout
  const smooth = /^(none|ema|time-ema|running|gaussian)(?::([0-9.]+))?$/.exec(p.get('smooth') ?? '')
  if (smooth) out.smooth = { kind: smooth[1]!, value: Number(smooth[2] ?? Number.NaN) }
  const log = list(p.get('log'))
  if (log) out.log = log
  const clip = list(p.get('clip'))
  if (clip) out.clip = clip
  const steps = /^(-?\d+)\.\.(-?\d+)$/.exec(p.get('steps') ?? '')
  if (steps && Number(steps[1]) < Number(steps[2])) out.steps = [Number(steps[1]), Number(steps[2])]
  return out
}

/** Writes the view as a fragment. */
export function writeHash(v: ViewState): string {
  const enc = (xs: readonly string[]) => xs.map((x) => encodeURIComponent(x)).join(',')
  const parts: string[] = []
  if (v.runs) parts.push(`runs=${enc(v.runs)}`)
  if (v.metrics) parts.push(`metrics=${enc(v.metrics)}`)
  if (v.layout) parts.push(`layout=${v.layout}`)
  if (v.smooth) parts.push(`smooth=${v.smooth.kind}${Number.isFinite(v.smooth.value) ? `:${v.smooth.value}` : ''}`)
  if (v.steps) parts.push(`steps=${v.steps[0]}..${v.steps[1]}`)
  if (v.log?.length) parts.push(`log=${enc(v.log)}`)
  if (v.clip?.length) parts.push(`clip=${enc(v.clip)}`)
  return `#${parts.join('&')}`
}
