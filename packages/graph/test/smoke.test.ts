import { describe, expect, it } from 'vitest'
import { createLineage, memoryStorage } from '@entrenar/graph'

describe('smoke', () => {
  it('works', async () => {
    const storage = memoryStorage()
    const g = await createLineage({ storage })
    await g.addModel({ id: 'v1', metrics: { accuracy: 0.85 }, createdAtMs: 1 })
    await g.addModel({ id: 'v2', metrics: { accuracy: 0.87 }, createdAtMs: 2 })
    await g.addModel({ id: 'v3', metrics: { accuracy: 0.8 }, createdAtMs: 3 })
    await g.derive({ parent: 'v1', child: 'v2', changeType: 'add_data' })
    await g.derive({ parent: 'v2', child: 'v3', changeType: 'hyperparams' })
    expect(await g.lineage('v3')).toEqual(['v1', 'v2', 'v3'])
    const r = await g.regressionSource('v3', { metric: 'accuracy', higherIsBetter: true })
    expect(r?.derivation.changeType).toBe('hyperparams')
    await g.close()
    const h = await createLineage({ storage })
    expect(await h.getModel('v2')).toEqual({ id: 'v2', metrics: { accuracy: 0.87 }, createdAtMs: 2 })
    expect(await h.ancestors('v3')).toEqual(['v2', 'v1'])
    console.log(await h.export('dot'), await h.export('mermaid'), await h.export('openlineage'))
  })
})
