import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openStore } from '../src/index.js'
import { rows, tempDir } from './helpers/fixtures.js'

describe('segment footers', () => {
  it('a footer larger than the first tail read (64 KiB) is read whole, and its row groups prune as any', async () => {
    const dir = tempDir('footer')
    const w = await openStore(dir, { rowGroupRows: 16, segmentRows: 1_000_000, cacheDir: false })
    await w.write(rows('big', 'loss', 0, 12_000))
    await w.close()
    const part = join(dir, 'metrics', 'run_id=big')
    const file = join(part, readdirSync(part).find((f) => f.endsWith('.parquet'))!)
    const bytes = readFileSync(file)
    const footer = bytes.readUInt32LE(bytes.length - 8)
    expect(footer).toBeGreaterThan(64 * 1024)
    const s = await openStore(dir, { cacheDir: false })
    expect((await s.query({ aggregate: 'count' })).series[0]!.value[0]).toBe(12_000)
    const r = await s.query({ steps: [5000, 5009] })
    expect(Array.from(r.series[0]!.x)).toEqual([5000, 5001, 5002, 5003, 5004, 5005, 5006, 5007, 5008, 5009])
    expect(s.problems()).toEqual([])
    await s.close()
  })
})
