import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { StringTable } from '../src/store/string-table.js'
import { decodeUtf8, equalsUtf8, hashBytes, hashString } from '../src/store/utf8.js'

const encoder = new TextEncoder()
/** Code units at random (lone surrogates included) or whole graphemes (astral pairs, combining marks). */
const anyString = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 12 }).map((units) => String.fromCharCode(...units)),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
)

/** A table holding `xs` as UTF-8 bytes laid out as a Parquet PLAIN page. */
function bytesTable(xs: readonly string[]): { t: StringTable; ok: boolean } {
  const parts = xs.map((x) => encoder.encode(x))
  const size = parts.reduce((s, p) => s + 4 + p.length, 0)
  const bytes = new Uint8Array(size)
  const view = new DataView(bytes.buffer)
  const starts = new Int32Array(xs.length + 1)
  const hashes = new Uint32Array(xs.length)
  let off = 0
  parts.forEach((p, i) => {
    starts[i] = off
    view.setUint32(off, p.length, true)
    bytes.set(p, off + 4)
    hashes[i] = hashBytes(bytes, off + 4, off + 4 + p.length)
    off += 4 + p.length
  })
  starts[xs.length] = off
  const t = new StringTable()
  return { t, ok: t.adoptUtf8({ bytes, starts, hashes }, xs.length) }
}

describe('StringTable', () => {
  it('interns, looks up and grows like a Map', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 8 }), { maxLength: 400 }), (xs) => {
        const t = new StringTable()
        const m = new Map<string, number>()
        for (const x of xs) {
          if (!m.has(x)) m.set(x, m.size)
          expect(t.intern(x)).toBe(m.get(x))
        }
        expect(t.size).toBe(m.size)
        for (const [s, i] of m) {
          expect(t.lookup(s)).toBe(i)
          expect(t.get(i)).toBe(s)
        }
        expect(t.lookup('\u0000absent')).toBe(-1)
      }),
      { seed: 303 },
    )
  })

  it('bulk append rejects a duplicate and leaves the table as it was', () => {
    const t = new StringTable()
    t.intern('a')
    expect(t.appendAll(['b', 'c'])).toBe(true)
    expect(t.appendAll(['d', 'b'])).toBe(false)
    expect(t.size).toBe(3)
    expect(t.lookup('d')).toBe(-1)
    expect(t.lookup('c')).toBe(2)
    expect(t.intern('d')).toBe(3)
    expect(t.appendAll(['x', 'x'])).toBe(false)
    expect(t.lookup('x')).toBe(-1)
  })

  it('hashes and compares strings as their UTF-8 bytes (surrogate pairs, lone surrogates, any script)', () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        const ba = encoder.encode(a)
        // TextEncoder writes a lone surrogate as U+FFFD: the hash and the comparison agree with it.
        expect(hashString(a)).toBe(hashBytes(ba, 0, ba.length))
        expect(equalsUtf8(a, ba, 0, ba.length)).toBe(true)
        const bb = encoder.encode(b)
        const same = ba.length === bb.length && ba.every((x, i) => x === bb[i])
        expect(equalsUtf8(a, bb, 0, bb.length)).toBe(same)
        expect(decodeUtf8(ba, 0, ba.length)).toBe(new TextDecoder().decode(ba))
      }),
      { seed: 404, numRuns: 500 },
    )
  })

  it('adopts ids as UTF-8 bytes, finds them by string, then interns new strings after them', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 70 }), { maxLength: 200 }), fc.array(fc.string({ maxLength: 6 }), { maxLength: 50 }), (xs, more) => {
        const { t, ok } = bytesTable(xs)
        expect(ok).toBe(true)
        expect(t.size).toBe(xs.length)
        xs.forEach((x, i) => {
          expect(t.lookup(x)).toBe(i)
          expect(t.get(i)).toBe(x)
          expect(t.isBytes(i)).toBe(true)
          expect([...t.utf8(i)]).toEqual([...encoder.encode(x)])
        })
        const m = new Map(xs.map((x, i) => [x, i]))
        for (const x of more) {
          if (!m.has(x)) m.set(x, m.size)
          expect(t.intern(x)).toBe(m.get(x))
        }
        for (const [x, i] of m) expect(t.get(i)).toBe(x)
      }),
      { seed: 505, numRuns: 100 },
    )
  })

  it('rejects a duplicate among adopted bytes and stays empty', () => {
    const { t, ok } = bytesTable(['a', 'é', 'a'])
    expect(ok).toBe(false)
    expect(t.size).toBe(0)
    expect(t.lookup('a')).toBe(-1)
    expect(t.intern('é')).toBe(0)
  })

  it('bulk-indexes large batches in slot order with the same answers', () => {
    const xs = Array.from({ length: 70_000 }, (_, i) => `m-${i}`)
    const { t, ok } = bytesTable(xs)
    expect(ok).toBe(true)
    for (let i = 0; i < xs.length; i += 997) expect(t.lookup(xs[i]!)).toBe(i)
    expect(t.lookup('m-70000')).toBe(-1)
    const u = new StringTable()
    u.intern('x')
    expect(u.appendAll(xs)).toBe(true)
    expect(u.lookup('m-69999')).toBe(70_000)
    expect(u.appendAll(['fresh', 'm-5'])).toBe(false)
    expect(u.lookup('fresh')).toBe(-1)
    expect(u.size).toBe(70_001)
  })
})
