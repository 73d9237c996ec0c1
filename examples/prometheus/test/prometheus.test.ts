import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { prometheusConfig, trainWithPrometheus } from '../src/lib.js'

const PROMETHEUS = '/usr/bin/prometheus'

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

describe('Prometheus scraping a training run', () => {
  it('the run exposes Prometheus text on /metrics', async () => {
    const run = await trainWithPrometheus({ steps: 20, stepDelayMs: 1, runId: 'prom-text' })
    await run.done
    const text = await (await fetch(`${run.url}/metrics`)).text()
    await run.close()
    expect(text).toMatch(/# TYPE entrenar_loss gauge/)
    expect(text).toMatch(/entrenar_loss\{[^}]*run_id="prom-text"[^}]*\} [\d.e-]+/)
  })

  // Needs Debian's prometheus package (CI installs it); the test above covers the exposition itself.
  // On a developer machine without the tool this is skipped; in CI (CI=true, which installs it) it must run.
  it.skipIf(!existsSync(PROMETHEUS) && process.env.CI !== 'true')('a real Prometheus server scrapes the loss while training runs', async () => {
    const run = await trainWithPrometheus({ steps: 400, stepDelayMs: 25, runId: 'prom-live' })
    const dir = mkdtempSync(join(tmpdir(), 'entrenar-prom-'))
    writeFileSync(join(dir, 'prometheus.yml'), prometheusConfig(`127.0.0.1:${run.port}`))
    const promPort = await freePort()
    const prom: ChildProcess = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=error'], { stdio: 'ignore' })
    try {
      let result: { metric: Record<string, string>; value: [number, string] }[] = []
      for (let i = 0; i < 100 && result.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 200))
        try {
          const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent('entrenar_loss{run_id="prom-live"}')}`)
          if (res.ok) result = ((await res.json()) as { data: { result: typeof result } }).data.result
        } catch {
          // Prometheus is still starting
        }
      }
      expect(result).toHaveLength(1)
      expect(result[0]!.metric).toMatchObject({ job: 'entrenar', run_id: 'prom-live', job_name: 'entrenar-example' })
      const loss = Number(result[0]!.value[1])
      expect(loss).toBeGreaterThan(0)
      expect(loss).toBeLessThan(2.1)
    } finally {
      prom.kill('SIGTERM')
      run.monitor.stop('test finished')
      await run.done
      await run.close()
    }
  })
})
