// The one reader of JSON-lines logs (incidents, drift events): a file cut anywhere, split into chunks of
// any size, with CRLF endings, a huge line or hostile lines reads the same records, codes every line it
// cannot read, never throws for the content and never holds more than one chunk and one capped line.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type JsonlDecoder, type JsonlLog, type JsonlLogOptions, readJsonlLog, readJsonlLogSync } from '@entrenar/core/node'
import { describe, expect, it } from 'vitest'

const dir = (): string => mkdtempSync(join(tmpdir(), 'core-jsonl-'))

interface Rec {
  readonly id: number
  readonly note: string
}

/** A record has a safe-integer `id` and a string `note`; nothing else of the line is kept. */
const RECORDS: JsonlDecoder<Rec> = {
  decode: (o) => (Number.isSafeInteger(o.id) && typeof o.note === 'string' ? { id: o.id as number, note: o.note } : undefined),
  what: 'a record (id and note required)',
}

const line = (id: number, note = `n${id}`): string => JSON.stringify({ id, note })

const readers: [string, <T>(path: string, d: JsonlDecoder<T>, o?: JsonlLogOptions) => Promise<JsonlLog<T>>][] = [
  ['readJsonlLog', readJsonlLog],
  ['readJsonlLogSync', async (path, d, o) => readJsonlLogSync(path, d, o)],
]

describe.each(readers)('%s', (_name, read) => {
  it('reads a file cut at every byte offset, at every chunk size: complete lines kept, a torn last line coded, nothing thrown', async () => {
    // Multi-byte characters (a cut can fall inside one) and one CRLF line.
    const lines = [line(1, 'ä€'), line(2), `${line(3, '𝛼β')}\r`, line(4), line(5, 'last')]
    const text = `${lines.join('\n')}\n`
    const bytes = Buffer.from(text)
    const path = join(dir(), 'log.jsonl')
    // Where each line ends (the byte offset of its '\n').
    const ends: number[] = []
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) ends.push(i)
    for (let cut = 0; cut <= bytes.length; cut++) {
      writeFileSync(path, bytes.subarray(0, cut))
      const complete = ends.filter((e) => e < cut).length
      const start = complete === 0 ? 0 : ends[complete - 1]! + 1
      const rest = bytes.subarray(start, cut).toString('utf8')
      // The piece after the last newline is the whole next line (maybe without its '\r'), nothing, or a torn line.
      const whole = complete < lines.length && (rest === lines[complete] || `${rest}\r` === lines[complete] || rest === lines[complete]!.replace(/\r$/, ''))
      const torn = rest.trim() !== '' && !whole
      const ids = Array.from({ length: complete + (whole ? 1 : 0) }, (_, i) => i + 1)
      for (const chunkBytes of [1, 2, 3, 5, 7, 13, 64, 65536]) {
        const log = await read(path, RECORDS, { chunkBytes })
        expect({ cut, chunkBytes, ids: log.records.map((r) => r.id) }).toEqual({ cut, chunkBytes, ids })
        expect({ cut, chunkBytes, codes: log.problems.map((p) => [p.code, p.line, p.offset]) }).toEqual({ cut, chunkBytes, codes: torn ? [['ENTRENAR_JSONL_LINE_NOT_JSON', complete + 1, start]] : [] })
        expect(log.unreadable).toBe(torn ? 1 : 0)
        expect(log.bytes).toBe(cut)
      }
    }
    // The notes survive the chunking byte for byte (a character split between two chunks is joined again).
    writeFileSync(path, text)
    expect((await read(path, RECORDS, { chunkBytes: 1 })).records.map((r) => r.note)).toEqual(['ä€', 'n2', '𝛼β', 'n4', 'last'])
  })

  it('reads CRLF files the same as LF files whatever chunk splits the \\r from the \\n', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => line(i))
    const lf = join(dir(), 'lf.jsonl')
    const crlf = join(dir(), 'crlf.jsonl')
    writeFileSync(lf, `${lines.join('\n')}\n`)
    writeFileSync(crlf, `${lines.join('\r\n')}\r\n\r\n`)
    const want = (await read(lf, RECORDS)).records
    expect(want).toHaveLength(20)
    for (let chunkBytes = 1; chunkBytes <= 40; chunkBytes++) {
      const log = await read(crlf, RECORDS, { chunkBytes })
      expect({ chunkBytes, records: log.records, unreadable: log.unreadable }).toEqual({ chunkBytes, records: want, unreadable: 0 })
    }
  })

  it('skips a huge line unread (coded TOO_LONG) with memory bounded by one chunk and one capped line', async () => {
    const path = join(dir(), 'huge.jsonl')
    // A valid record 16 MiB long, between two short ones, then one without a final newline.
    const huge = line(2, 'x'.repeat(16 << 20))
    const body = `${line(1)}\n${huge}\n${line(3)}\n${line(4, 'y'.repeat(1000))}`
    writeFileSync(path, body)
    const log = await read(path, RECORDS, { chunkBytes: 4096, maxLineBytes: 2048 })
    expect(log.records.map((r) => r.id)).toEqual([1, 3, 4])
    expect(log.tooLong).toBe(1)
    expect(log.problems).toEqual([{ code: 'ENTRENAR_JSONL_LINE_TOO_LONG', line: 2, offset: line(1).length + 1, reason: 'longer than 2048 bytes, skipped unread' }])
    expect(log.maxBufferedBytes).toBeLessThanOrEqual(4096 + 2048)
    expect(log.bytes).toBe(body.length)
    // The same huge line as the last, unterminated line: counted once, never parsed.
    writeFileSync(path, `${line(1)}\n${huge}`)
    const tail = await read(path, RECORDS, { chunkBytes: 4096, maxLineBytes: 2048 })
    expect(tail.records.map((r) => r.id)).toEqual([1])
    expect(tail.problems.map((p) => [p.code, p.line])).toEqual([['ENTRENAR_JSONL_LINE_TOO_LONG', 2]])
    // maxLineBytes is inclusive: a line of exactly that many bytes is read, one more is not.
    const exact = line(7, 'z'.repeat(100))
    writeFileSync(path, `${exact}\n`)
    expect((await read(path, RECORDS, { maxLineBytes: exact.length })).records).toHaveLength(1)
    expect((await read(path, RECORDS, { maxLineBytes: exact.length - 1 })).tooLong).toBe(1)
  })

  it('codes hostile lines (non-objects, __proto__, a decoder that throws) and keeps reading', async () => {
    const path = join(dir(), 'hostile.jsonl')
    const hostile = [
      line(1),
      '{"__proto__":{"polluted":true},"id":2,"note":"proto"}', // a record: __proto__ is an own key, not a prototype
      '"__proto__"', // JSON, not an object
      '[{"id":3,"note":"in an array"}]',
      'null',
      '42',
      'true',
      '{"constructor":{"prototype":{"polluted":true}},"id":4,"note":"ctor"}',
      '{"id":"5","note":"id not a number"}',
      '{"id":6,"note":"boom"}', // the decoder throws on this one
      '\u0000\u0001 binary',
      '{"id":7,"note":"\\ud800 lone surrogate"}',
      // Deep nesting (under the line cap): parsed without overflowing the stack, refused by the decoder.
      `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`,
      line(8),
    ]
    writeFileSync(path, `${hostile.join('\n')}\n`)
    const seen: unknown[] = []
    const decoder: JsonlDecoder<Rec> = {
      decode: (o) => {
        seen.push(o)
        if (o.note === 'boom') throw new TypeError('decoder failed')
        return RECORDS.decode(o)
      },
      what: RECORDS.what,
    }
    const log = await read(path, decoder)
    expect(log.records.map((r) => r.id)).toEqual([1, 2, 4, 7, 8])
    expect(log.problems.at(-1)).toMatchObject({ line: 13, code: 'ENTRENAR_JSONL_LINE_INVALID' })
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(log.records[1])).toBe(Object.prototype)
    // Non-objects never reach the decoder.
    expect(seen.every((o) => o !== null && typeof o === 'object' && !Array.isArray(o))).toBe(true)
    expect(log.problems.map((p) => [p.line, p.code])).toEqual([
      [3, 'ENTRENAR_JSONL_LINE_INVALID'],
      [4, 'ENTRENAR_JSONL_LINE_INVALID'],
      [5, 'ENTRENAR_JSONL_LINE_INVALID'],
      [6, 'ENTRENAR_JSONL_LINE_INVALID'],
      [7, 'ENTRENAR_JSONL_LINE_INVALID'],
      [9, 'ENTRENAR_JSONL_LINE_INVALID'],
      [10, 'ENTRENAR_JSONL_LINE_INVALID'],
      [11, 'ENTRENAR_JSONL_LINE_NOT_JSON'],
      [13, 'ENTRENAR_JSONL_LINE_INVALID'],
    ])
    expect(log.problems[0]!.reason).toBe('not a record (id and note required): "\\"__proto__\\""')
    expect(log.problems[6]!.reason).toContain('decoder failed')
    expect(log.unreadable).toBe(9)
  })

  it('keeps only what keep() accepts, and a record not kept is not a problem (counting without holding)', async () => {
    const path = join(dir(), 'keep.jsonl')
    writeFileSync(path, `${Array.from({ length: 1000 }, (_, i) => line(i)).join('\n')}\nbroken\n`)
    let counted = 0
    const log = await read(path, {
      ...RECORDS,
      keep: () => {
        counted++
        return false
      },
    })
    expect(counted).toBe(1000)
    expect(log.records).toEqual([])
    expect(log.unreadable).toBe(1)
    const even = await read(path, { ...RECORDS, keep: (r) => r.id % 2 === 0 })
    expect(even.records).toHaveLength(500)
  })

  it('lists at most maxProblems, counts the rest, and reads a missing file as empty', async () => {
    const path = join(dir(), 'bad.jsonl')
    writeFileSync(path, `${'garbage\n'.repeat(300)}${line(1)}\n`)
    const log = await read(path, RECORDS, { maxProblems: 2 })
    expect(log.unreadable).toBe(300)
    expect(log.problems.map((p) => p.line)).toEqual([1, 2])
    expect(log.records).toHaveLength(1)
    expect(await read(join(dir(), 'nope.jsonl'), RECORDS)).toEqual({ records: [], unreadable: 0, tooLong: 0, problems: [], bytes: 0, maxBufferedBytes: 0 })
  })

  it('refuses unknown or bad options and decoders (ENTRENAR_INVALID_CONFIG) and throws I/O errors other than a missing file', async () => {
    const path = join(dir(), 'x.jsonl')
    for (const bad of [{ limit: 1 }, { chunkBytes: 0 }, { chunkBytes: 1.5 }, { maxLineBytes: Number.NaN }, { maxLineBytes: Number.POSITIVE_INFINITY }, { maxProblems: -1 }, null, []]) {
      await expect(read(path, RECORDS, bad as never)).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    }
    for (const bad of [null, {}, { decode: 1, what: 'x' }, { decode: () => 1 }, { decode: () => 1, what: 'x', keep: 'yes' }]) {
      await expect(read(path, bad as never)).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    }
    const d = dir()
    mkdirSync(join(d, 'a-directory'))
    await expect(read(join(d, 'a-directory'), RECORDS)).rejects.toMatchObject({ code: 'EISDIR' })
  })
})
