// A program that pushes its metrics to `entrenar serve` is told, per run, when the Andon stops it.
import { createAndon, incidentsPath } from '@entrenar/andon'
import { batchFromRows } from '@entrenar/core'
import { openStore } from '@entrenar/db'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { andonRunStops } from '../src/events/run-stops.js'
import { startServe, tempDir } from './helpers.js'

type Reply = { accepted: number; stop: { reason: string; rule: string; step: number | null } | null }

const push = async (url: string, runId: string, points: unknown[]): Promise<Reply> => {
  const res = await fetch(`${url}/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema_version: 1, run_id: runId, points }) })
  expect(res.status).toBe(200)
  return (await res.json()) as Reply
}
const status = async (url: string, runId: string) => {
  const res = await fetch(`${url}/v1/runs/${encodeURIComponent(runId)}/status`)
  return { status: res.status, body: (await res.json()) as { run_id?: string; stop?: Reply['stop']; error?: { code: string } } }
}
const incidents = (dir: string) =>
  readFileSync(incidentsPath(dir), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { run_id?: string; rule: string; step?: number; decision: string })

describe('serve: per-run stop over ingest', () => {
  it('stops only the run whose loss went non-finite, writes its incident, and keeps its later points', async () => {
    const dir = tempDir()
    const s = await startServe([dir, '--no-dashboard'])
    try {
      // Two runs pushed at once, step by step; run b's loss is NaN at step 5.
      for (let step = 0; step < 10; step++) {
        const [a, b] = await Promise.all([
          push(s.url, 'run-a', [{ step, values: { loss: 1 / (1 + step) } }]),
          push(s.url, 'run-b', [{ step, values: { loss: step === 5 ? 'NaN' : 1 / (1 + step) } }]),
        ])
        expect(a.stop).toBeNull()
        if (step < 5) expect(b.stop).toBeNull()
        else {
          // The stop answers at the NaN step itself and keeps answering for later points, which are stored.
          expect(b.accepted).toBe(1)
          expect(b.stop).toMatchObject({ rule: 'non_finite', step: 5 })
          expect(b.stop!.reason).toContain('non_finite')
        }
      }
      expect((await status(s.url, 'run-b')).body).toMatchObject({ run_id: 'run-b', stop: { rule: 'non_finite', step: 5 } })
      expect((await status(s.url, 'run-a')).body).toMatchObject({ run_id: 'run-a', stop: null })
      // Unknown runs answer null and make no state; a bad id is a coded error.
      expect((await status(s.url, 'never-pushed')).body.stop).toBeNull()
      const bad = await status(s.url, ' x')
      expect(bad.status).toBe(400)
      expect(bad.body.error?.code).toBe('ENTRENAR_INVALID_RUN_ID')
    } finally {
      expect(await s.stop()).toBe(0)
    }
    // Every point of the stopped run was kept, the NaN and those after it too.
    const store = await openStore(dir)
    const rows = (await store.range(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, { runs: ['run-b'] })).reduce((n, b) => n + b.length, 0)
    await store.close()
    expect(rows).toBe(10)
    const inc = incidents(dir)
    expect(inc.filter((i) => i.decision === 'stop').map((i) => [i.run_id, i.rule, i.step])).toEqual([['run-b', 'non_finite', 5]])
    expect(inc.some((i) => i.run_id === 'run-a')).toBe(false)

    // After a restart the stop is still answered: the run's Andon reloads its incident.
    const again = await startServe([dir, '--no-dashboard'])
    try {
      expect((await push(again.url, 'run-b', [{ step: 10, values: { loss: 0.1 } }])).stop).toMatchObject({ rule: 'non_finite', step: 5 })
      expect((await push(again.url, 'run-a', [{ step: 10, values: { loss: 0.1 } }])).stop).toBeNull()
    } finally {
      expect(await again.stop()).toBe(0)
    }
  }, 60_000)
})

describe('andonRunStops', () => {
  it('bounds the live Andons (run ids invented by a client cannot grow memory)', async () => {
    const stops = andonRunStops((runId) => createAndon({ runId, timers: false }), (e) => {
      throw e
    }, 50)
    for (let r = 0; r < 500; r++) stops.observe(batchFromRows(`r${r}`, [{ metric: 'loss', value: 1, step: 0, timestampUs: 1, epoch: null, batch: null, tags: null }]))
    expect(stops.runs).toBe(50)
    // Asking about a run makes no state.
    expect(stops.stopOf('r0')).toBeNull()
    expect(stops.runs).toBe(50)
    await stops.close()
    expect(stops.runs).toBe(0)
  })
})
