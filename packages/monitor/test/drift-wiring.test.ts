import { adwin, pageHinkley } from '@entrenar/drift'
import { describe, expect, it } from 'vitest'
import { createMonitor } from '@entrenar/monitor'

describe('monitor with @entrenar/drift detectors', () => {
  it('a loss that jumps after a healthy decay raises one Page-Hinkley drift; the healthy part raises none', async () => {
    const m = await createMonitor({ runId: 'ph', detectors: { loss: [pageHinkley({ mode: 'up' })], accuracy: [adwin({ mode: 'down' })] }, system: false })
    let seed = 3
    const noise = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0
      return (seed / 2 ** 32 - 0.5) * 0.02
    }
    for (let step = 0; step < 600; step++) {
      const loss = step < 400 ? 2 * Math.exp(-step / 80) + 0.1 + noise() : 3 + noise()
      const accuracy = step < 400 ? Math.min(0.95, 0.4 + step / 500) + noise() : 0.35 + noise()
      m.log({ loss, accuracy }, { step })
    }
    const events = m.summary().driftEvents.filter((e) => e.signal === 'drift')
    const loss = events.filter((e) => e.metric === 'loss')
    expect(loss.length).toBeGreaterThanOrEqual(1)
    expect(loss[0]!.step).toBeGreaterThanOrEqual(400)
    expect(loss[0]!.step).toBeLessThan(440) // λ = 50 over a jump of ~2.8 per step: ~20 steps of evidence
    expect(loss[0]!.detector).toBe('page_hinkley')
    const acc = events.filter((e) => e.metric === 'accuracy')
    expect(acc.length).toBeGreaterThanOrEqual(1)
    expect(acc.every((e) => e.step >= 400)).toBe(true)
    expect(m.summary().incidents.some((i) => i.rule === 'drift')).toBe(true)
    expect(m.signal.aborted).toBe(false)
    await m.close()
  })
})
