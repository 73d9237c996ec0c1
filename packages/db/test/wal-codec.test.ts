import { NULL_INT32, type RecordBatch } from '@entrenar/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32 } from '../src/node/io.js'
import { decodeWal, encodeFrame, encodeFrames, MAX_FRAME_ROWS, WAL_MAGIC } from '../src/wal/codec.js'
import { T0 } from './helpers/fixtures.js'

const METRICS = ['loss', 'accuracy', 'learning_rate', 'gradient_norm', 'tokens_per_second', 'grad_scale', 'val_loss', 'lr_warmup']

/** A WAL file: the magic, then the frames. */
function file(frames: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(WAL_MAGIC.length + frames.reduce((s, f) => s + f.length, 0))
  out.set(WAL_MAGIC)
  let off = WAL_MAGIC.length
  for (const f of frames) {
    out.set(f, off)
    off += f.length
  }
  return out
}

/** The first frame format (raw columns after an 8-aligned JSON header), as earlier versions wrote it. */
function frameV1(b: RecordBatch): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({ r: b.runId, n: b.length, m: b.metricNames, t: b.tagSets }))
  const colStart = (4 + header.length + 7) & ~7
  const payload = new Uint8Array(colStart + b.length * 40)
  new DataView(payload.buffer).setUint32(0, header.length, true)
  payload.set(header, 4)
  let off = colStart
  for (const col of [b.timestampUs, b.step, b.value, b.metric, b.epoch, b.batch, b.tagIndex]) {
    payload.set(new Uint8Array(col.buffer, col.byteOffset, col.byteLength), off)
    off += col.byteLength
  }
  const out = new Uint8Array(12 + payload.length)
  const v = new DataView(out.buffer)
  v.setUint32(0, 0x46415745, true)
  v.setUint32(4, payload.length, true)
  v.setUint32(8, crc32(payload), true)
  out.set(payload, 12)
  return out
}

/** A training loop's batch: every metric in turn, one step per round, a steady clock. */
function loopBatch(first: number, n: number): RecordBatch {
  const metric = new Uint32Array(n)
  const value = new Float64Array(n)
  const step = new Float64Array(n)
  const timestampUs = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const row = first + i
    metric[i] = row % METRICS.length
    value[i] = Math.exp(-row / 1e5) + Math.sin(row) / 100
    step[i] = Math.floor(row / METRICS.length)
    timestampUs[i] = T0 + row * 37
  }
  const epoch = new Int32Array(n).fill(3)
  return { runId: 'loop', length: n, metricNames: METRICS, metric, value, step, timestampUs, epoch, batch: new Int32Array(n).fill(NULL_INT32), tagSets: [], tagIndex: new Int32Array(n).fill(-1) }
}

const bytesOf = (a: Float64Array | Uint32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)

function expectSame(got: RecordBatch, want: RecordBatch): void {
  expect(got.runId).toBe(want.runId)
  expect(got.length).toBe(want.length)
  expect(got.metricNames).toEqual(want.metricNames)
  expect(got.tagSets).toEqual(want.tagSets)
  for (const c of ['timestampUs', 'step', 'value', 'metric', 'epoch', 'batch', 'tagIndex'] as const) {
    expect(bytesOf(got[c]).equals(bytesOf(want[c])), c).toBe(true)
  }
}

describe('WAL frames', () => {
  it("a training loop's rows take about 9 bytes each (the values), not 40", () => {
    const b = loopBatch(12_345, 1000)
    const frame = encodeFrame(b, crc32)
    expect(frame.length / b.length).toBeLessThan(9.5)
    expectSame(decodeWal(file([frame]), crc32).batches[0]!, b)
  })

  it('frames of the first format are still replayed, alone or followed by new ones in the same file', () => {
    const a = loopBatch(0, 500)
    const b = loopBatch(500, 700)
    const scan = decodeWal(file([frameV1(a), encodeFrame(b, crc32), frameV1(b)]), crc32)
    expect(scan.badOffset).toBeUndefined()
    expect(scan.batches.length).toBe(3)
    expectSame(scan.batches[0]!, a)
    expectSame(scan.batches[1]!, b)
    expectSame(scan.batches[2]!, b)
  })

  it('every column round-trips bit-exactly whatever it holds: constants, strides, jumps, -0, NaN payloads, ±2^53, fractions', () => {
    const nanPayload = new Float64Array(new Uint32Array([1, 0x7ff80000]).buffer)[0]!
    const edge = fc.constantFrom(0, -0, 1, -1, 0.5, Number.NaN, nanPayload, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, -(2 ** 53), 2 ** 52 - 1, -(2 ** 52) + 1, 9.2e18, -9.2e18, Number.MAX_VALUE)
    const f64Col = (n: number) =>
      fc.oneof(
        fc.tuple(edge, fc.integer({ min: -(2 ** 40), max: 2 ** 40 })).map(([start, stride]) => Float64Array.from({ length: n }, (_, i) => (Number.isFinite(start) ? start + i * stride : start))),
        fc.array(fc.oneof(edge, fc.double(), fc.integer({ min: -1000, max: 1000 })), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a)),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a, (x, i) => x * 2 ** 51 + i)),
      )
    const i32Col = (n: number, min: number, max: number) =>
      fc.oneof(
        fc.integer({ min, max }).map((v) => new Int32Array(n).fill(v)),
        fc.array(fc.integer({ min, max }), { minLength: n, maxLength: n }).map((a) => Int32Array.from(a)),
        fc.integer({ min: 1, max: 9 }).map((k) => Int32Array.from({ length: n }, (_, i) => Math.max(min, Math.min(max, (i % k) + min)))),
      )
    const batch = fc.integer({ min: 0, max: 60 }).chain((n) =>
      fc.record({
        timestampUs: f64Col(n),
        step: f64Col(n),
        value: f64Col(n),
        metric: i32Col(n, 0, 2).map((a) => Uint32Array.from(a)),
        epoch: i32Col(n, NULL_INT32, 2 ** 31 - 1),
        batch: i32Col(n, NULL_INT32, 2 ** 31 - 1),
        tagIndex: i32Col(n, -1, 1),
      }).map((c): RecordBatch => ({ runId: 'r', length: n, metricNames: ['a', 'b', 'c'], tagSets: [{ k: 'v' }, {}], ...c })),
    )
    fc.assert(
      fc.property(fc.array(batch, { minLength: 1, maxLength: 4 }), (bs) => {
        const scan = decodeWal(file(bs.map((b) => encodeFrame(b, crc32))), crc32)
        expect(scan.badOffset).toBeUndefined()
        expect(scan.batches.length).toBe(bs.length)
        for (const [i, got] of scan.batches.entries()) expectSame(got, bs[i]!)
      }),
      { numRuns: 300 },
    )
  })

  it('a frame of many rows whose every column is a constant or a stride (a learning rate logged at fixed intervals) is replayed, not refused for its small size', () => {
    const n = 100_000
    const timestampUs = new Float64Array(n)
    const step = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      timestampUs[i] = T0 + i * 1000
      step[i] = i
    }
    const b: RecordBatch = {
      runId: 'r',
      length: n,
      metricNames: ['learning_rate'],
      tagSets: [],
      timestampUs,
      step,
      value: new Float64Array(n).fill(3e-4),
      metric: new Uint32Array(n),
      epoch: new Int32Array(n).fill(NULL_INT32),
      batch: new Int32Array(n).fill(NULL_INT32),
      tagIndex: new Int32Array(n).fill(-1),
    }
    const frame = encodeFrame(b, crc32)
    expect(frame.length).toBeLessThan(200) // far fewer bytes than rows: the columns are runs
    const scan = decodeWal(file([frame, encodeFrame(loopBatch(0, 10), crc32)]), crc32)
    expect(scan.reason).toBeUndefined()
    expect(scan.batches.length).toBe(2)
    expectSame(scan.batches[0]!, b)
  })

  it('a batch larger than a frame may hold is split into frames that replay to the same rows', () => {
    const b = loopBatch(7, 1000)
    const frames = encodeFrames(b, crc32, 300)
    expect(frames.length).toBe(4)
    const scan = decodeWal(file(frames), crc32)
    expect(scan.reason).toBeUndefined()
    expect(scan.batches.map((x) => x.length)).toEqual([300, 300, 300, 100])
    expectSame(scan.batches.reduce((a, x) => concat(a, x)), b)
    expect(encodeFrames(b, crc32)).toEqual([encodeFrame(b, crc32)])
  })

  it('a frame claiming more rows than any frame holds is reported without allocating them', () => {
    const b = loopBatch(0, 100)
    const frame = encodeFrame(b, crc32)
    const text = new TextDecoder().decode(frame)
    const at = text.indexOf('"n":100')
    const big = String(MAX_FRAME_ROWS * 4)
    const forged = new Uint8Array(frame.length + big.length - 3)
    forged.set(frame.subarray(0, at + 4))
    forged.set(new TextEncoder().encode(big), at + 4)
    forged.set(frame.subarray(at + 7), at + 4 + big.length)
    const view = new DataView(forged.buffer)
    view.setUint32(4, forged.length - 12, true)
    view.setUint32(12, view.getUint32(12, true) + big.length - 3, true)
    view.setUint32(8, crc32(forged.subarray(12)), true)
    const scan = decodeWal(file([forged]), crc32)
    expect(scan.batches).toEqual([])
    expect(scan.reason).toMatch(/row count \d+ is impossible/)
  })

  it('a frame whose runs claim more rows than it holds is reported, never decoded into wrong rows', () => {
    const b = loopBatch(0, 100)
    const frame = encodeFrame(b, crc32)
    // The metric column (kind 2) ends with the run of its last delta; lengthen the frame's row count in the header instead.
    const text = new TextDecoder().decode(frame)
    const at = text.indexOf('"n":100')
    expect(at).toBeGreaterThan(0)
    const forged = frame.slice()
    forged.set(new TextEncoder().encode('"n":109'), at)
    new DataView(forged.buffer).setUint32(8, crc32(forged.subarray(12)), true) // a valid CRC: only the decoder's checks stand
    const scan = decodeWal(file([encodeFrame(b, crc32), forged]), crc32)
    expect(scan.batches.length).toBe(1)
    expect(scan.badOffset).toBe(WAL_MAGIC.length + frame.length)
    expect(scan.reason).toMatch(/unreadable/)
  })
})

/** Two batches of one run with the same metric and tag lists, end to end. */
function concat(a: RecordBatch, b: RecordBatch): RecordBatch {
  const cat = <T extends Float64Array | Uint32Array | Int32Array>(x: T, y: T): T => {
    const out = new (x.constructor as new (n: number) => T)(x.length + y.length)
    out.set(x)
    out.set(y, x.length)
    return out
  }
  return {
    ...a,
    length: a.length + b.length,
    timestampUs: cat(a.timestampUs, b.timestampUs),
    step: cat(a.step, b.step),
    value: cat(a.value, b.value),
    metric: cat(a.metric, b.metric),
    epoch: cat(a.epoch, b.epoch),
    batch: cat(a.batch, b.batch),
    tagIndex: cat(a.tagIndex, b.tagIndex),
  }
}
