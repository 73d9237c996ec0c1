import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runDivergence } from '../src/lib.js'

describe('learning-rate divergence', () => {
  it('the Andon halves the rate, then stops the line; incident log and Hansei report explain it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'entrenar-lr-'))
    const r = await runDivergence({ dir, runId: 'runaway' })
    expect(r.stoppedAt).toBeDefined()
    expect(r.lrScalings.length).toBeGreaterThanOrEqual(1)
    expect(r.lrScalings[0]!.scale).toBe(0.5)
    const acted = r.incidents.find((i) => i.decision === 'act')!
    const stop = r.incidents.find((i) => i.decision === 'stop')!
    expect(acted.rule).toBe('gradient_explosion')
    expect(stop.step).toBe(r.stoppedAt)
    expect(stop.step!).toBeGreaterThan(acted.step!)
    // the incident log on disk holds the same incidents
    const lines = readFileSync(r.incidentsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { rule: string; decision: string; run_id: string })
    expect(lines.map((l) => l.decision)).toEqual(r.incidents.map((i) => i.decision))
    expect(lines.every((l) => l.run_id === 'runaway')).toBe(true)
    // the report names the stop, the explosion and points at the learning rate
    expect(r.report.verdict).toBe('failed')
    const codes = r.report.findings.map((f) => f.code)
    expect(codes).toContain('stopped')
    expect(codes).toContain('gradient_explosion')
    expect(r.report.metrics.find((m) => m.metric === 'learning_rate')!.trend).toBe('increasing')
    const md = readFileSync(r.reportPath, 'utf8')
    expect(md).toContain('gradient_explosion')
    expect(md).toMatch(/learning rate/i)
  })
})
