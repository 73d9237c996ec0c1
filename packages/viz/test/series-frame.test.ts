import { createMemoryStore, type Series } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { appendSeries, bucketsOf, isExact, rowsOf } from '../src/web/client/buckets.js'
import { createDashboardHandler } from '../src/web/handler.js'
import { decodeSeriesFrame, encodeSeriesFrame, FRAME_TYPE } from '../src/web/series-frame.js'
import { MAX_SERIES_REQUEST_BYTES } from '../src/web/series-route.js'
import { writeSeries } from './web-helpers.js'

const f64 = (xs: readonly number[]) => Float64Array.from(xs)
const bits = (a: Float64Array | undefined) => (a ? Array.from(new Uint32Array(a.slice().buffer)) : undefined)

/** Same series, compared bit for bit (NaN payloads, −0 and ±Inf included). */
function expectSameBits(got: readonly Series[], want: readonly Series[]): void {
  expect(got.map((s) => [s.runId, s.metric])).toEqual(want.map((s) => [s.runId, s.metric]))
  got.forEach((s, i) => {
    const w = want[i]!
    for (const k of ['x', 'value', 'timestampUs', 'min', 'max', 'count', 'nanCount'] as const) expect(bits(s[k]), `${s.runId}/${k}`).toEqual(bits(w[k]))
  })
}

describe('series frame', () => {
  it('round-trips every shape exactly: NaN, ±Inf, −0, absent columns, empty series, Unicode names', () => {
    const series: Series[] = [
      {
        runId: 'r1',
        metric: 'loss',
        x: f64([9, 19, 29]),
        value: f64([Number.NaN, -0, Number.POSITIVE_INFINITY]),
        min: f64([0.5, -1e308, Number.NEGATIVE_INFINITY]),
        max: f64([2, 5e-324, Number.POSITIVE_INFINITY]),
        count: f64([10, 10, 10]),
        nanCount: f64([1, 0, 0]),
      },
      { runId: 'r2 «ü»', metric: '<img src=x onerror=alert(1)>', x: f64([0, 1]), value: f64([1, 2]), timestampUs: f64([1.7e15, 1.7e15 + 1]) },
      { runId: 'r3', metric: 'empty', x: f64([]), value: f64([]) },
    ]
    const frame = encodeSeriesFrame(series)
    expect(frame.byteLength % 8).toBe(0)
    const back = decodeSeriesFrame(frame.buffer)
    expectSameBits(back, series)
    expect(back[1]!.min).toBeUndefined()
    expect(decodeSeriesFrame(encodeSeriesFrame([]).buffer).length).toBe(0)
    expect(() => decodeSeriesFrame(frame as unknown as ArrayBuffer)).toThrow(expect.objectContaining({ code: 'ENTRENAR_WIRE_INVALID' }))
  })

  it('encodes columns that are views into a larger buffer (subarrays of a store’s columns)', () => {
    const big = f64([100, 1, 2, 3, 200])
    const frame = encodeSeriesFrame([{ runId: 'r', metric: 'm', x: big.subarray(1, 4), value: big.subarray(2, 5) }])
    const [s] = decodeSeriesFrame(frame.buffer)
    expect(Array.from(s!.x)).toEqual([1, 2, 3])
    expect(Array.from(s!.value)).toEqual([2, 3, 200])
  })

  it('refuses columns of unequal length when encoding', () => {
    expect(() => encodeSeriesFrame([{ runId: 'r', metric: 'm', x: f64([1, 2]), value: f64([1]) }])).toThrow(expect.objectContaining({ code: 'ENTRENAR_WIRE_INVALID' }))
  })

  it('refuses truncated, padded, foreign or future frames with a coded error', () => {
    const good = encodeSeriesFrame([{ runId: 'r', metric: 'm', x: f64([1, 2]), value: f64([3, 4]) }])
    const code = (buf: ArrayBuffer) => {
      try {
        decodeSeriesFrame(buf)
        return 'decoded'
      } catch (e) {
        return (e as { code?: string }).code
      }
    }
    expect(code(good.buffer.slice(0, good.byteLength - 8))).toBe('ENTRENAR_WIRE_INVALID')
    expect(code(good.buffer.slice(0, 6))).toBe('ENTRENAR_WIRE_INVALID')
    const longer = new Uint8Array(good.byteLength + 8)
    longer.set(good)
    expect(code(longer.buffer)).toBe('ENTRENAR_WIRE_INVALID')
    const foreign = good.slice()
    foreign[0] = 0x7b // "{": a JSON body is not a frame
    expect(code(foreign.buffer)).toBe('ENTRENAR_WIRE_INVALID')
    const future = good.slice()
    new DataView(future.buffer).setUint32(4, 2, true)
    expect(code(future.buffer)).toBe('ENTRENAR_WIRE_VERSION')
    const lying = good.slice()
    new DataView(lying.buffer).setUint32(8, 1 << 30, true)
    expect(code(lying.buffer)).toBe('ENTRENAR_WIRE_INVALID')
  })

  it('refuses a header that names columns out of order, twice, or without x and value', () => {
    const frameWith = (columns: string[], n = 1) => {
      const header = new TextEncoder().encode(JSON.stringify({ schema_version: 1, series: [{ run_id: 'r', metric: 'm', n, columns }] }))
      const start = (12 + header.length + 7) & ~7
      const out = new Uint8Array(start + columns.length * n * 8)
      const v = new DataView(out.buffer)
      v.setUint32(0, 0x42544e45, true)
      v.setUint32(4, 1, true)
      v.setUint32(8, header.length, true)
      out.set(header, 12)
      return out.buffer
    }
    expect(decodeSeriesFrame(frameWith(['x', 'value', 'min']))[0]!.min).toHaveLength(1)
    for (const cols of [['value', 'x'], ['x', 'x', 'value'], ['x'], ['x', 'value', 'median'], ['x', 'min', 'value']]) {
      expect(() => decodeSeriesFrame(frameWith(cols)), cols.join()).toThrow(expect.objectContaining({ code: 'ENTRENAR_WIRE_INVALID' }))
    }
  })
})

describe('POST /api/series', () => {
  const BASE = 'http://127.0.0.1:7777'
  const post = (body: string, headers: Record<string, string> = {}) =>
    new Request(`${BASE}/api/series`, { method: 'POST', body, headers: { host: '127.0.0.1:7777', 'content-type': 'application/json', ...headers } })

  async function setup() {
    const store = createMemoryStore()
    await writeSeries(store, 'r1', 'loss', 0, 1000, (s) => (s === 500 ? Number.NaN : s === 700 ? 1e12 : s === 800 ? Number.NEGATIVE_INFINITY : 1 + (s % 7) / 100))
    await writeSeries(store, 'r2', 'loss', 0, 10, (s) => s)
    return { store, handler: createDashboardHandler({ store }, { js: '', css: '' }) }
  }

  it('answers the store’s minmax-last buckets as one frame, the same numbers as store.query', async () => {
    const { store, handler } = await setup()
    const q = { runs: ['r1', 'r2'], metrics: ['loss'], bucket: { points: 50, mode: 'minmax-last' as const } }
    const res = await handler(post(JSON.stringify({ schema_version: 1, ...q })))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(FRAME_TYPE)
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
    const got = decodeSeriesFrame(await res.arrayBuffer())
    expectSameBits(got, (await store.query(q)).series)
    // The spikes survive the 20× downsampling: the NaN, the extreme value and −Inf are in their buckets.
    const r1 = got[0]!
    expect(r1.x.length).toBe(50)
    expect(Math.max(...r1.max!)).toBe(1e12)
    expect(Math.min(...r1.min!)).toBe(Number.NEGATIVE_INFINITY)
    expect(r1.nanCount!.reduce((a, b) => a + b)).toBe(1)
    expect(r1.count!.reduce((a, b) => a + b)).toBe(1000)
  })

  it('answers raw rows and step ranges too (the CSV export reads full fidelity through it)', async () => {
    const { handler } = await setup()
    const res = await handler(post(JSON.stringify({ schema_version: 1, runs: ['r1'], metrics: ['loss'], steps: [495, 505] })))
    const [s] = decodeSeriesFrame(await res.arrayBuffer())
    expect(Array.from(s!.x)).toEqual([495, 496, 497, 498, 499, 500, 501, 502, 503, 504, 505])
    expect(Number.isNaN(s!.value[5])).toBe(true)
    expect(s!.timestampUs![0]).toBe(1_700_000_000_000_000 + 495_000)
  })

  it('refuses a misspelt query key instead of widening the query (400 naming it and the nearest key)', async () => {
    const { handler } = await setup()
    const res = await handler(post(JSON.stringify({ schema_version: 1, runs: ['r1'], metrcs: ['loss'] })))
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('ENTRENAR_WIRE_INVALID')
    expect(body.error.message).toMatch(/unknown key `metrcs` \(did you mean `metrics`\?\)/)
  })

  it('refuses bad requests with coded errors: method, JSON, version, query, size', async () => {
    const { handler } = await setup()
    const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code
    expect(await codeOf(await handler(new Request(`${BASE}/api/series`, { headers: { host: '127.0.0.1' } })))).toBe('ENTRENAR_WIRE_INVALID')
    expect(await codeOf(await handler(post('{nope')))).toBe('ENTRENAR_WIRE_INVALID')
    expect(await codeOf(await handler(post('[1]')))).toBe('ENTRENAR_WIRE_INVALID')
    expect(await codeOf(await handler(post(JSON.stringify({ schema_version: 99 }))))).toBe('ENTRENAR_WIRE_VERSION')
    expect(await codeOf(await handler(post(JSON.stringify({ schema_version: 1, bucket: { points: 0, mode: 'minmax-last' } }))))).toBe('ENTRENAR_INVALID_QUERY')
    expect(await codeOf(await handler(post(JSON.stringify({ schema_version: 1, runs: 'r1' }))))).toBe('ENTRENAR_INVALID_QUERY')
    const huge = JSON.stringify({ schema_version: 1, runs: ['x'.repeat(MAX_SERIES_REQUEST_BYTES)] })
    expect(await codeOf(await handler(post(huge)))).toBe('ENTRENAR_BODY_TOO_LARGE')
  })

  it('needs the token like every other route', async () => {
    const store = createMemoryStore()
    const guarded = createDashboardHandler({ store, token: 's3cret' }, { js: '', css: '' })
    const body = JSON.stringify({ schema_version: 1 })
    expect((await guarded(post(body))).status).toBe(401)
    expect((await guarded(post(body, { authorization: 'Bearer s3cret' }))).status).toBe(200)
  })
})

describe('page buckets (client/buckets.ts)', () => {
  it('copies ordered buckets column by column and appends only newer x', () => {
    const s: Series = { runId: 'r', metric: 'm', x: f64([1, 5, 9]), value: f64([1, Number.NaN, 3]), min: f64([0, 2, Number.NEGATIVE_INFINITY]), max: f64([2, 2, 4]), count: f64([2, 3, 4]), nanCount: f64([0, 1, 0]) }
    const b = bucketsOf(s)
    expect(Array.from(b.x)).toEqual([1, 5, 9])
    expect(Array.from(b.min)).toEqual([0, 2, Number.NEGATIVE_INFINITY])
    expect(Array.from(b.nan)).toEqual([0, 1, 0])
    expect(rowsOf(b)).toBe(9)
    expect(isExact(b)).toBe(false)
    expect(appendSeries(b, { runId: 'r', metric: 'm', x: f64([9, 10, 11]), value: f64([7, Number.POSITIVE_INFINITY, 8]) })).toBe(2)
    expect(Array.from(b.x)).toEqual([1, 5, 9, 10, 11])
    expect(Array.from(b.max.slice(3))).toEqual([Number.POSITIVE_INFINITY, 8])
    expect(Array.from(b.count.slice(3))).toEqual([1, 1])
    expect(rowsOf(b)).toBe(11)
  })

  it('holds the frame\'s columns without copying them, and appends into buffers of its own (the neighbouring series in the frame untouched)', () => {
    const f64s = (n: number, k: number) => Float64Array.from({ length: n }, (_, i) => k + i)
    const series: Series[] = ['a', 'b'].map((id, j) => ({ runId: id, metric: 'm', x: f64s(4, 0), value: f64s(4, 10 * j), min: f64s(4, 10 * j), max: f64s(4, 10 * j), count: f64s(4, 1), nanCount: new Float64Array(4) }))
    const frame = encodeSeriesFrame(series)
    const [sa, sb] = decodeSeriesFrame(frame.buffer)
    const a = bucketsOf(sa!)
    const b = bucketsOf(sb!)
    expect(a.x).toBe(sa!.x)
    expect(a.max).toBe(sa!.max)
    expect(a.x.buffer).toBe(frame.buffer)
    const before = Array.from(new Float64Array(frame.buffer.slice(0)))
    // Many appends: the buffers grow by doubling; every bucket kept in order.
    for (let step = 4; step < 300; step += 3) expect(appendSeries(a, { runId: 'a', metric: 'm', x: f64([step, step + 1, step + 2]), value: f64([step, Number.NaN, -step]) })).toBe(3)
    expect(Array.from(a.x)).toEqual(Array.from({ length: 301 }, (_, i) => i))
    expect(a.value[5]).toBeNaN()
    expect(Array.from(a.nan.subarray(4, 10))).toEqual([0, 1, 0, 0, 1, 0])
    expect(rowsOf(a)).toBe(1 + 2 + 3 + 4 + 297)
    expect(a.x.buffer).not.toBe(frame.buffer)
    expect(Array.from(new Float64Array(frame.buffer))).toEqual(before)
    expect(Array.from(b.value)).toEqual([10, 11, 12, 13])
  })

  it('treats raw rows as buckets of one (NaN counted) and keeps every row of a repeated step', () => {
    const raw = bucketsOf({ runId: 'r', metric: 'm', x: f64([0, 1, 2]), value: f64([Number.NaN, 1, -0]) })
    expect(Array.from(raw.nan)).toEqual([1, 0, 0])
    expect(Array.from(raw.count)).toEqual([1, 1, 1])
    expect(Object.is(raw.min[2], -0)).toBe(true)
    expect(isExact(raw)).toBe(true)
    // Two rows at one step (two tag sets, say) are two points, in the store's order.
    const repeated = bucketsOf({ runId: 'r', metric: 'm', x: f64([0, 0, 1]), value: f64([5, 6, 7]) })
    expect(Array.from(repeated.x)).toEqual([0, 0, 1])
    expect(Array.from(repeated.value)).toEqual([5, 6, 7])
    // A live update appends only rows past the last step held.
    expect(appendSeries(repeated, { runId: 'r', metric: 'm', x: f64([1, 2]), value: f64([8, 9]) })).toBe(1)
    expect(Array.from(repeated.value)).toEqual([5, 6, 7, 9])
  })
})
