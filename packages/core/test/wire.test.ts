import * as fc from 'fast-check'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import {
  alertEventFromWire,
  alertEventToWire,
  batchFromRows,
  batchFromWire,
  batchToRows,
  batchToWire,
  floatFromWire,
  floatToWire,
  type MetricQuery,
  queryFromWire,
  queryToWire,
  RecordBatchWire,
  resultFromWire,
  resultToWire,
} from '@entrenar/core'

const anyFloat = fc.double()

describe('wire numbers', () => {
  it('every float64 round-trips through JSON, NaN, ±Inf and -0 included', () => {
    fc.assert(
      fc.property(anyFloat, (x) => {
        const back = floatFromWire(JSON.parse(JSON.stringify(floatToWire(x))))
        expect(Object.is(back, x)).toBe(true)
      }),
    )
  })
})

describe('record batch wire form', () => {
  it('round-trips through JSON with validation', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            metric: fc.constantFrom('loss', 'accuracy', 'gradient_norm', 'expert/3/load'),
            value: anyFloat,
            step: fc.maxSafeInteger(),
            timestampUs: fc.integer({ min: 0, max: 2 ** 52 }),
            epoch: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: null }),
            batch: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: null }),
            tags: fc.option(fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })), { nil: null }),
          }),
          { maxLength: 30 },
        ),
        (rows) => {
          const b = batchFromRows('run-x', rows)
          const wire = v.parse(RecordBatchWire, JSON.parse(JSON.stringify(batchToWire(b))))
          const back = batchToRows(batchFromWire(wire))
          const norm = (t: unknown) => (t && Object.keys(t).length > 0 ? t : null)
          expect(back.map((r) => ({ ...r, tags: norm(r.tags) }))).toEqual(batchToRows(b).map((r) => ({ ...r, tags: norm(r.tags) })))
          for (let i = 0; i < rows.length; i++) expect(Object.is(back[i]!.value, rows[i]!.value)).toBe(true)
        },
      ),
    )
  })

  it('uses snake_case field names and a schema_version', () => {
    const w = batchToWire(batchFromRows('r', [{ metric: 'loss', value: Number.NaN, step: 1, timestampUs: 5, epoch: null, batch: 2, tags: null }]))
    expect(Object.keys(w).sort()).toEqual(['batch', 'epoch', 'metric', 'metric_names', 'run_id', 'schema_version', 'step', 'tag_index', 'tag_sets', 'timestamp_us', 'value'])
    expect(w.value).toEqual(['NaN'])
    expect(w.epoch).toEqual([null])
    expect(w.schema_version).toBe(1)
  })

  it('rejects a fractional step and a negative metric index', () => {
    const w = batchToWire(batchFromRows('r', [{ metric: 'loss', value: 1, step: 1, timestampUs: 5, epoch: null, batch: null, tags: null }]))
    expect(v.safeParse(RecordBatchWire, { ...w, step: [1.5] }).success).toBe(false)
    expect(v.safeParse(RecordBatchWire, { ...w, metric: [-1] }).success).toBe(false)
    expect(v.safeParse(RecordBatchWire, { ...w, schema_version: 2 }).success).toBe(false)
  })
})

describe('query wire form', () => {
  it('maps camelCase to snake_case and back', () => {
    const q: MetricQuery = { runs: ['a'], metrics: ['loss'], from: 1, to: 2, steps: [0, 9], tags: { split: 'val' }, aggregate: 'p99', bucket: { points: 10, mode: 'minmax-last' } }
    const w = queryToWire(q)
    expect(w).toMatchObject({ from_us: 1, to_us: 2, schema_version: 1 })
    expect(queryFromWire(w)).toEqual(q)
  })

  it('keeps optional result columns', () => {
    const r = { series: [{ runId: 'a', metric: 'm', x: Float64Array.of(1), value: Float64Array.of(Number.NaN), nanCount: Float64Array.of(1) }] }
    const back = resultFromWire(JSON.parse(JSON.stringify(resultToWire(r))))
    expect(back.series[0]!.nanCount).toEqual(Float64Array.of(1))
    expect(Number.isNaN(back.series[0]!.value[0]!)).toBe(true)
    expect(back.series[0]!.min).toBeUndefined()
  })
})

describe('drift events on the wire', () => {
  const calibrated = { kind: 'drift' as const, metric: 'loss', step: 420, detector: 'page_hinkley', signal: 'drift' as const, statistic: 12.31, threshold: 11.96, falseAlarmsPerMillion: 1, timestampMs: 1 }

  it('carry the threshold and the false-alarm budget of a calibrated detector (snake_case) and back', () => {
    const wire = alertEventToWire(calibrated)
    expect(wire).toMatchObject({ threshold: 11.96, false_alarms_per_million: 1 })
    expect(alertEventFromWire(JSON.parse(JSON.stringify(wire)))).toEqual(calibrated)
    const { threshold: _t, falseAlarmsPerMillion: _f, ...plain } = calibrated
    expect(alertEventToWire(plain)).not.toHaveProperty('false_alarms_per_million')
    expect(alertEventFromWire(JSON.parse(JSON.stringify(alertEventToWire(plain))))).toEqual(plain)
  })

  it('reject a budget that is negative, non-finite or not a number', () => {
    const wire = alertEventToWire(calibrated)
    for (const bad of [-1, 'NaN', 'Infinity', '1']) expect(alertEventFromWire({ ...wire, false_alarms_per_million: bad })).toBeUndefined()
  })
})
