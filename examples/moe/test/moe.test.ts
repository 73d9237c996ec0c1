import { describe, expect, it } from 'vitest'
import { runMoe } from '../src/lib.js'

describe('mixture of experts with two dead experts', () => {
  it('per-expert metrics, drift detectors and the Andon catch it; Hansei names the dead experts', async () => {
    const r = await runMoe({ steps: 300, incidentStep: 100, runId: 'moe-test' })
    // the total loss alone hides the incident
    expect(r.report.metrics.find((m) => m.metric === 'loss')!.trend).toBe('improving')
    const vanishing = r.incidents.filter((i) => i.rule === 'vanishing_gradients').map((i) => i.metric)
    expect([...new Set(vanishing)].sort()).toEqual(['expert_2/grad_norm', 'expert_3/grad_norm'])
    for (const i of r.incidents.filter((x) => x.rule === 'vanishing_gradients')) expect(i.step).toBeGreaterThanOrEqual(100)
    const drifted = new Set(r.driftEvents.filter((d) => d.signal === 'drift' && d.step >= 100).map((d) => d.metric))
    // after the warm-up changes (every expert, steps 50–65) only the dead experts change again
    expect([...drifted].sort()).toEqual(['expert_2/log10_grad_norm', 'expert_3/log10_grad_norm'])
    // … and reach the Andon as warnings
    const late = r.incidents.filter((i) => i.rule === 'drift' && (i.step ?? 0) >= 100).map((i) => i.metric)
    expect(late.sort()).toEqual(['expert_2/log10_grad_norm', 'expert_3/log10_grad_norm'])
    expect(r.report.stalledGroups).toEqual([{ prefix: 'expert', stalled: ['expert_2', 'expert_3'], healthy: ['expert_0', 'expert_1'] }])
    const finding = r.report.findings.find((f) => f.code === 'stalled_components')!
    expect(finding.message).toContain('expert_2, expert_3')
    expect(r.report.gradients.find((g) => g.metric === 'expert_2/grad_norm')!.vanishing!.fromStep).toBe(100)
  })
})
