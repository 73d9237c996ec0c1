/**
 * Differential property test: random batches and random queries, answered by the Rust server and by
 * core's in-memory reference store; the answers must be identical, float bit patterns included
 * (NaN, ±Inf, -0, steps up to 2^53 − 1, out-of-order steps, tags, every aggregate and bucket shape).
 */
import { batchFromRows, createHttpClient, createMemoryStore, type MetricQuery, metricStoreContract, type QueryResult, type RecordBatch } from '@entrenar/core'
import fc from 'fast-check'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RustStore, startRustStore } from './spawn.js'

const dir = mkdtempSync(join(tmpdir(), 'entrenar-rust-diff-'))
let server: RustStore
beforeAll(async () => {
  server = await startRustStore(join(dir, 'diff.store'))
})
afterAll(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const T0 = 1_700_000_000_000_000
const value = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1e308, -5e-324) },
)
const step = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: -5, max: 60 }) }, { weight: 1, arbitrary: fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER) })
const row = fc.record({
  metric: fc.constantFrom('loss', 'acc', 'val/loss', 'ü'),
  value,
  step,
  timestampUs: fc.integer({ min: 0, max: 100_000 }).map((d) => T0 + d),
  epoch: fc.option(fc.integer({ min: -3, max: 3 }), { nil: null }),
  batch: fc.constantFrom(null, 0, 7),
  tags: fc.constantFrom(null, { split: 'train' }, { split: 'val' }, { split: 'val', k: 'v' }),
})
const batches = fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.array(row, { minLength: 1, maxLength: 25 })), { minLength: 1, maxLength: 6 })
const query = fc.record(
  {
    metrics: fc.subarray(['loss', 'acc', 'val/loss', 'ü', 'none']),
    steps: fc.tuple(fc.integer({ min: -10, max: 30 }), fc.integer({ min: 0, max: 70 })),
    from: fc.integer({ min: 0, max: 50_000 }).map((d) => T0 + d),
    tags: fc.constantFrom({ split: 'val' }, { split: 'train' }, {}),
    aggregate: fc.constantFrom('mean', 'min', 'max', 'sum', 'count', 'std', 'p50', 'p90', 'p99', 'first', 'last'),
    bucket: fc.oneof(
      fc.record({ by: fc.constantFrom('step', 'time'), size: fc.constantFrom(1, 3, 7.5, 1000, 25_000) }),
      fc.record({ points: fc.integer({ min: 1, max: 12 }), mode: fc.constant('minmax-last') }),
    ),
  },
  { requiredKeys: [] },
)

/** A result as comparable text: every float by its exact bits (NaN, -0 and ±Inf included). */
function bits(r: QueryResult | RecordBatch[]): string {
  return JSON.stringify(r, (_k, v) =>
    ArrayBuffer.isView(v) ? Array.from(v as Float64Array, (x) => (Object.is(x, -0) ? '-0' : Number.isNaN(x) ? 'NaN' : String(x))) : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
  )
}

let n = 0
describe('Rust store server vs the in-memory reference store', () => {
  it('answers every random query and range exactly as the reference does', async () => {
    await fc.assert(
      fc.asyncProperty(batches, fc.array(query, { minLength: 1, maxLength: 4 }), async (bs, qs) => {
        const prefix = `p${n++}-`
        const rust = createHttpClient(metricStoreContract, server.url)
        const ref = createMemoryStore()
        for (const [run, rows] of bs) {
          const b = batchFromRows(prefix + run, rows)
          await rust.write(b)
          await ref.write(b)
        }
        const runs = ['a', 'b', 'c'].map((r) => prefix + r)
        for (const q of qs) {
          const full: MetricQuery = { ...q, runs } as MetricQuery
          expect(bits(await rust.query(full)), JSON.stringify(full)).toBe(bits(await ref.query(full)))
          const raw: MetricQuery = { runs, ...(q.metrics ? { metrics: q.metrics } : {}), ...(q.tags ? { tags: q.tags } : {}) }
          expect(bits(await rust.query(raw))).toBe(bits(await ref.query(raw)))
        }
        const lo = T0 + 20_000
        expect(bits(await rust.range(lo, lo + 50_000, { runs }))).toBe(bits(await ref.range(lo, lo + 50_000, { runs })))
      }),
      { numRuns: 60, seed: 20261207 },
    )
  })
})
