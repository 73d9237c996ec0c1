import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runPython, serveStore } from '../src/lib.js'

function hasPython(): boolean {
  try {
    execFileSync('python3', ['--version'])
    return true
  } catch {
    return false
  }
}

describe('a Python training loop pushing over HTTP', () => {
  // python3 is on every CI image we use; skip with a reason where it is not.
  // On a developer machine without the tool this is skipped; in CI (CI=true, which installs it) it must run.
  it.skipIf(!hasPython() && process.env.CI !== 'true')('stores every point, NaN included, with the run metadata', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'entrenar-py-'))
    const { store, server } = await serveStore(dir)
    try {
      const r = await runPython(server.url, ['--run', 'py-test', '--steps', '120', '--nan-at', '60'])
      expect(r.points).toBe(120)
      await server.close()
      const loss = (await store.query({ runs: ['py-test'], metrics: ['loss'] })).series[0]!
      expect(loss.x.length).toBe(120)
      expect(Array.from(loss.x.slice(0, 3))).toEqual([0, 1, 2])
      expect(loss.value[60]).toBeNaN()
      expect(loss.value[119]!).toBeLessThan(loss.value[0]!)
      const run = (await store.runs()).find((x) => x.id === 'py-test')!
      expect(run).toMatchObject({ name: 'python linear regression', status: 'finished', config: { language: 'python', steps: 120 } })
    } finally {
      await server.close().catch(() => {})
      await store.close()
    }
  })
})
