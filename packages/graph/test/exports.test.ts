import { healthEventFromDrift, healthEventFromIncident } from '@entrenar/core'
import { createLineage, nameUuid, OPENLINEAGE_RUN_EVENT_SCHEMA } from '@entrenar/graph'
import { describe, expect, it } from 'vitest'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

async function sample() {
  const g = await createLineage({ openLineage: { namespace: 'lab', producer: 'https://example.org/entrenar' } })
  await g.addModel({ id: 'base "v1"\\x', version: '1', metrics: { accuracy: 0.9, loss: Number.NaN }, createdAtMs: 1_700_000_000_000, runId: '0190a6b2-1c2d-7e3f-8a9b-0c1d2e3f4a5b' })
  await g.addModel({ id: 'ft|<v2>#1', metrics: { accuracy: 0.8 }, createdAtMs: 1_700_000_100_000, runId: 'run-2' })
  await g.derive({ parent: 'base "v1"\\x', child: 'ft|<v2>#1', changeType: 'fine_tune', description: 'lr "3e-4"\nnew line' })
  await g.addHealthEvent({ kind: 'incident', runId: 'run-2', level: 'error', rule: 'divergence', message: 'loss 10× best', value: Number.POSITIVE_INFINITY, decision: 'stop', timestampMs: 1 })
  return g
}

describe('exports', () => {
  it('DOT escapes quotes, backslashes and newlines and marks incident models', async () => {
    const dot = await (await sample()).export('dot')
    expect(dot).toContain('"base \\"v1\\"\\\\x" -> "ft|<v2>#1" [label="fine_tune: lr \\"3e-4\\"\\nnew line"];')
    expect(dot).toMatch(/"ft\|<v2>#1" \[label="ft\|<v2>#1\\naccuracy=0\.8", color=red, fontcolor=red\];/)
    expect(dot).toContain('label="base \\"v1\\"\\\\x\\nversion 1\\naccuracy=0.9\\nloss=NaN"')
  })

  it('Mermaid uses index keys and entity codes, and a class for incident models', async () => {
    const mm = await (await sample()).export('mermaid')
    expect(mm.split('\n')).toEqual([
      'flowchart TD',
      '  m0["base #quot;v1#quot;\\x<br/>version 1<br/>accuracy=0.9<br/>loss=NaN"]',
      '  m1["ft#124;#lt;v2#gt;#35;1<br/>accuracy=0.8"]',
      '  m0 -->|"fine_tune: lr #quot;3e-4#quot; new line"| m1',
      '  classDef incident stroke:#d00,color:#d00',
      '  class m1 incident',
      '',
    ])
  })

  it('OpenLineage 2-0-2: one RunEvent per model with UUID run ids, parent inputs and custom facets', async () => {
    const lines = (await (await sample()).export('openlineage')).trim().split('\n')
    expect(lines).toHaveLength(2)
    const [a, b] = lines.map((l) => JSON.parse(l))
    for (const e of [a, b]) {
      expect(Object.keys(e).sort()).toEqual(['eventTime', 'eventType', 'inputs', 'job', 'outputs', 'producer', 'run', 'schemaURL'])
      expect(e.schemaURL).toBe(OPENLINEAGE_RUN_EVENT_SCHEMA)
      expect(e.eventType).toBe('COMPLETE')
      expect(e.producer).toBe('https://example.org/entrenar')
      expect(new Date(e.eventTime).toISOString()).toBe(e.eventTime)
      expect(e.run.runId).toMatch(/^[0-9a-f-]{36}$/)
      expect(e.job.namespace).toBe('lab')
      for (const f of Object.values(e.run.facets) as Record<string, unknown>[]) {
        expect(f._producer).toBe('https://example.org/entrenar')
        expect(String(f._schemaURL)).toMatch(/^https:\/\/example\.org\/entrenar#\/\$defs\/Entrenar\w+RunFacet$/)
      }
    }
    expect(a.run.runId).toBe('0190a6b2-1c2d-7e3f-8a9b-0c1d2e3f4a5b') // a UUID run id is kept
    expect(b.run.runId).toMatch(UUID)
    expect(a.run.facets.entrenar_model.metrics).toEqual({ accuracy: 0.9, loss: 'NaN' })
    expect(b.inputs).toEqual([{ namespace: 'lab', name: 'base "v1"\\x' }])
    expect(b.outputs).toEqual([{ namespace: 'lab', name: 'ft|<v2>#1' }])
    expect(b.run.facets.entrenar_derivations.derivations).toEqual([{ parent: 'base "v1"\\x', changeType: 'fine_tune', description: 'lr "3e-4"\nnew line' }])
    expect(b.run.facets.entrenar_health.events[0]).toMatchObject({ rule: 'divergence', value: 'Infinity', decision: 'stop' })
    expect(b.job.name).toBe('train:run-2')
    expect(await (await createLineage()).export('openlineage')).toBe('')
  })

  it('name-based UUIDs are deterministic RFC 9562 version-8 ids', () => {
    const ids = new Set<string>()
    for (let i = 0; i < 2000; i++) {
      const u = nameUuid(`entrenar/model-${i}`)
      expect(u).toMatch(UUID)
      expect(u[14]).toBe('8')
      ids.add(u)
    }
    expect(ids.size).toBe(2000)
    expect(nameUuid('x')).toBe(nameUuid('x'))
  })

  it('rejects times a Date cannot hold, so exports never throw', async () => {
    const g = await createLineage()
    await expect(g.addModel({ id: 'x', metrics: {}, createdAtMs: 1e20 })).rejects.toMatchObject({ code: 'ENTRENAR_LINEAGE_INVALID' })
    await g.addModel({ id: 'y', metrics: {}, createdAtMs: -8.64e15 })
    expect(JSON.parse(await g.export('openlineage')).eventTime).toBe('-271821-04-20T00:00:00.000Z')
  })

  it('an unknown export format is rejected', async () => {
    await expect((await createLineage()).export('graphml' as never)).rejects.toMatchObject({ code: 'ENTRENAR_LINEAGE_INVALID' })
  })
})

describe('health events from core records', () => {
  it('maps Andon incidents and drift events', () => {
    const inc = healthEventFromIncident({ level: 'critical', rule: 'non_finite', message: 'NaN', runId: 'r', metric: 'loss', step: 3, value: Number.NaN, timestampMs: 9, decision: 'stop' })
    expect(inc).toEqual({ kind: 'incident', runId: 'r', level: 'critical', rule: 'non_finite', message: 'NaN', metric: 'loss', step: 3, value: Number.NaN, decision: 'stop', timestampMs: 9 })
    expect(healthEventFromIncident({ level: 'warning', rule: 'r', message: 'm', timestampMs: 1, decision: 'warn' }, { modelId: 'm1' })).toMatchObject({ modelId: 'm1', level: 'warning' })
    const base = { kind: 'drift' as const, runId: 'r', metric: 'loss', step: 10, detector: 'adwin', statistic: 2.5, timestampMs: 4 }
    expect(healthEventFromDrift({ ...base, signal: 'drift' })).toMatchObject({ kind: 'drift', level: 'warning', rule: 'adwin', runId: 'r', step: 10, value: 2.5 })
    expect(healthEventFromDrift({ ...base, signal: 'drift', severity: 'high' }).level).toBe('error')
    expect(healthEventFromDrift({ ...base, signal: 'warning' }).level).toBe('info')
    expect(healthEventFromDrift({ ...base, signal: 'invalid' }).level).toBe('error')
  })
})
