import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createAndon } from '@entrenar/andon'
import { type AlertPolicy, createMemoryStore, type DriftEvent, type EntrenarError } from '@entrenar/core'
import { zScoreWindow } from '@entrenar/drift'
import { createLineage } from '@entrenar/graph'
import { describe, expect, it, vi } from 'vitest'
import { recordingPolicy } from '../src/events/recording-policy.js'
import { autoMonitor, colorEnabled, readDriftEvents } from '../src/index.js'
import { type CliProcess, main } from '../src/main.js'
import { tempDir } from './helpers.js'

/** A stand-in for `process`: captured streams, recorded signal listeners and exit calls. */
function fakeProcess(args: string[], opts: { env?: Record<string, string>; tty?: boolean } = {}) {
  const listeners = new Map<string, () => void>()
  const exits: number[] = []
  const out = { text: '' }
  const err = { text: '' }
  const proc: CliProcess = {
    argv: ['node', 'entrenar', ...args],
    env: opts.env ?? {},
    stdout: { write: (t: string) => (out.text += t), isTTY: opts.tty ?? false },
    stderr: { write: (t: string) => (err.text += t), isTTY: false },
    on: (sig, fn) => listeners.set(sig, fn),
    exit: (code) => void exits.push(code),
  }
  return { proc, listeners, exits, out, err }
}

describe('main (the executable)', () => {
  it('runs the arguments after node and the script; exit code 0 for --version, 2 for an unknown command', async () => {
    const v = fakeProcess(['--version'])
    expect(await main(v.proc)).toBe(0)
    expect(v.out.text).toBe('0.1.0\n')
    const bad = fakeProcess(['frobnicate'])
    expect(await main(bad.proc)).toBe(2)
    expect(bad.err.text).toMatch(/unknown command 'frobnicate'/)
  })

  it('colours on a TTY unless NO_COLOR or TERM=dumb', async () => {
    const dir = tempDir()
    const m = await autoMonitor({ dir, runId: 'c', renacer: false, dashboard: false, lineage: false, report: false, system: false })
    m.log({ loss: 1 }, { step: 0 })
    await m.close()
    const tty = fakeProcess(['runs', dir], { tty: true })
    expect(await main(tty.proc)).toBe(0)
    expect(tty.out.text).toContain('\x1b[32mfinished\x1b[0m')
    for (const env of [{ NO_COLOR: '1' }, { TERM: 'dumb' }] as Record<string, string>[]) {
      const p = fakeProcess(['runs', dir], { tty: true, env })
      await main(p.proc)
      expect(p.out.text).not.toContain('\x1b[')
    }
    expect(colorEnabled({ FORCE_COLOR: '0' }, false)).toBe(false)
    expect(colorEnabled({ NO_COLOR: '' }, true)).toBe(true)
  })

  it('the first SIGINT stops serve cleanly (exit 0); a second one exits 130 at once', async () => {
    const p = fakeProcess(['--json', 'serve', tempDir(), '--port', '0'])
    const done = main(p.proc)
    expect([...p.listeners.keys()].sort()).toEqual(['SIGINT', 'SIGTERM'])
    // no wall-clock bound here: the test timeout is the only limit
    while (!p.out.text.includes('"url"')) await new Promise((r) => setTimeout(r, 10))
    const { url } = JSON.parse(p.out.text) as { url: string }
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    p.listeners.get('SIGINT')!()
    expect(await done).toBe(0)
    expect(p.exits).toEqual([])
    p.listeners.get('SIGTERM')!()
    expect(p.exits).toEqual([130])
  })
})

describe('recordingPolicy', () => {
  const drift: DriftEvent = { kind: 'drift', runId: 'r', metric: 'loss', step: 4, detector: 'adwin', signal: 'drift', statistic: 1, timestampMs: 0 }

  it('records drift events, not budget events, and returns the wrapped decision', () => {
    const seen: DriftEvent[] = []
    const andon = createAndon({ runId: 'r', timers: false })
    const p = recordingPolicy(andon, (e) => seen.push(e))
    const twin = createAndon({ runId: 'r', timers: false })
    expect(p.observe(drift)).toBe(twin.observe(drift))
    expect(andon.history()).toHaveLength(1)
    p.observe({ kind: 'budget', budget: 'wall', value: 2, limit: 1, step: 6, timestampMs: 0 })
    expect(seen).toEqual([drift])
    expect(p.observeValue('loss', Number.NaN, 7)).toBe('stop')
    expect(p.signal).toBe(andon.signal)
    expect(p.signal.aborted).toBe(true)
    expect(p.history()).toEqual(andon.history())
    expect(p.paused).toBe(false)
    expect(p.resume?.()).toBe(false)
    p.reset()
    expect(andon.signal.aborted).toBe(false)
    expect(p.trigger({ level: 'info', rule: 'manual', message: 'note', timestampMs: 1 })).toBe(andon.history().at(-1)?.decision)
    return Promise.all([p.gate?.(), p.close?.()])
  })

  it('has the optional methods only when the wrapped policy has them', () => {
    const minimal: AlertPolicy = {
      observeValue: () => 'continue',
      observe: () => 'warn',
      trigger: () => 'continue',
      signal: new AbortController().signal,
      history: () => [],
      reset: () => {},
    }
    const p = recordingPolicy(minimal, () => {})
    expect(p.observe(drift)).toBe('warn')
    expect([p.gate, p.resume, p.close, 'paused' in p]).toEqual([undefined, undefined, undefined, false])
  })
})

describe('autoMonitor drift log', () => {
  const lossAt = (step: number) => (step < 40 ? 1 + (step % 3) / 100 : 4)

  it('a drift event is on disk after flush(), before the run closes', async () => {
    const dir = tempDir()
    const m = await autoMonitor({ dir, runId: 'open', renacer: false, dashboard: false, lineage: false, report: false, system: false, detectors: { loss: [zScoreWindow({ window: 20 })] } })
    for (let step = 0; step < 45; step++) m.log({ loss: lossAt(step) }, { step })
    await m.flush()
    expect(readDriftEvents(dir, 'open').events).toEqual([expect.objectContaining({ step: 40, detector: 'z_score', metric: 'loss', severity: 'high' })])
    await m.close()
  })

  it('reports a drift log that cannot be written through onError (ENTRENAR_SINK_FAILED) and keeps training', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'drift'), 'a file where the drift directory should be')
    const errors: EntrenarError[] = []
    const m = await autoMonitor({
      dir,
      store: createMemoryStore(),
      runId: 'blocked',
      renacer: false,
      dashboard: false,
      lineage: false,
      report: false,
      system: false,
      detectors: { loss: [zScoreWindow({ window: 20 })] },
      onError: (e) => errors.push(e),
    })
    for (let step = 0; step < 45; step++) m.log({ loss: lossAt(step) }, { step })
    await m.close()
    expect(m.summary().status).toBe('finished')
    expect(errors.map((e) => e.code)).toEqual(['ENTRENAR_SINK_FAILED'])
    expect(errors[0]!.message).toContain(join(dir, 'drift', 'events.jsonl'))
  })

  it('without onError, a failing drift log is reported once on stderr, not once per event', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'drift'), 'not a directory')
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const m = await autoMonitor({ dir, store: createMemoryStore(), runId: 'twice', renacer: false, dashboard: false, lineage: false, report: false, system: false, detectors: { loss: [zScoreWindow({ window: 20 })] } })
      for (let step = 0; step < 120; step++) {
        m.log({ loss: step < 40 ? 1 + (step % 3) / 100 : step < 80 ? 4 + (step % 3) / 100 : 40 }, { step })
        await m.flush()
      }
      await m.close()
      expect(m.summary().driftEvents.filter((d) => d.signal === 'drift').map((d) => d.step)).toEqual([40, 80])
      const lines = printed.mock.calls.map((c) => String(c[0])).filter((t) => t.includes('events.jsonl'))
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/\[ENTRENAR_SINK_FAILED\] \(further drift-log errors of this run are not printed\)$/)
    } finally {
      printed.mockRestore()
    }
  })

  it('registers the lineage node with the given id, version, parents, tags and metrics', async () => {
    const dir = tempDir()
    mkdirSync(dir, { recursive: true })
    const g0 = await createLineage({ dir })
    await g0.addModel({ id: 'base', metrics: { loss: 2 }, createdAtMs: 1 })
    await g0.close()
    const m = await autoMonitor({
      dir,
      runId: 'child-run',
      config: { lr: 0.1 },
      renacer: false,
      dashboard: false,
      report: false,
      system: false,
      lineage: { modelId: 'child', version: '2.0', parents: [{ id: 'base', changeType: 'fine_tune', description: 'more data' }], tags: { team: 'x' }, metrics: (s) => ({ best_loss: s.metrics.loss?.min ?? Number.NaN }) },
    })
    for (let step = 0; step < 5; step++) m.log({ loss: 1 / (1 + step) }, { step })
    await m.close()
    const g = await createLineage({ dir })
    expect(await g.getModel('child')).toMatchObject({ id: 'child', version: '2.0', runId: 'child-run', tags: { team: 'x' }, metrics: { best_loss: 0.2 }, config: { lr: 0.1 } })
    expect(await g.lineage('child')).toEqual(['base', 'child'])
    await g.close()
  })
})
