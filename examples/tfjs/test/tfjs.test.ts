import { createMemoryStore } from '@entrenar/core'
import { analyzeRun } from '@entrenar/monitor'
import { describe, expect, it } from 'vitest'
import { trainIris } from '../src/lib.js'

describe('tfjs model.fit with the Entrenar callback', () => {
  it('logs every batch and epoch into the store and learns Iris', async () => {
    const store = createMemoryStore()
    const r = await trainIris({ runId: 'tfjs-test', epochs: 12, store, learningRate: 0.05 })
    expect(r.summary.incidents.filter((i) => i.decision === 'stop')).toEqual([])
    expect(r.epochsRun).toBe(12)
    expect(r.summary.status).toBe('finished')
    // 120 training rows / 16 per batch = 8 batches per epoch
    expect(r.summary.metrics.loss!.samples).toBe(12 * 8)
    expect(r.summary.metrics.val_accuracy!.samples).toBe(12)
    expect(r.valAccuracy).toBeGreaterThan(0.7)
    const report = await analyzeRun(store, 'tfjs-test')
    expect(report.metrics.find((m) => m.metric === 'loss')!.trend).toBe('improving')
    const first = report.metrics.find((m) => m.metric === 'loss')!.first!
    expect(first.step).toBe(0)
  })
})
