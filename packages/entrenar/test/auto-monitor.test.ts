import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLineage } from '@entrenar/graph'
import { describe, expect, it } from 'vitest'
import { autoMonitor } from '../src/index.js'
import { cli, fakeTerminal, tempDir } from './helpers.js'

describe('autoMonitor', () => {
  it('wires the Parquet store, renacer.toml rules, the dashboard on a TTY, lineage and the report', async () => {
    const dir = tempDir()
    const toml = join(dir, 'renacer.toml')
    writeFileSync(toml, '[andon.non_finite]\nmetrics = ["loss"]\nlevel = "critical"\n\n[andon.stall]\ntimeout_ms = 600000\n')
    const stream = fakeTerminal(90)
    const m = await autoMonitor({ dir, runId: 'auto-1', name: 'auto', config: { num_classes: 2 }, renacer: toml, stream, system: false })
    let stoppedAt = -1
    for (let step = 0; step < 100; step++) {
      m.log({ loss: step === 40 ? Number.NaN : 1 / (1 + step), accuracy: 0.5 + step / 250 }, { step })
      if (m.signal.aborted) {
        stoppedAt = step
        break
      }
    }
    await m.close()
    await m.close() // idempotent
    expect(stoppedAt).toBe(40)
    expect(m.summary().status).toBe('stopped')
    expect(stream.text).toContain('loss')
    // report written on close, naming the NaN step
    expect(m.report?.nonFinite).toMatchObject({ step: 40, metric: 'loss' })
    expect(readFileSync(join(dir, 'reports', 'auto-1.md'), 'utf8')).toContain('loss became NaN at step 40')
    expect(existsSync(join(dir, 'reports', 'auto-1.json'))).toBe(true)
    // incidents on disk, the run in the Parquet store
    expect(readFileSync(join(dir, 'andon', 'incidents.jsonl'), 'utf8')).toContain('"rule":"non_finite"')
    const runs = JSON.parse((await cli(['--json', 'runs', dir])).out) as { runs: { id: string; status: string; points: number }[] }
    expect(runs.runs).toEqual([expect.objectContaining({ id: 'auto-1', status: 'stopped', points: 82 })])
    // lineage node with the incident as a health event
    const g = await createLineage({ dir })
    const model = await g.getModel('auto-1')
    expect(model?.metrics.accuracy).toBeCloseTo(0.5 + 40 / 250, 10)
    expect((await g.healthEvents('auto-1')).some((e) => e.rule === 'non_finite')).toBe(true)
    await g.close()
  })

  it('can turn every default off', async () => {
    const dir = tempDir()
    const m = await autoMonitor({ dir, runId: 'plain', renacer: false, dashboard: false, lineage: false, report: false, system: false })
    m.log({ loss: 1 }, { step: 0 })
    await m.close()
    expect(m.report).toBeUndefined()
    expect(existsSync(join(dir, 'reports'))).toBe(false)
    expect(existsSync(join(dir, 'lineage'))).toBe(false)
  })
})

describe('autoMonitor default detectors: calibrated Page-Hinkley on loss', () => {
  /** A stationary noisy loss at `scale` around `level`, and a rise of 3σ from step `riseAt`. */
  const run = async (runId: string, scale: number, level: number, riseAt: number) => {
    const dir = tempDir()
    const m = await autoMonitor({ dir, runId, renacer: false, dashboard: false, lineage: false, report: false, driftLog: false, system: false })
    let seed = 12345
    const uniform = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed / 4294967296
    }
    for (let step = 0; step < 3000; step++) {
      // Irwin–Hall(12) − 6: unit-variance noise without a library.
      let e = -6
      for (let i = 0; i < 12; i++) e += uniform()
      m.log({ loss: level + scale * (e + (step >= riseAt ? 3 : 0)) }, { step })
    }
    await m.close()
    return m.andon.history()
  }

  it('no incident on a stationary loss at scale 1e3 (river defaults alarm every ~30 steps there); a rise is an incident naming the budget', async () => {
    const quiet = await run('quiet', 1e3, 5e3, Number.POSITIVE_INFINITY)
    expect(quiet.filter((i) => i.rule === 'drift')).toEqual([])
    const risen = await run('risen', 1e-6, 0.5, 2000)
    const drift = risen.filter((i) => i.rule === 'drift')
    expect(drift.length).toBeGreaterThan(0)
    expect(drift[0]!.step).toBeGreaterThanOrEqual(2000)
    expect(drift[0]!.step).toBeLessThan(2030)
    expect(drift[0]!.message).toMatch(/^page_hinkley \(calibrated: 1 false alarm per 10⁶ values\) reports drift on loss at step \d+ \(standardised statistic [\d.]+ > threshold 11\.96\)$/)
  })
})
