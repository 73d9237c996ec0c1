import { batchFromRows, type RecordBatch, type RecordRow } from '../batch.js'
import type { MetricSink } from '../contracts/sink.js'
import type { MetricStore } from '../contracts/store.js'
import { ErrorCodes } from '../errors.js'
import { check, close, type ConformanceCase, type ConformanceSuite, rejectsWith, sameFloats } from './harness.js'

const T0 = 1_700_000_000_000_000 // µs

type Row = Omit<RecordRow, 'runId'>
function row(metric: string, step: number, value: number, extra: Partial<Row> = {}): Row {
  return { metric, step, value, timestampUs: T0 + step * 1000, epoch: null, batch: null, tags: null, ...extra }
}

function batch(runId: string, rows: Row[]): RecordBatch {
  return batchFromRows(runId, rows)
}

const sinkCases: ConformanceCase<MetricSink>[] = [
  {
    name: 'write then flush resolves',
    async run(sink, { id }) {
      await sink.write(batch(id, [row('loss', 1, 0.5), row('loss', 2, 0.4)]))
      await sink.flush()
    },
  },
  {
    name: 'write does not mutate the batch',
    async run(sink, { id }) {
      const b = batch(id, [row('loss', 1, 0.5), row('acc', 1, Number.NaN)])
      const before = Array.from(b.value)
      await sink.write(b)
      await sink.flush()
      sameFloats(b.value, before, 'batch values after write')
    },
  },
  {
    name: 'rows stay intact when the writer reuses the batch arrays after write() settled',
    async run(sink, { id }) {
      const b = batch(id, [row('loss', 1, 0.5), row('loss', 2, 0.25)])
      await sink.write(b)
      ;(b.value as Float64Array).fill(-1)
      ;(b.step as Float64Array).fill(99)
      await sink.flush()
      const store = sink as Partial<MetricStore>
      if (typeof store.query !== 'function') return
      const s = (await store.query({ runs: [id] })).series[0]
      sameFloats(s?.x, [1, 2], 'steps after the writer reused its arrays')
      sameFloats(s?.value, [0.5, 0.25], 'values after the writer reused its arrays')
    },
  },
  {
    name: 'close is idempotent and write after close rejects with ENTRENAR_CLOSED',
    async run(sink, { id }) {
      await sink.write(batch(id, [row('loss', 1, 1)]))
      await sink.close()
      await sink.close()
      await rejectsWith(() => sink.write(batch(id, [row('loss', 2, 1)])), ErrorCodes.CLOSED, 'write after close')
    },
  },
]

/** The `MetricSink` suite: write, flush and close semantics. */
export const metricSinkSuite: ConformanceSuite<MetricSink> = { contract: 'MetricSink', cases: sinkCases }

const storeCases: ConformanceCase<MetricStore>[] = [
  ...(sinkCases as ConformanceCase<MetricStore>[]),
  {
    name: 'flushed rows read back exactly, NaN, ±Inf, -0 and huge steps included',
    async run(store, { id }) {
      const big = Number.MAX_SAFE_INTEGER
      const values = [0.25, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e308]
      const rows = values.map((v, i) => row('loss', i + 1, v, { epoch: i === 0 ? 3 : null, batch: i === 0 ? 7 : null }))
      rows.push(row('loss', big, 42))
      await store.write(batch(id, rows))
      await store.flush()
      const r = await store.query({ runs: [id], metrics: ['loss'] })
      check(r.series.length === 1, `expected 1 series, got ${r.series.length}`)
      const s = r.series[0]!
      check(s.runId === id && s.metric === 'loss', 'series identity')
      sameFloats(s.x, [1, 2, 3, 4, 5, 6, big], 'steps')
      sameFloats(s.value, [...values, 42], 'values')
      sameFloats(s.timestampUs, [1, 2, 3, 4, 5, 6, big].map((st) => T0 + st * 1000), 'timestamps')
    },
  },
  {
    name: 'out-of-order steps are kept and ordered by step',
    async run(store, { id }) {
      await store.write(batch(id, [row('loss', 3, 3), row('loss', 1, 1)]))
      await store.write(batch(id, [row('loss', 2, 2), row('loss', 1, 1.5, { timestampUs: T0 + 5_000_000 })]))
      await store.flush()
      const s = (await store.query({ runs: [id] })).series[0]!
      sameFloats(s.x, [1, 1, 2, 3], 'steps')
      sameFloats(s.value, [1, 1.5, 2, 3], 'values ordered by (step, time)')
    },
  },
  {
    name: 'filters on runs, metrics, steps, time and tags combine',
    async run(store, { id }) {
      const a = `${id}-a`
      const b = `${id}-b`
      await store.write(batch(a, [row('loss', 1, 1, { tags: { split: 'train' } }), row('loss', 2, 2, { tags: { split: 'val' } }), row('acc', 1, 0.5), row('loss', 3, 3)]))
      await store.write(batch(b, [row('loss', 1, 10)]))
      await store.flush()
      const all = await store.query({ runs: [a, b] })
      check(all.series.map((s) => `${s.runId}/${s.metric}`).join() === `${a}/acc,${a}/loss,${b}/loss`, `series order: ${all.series.map((s) => `${s.runId}/${s.metric}`).join()}`)
      sameFloats((await store.query({ runs: [a], metrics: ['loss'], steps: [2, 3] })).series[0]?.value, [2, 3], 'steps filter')
      sameFloats((await store.query({ runs: [a], metrics: ['loss'], from: T0 + 1500, to: T0 + 2500 })).series[0]?.value, [2], 'time filter')
      sameFloats((await store.query({ runs: [a, b], tags: { split: 'train' } })).series[0]?.value, [1], 'tags filter')
      check((await store.query({ runs: [`${id}-none`] })).series.length === 0, 'unknown run gives no series')
    },
  },
  {
    name: 'aggregates follow the reference semantics',
    async run(store, { id }) {
      const vals = [4, 2, Number.NaN, 8, Number.POSITIVE_INFINITY, 6]
      await store.write(batch(id, vals.map((v, i) => row('m', i + 1, v))))
      await store.flush()
      const agg = async (aggregate: 'mean' | 'min' | 'max' | 'sum' | 'count' | 'std' | 'p50' | 'p90' | 'first' | 'last') =>
        (await store.query({ runs: [id], aggregate })).series[0]?.value[0]
      close(await agg('mean'), 5, 'mean over finite values')
      close(await agg('sum'), 20, 'sum over finite values')
      close(await agg('count'), 6, 'count counts every row')
      close(await agg('min'), 2, 'min')
      close(await agg('max'), Number.POSITIVE_INFINITY, 'max includes +Inf')
      close(await agg('std'), Math.sqrt(20 / 3), 'sample std')
      close(await agg('p50'), 5, 'p50 (linear interpolation)')
      close(await agg('p90'), 7.4, 'p90 (linear interpolation)')
      close(await agg('first'), 4, 'first')
      close(await agg('last'), 6, 'last')
      const whole = (await store.query({ runs: [id], aggregate: 'mean' })).series[0]!
      sameFloats(whole.x, [6], 'x of a whole-series aggregate is the largest step')
      sameFloats(whole.nanCount, [1], 'nanCount')
    },
  },
  {
    name: 'step and time buckets aggregate per bucket',
    async run(store, { id }) {
      await store.write(batch(id, [1, 2, 3, 4, 5, 6, 7].map((s) => row('m', s, s * 10))))
      await store.flush()
      const s = (await store.query({ runs: [id], bucket: { by: 'step', size: 3 } })).series[0]!
      sameFloats(s.x, [0, 3, 6], 'bucket starts')
      sameFloats(s.value, [15, 40, 65], 'bucket means')
      sameFloats(s.count, [2, 3, 2], 'bucket counts')
      const mx = (await store.query({ runs: [id], aggregate: 'max', bucket: { by: 'time', size: 3000 } })).series[0]!
      // T0 ≡ 2000 (mod 3000) µs, so step 1 (T0 + 1000 µs) starts a bucket: {1,2,3} {4,5,6} {7}.
      sameFloats(mx.value, [30, 60, 70], 'time bucket max')
    },
  },
  {
    name: 'minmax-last downsampling keeps a spike and a NaN',
    async run(store, { id }) {
      const rows: Row[] = []
      for (let s = 0; s < 1000; s++) rows.push(row('loss', s, s === 517 ? 1e6 : s === 800 ? Number.NaN : 1))
      await store.write(batch(id, rows))
      await store.flush()
      const s = (await store.query({ runs: [id], bucket: { points: 10, mode: 'minmax-last' } })).series[0]!
      check(s.x.length === 10, `expected 10 buckets, got ${s.x.length}`)
      check(Math.max(...Array.from(s.max ?? [])) === 1e6, 'the spike survives downsampling')
      check(Array.from(s.nanCount ?? []).reduce((a, b) => a + b, 0) === 1, 'the NaN is counted')
      sameFloats(s.x.subarray(9), [999], 'x is the step of the bucket’s last row')
      check(Array.from(s.count ?? []).reduce((a, b) => a + b, 0) === 1000, 'every row is in a bucket')
    },
  },
  {
    name: 'range returns the rows of a time window, one batch per run',
    async run(store, { id }) {
      await store.write(batch(`${id}-a`, [row('loss', 1, 1), row('loss', 2, 2), row('acc', 2, 0.5), row('loss', 9, 9)]))
      await store.write(batch(`${id}-b`, [row('loss', 2, 20)]))
      await store.flush()
      const out = await store.range(T0 + 1500, T0 + 2500, { runs: [`${id}-a`, `${id}-b`] })
      check(out.length === 2 && out[0]!.runId === `${id}-a` && out[1]!.runId === `${id}-b`, 'one batch per run in id order')
      check(out[0]!.length === 2, `run a: expected 2 rows, got ${out[0]!.length}`)
      const only = await store.range(T0, T0 + 10_000, { runs: [`${id}-a`], metrics: ['acc'] })
      sameFloats(only[0]?.value, [0.5], 'metric filter')
    },
  },
  {
    name: 'run metadata round-trips',
    async run(store, { id }) {
      await store.putRun({ id: `${id}-2`, name: 'second', status: 'running', startTimeMs: 2000 })
      await store.putRun({ id: `${id}-1`, name: 'first', status: 'finished', startTimeMs: 1000, endTimeMs: 1500, config: { lr: 0.1, layers: [4, 8] }, host: 'h', gitRevision: 'abc123' })
      const runs = (await store.runs()).filter((r) => r.id.startsWith(id))
      check(runs.map((r) => r.id).join() === `${id}-1,${id}-2`, 'runs ordered by start time')
      const r = runs[0]!
      check(r.name === 'first' && r.status === 'finished' && r.endTimeMs === 1500 && r.host === 'h' && r.gitRevision === 'abc123', 'fields round-trip')
      check(JSON.stringify(r.config) === JSON.stringify({ lr: 0.1, layers: [4, 8] }), 'config round-trips')
      await store.putRun({ ...runs[1]!, status: 'stopped', reason: 'loss became NaN at step 7' })
      const again = (await store.runs()).find((x) => x.id === `${id}-2`)
      check(again?.status === 'stopped' && again.reason === 'loss became NaN at step 7', 'putRun replaces')
    },
  },
  {
    name: 'a bad query rejects with ENTRENAR_INVALID_QUERY or ENTRENAR_WIRE_INVALID',
    async run(store) {
      for (const q of [{ aggregate: 'median' }, { bucket: { by: 'step', size: 0 } }, { steps: [1] }]) {
        try {
          await store.query(q as never)
        } catch (e) {
          const code = (e as { code?: string }).code
          check(code === ErrorCodes.INVALID_QUERY || code === ErrorCodes.WIRE_INVALID, `query ${JSON.stringify(q)}: got ${code}`)
          continue
        }
        check(false, `query ${JSON.stringify(q)} should reject`)
      }
    },
  },
  {
    name: 'a malformed batch is rejected and earlier rows stay',
    async run(store, { id }) {
      await store.write(batch(id, [row('loss', 1, 1)]))
      await store.flush()
      const good = batch(id, [row('loss', 2, 2)])
      const bad = { ...good, step: new Float64Array([0.5]) }
      let rejected = false
      try {
        await store.write(bad)
        await store.flush()
      } catch {
        rejected = true
      }
      check(rejected, 'a fractional step must be rejected')
      sameFloats((await store.query({ runs: [id] })).series[0]?.value, [1], 'earlier rows intact')
    },
  },
]

/** The `MetricStore` suite: the sink cases plus reads, queries and run metadata. */
export const metricStoreSuite: ConformanceSuite<MetricStore> = { contract: 'MetricStore', cases: storeCases }
