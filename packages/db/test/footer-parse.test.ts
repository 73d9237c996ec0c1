import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { batchFromRows, type RecordRow } from '@entrenar/core'
import fc from 'fast-check'
import { parquetMetadata } from 'hyparquet'
import { describe, expect, it } from 'vitest'
import { openStore } from '../src/index.js'
import { parseFooter } from '../src/segment/footer.js'
import { prng, rows, T0, tempDir } from './helpers/fixtures.js'

const PARSERS = {
  timestampFromMicroseconds: (v: bigint) => Number(v),
  timestampFromMilliseconds: (v: bigint) => Number(v) * 1000,
  timestampFromNanoseconds: (v: bigint) => Number(v / 1000n),
}

const reference = (bytes: Uint8Array) => parquetMetadata(bytes, { parsers: PARSERS as never })

/** Every `*.parquet` under a directory. */
function parquetFiles(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...parquetFiles(p))
    else if (e.name.endsWith('.parquet')) out.push(p)
  }
  return out.sort()
}

/** Segments of every layout this store writes: several row groups, one metric per row group or many, tags, epochs, NaN and ±Inf, a compacted segment. */
async function ownSegments(): Promise<string[]> {
  const dir = tempDir('footer-own')
  const s = await openStore(dir, { rowGroupRows: 64, sealAfterMs: Number.POSITIVE_INFINITY })
  await s.write(rows('plain', 'loss', 0, 500))
  const rand = prng(7)
  const mixed: Omit<RecordRow, 'runId'>[] = []
  for (let i = 0; i < 700; i++) {
    const r = rand()
    mixed.push({
      metric: ['a', 'b', 'ünï', 'z'.repeat(250)][i % 4]!,
      step: Math.floor(rand() * 1e6),
      value: r < 0.05 ? Number.NaN : r < 0.1 ? Number.NEGATIVE_INFINITY : (rand() - 0.5) * 1e300,
      timestampUs: T0 + Math.floor(rand() * 1e12),
      epoch: rand() < 0.5 ? null : i,
      batch: rand() < 0.5 ? null : -i,
      tags: rand() < 0.5 ? null : { split: rand() < 0.5 ? 'val' : 'train' },
    })
  }
  await s.write(batchFromRows('mixed', mixed))
  await s.write(rows('single', 'x', 5, 6))
  await s.seal()
  await s.write(rows('plain', 'loss', 500, 900))
  await s.seal()
  await s.compact({ runs: ['plain'] })
  await s.close()
  return parquetFiles(join(dir, 'metrics'))
}

/** Files another writer lays out: DuckDB's COPY TO (snappy, dictionaries, timestamps, column orders), plain and zstd. */
async function duckdbFiles(): Promise<string[]> {
  const dir = tempDir('footer-duck')
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  const files: string[] = []
  const select = `SELECT make_timestamp(1700000000000000 + i * 1000) AS timestamp, 'run-' || (i % 3) AS run_id, i::BIGINT AS step,
      CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 7)::INTEGER END AS epoch, NULL::INTEGER AS batch,
      ['loss', 'acc'][1 + i % 2] AS metric, CASE WHEN i % 11 = 0 THEN 'NaN'::DOUBLE ELSE i / 3 END AS value, NULL::VARCHAR AS tags
    FROM range(5000) t(i)`
  for (const [name, opts] of [
    ['snappy.parquet', "(FORMAT parquet, ROW_GROUP_SIZE 1024)"],
    ['zstd.parquet', "(FORMAT parquet, COMPRESSION zstd)"],
    ['plain.parquet', "(FORMAT parquet, COMPRESSION uncompressed, ROW_GROUP_SIZE 2048)"],
  ] as const) {
    const p = join(dir, name)
    await c.run(`COPY (${select}) TO '${p}' ${opts}`)
    files.push(p)
  }
  const other = join(dir, 'types.parquet')
  await c.run(`COPY (SELECT i::TINYINT AS a, i::UTINYINT AS b, i::DECIMAL(10,2) AS d, DATE '2024-01-01' + i::INTEGER AS day, i % 2 = 0 AS flag,
      i::FLOAT AS f, [i, i + 1] AS list, {'x': i} AS st, make_timestamp(i)::TIMESTAMP_MS AS ms, make_timestamp(i)::TIMESTAMP_NS AS ns, uuid() AS u
    FROM range(100) t(i)) TO '${other}' (FORMAT parquet)`)
  files.push(other)
  c.closeSync()
  db.closeSync()
  return files
}

describe('footer parser', () => {
  it('builds what hyparquet builds from every segment this store writes, and declines nothing of them', async () => {
    const files = await ownSegments()
    expect(files.length).toBe(3) // plain (compacted: it lists what it replaces), mixed, single
    for (const f of files) {
      const bytes = new Uint8Array(readFileSync(f))
      const fast = parseFooter(bytes, PARSERS)
      expect(fast, f).toBeDefined()
      expect(fast).toEqual(reference(bytes))
      // From a tail read (the last 64 KiB or the whole file) as the reader does it.
      const tail = bytes.subarray(Math.max(0, bytes.length - 64 * 1024))
      expect(parseFooter(tail, PARSERS)).toEqual(fast)
    }
  })

  it("on other writers' files: equal to hyparquet whenever it parses, and it parses DuckDB's plain layouts", async () => {
    let parsed = 0
    for (const f of await duckdbFiles()) {
      const bytes = new Uint8Array(readFileSync(f))
      const fast = parseFooter(bytes, PARSERS)
      if (fast === undefined) continue
      parsed++
      expect(fast, f).toEqual(reference(bytes))
    }
    expect(parsed).toBeGreaterThanOrEqual(3)
  })

  it('a damaged footer (bytes changed, cut short) never throws; what it parses equals what hyparquet parses (property)', async () => {
    const files = (await ownSegments()).map((f) => new Uint8Array(readFileSync(f)))
    let parsed = 0
    let declined = 0
    fc.assert(
      fc.property(
        fc.nat(files.length - 1),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { freq: 4 }),
        (which, edits, cutAt) => {
          const good = files[which]!
          const len = new DataView(good.buffer, good.byteOffset).getUint32(good.length - 8, true)
          const at = good.length - 8 - len
          const bytes = good.slice()
          for (const [where, value] of edits) bytes[at + Math.floor(where * len)] = value
          // Cut short: the footer length then points before the buffer's start or at other bytes.
          const cut = cutAt === null ? bytes : bytes.subarray(Math.floor(cutAt * bytes.length))
          const fast = parseFooter(cut, PARSERS)
          if (fast === undefined) {
            declined++
            return
          }
          parsed++
          expect(fast).toEqual(reference(cut))
        },
      ),
      { seed: 99, numRuns: 1500 },
    )
    expect(parsed).toBeGreaterThan(0)
    expect(declined).toBeGreaterThan(0)
  })

  it('hostile counts and lengths (a list of 2^31 entries, a string longer than the file) are declined at once, without allocating them', () => {
    // FileMetaData { 2: list<struct> of 2^31-1 schema elements } then nothing.
    const list = Uint8Array.of(0x19, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07)
    // FileMetaData { 6: binary of 2^31-1 bytes }
    const str = Uint8Array.of(0x68, 0xff, 0xff, 0xff, 0xff, 0x07)
    // A varint of twenty continuation bytes.
    const varint = Uint8Array.of(0x15, ...new Array(20).fill(0xff), 0x01, 0x00)
    // Structs nested deeper than anything skipped is allowed to go (field 7, column orders).
    const deep = Uint8Array.of(0x79, 0x1c, ...new Array(2000).fill(0x1c))
    for (const body of [list, str, varint, deep]) {
      const file = new Uint8Array(body.length + 8)
      file.set(body)
      new DataView(file.buffer).setUint32(body.length, body.length, true)
      file.set([0x50, 0x41, 0x52, 0x31], body.length + 4)
      expect(parseFooter(file, PARSERS)).toBeUndefined()
    }
  })

  it('a segment whose footer is hostile is a coded ENTRENAR_DB_CORRUPT, reported and moved aside; the other segments answer', async () => {
    const dir = tempDir('footer-hostile')
    const s = await openStore(dir, { sealAfterMs: Number.POSITIVE_INFINITY })
    await s.write(rows('r', 'loss', 0, 100))
    await s.seal()
    await s.write(rows('r', 'loss', 100, 200))
    await s.close()
    const [victim] = parquetFiles(join(dir, 'metrics'))
    const bytes = new Uint8Array(readFileSync(victim!))
    const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true)
    // The schema list's header says 2^31-1 elements.
    const at = bytes.length - 8 - len
    const hostile = new Uint8Array(bytes.length + 5)
    hostile.set(bytes.subarray(0, at))
    hostile.set([0x15, 0x04, 0x19, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00], at)
    hostile.fill(0, at + 10)
    new DataView(hostile.buffer).setUint32(hostile.length - 8, hostile.length - 8 - at, true)
    hostile.set([0x50, 0x41, 0x52, 0x31], hostile.length - 4)
    writeFileSync(victim!, hostile)
    const problems: { code: string; message: string }[] = []
    const r = await openStore(dir, { onCorrupt: (e) => problems.push(e) })
    const out = await r.query({ aggregate: 'count' })
    expect(out.series[0]!.value[0]).toBe(100)
    expect(problems.map((p) => p.code)).toEqual(['ENTRENAR_DB_CORRUPT'])
    expect(problems[0]!.message).toMatch(/footer is unreadable/)
    expect(() => statSync(victim!)).toThrow()
    await r.close()
  })
})
