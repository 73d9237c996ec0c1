// Drift found by `entrenar serve` in pushed points outlives the server: it is kept with the runs in
// <dir>/drift/events.jsonl, so after a restart `runs` counts it and `report` lists it.
import { incidentsPath } from '@entrenar/andon'
import { alertPolicyContract, batchFromRows, createHttpClient } from '@entrenar/core'
import { pageHinkley } from '@entrenar/drift'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
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

type Stop = { reason: string; rule: string; step: number | null } | null

/**
 * A renacer.toml whose drift rule stops the run (a detector `drift` is an ERROR, and ERROR stops); the
 * divergence rule, which the same jump in loss trips, is off so the only stop is the drift's.
 */
const stopOnDrift = (dir: string) => {
  const path = join(dir, 'renacer.toml')
  writeFileSync(path, '[andon.drift]\ndrift = "error"\nwarning = "ignore"\n[andon.divergence]\nenabled = false\n')
  return path
}
const incidents = (dir: string) =>
  existsSync(incidentsPath(dir))
    ? readFileSync(incidentsPath(dir), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as { run_id?: string; rule: string; step?: number; decision: string })
    : []
const statusOf = async (url: string, runId: string) => ((await (await fetch(`${url}/v1/runs/${runId}/status`)).json()) as { stop: Stop }).stop

describe('serve: drift goes to the Andon of its run', () => {
  it('a drift stop of one of two runs pushed at once stops that run only, recorded under it', async () => {
    const dir = tempDir()
    const s = await startServe([dir, '--no-dashboard', '--config', stopOnDrift(dir)])
    const send = async (runId: string, from: number, drifting: boolean) => {
      const points = []
      for (let t = from; t < from + 50; t++) points.push({ step: t, values: { loss: drifting ? loss(t) : 1 / (1 + t / 50) } })
      const res = await fetch(`${s.url}/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema_version: 1, run_id: runId, points }) })
      expect(res.status).toBe(200)
      return ((await res.json()) as { stop: Stop }).stop
    }
    let stoppedAt: number | null = null
    try {
      for (let t = 0; t < 600; t += 50) {
        const [a, b] = await Promise.all([send('drifting', t, true), send('steady', t, false)])
        expect(b).toBeNull()
        if (a !== null && stoppedAt === null) stoppedAt = t
        if (t < 300) expect(a).toBeNull()
      }
      // The drifting run was told to stop by the drift rule, at the step the detector fired.
      const stop = await statusOf(s.url, 'drifting')
      expect(stop).toMatchObject({ rule: 'drift' })
      expect(stop!.step).toBeGreaterThanOrEqual(300)
      expect(stop!.step).toBeLessThan(400)
      expect(stop!.reason).toContain('page_hinkley')
      expect(stoppedAt).toBe(Math.floor(stop!.step! / 50) * 50)
      expect(await statusOf(s.url, 'steady')).toBeNull()
    } finally {
      expect(await s.stop()).toBe(0)
    }
    // The stop is recorded under the drifting run, and nothing is recorded without a run.
    const inc = incidents(dir)
    expect(inc.filter((i) => i.decision === 'stop').map((i) => [i.run_id, i.rule])).toEqual([['drifting', 'drift']])
    expect(inc.every((i) => i.run_id === 'drifting')).toBe(true)
    expect(readDriftEvents(dir, 'drifting').events.length).toBeGreaterThan(0)
    expect(readDriftEvents(dir, 'steady').events).toEqual([])

    // After a restart the run's Andon reloads its incident: the drift stop still answers.
    const again = await startServe([dir, '--no-dashboard', '--config', join(dir, 'renacer.toml')])
    try {
      const res = await fetch(`${again.url}/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema_version: 1, run_id: 'drifting', points: [{ step: 600, values: { loss: 0.1 } }] }) })
      expect(((await res.json()) as { stop: Stop }).stop).toMatchObject({ rule: 'drift' })
      expect(await statusOf(again.url, 'steady')).toBeNull()
    } finally {
      expect(await again.stop()).toBe(0)
    }
  }, 60_000)

  it('a remote monitor\'s drift event stops the run it names, not the others', async () => {
    const dir = tempDir()
    const s = await startServe([dir, '--no-dashboard', '--config', stopOnDrift(dir)])
    try {
      const remote = createHttpClient(alertPolicyContract, s.url)
      const push = (runId: string, step: number) =>
        fetch(`${s.url}/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema_version: 1, run_id: runId, points: [{ step, values: { loss: 1 } }] }) })
      await Promise.all([push('remote-a', 0), push('remote-b', 0)])
      expect(await remote.observe({ kind: 'drift', runId: 'remote-a', metric: 'val_loss', step: 42, detector: 'adwin', signal: 'drift', statistic: 3.5, timestampMs: 1_700_000_000_000 })).toBe('stop')
      expect(await statusOf(s.url, 'remote-a')).toMatchObject({ rule: 'drift', step: 42 })
      expect(await statusOf(s.url, 'remote-b')).toBeNull()
      // The served Andon's history lists the incident (under its run), as /metrics counts it.
      expect((await remote.history()).map((i) => [i.runId, i.rule, i.step, i.decision])).toEqual([['remote-a', 'drift', 42, 'stop']])
      const metrics = await (await fetch(`${s.url}/metrics`)).text()
      expect(metrics).toMatch(/_alerts_total\{[^}]*rule="drift"[^}]*run_id="remote-a"[^}]*\} 1/)
    } finally {
      expect(await s.stop()).toBe(0)
    }
    expect(incidents(dir).map((i) => [i.run_id, i.rule, i.step, i.decision])).toEqual([['remote-a', 'drift', 42, 'stop']])
  })

  it('/v1/andon/observe refuses a rebinding Host, a cross-origin POST and an oversized body, and records nothing', async () => {
    const dir = tempDir()
    const s = await startServe([dir, '--no-dashboard', '--config', stopOnDrift(dir)])
    const event = { kind: 'drift', runId: 'victim', metric: 'loss', step: 7, detector: 'adwin', signal: 'drift', statistic: 9, timestampMs: 1_700_000_000_000 }
    const post = (body: string, headers: Record<string, string>) => fetch(`${s.url}/v1/andon/observe`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
    try {
      // fetch drops a Host header: a DNS-rebinding page's request is made with node:http.
      const rebound = await new Promise<number>((resolve, reject) => {
        const u = new URL(`${s.url}/v1/andon/observe`)
        const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { host: `evil.example:${u.port}`, 'content-type': 'application/json' } }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', reject)
        req.end(JSON.stringify(event))
      })
      expect(rebound).toBe(421)
      expect([403, 415]).toContain((await post(JSON.stringify(event), { 'content-type': 'text/plain', origin: 'http://evil.example' })).status)
      expect((await post(JSON.stringify(event), { origin: 'http://evil.example' })).status).toBe(403)
      const big = JSON.stringify({ ...event, metric: 'x'.repeat(9 * 1024 * 1024) })
      expect((await post(big, {})).status).toBe(413)
      // Hostile values: each is a coded 400, and none reaches a run's Andon or the drift log.
      const hostile: string[] = [
        JSON.stringify({ ...event, runId: { toString: 'victim' } }),
        JSON.stringify({ ...event, step: 'NaN' }),
        JSON.stringify({ ...event, step: -1 }),
        JSON.stringify({ ...event, signal: 'explode' }),
        JSON.stringify({ ...event, evil: 1 }),
        `{"__proto__":{"decision":"stop"},${JSON.stringify(event).slice(1)}`.replace('"kind":"drift"', '"kind":"drift","kind2":1'),
        '[1,2,3]',
        '{"kind":"drift"',
      ]
      for (const body of hostile) {
        const res = await post(body, {})
        expect(res.status, body.slice(0, 80)).toBe(400)
        expect(((await res.json()) as { error?: { code?: string } }).error?.code, body.slice(0, 80)).toMatch(/^ENTRENAR_/)
      }
      expect(await statusOf(s.url, 'victim')).toBeNull()
    } finally {
      expect(await s.stop()).toBe(0)
    }
    expect(readDriftEvents(dir).events).toEqual([])
    expect(incidents(dir)).toEqual([])
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
