// Drift found by `entrenar serve` in pushed points outlives the server: it is kept with the runs in
// <dir>/drift/events.jsonl, so after a restart `runs` counts it and `report` lists it.
import { alertPolicyContract, batchFromRows, createHttpClient } from '@entrenar/core'
import { pageHinkley } from '@entrenar/drift'
import { describe, expect, it } from 'vitest'
import { ingestDetection } from '../src/events/ingest-detection.js'
import { readDriftEvents } from '../src/index.js'
import { cli, startServe, tempDir } from './helpers.js'

/** A loss that falls, then jumps at step 300 and keeps rising: a change Page-Hinkley (up) must catch. */
const loss = (step: number) => (step < 300 ? 1 / (1 + step / 50) + 0.01 * Math.sin(step) : 2 + (step - 300) * 0.01)

const push = async (url: string, runId: string, from: number, to: number, extra: Record<string, unknown> = {}) => {
  const points = []
  for (let s = from; s < to; s++) points.push({ step: s, values: { loss: s === 150 ? 'NaN' : loss(s), accuracy: 0.5 } })
  const res = await fetch(`${url}/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema_version: 1, run_id: runId, points, ...extra }) })
  expect(res.status).toBe(200)
}

describe('serve: drift on ingest', () => {
  it('detects the change in pushed points, and after a restart runs and report show it', async () => {
    const dir = tempDir()
    const first = await startServe([dir, '--no-dashboard'])
    // Pushed in chunks, as a training loop would: detection state carries across requests.
    for (let s = 0; s < 600; s += 50) await push(first.url, 'py-drift', s, s + 50, s === 0 ? { run: { name: 'python', status: 'running' } } : {})
    await push(first.url, 'py-flat', 0, 200)
    expect(await first.stop()).toBe(0)

    const stored = readDriftEvents(dir).events
    expect(stored.length).toBeGreaterThan(0)
    expect(stored.every((e) => e.runId === 'py-drift' && e.metric === 'loss' && e.detector === 'page_hinkley')).toBe(true)
    const firstDrift = stored.find((e) => e.signal === 'drift')!
    expect(firstDrift.step).toBeGreaterThanOrEqual(300)
    expect(firstDrift.step).toBeLessThan(400)

    // A restarted server over the same directory: what the first one found is still there.
    const second = await startServe([dir, '--no-dashboard'])
    const runs = JSON.parse((await cli(['--json', 'runs', dir])).out) as { runs: { id: string; driftEvents: number }[] }
    expect(runs.runs.find((r) => r.id === 'py-drift')?.driftEvents).toBe(stored.length)
    expect(runs.runs.find((r) => r.id === 'py-flat')?.driftEvents).toBe(0)
    const report = await cli(['report', dir, 'py-drift'])
    expect(report.code).toBe(0)
    expect(report.out).toMatch(/## Drift events \(\d+\)/)
    expect(report.out).toContain(`| ${firstDrift.step} | loss | page\\_hinkley | drift |`)
    expect(await second.stop()).toBe(0)
  }, 60_000)

  it('keeps drift events a remote monitor sends to the served Andon', async () => {
    const dir = tempDir()
    const s = await startServe([dir, '--no-dashboard'])
    const remote = createHttpClient(alertPolicyContract, s.url)
    await remote.observe({ kind: 'drift', runId: 'remote-1', metric: 'val_loss', step: 42, detector: 'adwin', signal: 'drift', statistic: 3.5, timestampMs: 1_700_000_000_000 })
    expect(await s.stop()).toBe(0)
    expect(readDriftEvents(dir, 'remote-1').events).toMatchObject([{ runId: 'remote-1', metric: 'val_loss', step: 42, detector: 'adwin' }])
  })

  it('--no-detect runs no detectors on ingest', async () => {
    const dir = tempDir()
    const s = await startServe([dir, '--no-dashboard', '--no-detect'])
    await push(s.url, 'py-drift', 0, 600)
    expect(await s.stop()).toBe(0)
    expect(readDriftEvents(dir).events).toEqual([])
  })
})

describe('ingestDetection', () => {
  it('bounds the series it keeps state for (run ids invented by a client cannot grow memory)', () => {
    const seen: string[] = []
    const d = ingestDetection({ loss: [() => pageHinkley({ mode: 'up' })] }, (e) => seen.push(e.runId!), 100)
    for (let r = 0; r < 1000; r++) d.observe(batchFromRows(`r${r}`, [{ metric: 'loss', value: 1, step: 0, timestampUs: 1, epoch: null, batch: null, tags: null }]))
    expect(d.series).toBe(100)
  })

  it('ignores metrics without detectors and non-finite values', () => {
    const seen: unknown[] = []
    const d = ingestDetection({ loss: [() => pageHinkley({ mode: 'up' })] }, (e) => seen.push(e))
    const rows = []
    for (let s = 0; s < 500; s++) rows.push({ metric: 'accuracy', value: s < 250 ? 0 : 100, step: s, timestampUs: 1, epoch: null, batch: null, tags: null })
    for (let s = 0; s < 50; s++) rows.push({ metric: 'loss', value: Number.NaN, step: s, timestampUs: 1, epoch: null, batch: null, tags: null })
    d.observe(batchFromRows('r', rows))
    expect(seen).toEqual([])
    expect(d.series).toBe(1)
  })
})
