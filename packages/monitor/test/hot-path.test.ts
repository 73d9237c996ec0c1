import { type AlertPolicy, batchToRows, createDefaultPolicy, type Decision, type EntrenarError, type RecordBatch } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { createMonitor } from '@entrenar/monitor'

/** A policy that counts every value it is shown (a custom Andon may have rules on finite values). */
function countingPolicy() {
  const inner = createDefaultPolicy()
  const seen: string[] = []
  const policy: AlertPolicy = {
    observeValue(metric: string, value: number, step: number): Decision {
      seen.push(`${metric}@${step}=${value}`)
      return inner.observeValue(metric, value, step)
    },
    observe: (e) => inner.observe(e),
    trigger: (a) => inner.trigger(a),
    get signal() {
      return inner.signal
    },
    history: () => inner.history(),
    reset: () => inner.reset(),
  }
  return { policy, seen }
}

describe('hot path', () => {
  it('an Andon passed in sees every value, finite ones included, on both paths and in call order', async () => {
    const { policy, seen } = countingPolicy()
    const m = await createMonitor({ runId: 'p', andon: policy, system: false })
    m.log({ loss: 1, acc: 0.5 }, { step: 0 })
    const h = m.metrics(['loss', 'acc'])
    h.log(1, 2, 0.25)
    h.record(2, Float64Array.from([3, Number.NaN]))
    expect(seen).toEqual(['loss@0=1', 'acc@0=0.5', 'loss@1=2', 'acc@1=0.25', 'loss@2=3', 'acc@2=NaN'])
    await m.close()
  })

  it('the built-in policy still stops at the first non-finite loss on every path, and NaN/±Inf are counted', async () => {
    for (const path of ['log', 'handle', 'record'] as const) {
      const m = await createMonitor({ runId: `s-${path}`, system: false })
      const h = m.metrics(['acc', 'loss'])
      let stoppedAt = -1
      for (let step = 0; step < 50 && stoppedAt < 0; step++) {
        const loss = step === 30 ? Number.NaN : 1 / (step + 1)
        const acc = step === 5 ? Number.NEGATIVE_INFINITY : step / 50 // not watched: counted, no stop
        if (path === 'log') m.log({ acc, loss }, { step })
        else if (path === 'handle') h.log(step, acc, loss)
        else h.record(step, [acc, loss])
        if (m.signal.aborted) stoppedAt = step
      }
      expect(stoppedAt, path).toBe(30)
      const s = m.summary().metrics
      expect(s.loss).toMatchObject({ nanCount: 1, count: 30, samples: 31 })
      expect(s.acc).toMatchObject({ negInfCount: 1, count: 30, samples: 31 })
      await m.close()
    }
  })

  it('log() resolves keys right when a call changes their order, adds, drops or misspells one', async () => {
    const batches: RecordBatch[] = []
    const sink = { write: async (b: RecordBatch) => void batches.push(structuredClone(b)), flush: async () => {}, close: async () => {} }
    const errors: EntrenarError[] = []
    const m = await createMonitor({ runId: 'k', sinks: [sink], system: false, onError: (e) => errors.push(e) })
    m.log({ a: 1, b: 2 }, { step: 0 })
    m.log({ b: 20, a: 10 }, { step: 1 }) // same keys, other order
    m.log({ a: 100, c: 300, b: 200 }, { step: 2 }) // a new key in the middle
    m.log({ 'bad\u0000name': 5, a: 1000 } as Record<string, number>, { step: 3 }) // a bad name first
    m.log({ c: 3000 }, { step: 4 })
    m.log({ a: 10_000, b: 'x' as unknown as number }, { step: 5 }) // a value that is not a number
    await m.flush()
    const rows = batches.flatMap(batchToRows)
    const by = (metric: string) => rows.filter((r) => r.metric === metric).map((r) => [r.step, r.value])
    expect(by('a')).toEqual([[0, 1], [1, 10], [2, 100], [3, 1000], [5, 10_000]])
    expect(by('b')).toEqual([[0, 2], [1, 20], [2, 200]])
    expect(by('c')).toEqual([[2, 300], [4, 3000]])
    expect(m.summary().metrics.a).toMatchObject({ count: 5, sum: 11_111 })
    expect(errors.map((e) => e.code)).toEqual(['ENTRENAR_INVALID_METRIC_NAME', 'ENTRENAR_INVALID_VALUE'])
    await m.close()
  })

  it('a handle made before close() reports and drops its values after it, and counts nothing more', async () => {
    const errors: EntrenarError[] = []
    const m = await createMonitor({ runId: 'c', system: false, onError: (e) => errors.push(e) })
    const h = m.metrics(['loss'])
    h.log(0, 1)
    await m.close()
    h.log(1, Number.NaN)
    h.record(2, [3])
    expect(errors.map((e) => e.code)).toEqual(['ENTRENAR_CLOSED', 'ENTRENAR_CLOSED'])
    expect(m.sampleCount('loss')).toBe(1)
    expect(m.summary().metrics.loss).toMatchObject({ nanCount: 0, samples: 1 })
  })

  it('never throws on any path: a policy that throws, values a handle cannot read; each a coded error, every value still counted and stored', async () => {
    const inner = createDefaultPolicy()
    let calls = 0
    const policy: AlertPolicy = {
      observeValue(metric: string, value: number, step: number): Decision {
        if (++calls % 2 === 1) throw new Error(`policy down at ${metric}`)
        return inner.observeValue(metric, value, step)
      },
      observe: (e) => inner.observe(e),
      trigger: (a) => inner.trigger(a),
      get signal() {
        return inner.signal
      },
      history: () => inner.history(),
      reset: () => inner.reset(),
    }
    const errors: EntrenarError[] = []
    const m = await createMonitor({ runId: 'throws', andon: policy, system: false, onError: (e) => errors.push(e) })
    const h = m.metrics(['loss', 'acc'])
    expect(() => m.log({ loss: 1, acc: 0.5 }, { step: 0 })).not.toThrow()
    expect(() => h.log(1, 2, 0.25)).not.toThrow()
    expect(() => h.record(2, Float64Array.of(3, 0.125))).not.toThrow()
    // Values a handle cannot read: null, an array-like whose element getter throws after one value.
    expect(() => h.record(3, null as unknown as number[])).not.toThrow()
    const flaky = {
      length: 2,
      0: 4,
      get 1(): number {
        throw new Error('sensor gone')
      },
    }
    expect(() => h.record(4, flaky)).not.toThrow()
    // The policy saw every value (the failing call included) and nothing was lost.
    expect(calls).toBe(7)
    expect(m.summary().metrics.loss).toMatchObject({ count: 4, sum: 10 })
    expect(m.summary().metrics.acc).toMatchObject({ count: 3 })
    expect(errors.map((e) => e.code)).toEqual(Array(6).fill('ENTRENAR_INVALID_VALUE'))
    expect(errors.filter((e) => e.message.includes('policy down')).length).toBe(4)
    expect(errors.some((e) => e.message.includes('sensor gone') && e.message.includes('after 1 values'))).toBe(true)
    await m.close()
  })
})
