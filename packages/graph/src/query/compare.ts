import type { MetricDelta, ModelNode, ValueChange } from '@entrenar/core'

/** Per-metric deltas `b − a` over the metrics both models have, sorted by name. */
export function compareModels(a: ModelNode, b: ModelNode): MetricDelta[] {
  const out: MetricDelta[] = []
  for (const metric of Object.keys(a.metrics).sort()) {
    const y = b.metrics[metric]
    if (y === undefined) continue
    const x = a.metrics[metric]!
    out.push({ metric, a: x, b: y, delta: y - x, relative: x === 0 ? Number.NaN : (y - x) / Math.abs(x) })
  }
  return out
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

/** Nested objects become dotted keys; arrays and scalars are leaves. */
function flatten(x: Readonly<Record<string, unknown>> | undefined, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (!x) return out
  for (const [k, v] of Object.entries(x)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (isObject(v) && Object.keys(v).length > 0) flatten(v, key, out)
    else out.set(key, v)
  }
  return out
}

function same(x: unknown, y: unknown): boolean {
  return Object.is(x, y) || JSON.stringify(x) === JSON.stringify(y)
}

/** Added, removed and changed keys between two flat maps, sorted by key. */
export function diffMaps(a: Map<string, unknown>, b: Map<string, unknown>): ValueChange[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort()
  const out: ValueChange[] = []
  for (const key of keys) {
    const inA = a.has(key)
    const inB = b.has(key)
    if (inA && !inB) out.push({ key, change: 'removed', a: a.get(key) })
    else if (!inA && inB) out.push({ key, change: 'added', b: b.get(key) })
    else if (!same(a.get(key), b.get(key))) out.push({ key, change: 'changed', a: a.get(key), b: b.get(key) })
  }
  return out
}

export function diffConfig(a: ModelNode, b: ModelNode): ValueChange[] {
  return diffMaps(flatten(a.config, '', new Map()), flatten(b.config, '', new Map()))
}

export function diffTags(a: ModelNode, b: ModelNode): ValueChange[] {
  return diffMaps(new Map(Object.entries(a.tags ?? {})), new Map(Object.entries(b.tags ?? {})))
}
