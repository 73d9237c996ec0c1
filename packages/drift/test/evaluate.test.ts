import { describe, expect, it } from 'vitest'
import { adwin, evaluateAlarms, evaluateDetector, seededRandom } from '@entrenar/drift'

// Every expected number below is a river 0.26 `drift.evaluate` docstring example.
describe('evaluateAlarms (river drift.evaluate)', () => {
  it('match: an alarm outside every window is false', () => {
    const r = evaluateAlarms([110, 900], [100], { deltaMax: 50, nSamples: 1000, unit: 1000 })
    expect(r.falseAlarms).toEqual([900])
    expect(r.precision).toBe(0.5)
    expect(r.falseAlarmRate).toBe(1)
  })
  it('recall counts every hit, episode recall every caught drift', () => {
    const r = evaluateAlarms([110, 130], [100, 500], { deltaMax: 50, nSamples: 1000 })
    expect(r.recall).toBeCloseTo(2 / 3, 12)
    expect(r.episodeRecall).toBe(0.5)
    expect(evaluateAlarms([110], [100, 500], { deltaMax: 50, nSamples: 1000 }).missedDetectionRate).toBe(0.5)
  })
  it('f1, delay, normalised time, MTFA and MTR', () => {
    expect(evaluateAlarms([110, 900], [100, 500], { deltaMax: 50, nSamples: 1000 }).f1).toBe(0.5)
    expect(evaluateAlarms([110, 530], [100, 500, 900], { deltaMax: 50, nSamples: 1000 }).detectionDelay).toBe(20)
    expect(evaluateAlarms([110], [100], { deltaMax: 50, nSamples: 1000 }).normalizedDetectionTime).toBeCloseTo(0.2, 12)
    expect(evaluateAlarms([200, 300, 500], [], { deltaMax: 50, nSamples: 1000 }).meanTimeBetweenFalseAlarms).toBe(150)
    expect(evaluateAlarms([110, 400, 700], [100, 900], { deltaMax: 50, nSamples: 1000 }).meanTimeRatio).toBe(15)
    const report = evaluateAlarms([110, 900], [100, 500], { deltaMax: 50, nSamples: 1000 })
    expect(report.episodeRecall).toBe(0.5)
    expect(report.detectionDelay).toBe(10)
  })
  it('undefined metrics are NaN, as river', () => {
    const r = evaluateAlarms([], [100], { deltaMax: 50, nSamples: 1000 })
    expect(r.precision).toBeNaN()
    expect(r.detectionDelay).toBeNaN()
    expect(r.meanTimeBetweenFalseAlarms).toBeNaN()
    expect(r.missedDetectionRate).toBe(1)
  })
  it('accepts drifts spanning [start, end] and deltaPre', () => {
    const r = evaluateAlarms([95, 240], [[100, 200]], { deltaMax: 50, deltaPre: 10, nSamples: 1000 })
    expect(r.falseAlarms).toEqual([])
    expect(r.detectionDelay).toBe(-5)
  })
  it('rejects a non-positive deltaMax', () => {
    expect(() => evaluateAlarms([], [1], { deltaMax: 0, nSamples: 10 })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })
})

describe('evaluateDetector', () => {
  it('catches river’s gauss(0, 0.1) → gauss(5, 0.1) drift with ADWIN (episode recall 1)', () => {
    const rng = seededRandom(42)
    const stream = Array.from({ length: 2000 }, (_, i) => (i < 1000 ? 0 : 5) + 0.1 * rng.normal())
    const r = evaluateDetector(adwin(), stream, [1000], { deltaMax: 200 })
    expect(r.episodeRecall).toBe(1)
    expect(r.falseAlarms).toEqual([])
    expect(r.detectionDelay).toBeLessThanOrEqual(32)
    expect(r.nSamples).toBe(2000)
  })
  it('counts invalid values and resets the detector first', () => {
    const d = adwin()
    d.update(1)
    const r = evaluateDetector(d, [1, Number.NaN, 2, Number.POSITIVE_INFINITY], [], { deltaMax: 10 })
    expect(r.invalid).toBe(2)
    expect(d.samples).toBe(2)
  })
})
