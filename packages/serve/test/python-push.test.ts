import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createMemoryStore, type MetricStore, type RecordBatch } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { startServer } from '../src/index.js'

const run = promisify(execFile)
const script = fileURLToPath(new URL('../examples/push.py', import.meta.url))
// Debian's interpreter directly when present: a pyenv shim alone costs seconds per start here.
const python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3')

describe('examples/push.py (python3, standard library only)', () => {
  it('pushes every point through the ingest protocol, NaN included, retrying on 429', async () => {
    const inner = createMemoryStore()
    // The store holds every write until the server has answered 429 once, so the Python client
    // meets back-pressure (and must retry) however fast or slow this machine is.
    let refused: () => void = () => {}
    const gate = new Promise<void>((r) => {
      refused = r
    })
    const slow: MetricStore = {
      ...inner,
      write: async (b: RecordBatch) => {
        await gate
        return inner.write(b)
      },
      flush: () => inner.flush(),
      query: (q) => inner.query(q),
      runs: () => inner.runs(),
      putRun: (r) => inner.putRun(r),
    }
    const server = await startServer({ store: slow, token: 'py-token', maxQueuedRows: 200 })
    const watch = setInterval(() => {
      if (server.stats().rejectedRequests > 0) refused()
    }, 5)
    try {
      const { stdout } = await run(python, [script, '--url', server.url, '--run-id', 'py-e2e', '--steps', '400', '--nan-at', '60'], {
        env: { ...process.env, ENTRENAR_TOKEN: 'py-token' },
        timeout: 60_000,
      })
      const report = JSON.parse(stdout) as { points: number; retries_429: number }
      expect(report.points).toBe(1200)
      expect(report.retries_429).toBeGreaterThan(0)
      await server.flush()
      const q = await inner.query({ runs: ['py-e2e'], metrics: ['loss'] })
      const loss = q.series[0]!
      expect(loss.value.length).toBe(400)
      expect(Array.from(loss.x)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1))
      expect(loss.value[59]).toBeNaN()
      expect(loss.value[0]).toBeCloseTo(2 * Math.exp(-1 / 30) + 0.05, 12)
      const count = await inner.query({ runs: ['py-e2e'], aggregate: 'count' })
      expect(count.series.map((s) => [s.metric, s.value[0]])).toEqual([
        ['accuracy', 400],
        ['learning_rate', 400],
        ['loss', 400],
      ])
      expect((await inner.runs()).find((r) => r.id === 'py-e2e')).toMatchObject({ name: 'python example', config: { lr: 0.01, optimizer: 'sgd' } })
      const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer py-token' } })).text()
      expect(metrics).toContain('entrenar_non_finite_total{kind="nan",metric="loss",run_id="py-e2e"} 1')
      expect(metrics).toMatch(/entrenar_last_step\{run_id="py-e2e"\} 400\n/)
    } finally {
      clearInterval(watch)
      refused()
      await server.close()
    }
  })
})
