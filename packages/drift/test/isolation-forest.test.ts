import { describe, expect, it } from 'vitest'
import { isolationForest, seededRandom } from '@entrenar/drift'

function cloud(seed: number, n: number): number[][] {
  const rng = seededRandom(seed)
  return Array.from({ length: n }, () => [rng.normal(), rng.normal()])
}

describe('isolationForest', () => {
  const train = cloud(1, 1000)

  it('scores a far point above the cloud and above the threshold', () => {
    const f = isolationForest({ seed: 3 })
    f.fit(train)
    const inlier = f.score([0, 0])
    const outlier = f.score([6, -6])
    expect(outlier).toBeGreaterThan(0.6)
    expect(inlier).toBeLessThan(0.5)
    expect(f.isAnomaly([6, -6])).toBe(true)
    expect(f.isAnomaly([0, 0])).toBe(false)
  })

  it('is deterministic for a seed', () => {
    const a = isolationForest({ seed: 9 })
    const b = isolationForest({ seed: 9 })
    a.fit(train)
    b.fit(train)
    const probe = cloud(2, 50)
    expect(Array.from(a.scoreMany(probe))).toEqual(Array.from(b.scoreMany(probe)))
    expect(a.threshold).toBe(b.threshold)
  })

  it('flags about the contamination share of the training rows', () => {
    const f = isolationForest({ contamination: 0.05, seed: 4 })
    f.fit(train)
    const flagged = train.filter((r) => f.isAnomaly(r)).length / train.length
    expect(flagged).toBeGreaterThan(0.03)
    expect(flagged).toBeLessThanOrEqual(0.05)
    const auto = isolationForest({ contamination: 'auto' })
    auto.fit(train)
    expect(auto.threshold).toBe(0.5)
  })

  it('skips non-finite training rows, reports them, and calls a NaN row an anomaly', () => {
    const f = isolationForest()
    f.fit([...train.slice(0, 300), [Number.NaN, 1], [1, Number.POSITIVE_INFINITY]])
    expect(f.skippedRows).toBe(2)
    expect(f.dimensions).toBe(2)
    expect(f.score([Number.NaN, 0])).toBeNaN()
    expect(f.isAnomaly([Number.NaN, 0])).toBe(true)
  })

  it('scores lie in (0, 1] and rank points by distance from the cloud', () => {
    const f = isolationForest({ seed: 5, trees: 50 })
    f.fit(train)
    const scores = [0, 1, 2, 3, 5, 8].map((r) => f.score([r, r]))
    for (const s of scores) {
      expect(s).toBeGreaterThan(0)
      expect(s).toBeLessThanOrEqual(1)
    }
    expect(scores[5]!).toBeGreaterThan(scores[0]!)
    expect(scores[3]!).toBeGreaterThan(scores[0]!)
  })

  it('reports misuse with coded errors', () => {
    expect(() => isolationForest().score([1, 2])).toThrow(expect.objectContaining({ code: 'ENTRENAR_DRIFT_NOT_FITTED' }))
    expect(() => isolationForest({ contamination: 0.9 })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
    const f = isolationForest()
    expect(() => f.fit([[1, 2], [3]])).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_VALUE' }))
    f.fit(train)
    expect(() => f.score([1])).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_VALUE' }))
  })
})
