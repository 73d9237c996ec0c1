// Streaming imports: inputs written by the independent Python writers (test/fixtures), read with
// deliberately small chunks and batches, so record and row boundaries fall everywhere; the importer's
// own counters show that what it holds stays bounded by the chunk and batch sizes, not the input.
import { execFileSync } from 'node:child_process'
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { batchToRows } from '@entrenar/core'
import { openStore } from '@entrenar/db'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { type ImportFormat, type ImportResult, runImport } from '../src/commands/import.js'
import { IMPORT_LIST_LIMIT, type RunSource, writeRuns } from '../src/importers/common.js'
import { MAX_METADATA_BYTES, readSmall } from '../src/importers/files.js'
import { ImportMeter, importLimits } from '../src/importers/stream.js'
import { frameTfRecord, readTfRecords, TfRecordSplitter } from '../src/importers/tfrecord.js'
import { CsvParser, parseCsv } from '../src/importers/wandb.js'
import type { Io } from '../src/io.js'
import { runCli } from '../src/program.js'
import { tempDir } from './helpers.js'

const PKG = join(import.meta.dirname, '..')
const PY = ['python3', '/usr/bin/python3'].find((py) => {
  try {
    execFileSync(py, ['-c', 'import google.protobuf'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}) ?? 'python3'
let pyPath = ''
beforeAll(() => {
  pyPath = tempDir('entrenar-tbpb-')
  execFileSync('protoc', [`--python_out=${pyPath}`, '-I', join(PKG, 'proto'), join(PKG, 'proto', 'tensorboard.proto')])
})

function writeEvents(spec: unknown, root = tempDir('entrenar-tb-')): string {
  execFileSync(PY, [join(PKG, 'test', 'fixtures', 'tb_writer.py'), root], { input: JSON.stringify(spec), env: { ...process.env, PYTHONPATH: pyPath }, maxBuffer: 1 << 26 })
  return root
}

function writeLayouts(spec: unknown): string {
  const root = tempDir('entrenar-src-')
  execFileSync('python3', [join(PKG, 'test', 'fixtures', 'mlflow_wandb_writer.py'), root], { input: JSON.stringify(spec), maxBuffer: 1 << 26 })
  return root
}

function quietIo(err: (t: string) => void = () => {}, extra: Partial<Io> = {}): Io {
  return { out: () => {}, err, color: false, interactive: false, stdoutTty: false, json: true, env: {}, signal: new AbortController().signal, ...extra }
}

async function imp(format: ImportFormat, source: string, store: string, limits: Parameters<typeof importLimits>[0]): Promise<ImportResult> {
  return runImport(format, source, store, quietIo(), { limits })
}

async function rows(storeDir: string) {
  const store = await openStore(storeDir)
  try {
    return (await store.range(-Number.MAX_VALUE, Number.MAX_VALUE)).flatMap(batchToRows)
  } finally {
    await store.close()
  }
}

const events = (n: number, t0 = 1_700_000_000) =>
  Array.from({ length: n }, (_, i) => ({ wall_time: t0 + i, step: i, values: [{ tag: 'loss', simple_value: i % 97 === 5 ? 'NaN' : 1 / (i + 1) }] }))

/** Record offsets of a TFRecord file from its length fields (`mask` keeps a corrupted length usable). */
function offsetsOf(file: Uint8Array): number[] {
  const b = Buffer.from(file.buffer, file.byteOffset, file.byteLength)
  const out: number[] = []
  for (let at = 0; at < b.length; ) {
    out.push(at)
    at += 16 + Number(b.readBigUInt64LE(at) & 0xffffn)
  }
  return out
}

describe('TFRecord streaming', () => {
  it('reports a corrupt record that straddles a read-chunk boundary and a truncated tail, at every chunk size, and imports everything else', async () => {
    const logdir = writeEvents({
      files: [{ path: 'run/events.out.tfevents.1.h', events: events(30), corrupt: [{ record: 4, where: 'data' }, { record: 11, where: 'length' }, { record: 12, where: 'data' }], truncate: 7 }],
    })
    const path = join(logdir, 'run', 'events.out.tfevents.1.h')
    const file = readFileSync(path)
    const off = offsetsOf(file)
    const rel = 'run/events.out.tfevents.1.h'
    const expected = [
      { file: rel, offset: off[4], bytes: off[5]! - off[4]!, reason: 'corrupt' },
      // Two damaged records in a row are one bad stretch.
      { file: rel, offset: off[11], bytes: off[13]! - off[11]!, reason: 'corrupt' },
      { file: rel, offset: off[29], bytes: file.length - off[29]!, reason: 'truncated' },
    ]
    const steps = Array.from({ length: 29 }, (_, i) => i).filter((i) => i !== 4 && i !== 11 && i !== 12)
    let straddled = 0
    for (const chunkBytes of [1, 2, 5, 13, 16, 31, 47, 64, 100, 1 << 20]) {
      // A chunk boundary inside the damaged record: the case a whole-file reader never meets.
      if (Math.floor(off[4]! / chunkBytes) !== Math.floor((off[5]! - 1) / chunkBytes)) straddled++
      const store = tempDir()
      const { summary, meter } = await imp('tensorboard', logdir, store, { chunkBytes, batchPoints: 4 })
      expect(summary.skipped, `chunk ${chunkBytes}`).toEqual(expected)
      expect(summary.points).toBe(steps.length)
      const got = await rows(store)
      expect(got.map((r) => r.step).sort((a, b) => a - b)).toEqual(steps)
      expect(got.filter((r) => Number.isNaN(r.value)).map((r) => r.step)).toEqual([5])
      expect(meter.maxBufferedPoints).toBeLessThanOrEqual(4)
    }
    expect(straddled).toBeGreaterThanOrEqual(8)
  })

  it('lists at most IMPORT_LIST_LIMIT damaged records of a hostile file, counts them all, and imports every good record between them', async () => {
    const n = 2 * IMPORT_LIST_LIMIT + 400
    // Every other record damaged: each one its own bad stretch, so the list would grow with the file.
    const corrupt = Array.from({ length: n / 2 }, (_, i) => ({ record: 2 * i + 1, where: 'data' }))
    const logdir = writeEvents({ files: [{ path: 'run/events.out.tfevents.1.h', events: events(n), corrupt }] })
    const store = tempDir()
    const { summary } = await imp('tensorboard', logdir, store, {})
    expect(summary.skippedCount).toBe(n / 2)
    expect(summary.skipped).toHaveLength(IMPORT_LIST_LIMIT)
    expect(summary.skipped.every((r) => r.reason === 'corrupt')).toBe(true)
    expect(summary.points).toBe(n / 2)
    expect((await rows(store)).length).toBe(n / 2)
    const lines: string[] = []
    const code = await runCli(['import', 'tensorboard', logdir, tempDir()], { out: (t) => lines.push(t), err: () => {} })
    expect(code).toBe(0)
    expect(lines.join('')).toContain(`${n / 2 - IMPORT_LIST_LIMIT} more records not listed (${n / 2} in all)`)
  })

  it('splits a stream fed in arbitrary pieces exactly as the whole buffer, garbage and cut records included', () => {
    const recs = Array.from({ length: 12 }, (_, i) => frameTfRecord(new Uint8Array(i * 3).fill(i + 1)))
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 20 }), { minLength: 12, maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }),
        fc.nat(30),
        (garbage, cuts, cutTail) => {
          const parts: Uint8Array[] = []
          for (const [i, r] of recs.entries()) parts.push(r, garbage[i]!)
          const all = Buffer.concat(parts)
          const buf = all.subarray(0, Math.max(0, all.length - cutTail))
          const whole = readTfRecords(buf)
          const records: { offset: number; data: number[] }[] = []
          const bad: unknown[] = []
          const s = new TfRecordSplitter((offset, data) => records.push({ offset, data: [...data] }), (b) => bad.push(b))
          let at = 0
          let k = 0
          while (at < buf.length) {
            const n = cuts[k++ % cuts.length]!
            s.push(buf.subarray(at, at + n))
            at += n
          }
          s.end()
          expect(records).toEqual(whole.records.map((r) => ({ offset: r.offset, data: [...r.data] })))
          expect(bad).toEqual(whole.bad)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('keeps int64 steps exact up to 2^53 and lists larger ones as unmapped', async () => {
    const logdir = writeEvents({
      files: [
        {
          path: 's/events.out.tfevents.1.h',
          events: [
            { wall_time: 1, step: 2 ** 53 - 1, values: [{ tag: 'loss', simple_value: 1 }] },
            { wall_time: 2, step: 2 ** 60, values: [{ tag: 'loss', simple_value: 2 }] },
            { wall_time: 3, step: 4_294_967_296 + 7, values: [{ tag: 'loss', dtype: 'DT_DOUBLE', double_val: [3] }] },
          ],
        },
      ],
    })
    const store = tempDir()
    const { summary } = await imp('tensorboard', logdir, store, {})
    expect(summary.unmapped).toEqual([{ run: 's', kind: 'step 1152921504606847000 beyond 2^53', name: 'loss', count: 1 }])
    expect((await rows(store)).map((r) => r.step).sort((a, b) => a - b)).toEqual([4_294_967_303, 2 ** 53 - 1])
  })

  it('skips a record longer than the limit without buffering it and reads on', () => {
    const big = frameTfRecord(new Uint8Array(5000).fill(7))
    const small = frameTfRecord(new Uint8Array([1, 2, 3]))
    const buf = Buffer.concat([small, big, small])
    const seen: number[] = []
    const bad: unknown[] = []
    let most = 0
    const s = new TfRecordSplitter(
      (offset) => seen.push(offset),
      (b) => bad.push(b),
      100,
      {
        buffered: (n) => {
          most = Math.max(most, n)
        },
      },
    )
    for (let at = 0; at < buf.length; at += 64) s.push(buf.subarray(at, at + 64))
    s.end()
    expect(seen).toEqual([0, small.length + big.length])
    expect(bad).toEqual([{ offset: small.length, bytes: big.length, reason: 'oversized' }])
    expect(most).toBeLessThanOrEqual(64 + small.length)
  })

  it('holds at most a chunk plus one record and a batch of points, whatever the file size', async () => {
    const n = 20_000
    const logdir = writeEvents({ files: [{ path: 'big/events.out.tfevents.1.h', events: events(n) }] })
    const size = statSync(join(logdir, 'big', 'events.out.tfevents.1.h')).size
    const chunkBytes = 4096
    const batchPoints = 500
    const store = tempDir()
    const { summary, meter } = await imp('tensorboard', logdir, store, { chunkBytes, batchPoints })
    expect(summary.points).toBe(n)
    expect(summary.runs[0]).toMatchObject({ written: n, nonFinite: Math.ceil((n - 5) / 97) })
    expect(meter.bytes).toBe(size)
    // The file is ~50× the chunk: a reader that held it whole would show its size here.
    expect(size).toBeGreaterThan(50 * chunkBytes)
    const longest = Math.max(...offsetsOf(readFileSync(join(logdir, 'big', 'events.out.tfevents.1.h'))).map((o, i, a) => (a[i + 1] ?? size) - o))
    expect(meter.maxBufferedBytes).toBeLessThanOrEqual(chunkBytes + longest)
    expect(meter.maxBufferedPoints).toBeLessThanOrEqual(batchPoints)
    const got = await rows(store)
    expect(got).toHaveLength(n)
    expect(got.filter((r) => Number.isNaN(r.value))).toHaveLength(Math.ceil((n - 5) / 97))
    // Twice: nothing is written; grown: only the new points, deduplicated batch by batch.
    const again = await imp('tensorboard', logdir, store, { chunkBytes, batchPoints })
    expect(again.summary.runs[0]).toMatchObject({ action: 'unchanged', written: 0, points: n })
    const more = writeEvents({ files: [{ path: 'big/events.out.tfevents.1.h', events: events(n + 700) }] })
    const grownFile = readFileSync(join(more, 'big', 'events.out.tfevents.1.h'))
    appendFileSync(join(logdir, 'big', 'events.out.tfevents.1.h'), grownFile.subarray(size))
    const grown = await imp('tensorboard', logdir, store, { chunkBytes, batchPoints })
    expect(grown.summary.runs[0]).toMatchObject({ action: 'updated', points: n + 700, written: 700, nonFinite: Math.ceil((n + 700 - 5) / 97) })
    // Only what was appended is decoded: the first import recorded how far it read, and the file's first bytes still hash the same.
    expect(grown.meter.bytes).toBe(grownFile.length - size)
    expect(grown.meter.maxBufferedPoints).toBeLessThanOrEqual(batchPoints)
    expect(await rows(store)).toHaveLength(n + 700)
    // A file rewritten in place (its first bytes differ) is read whole again, and nothing is duplicated.
    const rewritten = readFileSync(join(logdir, 'big', 'events.out.tfevents.1.h'))
    writeFileSync(join(logdir, 'big', 'events.out.tfevents.1.h'), rewritten.subarray(0, rewritten.length - 16 * 3))
    appendFileSync(join(logdir, 'big', 'events.out.tfevents.1.h'), rewritten.subarray(rewritten.length - 16 * 3))
    const again2 = await imp('tensorboard', logdir, store, { chunkBytes, batchPoints })
    expect(again2.summary.runs[0]!.action).toBe('unchanged')
    const other = Buffer.from(rewritten)
    other[200] = other[200]! ^ 0xff
    writeFileSync(join(logdir, 'big', 'events.out.tfevents.1.h'), other)
    const redone = await imp('tensorboard', logdir, store, { chunkBytes, batchPoints })
    expect(redone.meter.bytes).toBe(other.length)
    expect(redone.summary.runs[0]).toMatchObject({ action: 'updated', written: 0 })
    expect(redone.summary.skipped).toHaveLength(1)
    expect(await rows(store)).toHaveLength(n + 700)
  }, 120_000)
})

describe('line and CSV streaming', () => {
  const T = 1_704_110_400
  const history = (n: number) => Array.from({ length: n }, (_, i) => ({ _step: i, _runtime: i, _timestamp: T + i, loss: i === 3 ? 'Infinity' : i / 7, nested: { acc: i % 2 } }))

  it('reads W&B history and MLflow metric files line by line within the limits, NaN/±Inf kept', async () => {
    const n = 3000
    const root = writeLayouts({
      wandb: { runs: [{ dir: 'run-20240101_120000-big001', history: history(n) }] },
      mlflow: {
        experiments: [
          {
            id: '1',
            name: 'e',
            runs: [{ id: 'ffffffffffffffffffffffffffffffff', name: 'm', status: 3, start: T * 1000, metrics: { loss: Array.from({ length: n }, (_, i) => [T * 1000 + i, i === 9 ? '-Infinity' : i, i]) } }],
          },
        ],
      },
    })
    for (const [format, src] of [
      ['wandb', join(root, 'wandb')],
      ['mlflow', join(root, 'mlruns')],
    ] as const) {
      const store = tempDir()
      const { summary, meter } = await imp(format, src, store, { chunkBytes: 97, batchPoints: 50, maxLineBytes: 4096 })
      const points = format === 'wandb' ? 2 * n : n
      expect(summary.points).toBe(points)
      expect(summary.skipped).toEqual([])
      expect(meter.maxBufferedPoints).toBeLessThanOrEqual(50 + 1)
      expect(meter.maxBufferedBytes).toBeLessThan(97 + 200)
      const got = await rows(store)
      expect(got).toHaveLength(points)
      expect(got.filter((r) => !Number.isFinite(r.value))).toHaveLength(1)
      const again = await imp(format, src, store, { chunkBytes: 97, batchPoints: 50 })
      expect(again.summary.written).toBe(0)
    }
  })

  it('resumes a growing history after its last complete line: a line still being written is read again once finished, never twice', async () => {
    const root = writeLayouts({ wandb: { runs: [{ dir: 'run-20240101_120000-grow01', history: history(4) }] } })
    const file = join(root, 'wandb', 'run-20240101_120000-grow01', 'files', 'wandb-history.jsonl')
    const store = tempDir()
    // A complete object without its newline yet, then one cut in the middle.
    appendFileSync(file, `{"_step": 4, "_timestamp": ${T + 4}, "loss": 4}`)
    const first = await imp('wandb', file, store, { chunkBytes: 32 })
    expect(first.summary.runs[0]).toMatchObject({ action: 'imported', points: 9, written: 9, nonFinite: 1 })
    appendFileSync(file, `\n{"_step": 5, "_timestamp": ${T + 5}, "lo`)
    const cut = await imp('wandb', file, store, { chunkBytes: 32 })
    expect(cut.summary.runs[0]).toMatchObject({ action: 'updated', points: 9, written: 0 })
    expect(cut.summary.skipped).toEqual([{ file: 'wandb-history.jsonl', line: 6, reason: expect.stringContaining('not JSON') }])
    appendFileSync(file, `ss": "NaN"}\n{"_step": 6, "_timestamp": ${T + 6}, "loss": 6}\n`.replace('"NaN"', 'NaN'))
    const done = await imp('wandb', file, store, { chunkBytes: 32 })
    expect(done.summary.skipped).toEqual([])
    expect(done.summary.runs[0]).toMatchObject({ action: 'updated', points: 11, written: 2, nonFinite: 2 })
    // Only the lines after the last one that ended with a newline were read again.
    expect(done.meter.bytes).toBeLessThan(200)
    const got = await rows(store)
    expect(got.map((r) => `${r.metric}@${r.step}`).sort()).toEqual(
      [...Array.from({ length: 4 }, (_, i) => [`loss@${i}`, `nested.acc@${i}`]).flat(), 'loss@4', 'loss@5', 'loss@6'].sort(),
    )
  })

  it('skips a line longer than the limit with its number and keeps the lines after it', async () => {
    const root = writeLayouts({ wandb: { runs: [{ dir: 'run-20240101_120000-long01', history: history(3) }] } })
    const file = join(root, 'wandb', 'run-20240101_120000-long01', 'files', 'wandb-history.jsonl')
    appendFileSync(file, `{"_step": 3, "blob": "${'x'.repeat(5000)}"}\n{"_step": 4, "_timestamp": ${T + 4}, "loss": 0.5}\n`)
    const { summary, meter } = await imp('wandb', file, tempDir(), { chunkBytes: 64, maxLineBytes: 1000 })
    expect(summary.skipped).toEqual([{ file: 'wandb-history.jsonl', line: 4, reason: 'line longer than 1000 bytes' }])
    expect(summary.points).toBe(3 * 2 + 1)
    expect(meter.maxBufferedBytes).toBeLessThanOrEqual(64 + 1000)
  })

  it('reads metadata files only up to a limit: a huge param or config.yaml is skipped, the run is imported', async () => {
    const root = writeLayouts({
      mlflow: { experiments: [{ id: '1', name: 'e', runs: [{ id: 'abababababababababababababababab', name: 'm', status: 3, start: T * 1000, metrics: { loss: [[T * 1000, 0.5, 0]] }, params: { lr: '0.1' } }] }] },
      wandb: { runs: [{ dir: 'run-20240101_120000-cfg001', history: history(2), config: { lr: 0.1 } }] },
    })
    const huge = 'x'.repeat(MAX_METADATA_BYTES + 1)
    writeFileSync(join(root, 'mlruns', '1', 'abababababababababababababababab', 'params', 'blob'), huge)
    writeFileSync(join(root, 'wandb', 'run-20240101_120000-cfg001', 'files', 'config.yaml'), huge)
    const m = await imp('mlflow', join(root, 'mlruns'), tempDir(), {})
    expect(m.summary.skipped).toEqual([{ file: '1/abababababababababababababababab/params/blob', reason: `unreadable or larger than ${MAX_METADATA_BYTES} bytes` }])
    expect(m.summary.points).toBe(1)
    const store = tempDir()
    const w = await imp('wandb', join(root, 'wandb'), store, {})
    expect(w.summary.skipped).toEqual([{ file: 'run-20240101_120000-cfg001/files/config.yaml', reason: `unreadable or larger than ${MAX_METADATA_BYTES} bytes` }])
    expect(w.summary.points).toBe(4)
    expect(readSmall(join(root, 'wandb', 'run-20240101_120000-cfg001', 'files', 'config.yaml'))).toBeUndefined()
    expect(readSmall(join(root, 'mlruns', '1', 'meta.yaml'))).toContain('name')
  })

  it('parses CSV quoting across every chunk boundary (quoted commas, newlines, "" escapes, CRLF)', async () => {
    const n = 40
    const root = writeLayouts({
      wandb: {
        csv: [
          {
            file: 'exports/q.csv',
            columns: ['_step', '_timestamp', 'note', 'val "loss", top-1', 'loss'],
            rows: Array.from({ length: n }, (_, i) => [i, T + i, `a,"b"\r\nc${'"'.repeat(i % 4)}`, i === 2 ? 'NaN' : i * 0.5, -i - 1]),
          },
        ],
      },
    })
    const whole = await imp('wandb', root, tempDir(), { chunkBytes: 1 << 20 })
    expect(whole.summary.points).toBe(2 * n)
    expect(whole.summary.unmapped).toEqual([{ run: 'q', kind: 'non-numeric', name: 'note', count: n }])
    for (const chunkBytes of [1, 2, 3, 5, 8, 13, 21]) {
      const store = tempDir()
      const { summary } = await imp('wandb', root, store, { chunkBytes, batchPoints: 7 })
      expect(summary.skipped).toEqual([])
      expect(summary.unmapped).toEqual(whole.summary.unmapped)
      expect(summary.runs[0]!.id).toBe(whole.summary.runs[0]!.id)
      const got = (await rows(store)).map((r) => [r.metric, r.step, r.value, r.timestampUs]).sort((a, b) => (a[1] as number) - (b[1] as number) || String(a[0]).localeCompare(String(b[0])))
      const want = Array.from({ length: n }, (_, i) => [
        ['loss', i, -i - 1, (T + i) * 1e6],
        ['val "loss", top-1', i, i === 2 ? Number.NaN : i * 0.5, (T + i) * 1e6],
      ]).flat()
      expect(got).toEqual(want)
    }
  })

  it('CsvParser: any split of RFC 4180 text gives the rows that were written', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', 'é', '😀'), maxLength: 6 })
    const quote = (c: string) => (/[",\r\n]/.test(c) || c === '' ? `"${c.replaceAll('"', '""')}"` : c)
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }), fc.boolean(), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 10 }), (table, crlf, cuts) => {
        const text = table.map((r) => r.map(quote).join(',')).join(crlf ? '\r\n' : '\n') + (crlf ? '\r\n' : '\n')
        const got: string[][] = []
        const p = new CsvParser((r) => got.push(r))
        let at = 0
        let k = 0
        while (at < text.length) {
          const n = cuts[k++ % cuts.length]!
          p.push(text.slice(at, at + n))
          at += n
        }
        p.end()
        expect(got).toEqual(table)
        expect(parseCsv(text)).toEqual(table)
      }),
      { numRuns: 400 },
    )
  })
})

describe('idempotency and progress', () => {
  it('finishes an interrupted import without duplicating the points it had written', async () => {
    const storeDir = tempDir()
    const points = Array.from({ length: 250 }, (_, i) => [`m${i % 3}`, i / 3, i, 1_000_000 + i] as const)
    const source = (failAfter: number): RunSource => ({
      id: 'tb-interrupted',
      name: 'interrupted',
      config: {},
      status: 'finished',
      source: '.',
      fingerprint: async () => 'f1',
      appendable: [],
      async read(sink) {
        for (let i = 0; i < points.length; i++) {
          if (i === failAfter) throw new Error('disk went away')
          sink.push(...points[i]!)
          if (sink.full) await sink.drain()
        }
        return new Map()
      },
    })
    const limits = importLimits({ batchPoints: 40 })
    let store = await openStore(storeDir)
    await expect(writeRuns(store, [source(130)], 'tensorboard', 'x', () => {}, limits, new ImportMeter())).rejects.toThrow('disk went away')
    await store.close()
    expect((await rows(storeDir)).length).toBe(120)
    store = await openStore(storeDir)
    const [again] = await writeRuns(store, [source(-1)], 'tensorboard', 'x', () => {}, limits, new ImportMeter())
    await store.close()
    expect(again).toMatchObject({ action: 'updated', points: 250, written: 130 })
    const got = await rows(storeDir)
    expect(got).toHaveLength(250)
    expect(new Set(got.map((r) => r.step)).size).toBe(250)
  })

  it('shows progress only on a terminal or with --progress, and never on stdout', async () => {
    const logdir = writeEvents({ files: [{ path: 'p/events.out.tfevents.1.h', events: events(50) }] })
    const run = async (argv: string[], stderrTty: boolean) => {
      let out = ''
      let err = ''
      const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env: { NO_COLOR: '1' }, stderrTty })
      return { code, out, err }
    }
    const piped = await run(['import', 'tensorboard', logdir, tempDir()], false)
    expect(piped.code).toBe(0)
    expect(piped.err).toBe('')
    const json = await run(['--json', 'import', 'tensorboard', logdir, tempDir()], true)
    expect(json.err).toBe('')
    expect(JSON.parse(json.out).points).toBe(50)
    const forced = await run(['--json', 'import', 'tensorboard', logdir, tempDir(), '--progress'], false)
    expect(forced.err).toMatch(/import tensorboard: 50 points, [\d.]+ (B|KiB) read \(\d+ points\/s, [\d.]+ (B|KiB|MiB|GiB)\/s\)\n$/)
    expect(forced.err).not.toContain('\r')
    expect(JSON.parse(forced.out).points).toBe(50)
    const tty = await run(['import', 'tensorboard', logdir, tempDir()], true)
    expect(tty.err).toContain('\r\x1b[2K')
    expect(tty.err).toContain('p: imported, 50 of 50 points written')
  })

  it('rejects limits that are not positive integers and unknown limit names', () => {
    expect(() => importLimits({ chunkBytes: 0 })).toThrow(RangeError)
    expect(() => importLimits({ batchPoints: 1.5 })).toThrow(RangeError)
    expect(() => importLimits({ bogus: 1 } as never)).toThrow(TypeError)
    writeFileSync(join(tempDir(), 'unused'), '')
  })
})
