import { describe, expect, it } from 'vitest'
import { readHash, writeHash } from '../src/web/client/hash.js'

describe('dashboard view in the address fragment', () => {
  it('round-trips names with separators and markup', () => {
    const view = {
      runs: ['a,b', 'c&d=e', '100%', '#x', 'plain'],
      metrics: ['<img src=x onerror=alert(1)>', 'val/loss', 'a+b c'],
      layout: 'side-by-side' as const,
      smooth: { kind: 'gaussian', value: 2.5 },
      steps: [-5, 1200] as const,
    }
    expect(readHash(writeHash(view))).toEqual(view)
  })

  it('ignores what it does not understand', () => {
    expect(readHash('#layout=grid&smooth=median:3&steps=9..2&runs=%E0%A4%A&x=1')).toEqual({ runs: ['%E0%A4%A'] })
    expect(readHash('')).toEqual({})
    expect(readHash('#runs=&metrics=')).toEqual({ runs: [], metrics: [] })
    expect(readHash('#smooth=none')).toEqual({ smooth: { kind: 'none', value: Number.NaN } })
  })
})
