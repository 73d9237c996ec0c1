import { batchToRows, type EntrenarError, type RecordBatch } from '@entrenar/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createMonitor, MetricsCollector } from '@entrenar/monitor'

/**
 * `log()` resolves a steady caller's keys by position and reads each at a load site of its position
 * (see Recorder.record). These tests hold it to what a plain for-in over the object gives, whatever
 * the calls do between them: keys added, dropped, reordered, renamed, values that stop being numbers,
 * prototype keys, getters, `__proto__` as an own key.
 */

type Row = [metric: string, step: number, value: number]

async function monitorWithRows() {
  const batches: RecordBatch[] = []
  const sink = { write: async (b: RecordBatch) => void batches.push(structuredClone(b)), flush: async () => {}, close: async () => {} }
  const errors: EntrenarError[] = []
  const m = await createMonitor({ runId: 'keys', sinks: [sink], system: false, onError: (e) => errors.push(e) })
  const rows = async (): Promise<Row[]> => {
    await m.flush()
    return batches.flatMap(batchToRows).map((r) => [r.metric, r.step, r.value])
  }
  return { m, errors, rows }
}

/** What a for-in over each object gives: the rows of its number values, the error codes of the rest. */
function reference(calls: readonly object[]) {
  const rows: Row[] = []
  const codes: string[] = []
  const c = new MetricsCollector()
  calls.forEach((o, step) => {
    for (const k in o) {
      if (k.includes('\u0000')) {
        codes.push('ENTRENAR_INVALID_METRIC_NAME')
        continue
      }
      const v = (o as Record<string, unknown>)[k]
      if (typeof v !== 'number') {
        codes.push('ENTRENAR_INVALID_VALUE')
        continue
      }
      rows.push([k, step, v])
      c.record(k, v)
    }
  })
  return { rows, codes, summary: c.summary() }
}

const KEYS = ['loss', 'acc', 'lr', 'grad_norm', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', '7', '__proto__', 'bad\u0000key']
const value = fc.oneof(
  { weight: 8, arbitrary: fc.double() }, // NaN and ±Inf included
  { weight: 1, arbitrary: fc.constantFrom<unknown>('x', undefined, null, 1n, true) },
)
/** An object of some of the keys, in some order. */
const object = fc.uniqueArray(fc.constantFrom(...KEYS), { maxLength: KEYS.length }).chain((keys) => fc.tuple(...keys.map((k) => value.map((v) => [k, v] as const))).map((es) => Object.fromEntries(es)))

describe('log() keys', () => {
  it('gives the rows, statistics and errors of a plain for-in, however the keys change from call to call', async () => {
    await fc.assert(
      fc.asyncProperty(
        // A few shapes repeated (the steady caller), each call possibly mutated: values redrawn, keys added or dropped.
        fc.array(object, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.option(object, { nil: undefined })), { minLength: 1, maxLength: 40 }),
        async (shapes, picks) => {
          const calls = picks.map(([i, other]) => other ?? { ...shapes[i % shapes.length] })
          const { m, errors, rows } = await monitorWithRows()
          calls.forEach((o, step) => {
            m.log(o as Record<string, number>, { step })
          })
          const want = reference(calls)
          expect(await rows()).toEqual(want.rows)
          expect(errors.map((e) => e.code)).toEqual(want.codes)
          expect(m.summary().metrics).toEqual(want.summary)
          await m.close()
        },
      ),
      { numRuns: 150, seed: Number(process.env.FC_SEED ?? 20261208) },
    )
  })

  it('reads a key of the cached list afresh on every call: a value that changes type, NaN and ±Inf at a steady position', async () => {
    const { m, errors, rows } = await monitorWithRows()
    const seq: unknown[] = [1, Number.NaN, 'x', Number.POSITIVE_INFINITY, undefined, Number.NEGATIVE_INFINITY, 2]
    seq.forEach((v, step) => {
      m.log({ loss: 0.5, acc: v as number, lr: step }, { step })
    })
    const acc = (await rows()).filter((r) => r[0] === 'acc').map((r) => r[2])
    expect(acc).toEqual([1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2])
    expect(errors.map((e) => e.code)).toEqual(['ENTRENAR_INVALID_VALUE', 'ENTRENAR_INVALID_VALUE'])
    expect(m.summary().metrics.acc).toMatchObject({ count: 2, nanCount: 1, posInfCount: 1, negInfCount: 1, samples: 5, last: 2 })
    expect(m.summary().metrics.lr).toMatchObject({ count: 7, sum: 21 })
    await m.close()
  })

  it('logs enumerable prototype keys, reads getters once per call in key order, and skips a key a getter deleted', async () => {
    const { m, errors, rows } = await monitorWithRows()
    const proto = { base: 1 }
    const o = Object.create(proto) as Record<string, number>
    let reads = 0
    Object.defineProperty(o, 'loss', { enumerable: true, configurable: true, get: () => ++reads })
    o.acc = 0.5
    for (let step = 0; step < 3; step++) {
      proto.base = 10 * step
      m.log(o, { step })
    }
    expect(reads).toBe(3)
    // A getter that deletes a key not yet visited: for-in does not visit it, in the first call as in later ones.
    const d: Record<string, number> = {}
    Object.defineProperty(d, 'first', {
      enumerable: true,
      configurable: true,
      get() {
        delete (d as { second?: number }).second
        return 7
      },
    })
    for (let step = 3; step < 6; step++) {
      d.second = step // re-added every call (after the deletion, so it is enumerated after `first`)
      m.log(d, { step })
    }
    expect(await rows()).toEqual([
      ['loss', 0, 1],
      ['acc', 0, 0.5],
      ['base', 0, 0],
      ['loss', 1, 2],
      ['acc', 1, 0.5],
      ['base', 1, 10],
      ['loss', 2, 3],
      ['acc', 2, 0.5],
      ['base', 2, 20],
      ['first', 3, 7],
      ['first', 4, 7],
      ['first', 5, 7],
    ])
    expect(errors).toEqual([])
    await m.close()
  })

  it('takes `__proto__` as an own key like any other name, call after call', async () => {
    const { m, errors, rows } = await monitorWithRows()
    for (let step = 0; step < 3; step++) m.log(JSON.parse(`{"__proto__": ${step}, "loss": ${step + 0.5}}`) as Record<string, number>, { step })
    expect(await rows()).toEqual([
      ['__proto__', 0, 0],
      ['loss', 0, 0.5],
      ['__proto__', 1, 1],
      ['loss', 1, 1.5],
      ['__proto__', 2, 2],
      ['loss', 2, 2.5],
    ])
    expect(errors).toEqual([])
    // The summary keeps it as an own key too (assigning it would set the summary's prototype instead).
    const metrics = m.summary().metrics
    expect(Object.getPrototypeOf(metrics)).toBe(Object.prototype)
    expect(Object.keys(metrics)).toEqual(['__proto__', 'loss'])
    expect(Object.getOwnPropertyDescriptor(metrics, '__proto__')?.value).toMatchObject({ count: 3, sum: 3 })
    await m.close()
  })

  it('keeps every value of a call that registers more metrics than its buffers hold, and of a steady call of 20 keys', async () => {
    const { m, errors, rows } = await monitorWithRows()
    const wide = (step: number) => Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`m${i}`, step * 100 + i]))
    for (let step = 0; step < 3; step++) m.log(wide(step), { step })
    const got = await rows()
    expect(got).toHaveLength(60)
    expect(got).toEqual([0, 1, 2].flatMap((step) => Array.from({ length: 20 }, (_, i): Row => [`m${i}`, step, step * 100 + i])))
    expect(errors).toEqual([])
    await m.close()
  })

  it('never throws: a getter or a proxy trap that throws, a thrown non-Error, a throwing meta getter and a non-object are each a coded error, and what was read before is kept', async () => {
    const { m, errors, rows } = await monitorWithRows()
    const calls: unknown[] = [
      {
        a: 1,
        get b(): number {
          throw new Error('boom')
        },
        c: 3,
      },
      new Proxy(
        {},
        {
          ownKeys() {
            throw new Error('trap')
          },
        },
      ),
      {
        a: 2,
        get b(): number {
          throw {
            toString() {
              throw new Error('unprintable')
            },
          }
        },
      },
      null,
      5,
      'abc',
    ]
    calls.forEach((values, step) => {
      expect(() => m.log(values as Record<string, number>, { step })).not.toThrow()
    })
    expect(() =>
      m.log({ a: 3 }, {
        get step(): number {
          throw new Error('meta')
        },
      } as { step: number }),
    ).not.toThrow()
    m.log({ a: 4 }, { step: 10 })
    expect(await rows()).toEqual([
      ['a', 0, 1],
      ['a', 2, 2],
      ['a', 10, 4],
    ])
    expect(errors.map((e) => e.code)).toEqual(Array(7).fill('ENTRENAR_INVALID_VALUE'))
    expect(errors[0]?.message).toContain('boom')
    expect(errors[1]?.message).toContain('trap')
    expect(errors[3]?.message).toContain('got null')
    expect(errors[5]?.message).toContain('got a string')
    expect(errors[6]?.message).toContain('meta')
    // Nothing was registered for the string's characters.
    expect(m.collector.metrics).not.toContain('0')
    await m.close()
  })
})
