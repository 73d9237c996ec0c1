import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLineage } from '@entrenar/graph'
import { describe, expect, it } from 'vitest'
import { cli, tempDir } from './helpers.js'

describe('lineage warnings', () => {
  it('`lineage show` warns about a damaged last lineage segment on stderr and still shows what was saved before', async () => {
    const dir = tempDir('entrenar-lineage-warn-')
    const g = await createLineage({ dir })
    await g.addModel({ id: 'base', metrics: { loss: 1 }, createdAtMs: 1 })
    await g.flush()
    await g.addModel({ id: 'tuned', metrics: { loss: 0.5 }, createdAtMs: 2 })
    await g.derive({ parent: 'base', child: 'tuned', changeType: 'fine_tune' })
    await g.flush()
    await g.close()
    const lin = join(dir, 'lineage')
    const last = readdirSync(lin).filter((f) => /^nodes\.\d+\.parquet$/.test(f)).sort().at(-1)!
    const bytes = readFileSync(join(lin, last))
    writeFileSync(join(lin, last), bytes.subarray(0, bytes.length - 30))
    const r = await cli(['lineage', 'show', dir])
    expect(r.code).toBe(0)
    expect(r.err).toMatch(/warning .*not a readable Parquet file.*\[ENTRENAR_DB_CORRUPT\]/)
    expect(r.out).toContain('base')
    expect(r.out).not.toContain('tuned')
  })
})
