import { describe, expect, it } from 'vitest'
import { buildLineage } from '../src/lib.js'

describe('three model versions in the lineage', () => {
  it('finds the derivation that introduced the accuracy regression', async () => {
    const { lineage, results, source } = await buildLineage()
    expect(results['iris-v2']!.accuracy).toBeGreaterThanOrEqual(results['iris-v1']!.accuracy)
    expect(results['iris-v3']!.accuracy).toBeLessThan(results['iris-v2']!.accuracy)
    expect(source).toMatchObject({ model: 'iris-v3', parent: 'iris-v2', metric: 'accuracy', derivation: { changeType: 'hyperparams' } })
    expect(source!.after).toBe(results['iris-v3']!.accuracy)
    expect(await lineage.lineage('iris-v3')).toEqual(['iris-v1', 'iris-v2', 'iris-v3'])
    const diff = await lineage.diff('iris-v2', 'iris-v3')
    expect(diff.config).toEqual([{ key: 'weight_decay', change: 'changed', a: 0, b: 0.5 }])
    expect(await lineage.export('mermaid')).toContain('iris-v3')
    await lineage.close()
  })
})
