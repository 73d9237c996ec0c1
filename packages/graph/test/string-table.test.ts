import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { StringTable } from '../src/store/string-table.js'

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
})
