import { derivationFromWire, derivationToWire, type HealthEvent, healthEventFromWire, healthEventToWire, lineageGraphContract, type ModelNode, ModelNodeWire, modelFromWire, modelToWire } from '@entrenar/core'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'

const viaJson = <T>(x: T): T => JSON.parse(JSON.stringify(x))

describe('lineage wire form', () => {
  it('a model survives JSON with NaN, ±Inf and -0 metrics, snake_case on the wire', () => {
    const m: ModelNode = { id: 'v1', version: '1', metrics: { a: Number.NaN, b: Number.POSITIVE_INFINITY, c: Number.NEGATIVE_INFINITY, d: -0, e: 0.25 }, createdAtMs: 5, configHash: 'h', config: { lr: 0.1, nested: { x: [1] } }, tags: { t: 'x' }, runId: 'r' }
    const wire = viaJson(modelToWire(m))
    expect(Object.keys(wire).sort()).toEqual(['config', 'config_hash', 'created_at_ms', 'id', 'metrics', 'run_id', 'tags', 'version'])
    const back = modelFromWire(v.parse(ModelNodeWire, wire))
    expect(back).toEqual(m)
    expect(Object.is(back.metrics.d, -0)).toBe(true)
    expect(modelFromWire(v.parse(ModelNodeWire, viaJson(modelToWire({ id: 'x', metrics: {}, createdAtMs: 0 }))))).toEqual({ id: 'x', metrics: {}, createdAtMs: 0 })
  })

  it('derivations and health events round-trip; bad change types fail validation', () => {
    const d = { parent: 'a', child: 'b', changeType: 'merge' as const, description: 'x' }
    expect(derivationFromWire(viaJson(derivationToWire(d)))).toEqual(d)
    const e: HealthEvent = { kind: 'incident', runId: 'r', level: 'critical', rule: 'non_finite', message: 'NaN', value: Number.NaN, step: 3, decision: 'stop', timestampMs: 1 }
    const back = healthEventFromWire(viaJson(healthEventToWire(e)))
    expect(back).toEqual(e)
    const spec = lineageGraphContract.methods.derive as unknown as { request: v.GenericSchema }
    expect(v.safeParse(spec.request, { schema_version: 1, derivation: { parent: 'a', child: 'b', change_type: 'teleport' } }).success).toBe(false)
  })
})
