// Composition test: the Monitor drives the Andon through the core AlertPolicy seam, as `npm start` does.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createAndon, loadRenacerConfig } from '@entrenar/andon'
import { createMemoryStore } from '@entrenar/core'
import { createMonitor } from '@entrenar/monitor'
import { describe, expect, it } from 'vitest'

const ROOT_TOML = fileURLToPath(new URL('../../../renacer.toml', import.meta.url))

describe('Monitor + Andon from renacer.toml', () => {
  it('a diverging run stops through the Andon at the step it diverged, runs onStop once and writes its incident', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'andon-monitor-'))
    const renacer = loadRenacerConfig(ROOT_TOML)
    const stops: string[] = []
    const scales: number[] = []
    const andon = createAndon({
      renacer: { ...renacer, andon: { ...renacer.andon, handlers: [] } },
      runId: 'diverge',
      storeDir: dir,
      onStop: (i) => void stops.push(`${i.rule}@${i.step}`),
      onLearningRate: (s) => void scales.push(s),
    })
    const monitor = await createMonitor({ runId: 'diverge', store: createMemoryStore(), andon, system: false })
    let stoppedAt: number | undefined
    let lr = 4
    for (let step = 0; step < 200; step++) {
      // loss falls, then blows up from step 60 (×1.5 per step) until it overflows
      const loss = step < 60 ? 1 / (1 + step / 10) : (1 / 7) * 1.5 ** (step - 59)
      monitor.log({ loss, accuracy: 0.5, learning_rate: lr, gradient_norm: step < 60 ? 1 : 2 ** (step - 55) }, { step })
      if (monitor.signal.aborted) {
        stoppedAt = step
        break
      }
      await monitor.gate()
      lr = lr * (scales.length ? scales.at(-1)! : 1)
    }
    await monitor.close()
    await andon.close()
    // gradient explosion acts first at step 60 (2^5 ≥ 10× its mean of 1), then stops 3 evaluations later,
    // before the loss reaches 10× its best for 3 steps
    expect(scales).toEqual([0.5])
    expect(stoppedAt).toBe(63)
    expect(stops).toEqual(['gradient_explosion@63'])
    expect(monitor.summary().incidents.map((i) => `${i.rule}:${i.decision}`)).toEqual(['gradient_explosion:act', 'gradient_explosion:stop'])
    const lines = readFileSync(join(dir, 'andon', 'incidents.jsonl'), 'utf8').trim().split('\n')
    expect(lines.map((l) => (JSON.parse(l) as { decision: string }).decision)).toEqual(['act', 'stop'])
  })

  it('a NaN loss stops at that very log() call with the default Andon', async () => {
    const andon = createAndon({ runId: 'nan', timers: false })
    const monitor = await createMonitor({ runId: 'nan', store: createMemoryStore(), andon, system: false })
    monitor.log({ loss: 0.5 }, { step: 1 })
    expect(monitor.signal.aborted).toBe(false)
    monitor.log({ loss: Number.NaN }, { step: 2 })
    expect(monitor.signal.aborted).toBe(true)
    expect((monitor.signal.reason as Error).message).toMatch(/non_finite \(critical\) on loss at step 2/)
    await monitor.close()
    await andon.close()
  })
})
