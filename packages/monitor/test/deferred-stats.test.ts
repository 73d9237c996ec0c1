import { type AlertPolicy, createDefaultPolicy, type Decision, type MetricSink, type RecordBatch } from '@entrenar/core'
import { createMonitor, type MetricStats, MetricsCollector } from '@entrenar/monitor'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

// The monitor's per-value path only appends rows to the batch it builds; the statistics are folded from
// those rows when anything reads or records through the collector and before the rows leave for the
// sinks. These properties check that every observation point sees exactly (Object.is, field by field)
// the statistics a collector fed value by value, call by call, would have.

const NAMES = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']
const HANDLE = ['m1', 'm3', 'm5', 'm0']

const value = fc.oneof(
  { weight: 3, arbitrary: fc.double() }, // NaN, ±Inf, −0 and subnormals included
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-301, 1e308, -1e308) },
  { weight: 2, arbitrary: fc.double({ min: -10, max: 10, noNaN: true }) },
)

type Op =
  | { t: 'log'; vals: [number, number][] }
  | { t: 'handle'; vals: number[] }
  | { t: 'record'; vals: number[] }
  | { t: 'direct'; idx: number; v: number }
  | { t: 'read' }
  | { t: 'merge' }
  | { t: 'clear' }
  | { t: 'yield' }
  | { t: 'settle' }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('log' as const), vals: fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: NAMES.length - 1 }), value), { selector: (p) => p[0], minLength: 1, maxLength: 6 }) }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('handle' as const), vals: fc.array(value, { minLength: 1, maxLength: HANDLE.length }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('record' as const), vals: fc.array(value, { minLength: 1, maxLength: HANDLE.length }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('direct' as const), idx: fc.integer({ min: 0, max: NAMES.length - 1 }), v: value }) },
  { weight: 3, arbitrary: fc.constant({ t: 'read' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'merge' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'clear' as const }) },
  { weight: 2, arbitrary: fc.constant({ t: 'yield' as const }) },
  { weight: 2, arbitrary: fc.constant({ t: 'settle' as const }) },
)

const FIELDS = ['count', 'mean', 'std', 'min', 'max', 'sum', 'nanCount', 'posInfCount', 'negInfCount', 'samples', 'p50', 'p90', 'p99', 'last'] as const

/** Field-by-field identity (Object.is: −0 is not 0, NaN is NaN); the first difference as a message. */
function diff(where: string, got: MetricStats | undefined, want: MetricStats | undefined): string | undefined {
  if (got === undefined || want === undefined) return got === want ? undefined : `${where}: ${got === undefined ? 'missing' : 'unexpected'}`
  for (const f of FIELDS) if (!Object.is(got[f], want[f])) return `${where}.${f}: ${got[f]} instead of ${want[f]}`
  return undefined
}

function summaryDiff(where: string, got: Record<string, MetricStats>, want: Record<string, MetricStats>): string | undefined {
  const keys = Object.keys(want)
  if (Object.keys(got).join() !== keys.join()) return `${where}: metrics ${Object.keys(got).join()} instead of ${keys.join()}`
  for (const k of keys) {
    const d = diff(`${where} ${k}`, got[k], want[k])
    if (d) return d
  }
  return undefined
}

/** A sink whose writes settle only when told to: batches pile up in flight, and rows beyond the bound are dropped. */
function holdingSink() {
  const waiting: (() => void)[] = []
  const sink: MetricSink = {
    write: (_b: RecordBatch) => new Promise<void>((resolve) => waiting.push(resolve)),
    flush: async () => {},
    close: async () => {},
  }
  const settle = () => {
    for (const r of waiting.splice(0)) r()
  }
  return { sink, settle }
}

async function run(ops: Op[], custom: boolean): Promise<void> {
  const ref = new MetricsCollector()
  for (const n of [...NAMES]) ref.metricId(n)
  const mismatches: string[] = []
  let monitorRef: { collector: MetricsCollector } | undefined
  // A custom policy sees every value: it reads the statistics in the middle of the call, as a rule on
  // summary statistics would (the reference already holds the whole call, as the collector did before).
  const inner = createDefaultPolicy()
  const policy: AlertPolicy = {
    observeValue(metric: string, v: number, step: number): Decision {
      const d = diff(`policy ${metric}@${step}`, monitorRef?.collector.stats(metric), ref.stats(metric))
      if (d) mismatches.push(d)
      return inner.observeValue(metric, v, step)
    },
    observe: (e) => inner.observe(e),
    trigger: (a) => inner.trigger(a),
    get signal() {
      return inner.signal
    },
    history: () => inner.history(),
    reset: () => inner.reset(),
  }
  const { sink, settle } = holdingSink()
  const m = await createMonitor({
    runId: 'deferred',
    sinks: [sink],
    system: false,
    batchRows: 4,
    maxPendingRows: 8,
    maxBufferedRows: 24,
    flushIntervalMs: 3_600_000,
    onError: () => {},
    ...(custom ? { andon: policy } : {}),
  })
  monitorRef = m
  for (const n of NAMES) m.collector.metricId(n)
  const h = m.metrics(HANDLE)
  const call = (names: string[], vals: number[]) => ref.recordIds(Int32Array.from(names, (n) => ref.metricId(n)), Float64Array.from(vals), vals.length)
  let step = 0
  for (const o of ops) {
    switch (o.t) {
      case 'log':
        call(
          o.vals.map(([i]) => NAMES[i]!),
          o.vals.map(([, v]) => v),
        )
        m.log(Object.fromEntries(o.vals.map(([i, v]) => [NAMES[i]!, v])), { step: step++ })
        break
      case 'handle':
        call(HANDLE.slice(0, o.vals.length), o.vals)
        h.log(step++, ...o.vals)
        break
      case 'record':
        call(HANDLE.slice(0, o.vals.length), o.vals)
        h.record(step++, Float64Array.from(o.vals))
        break
      case 'direct':
        ref.record(NAMES[o.idx]!, o.v)
        m.collector.record(NAMES[o.idx]!, o.v)
        break
      case 'read': {
        const d = summaryDiff(`summary at step ${step}`, m.summary().metrics, ref.summary())
        if (d) mismatches.push(d)
        for (const n of NAMES) {
          if (m.sampleCount(n) !== ref.sampleCount(n)) mismatches.push(`sampleCount ${n} at step ${step}`)
          if (m.isMeasured(n) !== ref.sampleCount(n) > 0) mismatches.push(`isMeasured ${n} at step ${step}`)
        }
        break
      }
      case 'merge': {
        const a = new MetricsCollector()
        a.merge(m.collector)
        const b = new MetricsCollector()
        b.merge(ref)
        const d = summaryDiff(`merge at step ${step}`, a.summary(), b.summary())
        if (d) mismatches.push(d)
        break
      }
      case 'clear':
        ref.clear()
        m.collector.clear()
        break
      case 'yield':
        await new Promise<void>((r) => setImmediate(r))
        break
      case 'settle':
        settle()
        await new Promise<void>((r) => setImmediate(r))
        break
    }
  }
  const d = summaryDiff('summary at the end', m.summary().metrics, ref.summary())
  if (d) mismatches.push(d)
  settle()
  const closing = m.close()
  // close() hands the last rows off and waits for their writes: let them settle.
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((r) => setImmediate(r))
    settle()
  }
  await closing
  const after = summaryDiff('summary after close', m.summary().metrics, ref.summary())
  if (after) mismatches.push(after)
  expect(mismatches).toEqual([])
}

describe('statistics folded from the batch rows', () => {
  it('equal the value-by-value statistics at every read point (built-in policy: finite values skip the policy)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 80 }), (ops) => run(ops, false)),
      { numRuns: 150 },
    )
  })

  it('equal them too under a custom policy that reads the statistics in the middle of every call', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 80 }), (ops) => run(ops, true)),
      { numRuns: 150 },
    )
  })

  it('recordIds reads each value in place: views at an offset into a larger buffer and alternating buffers give recordId\'s statistics', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(value, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 5 })), { maxLength: 40 }), (calls) => {
        const a = new MetricsCollector()
        const b = new MetricsCollector()
        const pools = [new Float64Array(16), new Float64Array(16)]
        calls.forEach(([vals, offset], k) => {
          const view = pools[k % 2]!.subarray(offset, offset + vals.length)
          view.set(vals)
          const ids = Int32Array.from(vals, (_, i) => a.metricId(NAMES[i]!))
          a.recordIds(ids, view, vals.length)
          vals.forEach((v, i) => {
            b.recordId(b.metricId(NAMES[i]!), v)
          })
        })
        expect(summaryDiff('recordIds', a.summary(), b.summary())).toBeUndefined()
      }),
      { numRuns: 200 },
    )
  })

  it('a value whose row is dropped (sinks behind) is still counted, after the rows before it', async () => {
    const { sink, settle } = holdingSink()
    const m = await createMonitor({ runId: 'drop', sinks: [sink], system: false, batchRows: 4, maxPendingRows: 4, maxBufferedRows: 8, onError: () => {} })
    const h = m.metrics(['x'])
    for (let s = 0; s < 20; s++) h.log(s, s)
    expect(m.backlog().droppedRows).toBeGreaterThan(0)
    const x = m.summary().metrics.x!
    expect(x.count).toBe(20)
    expect(x.last).toBe(19)
    expect(x.sum).toBe(190)
    settle()
    const closing = m.close()
    for (let i = 0; i < 10; i++) {
      await new Promise<void>((r) => setImmediate(r))
      settle()
    }
    await closing
  })
})
