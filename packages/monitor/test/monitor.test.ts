import { type ChangeDetector, createMemoryStore, type EntrenarError, type MetricSink, type RecordBatch } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { createMonitor } from '@entrenar/monitor'

function collectErrors() {
  const errors: EntrenarError[] = []
  return { errors, onError: (e: EntrenarError) => errors.push(e) }
}

describe('createMonitor', () => {
  it('records, flushes to the store and stores run metadata', async () => {
    const store = createMemoryStore()
    const m = await createMonitor({ runId: 'r1', name: 'iris', config: { lr: 0.1 }, store })
    for (let step = 0; step < 10; step++) m.log({ loss: 1 / (step + 1), accuracy: step / 10 }, { step, epoch: 0, batch: step })
    await m.flush()
    const r = await store.query({ runs: ['r1'], metrics: ['loss'] })
    expect(Array.from(r.series[0]!.x)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(m.isMeasured('accuracy')).toBe(true)
    expect(m.isMeasured('gradient_norm')).toBe(false)
    expect(m.sampleCount('loss')).toBe(10)
    const [run] = await store.runs()
    expect(run).toMatchObject({ id: 'r1', name: 'iris', status: 'running', config: { lr: 0.1 } })
    await m.close()
    expect((await store.runs())[0]).toMatchObject({ status: 'finished' })
    expect((await store.runs())[0]!.endTimeMs).toBeGreaterThanOrEqual(run!.startTimeMs)
  })

  it('stops the line in the same log() call where the loss became non-finite', async () => {
    const store = createMemoryStore()
    const m = await createMonitor({ runId: 'div', store })
    let stoppedAt = -1
    for (let step = 0; step < 100; step++) {
      m.log({ loss: step < 17 ? 10 ** step : Number.POSITIVE_INFINITY }, { step })
      if (m.signal.aborted) {
        stoppedAt = step
        break
      }
    }
    expect(stoppedAt).toBe(17)
    expect((m.signal.reason as EntrenarError).code).toBe('ENTRENAR_STOPPED')
    expect((m.signal.reason as Error).message).toContain('loss became Infinity at step 17')
    expect(m.summary()).toMatchObject({ status: 'stopped', lastStep: 17 })
    expect(m.summary().metrics.loss!.posInfCount).toBe(1)
    await m.close()
    const run = (await store.runs())[0]!
    expect(run.status).toBe('stopped')
    expect(run.reason).toContain('step 17')
    // the non-finite point itself is kept as data
    const s = (await store.query({ runs: ['div'] })).series[0]!
    expect(s.value[17]).toBe(Number.POSITIVE_INFINITY)
  })

  it('reports bad input to onError, keeps the good values and never throws', async () => {
    const { errors, onError } = collectErrors()
    const store = createMemoryStore()
    const m = await createMonitor({ runId: 'bad', store, onError })
    m.log({ loss: 1 }, { step: 0 })
    m.log({ '': 1, 'a\nb': 2, ok: 3, text: 'x' as unknown as number, ['x'.repeat(300)]: 4 }, { step: 1 })
    m.log({ loss: 2 }, { step: 1.5 })
    m.log({ loss: 3 }, { step: 2, tags: { n: 1 as unknown as string } })
    m.log({ loss: 4 }, { step: 3, epoch: -1 })
    expect(errors.map((e) => e.code)).toEqual([
      'ENTRENAR_INVALID_METRIC_NAME',
      'ENTRENAR_INVALID_METRIC_NAME',
      'ENTRENAR_INVALID_VALUE',
      'ENTRENAR_INVALID_METRIC_NAME',
      'ENTRENAR_INVALID_STEP',
      'ENTRENAR_INVALID_TAGS',
      'ENTRENAR_INVALID_STEP',
    ])
    await m.flush()
    const r = await store.query({ runs: ['bad'] })
    expect(r.series.map((s) => `${s.metric}:${Array.from(s.value).join(',')}`)).toEqual(['loss:1,3,4', 'ok:3'])
    await m.close()
    m.log({ loss: 1 })
    expect(errors.at(-1)!.code).toBe('ENTRENAR_CLOSED')
  })

  it('keeps steps that go backwards and defaults the step to previous + 1', async () => {
    const store = createMemoryStore()
    const m = await createMonitor({ runId: 'back', store })
    m.log({ loss: 1 }, { step: 10 })
    m.log({ loss: 2 }, { step: 5 })
    m.log({ loss: 3 })
    await m.flush()
    const s = (await store.query({ runs: ['back'] })).series[0]!
    expect(Array.from(s.x)).toEqual([5, 6, 10])
    expect(s.x.length).toBe(3)
  })

  it('a failing sink reaches onError and never the training loop; other sinks still get every row', async () => {
    const { errors, onError } = collectErrors()
    const rows: number[] = []
    const failing: MetricSink = { write: async () => Promise.reject(new Error('disk full')), flush: async () => {}, close: async () => {} }
    const counting: MetricSink = {
      write: async (b: RecordBatch) => {
        rows.push(b.length)
      },
      flush: async () => {},
      close: async () => {},
    }
    const m = await createMonitor({ runId: 's', sinks: [failing, counting], onError, batchRows: 8 })
    for (let i = 0; i < 20; i++) {
      expect(() => m.log({ loss: i }, { step: i })).not.toThrow()
      await Promise.resolve() // the loop yields: full batches go to the sinks at once
    }
    await m.flush()
    expect(rows.reduce((a, b) => a + b, 0)).toBe(20)
    expect(rows[0]).toBe(8)
    expect(errors.some((e) => e.code === 'ENTRENAR_SINK_FAILED' && e.message.includes('disk full'))).toBe(true)
    await m.close()
  })

  it('sends detector signals as drift events to the policy', async () => {
    let n = 0
    const fake: ChangeDetector = {
      name: 'every_third',
      update: (x) => (Number.isNaN(x) ? 'invalid' : ++n % 3 === 0 ? 'drift' : 'stable'),
      reset: () => {
        n = 0
      },
      get statistic() {
        return n
      },
      severity: 'medium',
      get samples() {
        return n
      },
    }
    const m = await createMonitor({ runId: 'd', detectors: { accuracy: [fake] } })
    for (let step = 0; step < 6; step++) m.log({ accuracy: 0.5, loss: 1 }, { step })
    const drift = m.summary().driftEvents
    expect(drift.map((e) => [e.metric, e.step, e.detector, e.signal, e.severity])).toEqual([
      ['accuracy', 2, 'every_third', 'drift', 'medium'],
      ['accuracy', 5, 'every_third', 'drift', 'medium'],
    ])
    expect(m.summary().incidents.filter((i) => i.rule === 'drift')).toHaveLength(2)
    const idle = await createMonitor({ runId: 'idle', detectors: { val_loss: [fake] }, system: false })
    idle.log({ loss: 1 }, { step: 0 })
    expect(Object.keys(idle.summary().metrics)).toEqual(['loss']) // val_loss is watched but was never measured
    await idle.close()
    expect(m.signal.aborted).toBe(false)
    await m.close()
  })

  it('reports a warning zone once, drifts always, and never NaN as drift', async () => {
    const script: ('stable' | 'warning' | 'drift')[] = ['stable', 'warning', 'warning', 'warning', 'drift', 'stable', 'warning', 'stable']
    let i = 0
    const scripted: ChangeDetector = {
      name: 'scripted',
      update: (x) => (Number.isNaN(x) ? 'invalid' : script[i++ % script.length]!),
      reset: () => {
        i = 0
      },
      statistic: 0,
      severity: undefined,
      samples: 0,
    }
    const m = await createMonitor({ runId: 'w', detectors: { loss: [scripted] }, andon: undefined, onError: () => {} })
    for (let step = 0; step < script.length; step++) m.log({ loss: 1 }, { step })
    m.log({ loss: Number.NaN }, { step: 8 })
    expect(m.summary().driftEvents.map((e) => `${e.step}:${e.signal}`)).toEqual(['1:warning', '4:drift', '6:warning'])
    await m.close()
  })

  it('stores tags and caches them by identity', async () => {
    const store = createMemoryStore()
    const m = await createMonitor({ runId: 't', store })
    const val = { split: 'val' }
    for (let i = 0; i < 3; i++) m.log({ loss: i }, { step: i, tags: val })
    m.log({ loss: 9 }, { step: 3, tags: { split: 'train' } })
    await m.flush()
    expect(Array.from((await store.query({ runs: ['t'], tags: { split: 'val' } })).series[0]!.value)).toEqual([0, 1, 2])
    await m.close()
  })

  it('stop() aborts by hand; close() is idempotent', async () => {
    const m = await createMonitor({ runId: 'h' })
    m.stop('checkpoint budget exhausted')
    expect(m.signal.aborted).toBe(true)
    await Promise.all([m.close(), m.close()])
    expect(m.summary().reason).toContain('checkpoint budget exhausted')
  })

  it('leaves a store it was given open, so runs can share it', async () => {
    const store = createMemoryStore()
    const a = await createMonitor({ runId: 'a', store })
    a.log({ loss: 1 }, { step: 0 })
    await a.close()
    const b = await createMonitor({ runId: 'b', store })
    b.log({ loss: 2 }, { step: 0 })
    await b.close()
    expect((await store.runs()).map((r) => r.id)).toEqual(['a', 'b'])
    expect((await store.query({ metrics: ['loss'] })).series).toHaveLength(2)
  })

  it('rejects bad configuration with coded errors', async () => {
    await expect(createMonitor({ runId: '' })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_RUN_ID' })
    await expect(createMonitor({ runId: 'a\u0000b' })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_RUN_ID' })
    await expect(createMonitor({ batchRows: 0 })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    await expect(createMonitor({ detectors: { '': [] } })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
  })
})

describe('bounded buffer', () => {
  it('a loop that never yields hands rows to the sinks synchronously at maxPendingRows', async () => {
    const seen: number[] = []
    const sink = {
      write: async (b: RecordBatch) => {
        seen.push(b.length)
      },
      flush: async () => {},
      close: async () => {},
    }
    const m = await createMonitor({ runId: 'sync', sinks: [sink], batchRows: 8, maxPendingRows: 32, system: false })
    for (let step = 0; step < 100; step++) m.log({ loss: step }, { step }) // no await anywhere in this loop
    // write() was already called inside log(): three hand-offs of 32 rows, 4 rows still pending
    expect(seen).toEqual([32, 32, 32])
    await m.flush()
    expect(seen).toEqual([32, 32, 32, 4])
    await m.close()
  })
})
