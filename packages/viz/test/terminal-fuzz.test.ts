import { batchFromRows } from '@entrenar/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createSvgDashboard, createTerminalDashboard } from '../src/index.js'
import { fakeStream, stripAnsi } from './helpers.js'

const value = fc.oneof(
  { weight: 6, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1e308, -1e308, 5e-324) },
)
const row = fc.record({
  metric: fc.constantFrom('loss', 'val_loss', 'accuracy', 'lr', 'grad/norm', 'ünï €'),
  step: fc.integer({ min: -1000, max: 1_000_000 }),
  value,
})

describe('regressions found by the property tests', () => {
  it('a single denormal value (-5e-324) draws instead of throwing on an infinite bucket count', () => {
    const d = createTerminalDashboard({ stream: fakeStream({ isTTY: false }), live: false, width: 20, height: 10 })
    d.update({ batch: batchFromRows('r', [{ metric: 'loss', step: 0, value: -5e-324, timestampUs: 0, epoch: null, batch: null, tags: null }]) })
    expect(d.render().split('\n').every((l) => Array.from(l).length === 20)).toBe(true)
  })

  it('values spanning ±1e308 (the span overflows a double) keep finite SVG coordinates', () => {
    const d = createSvgDashboard()
    const rows = [-1e308, 1e308, 0].map((value, step) => ({ metric: 'loss', step, value, timestampUs: 0, epoch: null, batch: null, tags: null }))
    d.update({ batch: batchFromRows('r', rows) })
    expect(d.render()).not.toMatch(/="[^"]*(NaN|Infinity)[^"]*"/)
  })
})

describe('terminal frames under arbitrary data', () => {
  it('every line is exactly the width, for any data, width and mode; nothing throws', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 300 }), fc.integer({ min: 20, max: 220 }), fc.integer({ min: 10, max: 80 }), fc.boolean(), fc.boolean(), (rows, width, height, ascii, color) => {
        const d = createTerminalDashboard({ stream: fakeStream({ isTTY: false }), live: false, width, height, ascii, color })
        d.update({ batch: batchFromRows('fuzz', rows.map((r) => ({ ...r, timestampUs: 0, epoch: null, batch: null, tags: null }))) })
        const lines = d.render().split('\n')
        expect(lines.length).toBeLessThanOrEqual(height)
        for (const l of lines) expect(Array.from(stripAnsi(l)).length).toBe(Math.max(20, width))
        if (ascii) for (const l of lines) expect(stripAnsi(l)).not.toMatch(/[\u2800-\u28ff]/)
      }),
      { numRuns: 60 },
    )
  })

  it('the SVG dashboard renders well-formed numbers for any data', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 200 }), (rows) => {
        const d = createSvgDashboard()
        d.update({ batch: batchFromRows('fuzz', rows.map((r) => ({ ...r, timestampUs: 0, epoch: null, batch: null, tags: null }))) })
        const svg = d.render()
        // no NaN/Infinity in any attribute (coordinates); legend text may say "NaN" on purpose
        expect(svg).not.toMatch(/="[^"]*(NaN|Infinity)[^"]*"/)
      }),
      { numRuns: 40 },
    )
  })
})
