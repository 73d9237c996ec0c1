import { CHANGE_TYPES, type HealthEvent } from '@entrenar/core'
import type { GraphStore } from '../store/graph-store.js'

/** Where OpenLineage events say they come from. */
export interface OpenLineageOptions {
  /** Dataset and job namespace. Default `entrenar`. */
  readonly namespace?: string
  /** The `producer` URI of every event and facet. Default `https://www.npmjs.com/package/@entrenar/graph`. */
  readonly producer?: string
}

/** The RunEvent schema of OpenLineage spec 2-0-2. */
export const OPENLINEAGE_RUN_EVENT_SCHEMA = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** 32-bit FNV-1a of the UTF-16 code units, then a MurmurHash3 finaliser for avalanche. */
function hash32(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * A deterministic, name-based UUID (RFC 9562 version 8, variant 10) so that exporting the same
 * graph twice yields the same run ids; OpenLineage requires `run.runId` to be a UUID.
 */
export function nameUuid(name: string): string {
  const hex = [1, 2, 3, 4].map((seed) => hash32(name, seed * 0x9e3779b9).toString(16).padStart(8, '0')).join('')
  const v = `${hex.slice(0, 12)}8${hex.slice(13, 16)}${((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 32)}`
  return `${v.slice(0, 8)}-${v.slice(8, 12)}-${v.slice(12, 16)}-${v.slice(16, 20)}-${v.slice(20, 32)}`
}

/**
 * OpenLineage 2-0-2 RunEvents, one JSON object per line (the format of OpenLineage's file
 * transport): each model is the output dataset of a COMPLETE training run whose inputs are its
 * parent models. Metrics, version, config hash, tags, change types and health events travel in
 * custom facets (`entrenar_model`, `entrenar_derivations`, `entrenar_health`).
 */
export function toOpenLineage(g: GraphStore, eventsOf: (v: number) => HealthEvent[], options: OpenLineageOptions = {}): string {
  const ns = options.namespace ?? 'entrenar'
  const producer = options.producer ?? 'https://www.npmjs.com/package/@entrenar/graph'
  const facet = (name: string) => ({ _producer: producer, _schemaURL: `${producer}#/$defs/${name}` })
  const lines: string[] = []
  for (let v = 0; v < g.n; v++) {
    const m = g.model(v)
    const inEdges = g.inEdges(v)
    const events = eventsOf(v)
    const runFacets: Record<string, unknown> = {
      entrenar_model: {
        ...facet('EntrenarModelRunFacet'),
        modelId: m.id,
        ...(m.version !== undefined ? { version: m.version } : {}),
        ...(m.configHash !== undefined ? { configHash: m.configHash } : {}),
        ...(m.runId !== undefined ? { entrenarRunId: m.runId } : {}),
        // JSON has no NaN/±Inf: they travel as strings, as on every Entrenar wire.
        metrics: Object.fromEntries(Object.entries(m.metrics).map(([k, x]) => [k, Number.isFinite(x) ? x : String(x)])),
        ...(m.tags ? { tags: m.tags } : {}),
      },
    }
    if (inEdges.length > 0) {
      runFacets.entrenar_derivations = {
        ...facet('EntrenarDerivationsRunFacet'),
        derivations: inEdges.map((e) => {
          const d = g.eDesc[e]!
          return { parent: g.ids.get(g.eParent[e]!), changeType: CHANGE_TYPES[g.eType[e]!], ...(d >= 0 ? { description: g.pool.get(d) } : {}) }
        }),
      }
    }
    if (events.length > 0) {
      runFacets.entrenar_health = {
        ...facet('EntrenarHealthRunFacet'),
        events: events.map((e) => ({ ...e, ...(e.value !== undefined && !Number.isFinite(e.value) ? { value: String(e.value) } : {}) })),
      }
    }
    const event = {
      eventType: 'COMPLETE',
      eventTime: new Date(m.createdAtMs).toISOString(),
      producer,
      schemaURL: OPENLINEAGE_RUN_EVENT_SCHEMA,
      run: { runId: m.runId !== undefined && UUID.test(m.runId) ? m.runId.toLowerCase() : nameUuid(`${ns}/${m.id}`), facets: runFacets },
      job: { namespace: ns, name: `train:${m.runId ?? m.id}` },
      inputs: inEdges.map((e) => ({ namespace: ns, name: g.ids.get(g.eParent[e]!) })),
      outputs: [{ namespace: ns, name: m.id }],
    }
    lines.push(JSON.stringify(event))
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : ''
}
