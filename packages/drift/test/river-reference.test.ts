import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { adwin, type ChangeDetectorLike, ddm, eddm, hddmA, kswin, pageHinkley } from './helpers.js'

// The river 0.26 docstring streams, generated with Python's stdlib `random` (see fixtures/river-streams.json).
const fixture = JSON.parse(readFileSync(new URL('./fixtures/river-streams.json', import.meta.url), 'utf8')) as {
  mean_shift: { values: number[] }
  bernoulli: { values: number[] }
}

function run(d: ChangeDetectorLike, values: number[]): { drifts: number[]; firstWarning: number } {
  const drifts: number[] = []
  let firstWarning = -1
  values.forEach((x, i) => {
    const s = d.update(x)
    if (s === 'drift') drifts.push(i)
    if (s === 'warning' && firstWarning < 0) firstWarning = i
  })
  return { drifts, firstWarning }
}

describe('river reference streams', () => {
  it('Page-Hinkley fires at index 1006 on the mean-shift stream, as river', () => {
    expect(run(pageHinkley(), fixture.mean_shift.values).drifts).toEqual([1006])
  })
  it('ADWIN fires first at index 1023, as river, and never in the stationary part', () => {
    const { drifts } = run(adwin(), fixture.mean_shift.values)
    expect(drifts[0]).toBe(1023)
    expect(drifts.every((i) => i >= 1000)).toBe(true)
  })
  it('KSWIN (α 0.0001) fires shortly after the change and not before', () => {
    const { drifts } = run(kswin({ alpha: 0.0001, seed: 42 }), fixture.mean_shift.values)
    expect(drifts[0]).toBeGreaterThanOrEqual(1000)
    expect(drifts[0]).toBeLessThanOrEqual(1030)
  })
  it('DDM warns at 1084 and drifts at 1334 on Bernoulli 0.5 → 0.7, as river', () => {
    const { drifts, firstWarning } = run(ddm(), fixture.bernoulli.values)
    expect(firstWarning).toBe(1084)
    expect(drifts[0]).toBe(1334)
  })
  it('EDDM (α 0.8, β 0.75) warns at 1059 and drifts at 1278, as river', () => {
    const { drifts, firstWarning } = run(eddm({ alpha: 0.8, beta: 0.75 }), fixture.bernoulli.values)
    expect(firstWarning).toBe(1059)
    expect(drifts[0]).toBe(1278)
  })
  it('HDDM_A warns first at 451 and drifts at 1206, as river', () => {
    const { drifts, firstWarning } = run(hddmA(), fixture.bernoulli.values)
    expect(firstWarning).toBe(451)
    expect(drifts[0]).toBe(1206)
  })
})
