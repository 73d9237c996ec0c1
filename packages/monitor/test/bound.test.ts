import { batchToRows, type ChangeDetector, createMemoryStore, type EntrenarError, type MetricSink, type RecordRow } from '@entrenar/core'
import { pageHinkley } from '@entrenar/drift'
import { describe, expect, it } from 'vitest'
import { createMonitor, type Monitor, type MonitorOptions } from '@entrenar/monitor'

/** A sink that keeps every row it is handed, converted at once (the batch arrays are reused later). */
function captureSink(): { sink: MetricSink; rows: RecordRow[] } {
  const rows: RecordRow[] = []
  const sink: MetricSink = {
    write: async (b) => {
      rows.push(...batchToRows(b))
    },
    flush: async () => {},
    close: async () => {},
  }
  return { sink, rows }
}

/** A detector that drifts on every 7th finite value, so drift events fall on known steps. */
function everySeventh(): ChangeDetector {
  let n = 0
  return {
    name: 'every_seventh',
    update: (x) => (x - x !== 0 ? 'invalid' : ++n % 7 === 0 ? 'drift' : n % 7 === 5 ? 'warning' : 'stable'),
    reset: () => {
      n = 0
    },
    get statistic() {
      return n
    },
    severity: 'low',
    get samples() {
      return n
    },
  }
}

/** A deterministic clock: 1000 µs per reading, so timestamps tell how often the clock was read. */
function tickingClock(): () => number {
  let t = 1_700_000_000_000_000
  return () => (t += 1000)
}

/** The same seeded stream for both monitors: a decaying loss with a jump, NaN/±Inf in the extra metrics, and a NaN loss at `nanAt`. */
function stream(steps: number, nanAt: number): Float64Array[] {
  let seed = 11
  const u = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0
    return seed / 2 ** 32
  }
  const out: Float64Array[] = []
  for (let s = 0; s < steps; s++) {
    const loss = s === nanAt ? Number.NaN : s < 150 ? 2 * Math.exp(-s / 40) + 0.05 * u() : 2.5 + 0.05 * u()
    const acc = s % 37 === 36 ? Number.POSITIVE_INFINITY : 0.3 + 0.6 * u()
    const lr = s % 53 === 52 ? Number.NaN : 0.1 / (1 + s)
    const grad = s % 61 === 60 ? Number.NEGATIVE_INFINITY : u() * 3 - 1
    out.push(Float64Array.of(loss, acc, lr, grad))
  }
  return out
}

interface Outcome {
  rows: RecordRow[]
  stoppedAt: number
  monitor: Monitor
}

async function run(kind: 'log' | 'handle' | 'record', rowsOfStream: Float64Array[], extra: Partial<MonitorOptions> = {}): Promise<Outcome> {
  const { sink, rows } = captureSink()
  const m = await createMonitor({
    runId: 'same',
    system: false,
    sinks: [sink],
    batchRows: 64,
    clockUs: tickingClock(),
    detectors: { loss: [pageHinkley({ mode: 'up' })], accuracy: [everySeventh()] },
    onError: () => {},
    ...extra,
  })
  const val = { split: 'val' }
  const h = m.metrics(['loss', 'accuracy', 'learning_rate', 'gradient_norm'], { tags: val })
  const scratch = new Float64Array(4)
  let stoppedAt = -1
  for (let step = 0; step < rowsOfStream.length; step++) {
    const v = rowsOfStream[step]!
    const epoch = Math.floor(step / 100)
    const batch = step % 100
    if (kind === 'log') {
      m.log({ loss: v[0]!, accuracy: v[1]!, learning_rate: v[2]!, gradient_norm: v[3]! }, { step, epoch, batch, tags: val })
    } else {
      h.epoch = epoch
      h.batch = batch
      if (kind === 'handle') h.log(step, v[0]!, v[1]!, v[2]!, v[3]!)
      else {
        scratch.set(v)
        h.record(step, scratch)
      }
    }
    if (m.signal.aborted) {
      stoppedAt = step
      break
    }
    if (step % 10 === 9) await Promise.resolve() // the loop yields now and then: batches go to the sinks
  }
  await m.flush()
  return { rows, stoppedAt, monitor: m }
}

/** Drift events and incidents without their wall-clock stamp (taken from Date.now, not the row clock). */
function decisions(m: Monitor) {
  const s = m.summary()
  return {
    drift: s.driftEvents.map(({ timestampMs: _, ...e }) => e),
    incidents: s.incidents.map(({ timestampMs: _, ...i }) => i),
    status: s.status,
    reason: s.reason,
    lastStep: s.lastStep,
    metrics: s.metrics,
  }
}

describe('monitor.metrics(): the bound fast path', () => {
  it('stores the same rows and takes the same drift and stop decisions as log() on the same stream', async () => {
    const data = stream(400, 333)
    const a = await run('log', data)
    const b = await run('handle', data)
    const c = await run('record', data)
    expect(a.stoppedAt).toBe(333) // the NaN loss stopped the line in that very call
    expect(b.stoppedAt).toBe(a.stoppedAt)
    expect(c.stoppedAt).toBe(a.stoppedAt)
    expect(a.rows.length).toBe(334 * 4)
    expect(b.rows).toEqual(a.rows)
    expect(c.rows).toEqual(a.rows)
    const da = decisions(a.monitor)
    expect(da.drift.some((e) => e.metric === 'loss' && e.signal === 'drift' && e.step >= 150)).toBe(true)
    expect(da.drift.some((e) => e.metric === 'accuracy' && e.signal === 'warning')).toBe(true)
    expect(da.reason).toContain('loss became NaN at step 333')
    expect(decisions(b.monitor)).toEqual(da)
    expect(decisions(c.monitor)).toEqual(da)
    // NaN and ±Inf are data: kept as rows and counted apart
    expect(da.metrics.accuracy!.posInfCount).toBe(9)
    expect(da.metrics.learning_rate!.nanCount).toBe(6)
    expect(da.metrics.gradient_norm!.negInfCount).toBe(5)
    expect(b.rows.filter((r) => r.metric === 'accuracy' && r.value === Number.POSITIVE_INFINITY)).toHaveLength(9)
    expect(a.rows[5]).toMatchObject({ metric: 'accuracy', step: 1, epoch: 0, batch: 1, tags: { split: 'val' } })
    for (const o of [a, b, c]) await o.monitor.close()
  })

  it('reads the clock once every clockEvery calls, identically on both paths, with non-decreasing timestamps', async () => {
    const data = stream(120, -1)
    const a = await run('log', data, { clockEvery: 8 })
    const b = await run('handle', data, { clockEvery: 8 })
    expect(b.rows).toEqual(a.rows)
    const ts = a.rows.filter((r) => r.metric === 'loss').map((r) => r.timestampUs)
    for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeGreaterThanOrEqual(ts[i - 1]!)
    // 120 calls: 15 readings when nothing forces a refresh, more when a yield handed a batch off
    const distinct = new Set(ts).size
    expect(distinct).toBeGreaterThanOrEqual(15)
    expect(distinct).toBeLessThan(120)
    for (const o of [a, b]) await o.monitor.close()
  })

  it('never moves a timestamp backwards when the clock steps back', async () => {
    const readings = [5000, 6000, 3000, 4000, 7000]
    let i = 0
    const { sink, rows } = captureSink()
    const m = await createMonitor({ runId: 'ntp', sinks: [sink], system: false, clockUs: () => readings[i++]! })
    const h = m.metrics(['loss'])
    for (let step = 0; step < 5; step++) h.log(step, step)
    await m.flush()
    expect(rows.map((r) => r.timestampUs)).toEqual([5000, 6000, 6000, 6000, 7000])
    await m.close()
  })

  it('reports bad values, surplus values, bad steps and bad epochs like log(), and logs only the values passed', async () => {
    const errors: EntrenarError[] = []
    const store = createMemoryStore()
    const { sink, rows } = captureSink()
    const m = await createMonitor({ runId: 'bad', store, sinks: [sink], system: false, onError: (e) => errors.push(e) })
    const h = m.metrics(['loss', 'accuracy'])
    h.log(0, 1, 0.5)
    h.log(1, 'x' as unknown as number, 0.6) // loss dropped, accuracy kept
    h.log(2, 2) // accuracy not logged at this step
    h.log(3, 3, 0.7, 99) // the surplus value is reported and dropped
    h.log(4.5, 4, 0.8) // not a safe integer: the call is dropped
    h.epoch = -1 // stored as absent
    h.log(5, 5, 0.9)
    expect(errors.map((e) => e.code)).toEqual(['ENTRENAR_INVALID_VALUE', 'ENTRENAR_INVALID_VALUE', 'ENTRENAR_INVALID_STEP', 'ENTRENAR_INVALID_STEP'])
    expect(errors[0]!.message).toContain('loss at step 1 is a string')
    expect(errors[1]!.message).toContain('3 values for 2 bound metrics')
    await m.flush()
    const q = await store.query({ runs: ['bad'] })
    expect(q.series.map((s) => `${s.metric}:${Array.from(s.x).join(',')}`)).toEqual(['accuracy:0,1,3,5', 'loss:0,2,3,5'])
    expect(rows.at(-1)).toMatchObject({ metric: 'accuracy', step: 5, epoch: null })
    await m.close()
    h.log(6, 6, 1)
    expect(errors.at(-1)!.code).toBe('ENTRENAR_CLOSED')
  })

  it('log() takes up to eight values and reports a ninth; record() takes any number; undefined is a bad value, not a missing one', async () => {
    const errors: EntrenarError[] = []
    const { sink, rows } = captureSink()
    const m = await createMonitor({ runId: 'wide', sinks: [sink], system: false, onError: (e) => errors.push(e) })
    const names = Array.from({ length: 10 }, (_, i) => `m${i}`)
    const h = m.metrics(names)
    h.log(0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
    h.record(1, Float64Array.from({ length: 10 }, (_, i) => 10 + i))
    h.log(2, undefined as unknown as number, 21)
    h.log(3, 30, Number.NaN, Number.POSITIVE_INFINITY)
    await m.flush()
    expect(errors.map((e) => e.code)).toEqual(['ENTRENAR_INVALID_VALUE', 'ENTRENAR_INVALID_VALUE'])
    expect(errors[0]!.message).toContain('values 9 to 10 were dropped')
    expect(errors[1]!.message).toContain('m0 at step 2 is a undefined')
    const at = (step: number) => rows.filter((r) => r.step === step).map((r) => `${r.metric}=${r.value}`)
    expect(at(0)).toEqual(names.slice(0, 8).map((n, i) => `${n}=${i}`))
    expect(at(1)).toHaveLength(10)
    expect(at(2)).toEqual(['m1=21'])
    expect(at(3)).toEqual(['m0=30', 'm1=NaN', 'm2=Infinity'])
    expect(m.summary().metrics.m1).toMatchObject({ nanCount: 1, count: 3, mean: 11 })
    await m.close()
  })

  it('fails fast on bad configuration', async () => {
    const m = await createMonitor({ runId: 'cfg', system: false })
    expect(() => m.metrics([])).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
    expect(() => m.metrics(['loss', 'loss'])).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
    expect(() => m.metrics(['ok', 'a\nb'])).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_METRIC_NAME' }))
    expect(() => m.metrics(['loss'], { tags: { n: 1 as unknown as string } })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_TAGS' }))
    await expect(createMonitor({ clockEvery: 0 })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    await expect(createMonitor({ clockEvery: 1.5 })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    const h = m.metrics(['loss', 'accuracy'], { epoch: 2, batch: 3 })
    expect(h.names).toEqual(['loss', 'accuracy'])
    expect([h.epoch, h.batch, h.tags]).toEqual([2, 3, undefined])
    expect(Object.keys(m.summary().metrics)).toEqual([]) // bound, not yet measured
    await m.close()
  })
})
