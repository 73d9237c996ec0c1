import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryStore } from '@entrenar/core'
import type { MonitorOptions } from '@entrenar/monitor'
import { autoMonitor, runCli } from 'entrenar'
import { describe, expect, it } from 'vitest'
import { loadIris } from '../src/data.js'
import { Mlp } from '../src/mlp.js'
import { lookFurther, runScenario, summaryTable } from '../src/run.js'

/** First step at which an unmonitored copy of the run produces a non-finite loss. */
function firstNonFiniteStep(lr: number, seed: number, epochs: number, batchSize: number): number | undefined {
  const { train } = loadIris(seed)
  const m = new Mlp({ inputs: 4, hidden: 16, outputs: 3, learningRate: lr, seed })
  const batches = Math.ceil(train.rows / batchSize)
  let step = 0
  for (let e = 0; e < epochs; e++) for (let b = 0; b < batches; b++, step++) if (!Number.isFinite(m.step(train, b * batchSize, batchSize).loss)) return step
  return undefined
}

describe('demo training run', () => {
  it('learns Iris under the monitor', async () => {
    const store = createMemoryStore()
    const r = await runScenario({ runId: 'good', name: 'good', learningRate: 0.1, epochs: 30, batchSize: 16, seed: 7 }, { store })
    expect(r.stoppedAt).toBeUndefined()
    expect(r.summary.status).toBe('finished')
    expect(r.validation.accuracy).toBeGreaterThan(0.85)
    expect(r.summary.metrics.loss!.samples).toBe(r.steps)
    expect(r.summary.metrics.val_accuracy!.samples).toBe(30)
    const loss = (await store.query({ runs: ['good'], metrics: ['loss'], bucket: { by: 'step', size: 60 } })).series[0]!
    expect(loss.value[loss.value.length - 1]!).toBeLessThan(loss.value[0]!)
    expect(summaryTable(r.summary.metrics)).toMatch(/^metric\s+n\s+mean/)
  })

  it('stops the divergent run at the exact step where the loss became non-finite', async () => {
    const expected = firstNonFiniteStep(4, 7, 60, 16)
    expect(expected).toBeDefined()
    const store = createMemoryStore()
    const r = await runScenario({ runId: 'bad', name: 'bad', learningRate: 4, epochs: 60, batchSize: 16, seed: 7 }, { store })
    expect(r.stoppedAt).toBe(expected)
    expect(r.summary.reason).toContain(`at step ${expected}`)
    expect((await store.runs())[0]).toMatchObject({ id: 'bad', status: 'stopped' })
    const s = (await store.query({ runs: ['bad'], metrics: ['loss'] })).series[0]!
    expect(s.x[s.x.length - 1]).toBe(expected)
    expect(Number.isFinite(s.value[s.value.length - 1]!)).toBe(false)
  })

  it('the main job through autoMonitor: Parquet store, renacer.toml Andon, incident written at the non-finite step', async () => {
    const expected = firstNonFiniteStep(4, 7, 60, 16)
    const dir = mkdtempSync(join(tmpdir(), 'entrenar-demo-'))
    const renacer = new URL('../../../renacer.toml', import.meta.url).pathname
    const open = (o: MonitorOptions) => autoMonitor({ ...o, dir, renacer, dashboard: false, system: false })
    const r = await runScenario({ runId: 'diverge', name: 'diverge', learningRate: 4, epochs: 60, batchSize: 16, seed: 7 }, { open })
    expect(r.stoppedAt).toBe(expected)
    const incidents = readFileSync(join(dir, 'andon', 'incidents.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { rule: string; step: number })
    expect(incidents.some((i) => i.rule === 'non_finite' && i.step === expected)).toBe(true)
    expect(readFileSync(join(dir, 'reports', 'diverge.md'), 'utf8')).toContain('diverge')
  })

  it('the commands it suggests at the end run, and write nothing outside the store directory', async () => {
    const work = mkdtempSync(join(tmpdir(), 'entrenar-demo-hints-'))
    const home = process.cwd()
    process.chdir(work)
    try {
      const open = (o: MonitorOptions) => autoMonitor({ ...o, dir: './runs', renacer: false, dashboard: false, system: false })
      const r = await runScenario({ runId: 'diverge', name: 'diverge', learningRate: 4, epochs: 60, batchSize: 16, seed: 7 }, { open })
      expect(r.stoppedAt).toBeDefined()
      for (const argv of lookFurther('./runs', 'diverge')) {
        let err = ''
        const code = await runCli(argv, { out: () => {}, err: (t) => (err += t), env: { NO_COLOR: '1' } })
        expect({ argv, code, err }).toEqual({ argv, code: 0, err: '' })
      }
      // As in the repository, where ./runs is git-ignored: nothing else appeared.
      expect(readdirSync(work)).toEqual(['runs'])
      expect(readdirSync(join(work, 'runs'))).toContain('loss.png')
    } finally {
      process.chdir(home)
    }
  }, 120_000)
})
