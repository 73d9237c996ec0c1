import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// Runs the built package in a child process with --expose-gc: 100 000 ADWIN detectors (about 6 KiB of
// native memory each, ~650 MB if leaked) are created and dropped; RSS must stay bounded.
const script = fileURLToPath(new URL('./fixtures/churn.mjs', import.meta.url))
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url))
const BOUND = 64 * 1024 * 1024

function churn(mode: 'drop' | 'close'): { growthBytes: number; count: number } {
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run npm run build first`)
  const out = execFileSync(process.execPath, ['--expose-gc', script, mode, '100000'], { encoding: 'utf8' })
  return JSON.parse(out.trim().split('\n').pop()!)
}

describe('native handles are freed', () => {
  it('by the FinalizationRegistry when 100k detectors are dropped without close()', { timeout: 300_000 }, () => {
    const r = churn('drop')
    expect(r.count).toBe(100_000)
    expect(r.growthBytes).toBeLessThan(BOUND)
  })
  it('by close() for 100k detectors', { timeout: 300_000 }, () => {
    const r = churn('close')
    expect(r.growthBytes).toBeLessThan(BOUND)
  })
})
