import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as series from '../src/series.js'

describe('@entrenar/viz/series (browser-safe entry)', () => {
  it('exports the series preparation', () => {
    expect(typeof series.downsampleMinMaxLast).toBe('function')
    expect(typeof series.smooth).toBe('function')
    expect(typeof series.createSeriesBuffer).toBe('function')
    expect(typeof series.decodeSeriesFrame).toBe('function')
    expect(typeof series.encodeSeriesFrame).toBe('function')
  })

  it('its modules import no Node built-ins and nothing but @entrenar/core', () => {
    const files = ['series/buffer.ts', 'series/downsample.ts', 'series/smooth.ts', 'series/stats.ts', 'model/split.ts', 'web/series-frame.ts', 'series.ts']
    for (const f of files) {
      const src = readFileSync(new URL(`../src/${f}`, import.meta.url), 'utf8')
      const imports = [...src.matchAll(/from '([^']+)'/g)].map((m) => m[1]!)
      for (const i of imports) expect(i === '@entrenar/core' || i.startsWith('./') || i.startsWith('../'), `${f} imports ${i}`).toBe(true)
      expect(src).not.toMatch(/\bprocess\.|node:/)
    }
  })
})
