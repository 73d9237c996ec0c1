import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { openStore } from '@entrenar/db'
import { beforeAll, describe, expect, it } from 'vitest'
import { type GenerateSummary, generateStore } from '../src/index.js'
import { cli, tempDir } from './helpers.js'

// Small but large enough that every kind of run appears (the seed is fixed).
const RUNS = 60
const METRICS = 7
const STEPS = 120

let dir: string
let s: GenerateSummary

beforeAll(async () => {
  dir = join(tempDir(), 'store')
  s = await generateStore(dir, { runs: RUNS, metrics: METRICS, steps: STEPS, seed: 3 })
})

describe('entrenar generate', () => {
  it('writes every kind of run it says', () => {
    expect(s.runs).toBe(RUNS)
    expect(s.stopped.length).toBeGreaterThan(0)
    expect(s.diverged.length).toBeGreaterThan(0)
    expect(s.nanBursts.length).toBeGreaterThan(0)
    expect(s.infPoints).toBeGreaterThan(0)
    const lengths = new Set(Object.values(s.pointsByRun))
    expect(lengths.size).toBeGreaterThan(2)
  })

  it('the store holds the runs, points, NaNs and stops it reports', async () => {
    const store = await openStore(dir)
    try {
      const runs = await store.runs()
      expect(runs).toHaveLength(RUNS)
      const byId = new Map(runs.map((r) => [r.id, r]))
      for (const id of s.stopped) {
        expect(byId.get(id)!.status).toBe('stopped')
        expect(byId.get(id)!.reason).toMatch(/^non_finite: loss became NaN at step \d+$/)
      }
      for (const id of s.diverged) expect(byId.get(id)!.status).toBe('failed')
      expect(runs.filter((r) => r.status === 'finished')).toHaveLength(RUNS - s.stopped.length - s.diverged.length)
      for (const r of runs) {
        expect(r.config).toMatchObject({ tags: expect.any(Array), learning_rate: expect.any(Number) })
      }
      const counts = await store.query({ aggregate: 'count' })
      const byRun = new Map<string, number>()
      const metrics = new Set<string>()
      for (const x of counts.series) {
        byRun.set(x.runId, (byRun.get(x.runId) ?? 0) + x.value[0]!)
        metrics.add(x.metric)
      }
      expect(metrics.size).toBe(METRICS)
      expect(Object.fromEntries(byRun)).toEqual(s.pointsByRun)
      expect([...byRun.values()].reduce((a, b) => a + b, 0)).toBe(s.points)
      // NaN and +Inf are data: every one written is stored.
      const rows = await store.range(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)
      let nan = 0
      let inf = 0
      const nanRuns = new Set<string>()
      const tags = new Set<string>()
      for (const b of rows) {
        for (let i = 0; i < b.length; i++) {
          const v = b.value[i]!
          if (Number.isNaN(v)) {
            nan++
            nanRuns.add(b.runId)
          } else if (v === Number.POSITIVE_INFINITY) inf++
          const t = b.tagIndex[i]!
          if (t >= 0) tags.add(b.tagSets[t]!.split!)
        }
      }
      expect(nan).toBe(s.nanPoints)
      expect(inf).toBe(s.infPoints)
      expect(tags).toEqual(new Set(['train', 'val']))
      for (const id of [...s.stopped, ...s.nanBursts]) expect(nanRuns.has(id)).toBe(true)
      // A stopped run's last loss is the NaN that stopped it.
      const last = await store.query({ runs: [s.stopped[0]!], metrics: ['loss'] })
      expect(last.series[0]!.value.at(-1)).toBeNaN()
    } finally {
      await store.close()
    }
  })

  it('records one Andon incident per stopped run, in the Andon format', async () => {
    const lines = readFileSync(join(dir, 'andon', 'incidents.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines.map((l) => l.run_id).sort()).toEqual([...s.stopped].sort())
    for (const l of lines) expect(l).toMatchObject({ rule: 'non_finite', level: 'critical', decision: 'stop', metric: 'loss', value: 'NaN' })
    const r = await cli(['--json', 'runs', dir])
    expect(r.code).toBe(0)
    const rows = (JSON.parse(r.out) as { runs: { id: string; incidents: number; status: string; points: number; metrics: number; lastStep: number }[] }).runs
    expect(rows).toHaveLength(RUNS)
    for (const row of rows) {
      expect(row.incidents).toBe(s.stopped.includes(row.id) ? 1 : 0)
      // From the run catalog: the same figures the generator wrote.
      expect(row.points).toBe(s.pointsByRun[row.id])
      expect(row.metrics).toBe(METRICS)
      expect(row.lastStep).toBe(s.pointsByRun[row.id]! / METRICS - 1)
    }
  })

  it('is deterministic for a seed', async () => {
    const again = await generateStore(join(tempDir(), 'store'), { runs: RUNS, metrics: METRICS, steps: STEPS, seed: 3 })
    expect({ ...again, dir: '' }).toEqual({ ...s, dir: '' })
    const other = await generateStore(join(tempDir(), 'store'), { runs: RUNS, metrics: METRICS, steps: STEPS, seed: 4 })
    expect(other.pointsByRun).not.toEqual(s.pointsByRun)
  })

  it('refuses bad sizes, unknown options and a directory that holds data', async () => {
    await expect(generateStore(join(tempDir(), 'x'), { runs: 0 })).rejects.toMatchObject({ code: 'ENTRENAR_USAGE' })
    await expect(generateStore(join(tempDir(), 'x'), { steps: 1.5 })).rejects.toThrow(/steps/)
    await expect(generateStore(join(tempDir(), 'x'), { bogus: 1 } as never)).rejects.toThrow(/unknown option "bogus"/)
    await expect(generateStore(dir, { runs: 1 })).rejects.toThrow(/not empty/)
    const r = await cli(['generate', join(tempDir(), 'y'), '--runs', 'ten'])
    expect(r.code).toBe(2)
  })

  it('the CLI writes a store and prints what it wrote', async () => {
    const out = join(tempDir(), 'cli')
    const r = await cli(['--json', 'generate', out, '--runs', '4', '--metrics', '3', '--steps', '10', '--seed', '9'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out) as { runs: number; points: number }
    expect(j.runs).toBe(4)
    const store = await openStore(out)
    expect(await store.runs()).toHaveLength(4)
    await store.close()
  })
})
