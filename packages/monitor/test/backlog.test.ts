import type { EntrenarError, MetricSink, RecordBatch } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { createMonitor } from '@entrenar/monitor'

/**
 * A sink that drains slower than the loop logs: it settles one write every third turn of the event
 * loop (a store whose disk is slower than training). It measures, on its side, the rows it was handed
 * and has not yet acknowledged.
 */
function slowSink() {
  const queue: (() => void)[] = []
  let draining = false
  let turn = 0
  const stats = { stored: 0, outstanding: 0, maxOutstanding: 0, writes: 0 }
  const drain = () => {
    if (++turn % 3 === 0) queue.shift()?.()
    if (queue.length > 0) setImmediate(drain)
    else draining = false
  }
  const sink: MetricSink = {
    write(b: RecordBatch) {
      stats.writes++
      stats.outstanding += b.length
      stats.maxOutstanding = Math.max(stats.maxOutstanding, stats.outstanding)
      const n = b.length
      return new Promise<void>((resolve) => {
        queue.push(() => {
          stats.stored += n
          stats.outstanding -= n
          resolve()
        })
        if (!draining) {
          draining = true
          setImmediate(drain)
        }
      })
    },
    flush: async () => {
      while (queue.length > 0 || draining) await new Promise(setImmediate)
    },
    close: async () => {},
  }
  return { sink, stats }
}

const names = ['loss', 'accuracy', 'learning_rate', 'gradient_norm']

describe('the buffer between the loop and a store that drains slower', () => {
  it('stays bounded whatever the run length: rows beyond maxBufferedRows are counted, reported and not held', async () => {
    const { sink, stats } = slowSink()
    const errors: EntrenarError[] = []
    const limit = 4096
    const m = await createMonitor({ runId: 'fast-loop', sinks: [sink], batchRows: 256, maxPendingRows: 1024, maxBufferedRows: limit, system: false, onError: (e) => errors.push(e) })
    const h = m.metrics(names)
    const steps = 250_000 // 1M values; the bound does not depend on the length
    for (let step = 0; step < steps; step++) {
      h.log(step, 1 / (step + 1), 0.5, 0.01, step === 1000 ? Number.NaN : 1)
      if (step % 256 === 255) await new Promise(setImmediate) // the loop yields: the sink settles one write
    }
    const during = m.backlog()
    await m.flush()
    const after = m.backlog()
    // Bounded on both sides: what the monitor held, and what the sink was handed and had not acknowledged.
    expect(during.limitRows).toBe(limit)
    expect(after.peakRows).toBeGreaterThan(limit / 2) // the bound was reached: the sink did fall behind
    expect(after.peakRows).toBeLessThanOrEqual(limit)
    expect(stats.maxOutstanding).toBeLessThanOrEqual(limit)
    // Nothing unaccounted: every value is stored or counted as dropped; statistics and NaN counts see all.
    expect(after.droppedRows).toBeGreaterThan(steps) // most of the run went faster than the sink
    expect(stats.stored + after.droppedRows).toBe(4 * steps)
    expect(after).toMatchObject({ pendingRows: 0, inFlightRows: 0 })
    expect(m.summary().metrics.gradient_norm).toMatchObject({ samples: steps, nanCount: 1 })
    // Reported as coded errors, once per episode of falling behind, with the numbers.
    const drops = errors.filter((e) => e.code === 'ENTRENAR_SINK_FAILED')
    expect(drops.length).toBeGreaterThan(0)
    expect(drops.length).toBe(errors.length)
    expect(drops[0]!.details).toMatchObject({ runId: 'fast-loop', maxBufferedRows: limit })
    expect(drops[0]!.message).toContain('maxBufferedRows')
    await m.close()
  })

  it('a loop that awaits gate() is held back instead: every row is stored, within the same bound', async () => {
    const { sink, stats } = slowSink()
    const errors: EntrenarError[] = []
    const limit = 4096
    const m = await createMonitor({ runId: 'gated', sinks: [sink], batchRows: 256, maxPendingRows: 1024, maxBufferedRows: limit, system: false, onError: (e) => errors.push(e) })
    const h = m.metrics(names)
    const steps = 100_000
    let held = 0
    for (let step = 0; step < steps; step++) {
      h.log(step, 1 / (step + 1), 0.5, 0.01, 1)
      if (step % 256 === 255) {
        await m.gate()
        held = Math.max(held, m.backlog().pendingRows + m.backlog().inFlightRows)
      }
    }
    await m.flush()
    expect(m.backlog()).toMatchObject({ droppedRows: 0, pendingRows: 0, inFlightRows: 0 })
    expect(errors).toEqual([])
    expect(stats.stored).toBe(4 * steps)
    expect(held).toBeLessThanOrEqual(limit / 2) // the gate returned with at most half of the buffer waiting
    expect(m.backlog().peakRows).toBeLessThanOrEqual(limit)
    expect(stats.maxOutstanding).toBeLessThanOrEqual(limit)
    await m.close()
  })

  it('a log() loop that never yields cannot grow the buffer past the bound either', async () => {
    const { sink, stats } = slowSink()
    const errors: EntrenarError[] = []
    const m = await createMonitor({ runId: 'no-yield', sinks: [sink], batchRows: 64, maxPendingRows: 256, maxBufferedRows: 1024, system: false, onError: (e) => errors.push(e) })
    for (let step = 0; step < 10_000; step++) m.log({ loss: step, acc: 1 }, { step }) // no await: nothing can drain
    expect(m.backlog().pendingRows + m.backlog().inFlightRows).toBeLessThanOrEqual(1024)
    expect(stats.maxOutstanding).toBeLessThanOrEqual(1024)
    await m.flush()
    expect(stats.stored + m.backlog().droppedRows).toBe(20_000)
    expect(m.sampleCount('loss')).toBe(10_000)
    expect(errors.map((e) => e.code)).toEqual(['ENTRENAR_SINK_FAILED']) // one episode: the loop never let the sink catch up
    await m.close()
  })

  it('rejects a bound that is not a positive integer, and takes at least maxPendingRows', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(createMonitor({ maxBufferedRows: bad, system: false })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
      await expect(createMonitor({ maxPendingRows: bad, system: false })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    }
    const m = await createMonitor({ maxPendingRows: 5000, maxBufferedRows: 10, system: false })
    expect(m.backlog().limitRows).toBe(5000)
    await m.close()
    const d = await createMonitor({ system: false })
    expect(d.backlog()).toEqual({ pendingRows: 0, inFlightRows: 0, peakRows: 0, limitRows: 1_048_576, droppedRows: 0 })
    await d.close()
  })

  it('counts a batch in flight by the column space it holds, its capacity in rows, until its write settles', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const sink: MetricSink = { write: () => held, flush: async () => {}, close: async () => {} }
    const m = await createMonitor({ runId: 'cap', sinks: [sink], batchRows: 64, system: false })
    for (let step = 0; step < 10; step++) m.log({ a: step, b: -step }, { step })
    const flushed = m.flush()
    // 20 rows handed off in columns of 64 rows: the 64 are held, not the 20 (nor a multiple of 64).
    expect(m.backlog()).toMatchObject({ pendingRows: 0, inFlightRows: 64 })
    release()
    await flushed
    expect(m.backlog()).toMatchObject({ pendingRows: 0, inFlightRows: 0, peakRows: 64 })
    await m.close()
  })
})
