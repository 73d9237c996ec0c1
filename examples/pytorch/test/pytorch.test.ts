// A real PyTorch loop logs to `entrenar serve` over HTTP and ends where the server's Andon stops its run.
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { openStore } from '@entrenar/db'
import { runCli } from 'entrenar'
import { describe, expect, it } from 'vitest'

const script = fileURLToPath(new URL('../train.py', import.meta.url))

/** A python with torch: Debian's python3-torch is for /usr/bin/python3, which another python3 on PATH may shadow. */
function torchPython(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', 'import torch'], { stdio: 'ignore' })
      return py
    } catch {}
  }
  return undefined
}
const python = torchPython()

interface Result {
  run_id: string
  steps: number
  last_step: number
  first_non_finite: number | null
  stop: { reason: string; rule: string; step: number | null } | null
}

async function serve(dir: string): Promise<{ url: string; stop(): Promise<number> }> {
  const ac = new AbortController()
  let exited!: Promise<number>
  const url = await new Promise<string>((resolve) => {
    exited = runCli(['serve', dir, '--no-dashboard', '--port', '0'], { out: () => {}, err: () => {}, env: {}, signal: ac.signal, onListening: resolve })
  })
  return {
    url,
    stop: () => {
      ac.abort()
      return exited
    },
  }
}

// The script runs while this process serves: it must not block the event loop (no execFileSync).
const train = async (url: string, runId: string, lr: string): Promise<Result> => {
  const { stdout } = await promisify(execFile)(python!, [script, '--url', url, '--run-id', runId, '--lr', lr, '--steps', '60'], { env: { ...process.env, OMP_NUM_THREADS: '1' } })
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Result
}

describe('PyTorch pushing to entrenar serve', () => {
  // In CI (which installs python3-torch) this must run; elsewhere it is skipped without torch.
  it.skipIf(python === undefined && process.env.CI !== 'true')('the healthy run finishes; the diverging one is stopped at its first non-finite step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'entrenar-torch-'))
    const s = await serve(dir)
    let ok: Result
    let boom: Result
    try {
      ;[ok, boom] = await Promise.all([train(s.url, 'torch-ok', '0.05'), train(s.url, 'torch-boom', '1e6')])
    } finally {
      expect(await s.stop()).toBe(0)
    }
    // The healthy run was never told to stop and trained every step.
    expect(ok.stop).toBeNull()
    expect(ok.steps).toBe(60)
    expect(ok.first_non_finite).toBeNull()
    // The diverging run went non-finite, was told to stop at that very step, and ended there.
    // It trained some finite steps first: the stop is at the overflow, not at the start.
    expect(boom.first_non_finite).toBeGreaterThan(0)
    expect(boom.stop).toMatchObject({ rule: 'non_finite', step: boom.first_non_finite })
    expect(boom.last_step).toBe(boom.first_non_finite)

    // What the server kept agrees: the stored losses of each run, and the one incident of the stopped run.
    const store = await openStore(dir)
    try {
      const loss = async (run: string) => (await store.query({ runs: [run], metrics: ['loss'] })).series[0]!
      const healthy = await loss('torch-ok')
      expect(healthy.x.length).toBe(60)
      expect(healthy.value[59]!).toBeLessThan(healthy.value[0]!)
      const diverged = await loss('torch-boom')
      const values = Array.from(diverged.value)
      expect(values.length).toBe(boom.first_non_finite! + 1)
      expect(values.findIndex((v) => !Number.isFinite(v))).toBe(boom.first_non_finite)
    } finally {
      await store.close()
    }
    const stops = readFileSync(join(dir, 'andon', 'incidents.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { run_id?: string; rule: string; step?: number; decision: string })
      .filter((i) => i.decision === 'stop')
    expect(stops.map((i) => [i.run_id, i.rule, i.step])).toEqual([['torch-boom', 'non_finite', boom.first_non_finite]])
  }, 120_000)
})
