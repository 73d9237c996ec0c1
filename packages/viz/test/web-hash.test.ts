import { describe, expect, it } from 'vitest'
import { csvField, fileName, seriesCsv } from '../src/web/client/csv.js'
import { readHash, writeHash } from '../src/web/client/hash.js'

describe('dashboard view in the address fragment', () => {
  it('round-trips names with separators and markup', () => {
    const view = {
      runs: ['a,b', 'c&d=e', '100%', '#x', 'plain'],
      metrics: ['<img src=x onerror=alert(1)>', 'val/loss', 'a+b c'],
      layout: 'side-by-side' as const,
      smooth: { kind: 'gaussian', value: 2.5 },
      steps: [-5, 1200] as const,
      log: ['loss', 'a,b'],
      clip: ['val/loss'],
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

describe('CSV export of raw points', () => {
  it('quotes, defuses formulas and keeps NaN and ±Inf', () => {
    const csv = seriesCsv([
      { runId: '=cmd|calc', metric: 'a,"b"', x: Float64Array.of(1, 2, 3), value: Float64Array.of(Number.NaN, Number.POSITIVE_INFINITY, -0.5), timestampUs: Float64Array.of(10, 20, 30) },
    ])
    expect(csv.split('\n')).toEqual([
      'run_id,metric,step,timestamp_us,value',
      `'=cmd|calc,"a,""b""",1,10,NaN`,
      `'=cmd|calc,"a,""b""",2,20,Infinity`,
      `'=cmd|calc,"a,""b""",3,30,-0.5`,
      '',
    ])
    expect(csvField('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>')
    expect(fileName('<img src=x onerror=alert(1)>_0-9')).toBe('_img_src_x_onerror_alert_1__0-9.csv')
  })
})
