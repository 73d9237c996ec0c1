import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { escapeLabelValue, parseIngest, parseLenientJson, sanitizeLabelName, sanitizeMetricName } from '../src/index.js'

describe('parseLenientJson', () => {
  it("reads Python json.dumps' bare NaN/Infinity tokens and leaves strings alone", () => {
    expect(parseLenientJson('[NaN, Infinity, -Infinity, "NaN", "-Infinity x", 1e-3]')).toEqual(['NaN', 'Infinity', '-Infinity', 'NaN', '-Infinity x', 0.001])
    expect(parseLenientJson('{"k\\"NaN": NaN}')).toEqual({ 'k"NaN': 'NaN' })
    expect(() => parseLenientJson('{NaN')).toThrow()
  })
  it('equals JSON.parse on any valid JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v)
        expect(parseLenientJson(text)).toEqual(JSON.parse(text))
      }),
    )
  })
  it('reads every float64 written the Python way (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double()), (xs) => {
        const text = `[${xs.map((x) => (Number.isNaN(x) ? 'NaN' : x === Number.POSITIVE_INFINITY ? 'Infinity' : x === Number.NEGATIVE_INFINITY ? '-Infinity' : Object.is(x, -0) ? '"-0"' : JSON.stringify(x))).join(', ')}]`
        const body = { schema_version: 1, run_id: 'p', points: [] as unknown[] }
        const parsed = parseLenientJson(text) as unknown[]
        body.points = parsed.map((value, i) => ({ metric: 'm', value, step: i }))
        const { batch } = parseIngest(body, 0)
        expect(Array.from(batch.value)).toEqual(xs)
      }),
    )
  })
})

describe('name sanitising (property)', () => {
  it('any string gives a valid metric name and a valid non-reserved label name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(sanitizeMetricName(s)).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/)
        const l = sanitizeLabelName(s)
        expect(l).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/)
        expect(l.startsWith('__')).toBe(false)
      }),
    )
  })
  it('escaped label values never contain a raw quote, newline or lone backslash', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const e = escapeLabelValue(s)
        expect(e).not.toMatch(/\n/)
        // Unescape and get the original back.
        expect(e.replace(/\\(["n\\])/g, (_, c: string) => (c === 'n' ? '\n' : c))).toBe(s)
      }),
    )
  })
})

describe('parseIngest', () => {
  it('defaults the timestamp to the server clock and keeps epoch, batch and tags', () => {
    const { batch, run } = parseIngest({ schema_version: 1, run_id: 'r', points: [{ metric: 'loss', value: 1, step: 3, epoch: 2, batch: 7, tags: { split: 'val' } }] }, 42)
    expect(run).toBeUndefined()
    expect(batch.timestampUs[0]).toBe(42)
    expect(batch.epoch[0]).toBe(2)
    expect(batch.batch[0]).toBe(7)
    expect(batch.tagSets[batch.tagIndex[0]!]).toEqual({ split: 'val' })
  })
  it('rejects a bad run status and a non-object values field', () => {
    expect(() => parseIngest({ schema_version: 1, run_id: 'r', points: [], run: { status: 'done' } }, 0)).toThrow(/run.status/)
    expect(() => parseIngest({ schema_version: 1, run_id: 'r', points: [{ step: 1, values: [1] }] }, 0)).toThrow(/values/)
    expect(() => parseIngest({ schema_version: 1, run_id: 'r', points: [{ metric: 'x', value: 1, step: 1, epoch: 1.5 }] }, 0)).toThrow(/epoch/)
  })
})

describe('ingest: unknown keys', () => {
  it('a misspelt key anywhere in the body is refused with the key and the nearest valid one, not dropped', () => {
    const cases: [unknown, RegExp][] = [
      [{ schema_version: 1, run_id: 'r', points: [], run_name: 'x' }, /unknown key `run_name` \(did you mean `run`\?\)/],
      [{ schema_version: 1, run_id: 'r', points: [{ step: 0, valeus: { loss: 1 } }] }, /unknown key `valeus` \(did you mean `values`\?\).* in points\[0\]/],
      [{ schema_version: 1, run_id: 'r', points: [], run: { name: 'n', stauts: 'finished' } }, /unknown key `stauts` \(did you mean `status`\?\).* in run/],
    ]
    for (const [body, message] of cases) {
      let err: unknown
      try {
        parseIngest(body, 0)
      } catch (e) {
        err = e
      }
      expect(err).toMatchObject({ code: 'ENTRENAR_WIRE_INVALID', message: expect.stringMatching(message) })
    }
  })
})
