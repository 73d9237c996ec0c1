import { describe, expect, it } from 'vitest'
import { aggregate, batchFromRows, createDefaultPolicy, createMemoryStore, EntrenarError, executeQuery, isEntrenarError, RecordBatchBuilder } from '@entrenar/core'
import * as fc from 'fast-check'

describe('aggregate', () => {
  it('mean lies within [min, max] and std ≥ 0 (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }), (xs) => {
        const mean = aggregate('mean', xs)
        expect(mean).toBeGreaterThanOrEqual(aggregate('min', xs) - 1e-6)
        expect(mean).toBeLessThanOrEqual(aggregate('max', xs) + 1e-6)
        expect(aggregate('std', xs)).toBeGreaterThanOrEqual(0)
        expect(aggregate('p50', xs)).toBeGreaterThanOrEqual(aggregate('min', xs))
      }),
    )
  })
  it('matches the Rust reference on [2,4,4,4,5,5,7,9]: mean 5, sample std ≈ 2.138', () => {
    const xs = [2, 4, 4, 4, 5, 5, 7, 9]
    expect(aggregate('mean', xs)).toBe(5)
    expect(aggregate('std', xs)).toBeCloseTo(2.138, 3)
  })
  it('all-NaN gives NaN for value aggregates and counts the rows', () => {
    const xs = [Number.NaN, Number.NaN]
    for (const k of ['mean', 'min', 'max', 'sum', 'std', 'p50'] as const) expect(aggregate(k, xs)).toBeNaN()
    expect(aggregate('count', xs)).toBe(2)
  })
})

describe('RecordBatchBuilder', () => {
  it('grows past its capacity and deduplicates tag sets by content', () => {
    const b = new RecordBatchBuilder('r', 2)
    for (let i = 0; i < 100; i++) b.append(b.metricId(i % 2 ? 'a' : 'b'), i, i, i, 0, 0, b.tagSetId({ x: '1', y: String(i % 3) }))
    const out = b.finish()
    expect(out.length).toBe(100)
    expect(out.tagSets.length).toBe(3)
    expect(out.metricNames).toEqual(['b', 'a'])
    expect(b.length).toBe(0)
  })
})

describe('batchFromRows', () => {
  it('rejects bad metric names, steps and tags with coded errors', () => {
    const base = { value: 1, step: 1, timestampUs: 1, epoch: null, batch: null, tags: null }
    const bad: [object, string][] = [
      [{ ...base, metric: '' }, 'ENTRENAR_INVALID_METRIC_NAME'],
      [{ ...base, metric: 'a\u0007b' }, 'ENTRENAR_INVALID_METRIC_NAME'],
      [{ ...base, metric: 'x'.repeat(300) }, 'ENTRENAR_INVALID_METRIC_NAME'],
      [{ ...base, metric: 'm', step: 1.5 }, 'ENTRENAR_INVALID_STEP'],
      [{ ...base, metric: 'm', tags: { a: 1 } }, 'ENTRENAR_INVALID_TAGS'],
      [{ ...base, metric: 'm', value: '1' }, 'ENTRENAR_INVALID_VALUE'],
    ]
    for (const [row, code] of bad) {
      try {
        batchFromRows('r', [row as never])
        expect.fail(`accepted ${JSON.stringify(row)}`)
      } catch (e) {
        expect(isEntrenarError(e, code as never), String(e)).toBe(true)
      }
    }
  })
})

describe('memory store', () => {
  it('stores an own copy of each batch', async () => {
    const store = createMemoryStore()
    const b = batchFromRows('r', [{ metric: 'loss', value: 1, step: 1, timestampUs: 1, epoch: null, batch: null, tags: null }])
    await store.write(b)
    ;(b.value as Float64Array)[0] = 99
    expect((await store.query({ runs: ['r'] })).series[0]!.value[0]).toBe(1)
  })
  it('executeQuery validates the query', () => {
    expect(() => executeQuery({ bucket: { points: 0, mode: 'minmax-last' } }, [])).toThrow(EntrenarError)
  })
})

describe('default policy', () => {
  it('stops on a non-finite loss with a reason naming metric and step, and only once', () => {
    const p = createDefaultPolicy()
    expect(p.observeValue('loss', 0.5, 1)).toBe('continue')
    expect(p.observeValue('accuracy', Number.NaN, 2)).toBe('continue')
    expect(p.observeValue('loss', Number.POSITIVE_INFINITY, 3)).toBe('stop')
    expect(p.signal.aborted).toBe(true)
    expect(String((p.signal.reason as Error).message)).toContain('loss became Infinity at step 3')
    expect(p.history()).toHaveLength(1)
    p.reset()
    expect(p.signal.aborted).toBe(false)
    expect(p.history()).toHaveLength(0)
  })
  it('INFO and WARNING never stop; ERROR does', () => {
    const p = createDefaultPolicy()
    expect(p.trigger({ level: 'info', rule: 'manual', message: 'i', timestampMs: 0 })).toBe('warn')
    expect(p.trigger({ level: 'warning', rule: 'manual', message: 'w', timestampMs: 0 })).toBe('warn')
    expect(p.signal.aborted).toBe(false)
    expect(p.trigger({ level: 'error', rule: 'manual', message: 'e', timestampMs: 0 })).toBe('stop')
    expect(p.signal.aborted).toBe(true)
  })
})
