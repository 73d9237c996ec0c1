import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { batchFromRows, type RecordRow } from '@entrenar/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { openStore } from '../src/index.js'
import { crc32, fileSize, readRange } from '../src/node/io.js'
import { decodeDictStrings } from '../src/segment/dict.js'
import { type CodedStrings, openSegment, type ReadSeam, readRowGroup, stringColumn } from '../src/segment/read.js'
import { prng, T0, tempDir } from './helpers/fixtures.js'

const seam: ReadSeam = { size: fileSize, readRange, crc32 }

/** A run whose row groups hold one metric, a few (RLE runs of indices) or dozens (bit-packed indices), with non-ASCII and long names. */
async function segments(): Promise<string[]> {
  const dir = tempDir('dict')
  const s = await openStore(dir, { rowGroupRows: 64, sealAfterMs: Number.POSITIVE_INFINITY })
  const rand = prng(3)
  const names = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? `métrica-${i}-ü` : i % 11 === 0 ? `m${i}-${'x'.repeat(200)}` : `m${i}`))
  const rows: Omit<RecordRow, 'runId'>[] = []
  for (let i = 0; i < 6000; i++) {
    const metric = i < 2000 ? 'loss' : i < 3000 ? names[Math.floor(rand() * 4)]! : names[Math.floor(rand() * names.length)]!
    rows.push({ metric, step: i, value: rand(), timestampUs: T0 + i, epoch: null, batch: null, tags: null })
  }
  await s.write(batchFromRows('r', rows))
  await s.close()
  const part = join(dir, 'metrics', 'run_id=r')
  return readdirSync(part).map((f) => join(part, f))
}

describe('metric column decoded to dictionary ids', () => {
  it('gives the names and ids the generic reader and stringColumn give, for every row group of every layout written', async () => {
    let rowGroups = 0
    for (const path of await segments()) {
      const seg = await openSegment(seam, path, path.split('/').pop()!, 'r')
      for (const rg of seg.rowGroups) {
        const coded = new Map<string, CodedStrings>()
        const fast = await readRowGroup(seam, seg, rg, ['metric'], undefined, coded)
        expect(fast.has('metric')).toBe(false)
        const generic = await readRowGroup(seam, seg, rg, ['metric'])
        expect(coded.get('metric')).toEqual(stringColumn(generic.get('metric'), rg.rows))
        rowGroups++
      }
    }
    expect(rowGroups).toBeGreaterThan(90)
  })

  it('on damaged chunk bytes it never throws, and any ids it gives index the names it gives (property)', async () => {
    const [path] = await segments()
    const seg = await openSegment(seam, path!, path!.split('/').pop()!, 'r')
    const file = new Uint8Array(readFileSync(path!))
    let declined = 0
    fc.assert(
      fc.property(
        fc.nat(seg.rowGroups.length - 1),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
        (which, edits) => {
          const rg = seg.rowGroups[which]!
          const meta = seg.readMetadata.row_groups[rg.index]!.columns.find((c) => c.meta_data?.path_in_schema[0] === 'metric')!.meta_data!
          const start = Number(meta.dictionary_page_offset)
          const len = Number(meta.total_compressed_size)
          const bytes = file.slice(rg.byteStart, rg.byteEnd)
          for (const [where, value] of edits) bytes[start - rg.byteStart + Math.floor(where * len)] = value
          const got = decodeDictStrings(bytes, rg.byteStart, meta, rg.rows)
          if (!got) {
            declined++
            return
          }
          expect(got.ids.length).toBe(rg.rows)
          // A header field of another Thrift type (an array where a count belongs) once gave ids past the names.
          expect(got.ids.findIndex((id) => id >= got.names.length)).toBe(-1)
        },
      ),
      { seed: 5, numRuns: 3000 },
    )
    expect(declined).toBeGreaterThan(0)
  })

  it('seeded damage that once gave ids past the names (a count field holding a list) is declined', async () => {
    const [path] = await segments()
    const seg = await openSegment(seam, path!, path!.split('/').pop()!, 'r')
    const file = new Uint8Array(readFileSync(path!))
    const rand = prng(5)
    for (const rg of seg.rowGroups) {
      const meta = seg.readMetadata.row_groups[rg.index]!.columns.find((c) => c.meta_data?.path_in_schema[0] === 'metric')!.meta_data!
      const start = Number(meta.dictionary_page_offset)
      const len = Number(meta.total_compressed_size)
      for (let k = 0; k < 60; k++) {
        const bytes = file.slice(rg.byteStart, rg.byteEnd)
        for (let e = 0; e < 1 + Math.floor(rand() * 3); e++) bytes[start - rg.byteStart + Math.floor(rand() * len)] = Math.floor(rand() * 256)
        const got = decodeDictStrings(bytes, rg.byteStart, meta, rg.rows)
        if (got) expect(got.ids.findIndex((id) => id >= got.names.length)).toBe(-1)
      }
    }
  })
})
