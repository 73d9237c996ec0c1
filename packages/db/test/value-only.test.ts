import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Aggregate, batchFromRows, createMemoryStore, type MetricQuery, type RecordRow } from '@entrenar/core'
import fc from 'fast-check'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { describe, expect, it } from 'vitest'
import { openStore } from '../src/index.js'
import { type Block, QueryScan, ScratchPool } from '../src/query/scan.js'
import { prng, T0, tempDir } from './helpers/fixtures.js'

/**
 * An aggregate folds a row group of one metric that its footer statistics put wholly inside the
 * time and step filters from its value column alone (its step and timestamp columns undecoded);
 * only row groups on a filter's edge, or whose order against their neighbours the statistics cannot
 * prove, decode them. The answers must equal the in-memory reference bit for bit.
 */
const AGGS: Aggregate[] = ['sum', 'mean', 'std', 'count', 'min', 'max', 'first', 'last', 'p50']

type Row = Omit<RecordRow, 'runId'>

/** Writes the rows to a fresh store (one segment, `rowGroupRows` rows per row group) and to the reference. */
async function twin(rows: Row[], rowGroupRows: number) {
  const mem = createMemoryStore()
  const dir = tempDir('valueonly')
  const w = await openStore(dir, { rowGroupRows, segmentRows: 1_000_000, cacheDir: false })
  const b = batchFromRows('r', rows)
  await mem.write(b)
  await w.write(b)
  await w.close()
  return { mem, dir }
}

const bits = (xs: ArrayLike<number> | undefined) => Array.from(xs ?? []).map((v) => (Object.is(v, -0) ? '-0' : v))

async function same(mem: ReturnType<typeof createMemoryStore>, s: Awaited<ReturnType<typeof openStore>>, q: MetricQuery): Promise<void> {
  const want = await mem.query(q)
  const got = await s.query(q)
  expect(got.series.map((x) => x.metric)).toEqual(want.series.map((x) => x.metric))
  for (let i = 0; i < want.series.length; i++) {
    for (const k of ['x', 'value', 'count', 'nanCount'] as const) {
      expect(bits(got.series[i]![k]), `${JSON.stringify(q)} ${want.series[i]!.metric} ${k}`).toEqual(bits(want.series[i]![k]))
    }
  }
}

/** A value of any magnitude (rounding order matters), NaN and ±Inf among them. */
function someValue(rnd: () => number): number {
  const r = rnd()
  return r < 0.03 ? Number.NaN : r < 0.04 ? Number.POSITIVE_INFINITY : r < 0.05 ? Number.NEGATIVE_INFINITY : (rnd() - 0.3) * 10 ** Math.floor(rnd() * 12 - 4)
}

describe('value-only aggregates', () => {
  it('decode the steps of the edge row groups only, and answer exactly (NaN, ±Inf, straddling row groups)', async () => {
    const rnd = prng(11)
    const rows: Row[] = []
    // Two metrics, 1000 steps each: row groups of 100 rows hold one metric each (10 per metric).
    for (let step = 0; step < 1000; step++) {
      for (const metric of ['a', 'b']) rows.push({ metric, step, value: someValue(rnd), timestampUs: T0 + step * 10, epoch: null, batch: null, tags: null })
    }
    const { mem, dir } = await twin(rows, 100)
    const s = await openStore(dir, { readOnly: true, cacheDir: false })
    // Steps 250..749 by time: row groups 2 and 7 of each metric straddle an edge, 3..6 are inside.
    const q: MetricQuery = { from: T0 + 2500, to: T0 + 7495, aggregate: 'mean' }
    await same(mem, s, q)
    expect(s.stats().stepColumnsDecoded).toBe(4)
    // Every aggregate, both filters: the value-only row groups answer alike (decoded edges are cached now).
    for (const aggregate of AGGS) {
      await same(mem, s, { ...q, aggregate })
      await same(mem, s, { steps: [120, 880], aggregate })
      await same(mem, s, { from: T0 + 3000, to: T0 + 6999, steps: [0, 650], metrics: ['b'], aggregate })
      await same(mem, s, { aggregate })
    }
    // Edges of the step filter: row groups 1 and 8 of each metric, and row group 6 of 'b' (steps 600..699
    // against steps ≤ 650); nothing else decoded.
    expect(s.stats().stepColumnsDecoded).toBe(9)
    await s.close()
    // Raw series and buckets need the steps of every row group they read.
    const t = await openStore(dir, { readOnly: true, cacheDir: false })
    await same(mem, t, { from: T0 + 2500, to: T0 + 7495, bucket: { points: 10, mode: 'minmax-last' } })
    expect(t.stats().stepColumnsDecoded).toBe(12)
    await t.close()
  })

  it('answer exactly when steps tie across row groups, and decode them where the statistics cannot prove the order', async () => {
    const rnd = prng(5)
    const rows: Row[] = []
    // Three rows per step, 100 rows per row group: a step's rows straddle every boundary but a third.
    for (let step = 0; step < 400; step++) {
      for (let k = 0; k < 3; k++) rows.push({ metric: 'tie', step, value: someValue(rnd), timestampUs: T0 + step * 10 + k, epoch: null, batch: null, tags: null })
      // Timestamps that go back while steps go on (a clock reset): neighbouring row groups' time ranges overlap.
      for (let k = 0; k < 3; k++) rows.push({ metric: 'skew', step, value: someValue(rnd), timestampUs: T0 + (step % 50) * 10 + (2 - k), epoch: null, batch: null, tags: null })
    }
    const { mem, dir } = await twin(rows, 100)
    const s = await openStore(dir, { readOnly: true, cacheDir: false })
    for (const aggregate of AGGS) await same(mem, s, { metrics: ['tie'], aggregate })
    // The tied steps are in order by time across each boundary: no step column decoded.
    expect(s.stats().stepColumnsDecoded).toBe(0)
    for (const aggregate of AGGS) await same(mem, s, { metrics: ['skew'], aggregate })
    // The skewed run's row groups overlap in time where steps tie: its order is taken from its columns.
    expect(s.stats().stepColumnsDecoded).toBeGreaterThan(0)
    for (const aggregate of AGGS) await same(mem, s, { from: T0 + 1000, to: T0 + 3004, aggregate })
    await s.close()
  })

  it('answer exactly across segments whose steps overlap (the order is then checked on the columns)', async () => {
    const rnd = prng(9)
    const mem = createMemoryStore()
    const dir = tempDir('valueonly-overlap')
    const w = await openStore(dir, { rowGroupRows: 50, segmentRows: 1_000_000, cacheDir: false })
    // Two segments of one run: the second re-logs steps 100..299 (a resumed run), so their steps interleave.
    for (const [from, to] of [
      [0, 300],
      [100, 400],
    ] as const) {
      const rows: Row[] = []
      for (let step = from; step < to; step++) rows.push({ metric: 'loss', step, value: someValue(rnd), timestampUs: T0 + step * 10 + (from > 0 ? 5 : 0), epoch: null, batch: null, tags: null })
      const b = batchFromRows('r', rows)
      await mem.write(b)
      await w.write(b)
      await w.seal()
    }
    await w.close()
    const s = await openStore(dir, { readOnly: true, cacheDir: false })
    for (const aggregate of AGGS) {
      await same(mem, s, { aggregate })
      await same(mem, s, { steps: [20, 380], aggregate })
    }
    await s.close()
  })

  it('leave out all of a segment found damaged while its steps are decoded, its row groups of other series included', async () => {
    const rnd = prng(21)
    const dir = tempDir('valueonly-damaged')
    const w = await openStore(dir, { rowGroupRows: 50, segmentRows: 1_000_000, cacheDir: false })
    const second = createMemoryStore()
    // Segment 1: 'a' (steps 0..274, first in the file) and 'b' (0..299; its first 25 rows share a row group
    // with 'a', decoded whole); segment 2 re-logs 'a' 100..399, so 'a' needs its steps.
    const segments = [
      [
        ['a', 0, 275],
        ['b', 0, 300],
      ],
      [['a', 100, 400]],
    ] as const
    for (const [k, series] of segments.entries()) {
      const rows: Row[] = []
      for (const [metric, from, to] of series) for (let step = from; step < to; step++) rows.push({ metric, step, value: someValue(rnd), timestampUs: T0 + step * 10 + k * 5, epoch: null, batch: null, tags: null })
      const b = batchFromRows('r', rows)
      if (k > 0) await second.write(b)
      await w.write(b)
      await w.seal()
    }
    await w.close()
    const s = await openStore(dir, { cacheDir: false })
    // Values cached; steps and timestamps decoded only for the row group of both metrics (once per metric read).
    await s.query({ metrics: ['b'], aggregate: 'sum' })
    await s.query({ from: T0, aggregate: 'count', metrics: ['a'], steps: [0, 99] })
    expect(s.stats().stepColumnsDecoded).toBe(2)
    // Segment 1's first row group (metric 'a') damaged on disk: found when its steps are read.
    const part = join(dir, 'metrics', 'run_id=r')
    const first = join(part, readdirSync(part).filter((f) => f.endsWith('.parquet')).sort()[0]!)
    const bytes = readFileSync(first)
    bytes[40] = bytes[40]! ^ 0xff
    writeFileSync(first, bytes)
    const got = await s.query({ aggregate: 'mean' })
    const want = await second.query({ aggregate: 'mean' })
    expect(got.series.map((x) => [x.metric, x.value[0], x.count![0]])).toEqual(want.series.map((x) => [x.metric, x.value[0], x.count![0]]))
    expect(s.problems().some((p) => p.code === 'ENTRENAR_DB_CORRUPT')).toBe(true)
    await s.close()
  })

  it('answer exactly when a later segment holds earlier rows of the last step of the one before', async () => {
    const mem = createMemoryStore()
    const dir = tempDir('valueonly-tie')
    const w = await openStore(dir, { rowGroupRows: 50, segmentRows: 1_000_000, cacheDir: false })
    // Segment 1: steps 0..99 at T0 + 10·step; segment 2: two more rows of step 99, logged earlier in time.
    const parts: Row[][] = [
      Array.from({ length: 100 }, (_, step) => ({ metric: 'loss', step, value: step + 0.5, timestampUs: T0 + step * 10, epoch: null, batch: null, tags: null })),
      [985, 986].map((t, k) => ({ metric: 'loss', step: 99, value: -k - 7, timestampUs: T0 + t, epoch: null, batch: null, tags: null })),
    ]
    for (const rows of parts) {
      const b = batchFromRows('r', rows)
      await mem.write(b)
      await w.write(b)
      await w.seal()
    }
    await w.close()
    const s = await openStore(dir, { readOnly: true, cacheDir: false })
    for (const aggregate of AGGS) await same(mem, s, { aggregate })
    expect((await s.query({ aggregate: 'last' })).series[0]!.value[0]).toBe(99.5)
    await s.close()
  })

  it('decode the steps of row groups without statistics, and answer exactly', async () => {
    const rnd = prng(3)
    const n = 600
    const step = new BigInt64Array(n)
    const ts = new BigInt64Array(n)
    const value = new Float64Array(n)
    const rows: Row[] = []
    for (let i = 0; i < n; i++) {
      step[i] = BigInt(i)
      ts[i] = BigInt(T0 + i * 10)
      value[i] = someValue(rnd)
      rows.push({ metric: 'loss', step: i, value: value[i]!, timestampUs: T0 + i * 10, epoch: null, batch: null, tags: null })
    }
    const mem = createMemoryStore()
    await mem.write(batchFromRows('r', rows))
    const dir = tempDir('valueonly-nostats')
    mkdirSync(join(dir, 'metrics', 'run_id=r'), { recursive: true })
    // This store's format key, but no step or timestamp statistics: nothing proves a row group inside a filter.
    const file = parquetWriteBuffer({
      columnData: [
        { name: 'timestamp', data: ts, type: 'INT64', nullable: false, statistics: false },
        { name: 'step', data: step, type: 'INT64', nullable: false, statistics: false },
        { name: 'metric', data: Array.from({ length: n }, () => 'loss'), type: 'STRING', nullable: false },
        { name: 'value', data: value, type: 'DOUBLE', nullable: false },
      ],
      rowGroupSize: 100,
      kvMetadata: [{ key: 'entrenar.format', value: '1' }],
    })
    writeFileSync(join(dir, 'metrics', 'run_id=r', 'part-other-0.parquet'), new Uint8Array(file))
    const s = await openStore(dir, { readOnly: true, cacheDir: false })
    for (const aggregate of AGGS) {
      await same(mem, s, { aggregate })
      await same(mem, s, { from: T0 + 1000, to: T0 + 4995, aggregate })
      await same(mem, s, { steps: [50, 450], aggregate })
    }
    expect(s.stats().stepColumnsDecoded).toBe(6)
    await s.close()
  })
})

describe('value-only aggregates, any layout', () => {
  it('equal the in-memory reference bit for bit, cold and warm, over segments of long single-metric runs', async () => {
    const value = fc.oneof(
      { weight: 12, arbitrary: fc.double({ min: -1e9, max: 1e9, noNaN: true }) },
      { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0) },
    )
    // A seal: per metric, a run of steps from `first` (possibly overlapping another seal's), 1–3 rows per step.
    const seal = fc.array(fc.record({ metric: fc.constantFrom('a', 'b'), first: fc.integer({ min: 0, max: 40 }), steps: fc.integer({ min: 1, max: 60 }), per: fc.integer({ min: 1, max: 3 }), skew: fc.boolean() }), { minLength: 1, maxLength: 3 })
    const query = fc.record(
      {
        from: fc.integer({ min: 0, max: 200 }).map((x) => T0 + x),
        to: fc.integer({ min: 200, max: 420 }).map((x) => T0 + x),
        steps: fc.tuple(fc.integer({ min: -5, max: 50 }), fc.integer({ min: 40, max: 110 })),
        metrics: fc.constantFrom(['a'], ['b'], ['a', 'b']),
        aggregate: fc.constantFrom(...AGGS, 'p99' as const),
      },
      { requiredKeys: ['aggregate'] },
    )
    await fc.assert(
      fc.asyncProperty(fc.array(seal, { minLength: 1, maxLength: 3 }), fc.integer({ min: 4, max: 40 }), fc.array(query, { minLength: 1, maxLength: 5 }), fc.infiniteStream(value), async (seals, rowGroupRows, queries, values) => {
        const mem = createMemoryStore()
        const dir = tempDir('valueonly-prop')
        const w = await openStore(dir, { rowGroupRows, segmentRows: 1_000_000, sealAfterMs: Number.POSITIVE_INFINITY, threads: false, cacheDir: false })
        const it = values[Symbol.iterator]()
        for (const runs of seals) {
          const rows: Row[] = []
          for (const { metric, first, steps, per, skew } of runs) {
            for (let step = first; step < first + steps; step++) {
              // `skew`: timestamps that go back as steps go on, so time ranges of row groups overlap.
              for (let k = 0; k < per; k++) rows.push({ metric, step, value: it.next().value as number, timestampUs: T0 + (skew ? (step % 40) * 4 : step * 4) + k, epoch: null, batch: null, tags: null })
            }
          }
          const b = batchFromRows('r', rows)
          await mem.write(b)
          await w.write(b)
          await w.seal()
        }
        await w.close()
        const s = await openStore(dir, { readOnly: true, cacheDir: false })
        try {
          for (const q of queries) {
            await same(mem, s, q) // cold
            await same(mem, s, q) // warm
          }
        } finally {
          await s.close()
        }
      }),
      { numRuns: 100 },
    )
  }, 300_000)
})

describe('completing value-only blocks', () => {
  /** A block of one metric; value-only (steps and timestamps empty, bounds given) when `bounds` is set. */
  const block = (metric: string, steps: number[], values: number[], bounds?: Block['valueOnly']): Block => ({
    runId: 'r',
    length: values.length,
    metricNames: [metric],
    metric: new Uint32Array(values.length),
    timestampUs: bounds ? new Float64Array(0) : Float64Array.from(steps, (x) => T0 + x),
    step: bounds ? new Float64Array(0) : Float64Array.from(steps),
    value: Float64Array.from(values),
    tagSets: [],
    tagIndex: new Int32Array(0),
    metricRuns: Uint32Array.of(0, 0, values.length),
    sortedRuns: Uint8Array.of(1),
    ...(bounds ? { valueOnly: bounds } : {}),
  })

  it('drop every block of a segment found damaged, those completed before included, and keep the others', async () => {
    const scan = new QueryScan({ aggregate: 'sum' }, new ScratchPool())
    // Segment s1: series n has a value-only block out of order with the block before it (so it is
    // completed, successfully); series m too, but completing it finds s1 damaged.
    const e = block('n', [0, 1, 2, 3, 4], [1, 2, 3, 4, 5])
    const d = block('n', [], [50, 60], { stepMin: 2, stepMax: 3, tsMin: T0 + 2, tsMax: T0 + 3 })
    const f = block('n', [20, 21], [7, 8])
    const a = block('m', [0, 1, 2, 3, 4], [1, 2, 3, 4, 5])
    const b = block('m', [], [10, 20, 30], { stepMin: 3, stepMax: 6, tsMin: T0 + 3, tsMax: T0 + 6 })
    const c = block('m', [10, 11], [100, 200])
    const seg = new Map<Block, string>([
      [e, 's1'],
      [d, 's1'],
      [f, 's2'],
      [a, 's1'],
      [b, 's1'],
      [c, 's2'],
    ])
    for (const x of [e, d, f, a, b, c]) scan.add(x)
    const loaded: Block[] = []
    await scan.complete(
      async (x) => {
        loaded.push(x)
        return x === d ? block('n', [2, 3], [50, 60]) : undefined
      },
      (x) => seg.get(x),
    )
    expect(loaded).toEqual([d, b])
    const r = scan.finish()
    expect(r.series.map((x) => [x.metric, x.value[0], x.count![0], x.x[0]])).toEqual([
      ['m', 300, 2, 11],
      ['n', 15, 2, 21],
    ])
  })
})
