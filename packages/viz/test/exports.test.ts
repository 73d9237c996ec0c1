import { describe, expect, it } from 'vitest'
import * as viz from '../src/index.js'

// Pins the public names of the renderers and the series preparation (the web dashboard's names are
// pinned by its own tests). Removing or renaming one is a breaking change.
describe('public API', () => {
  it('exports the renderers, series preparation and their factories', () => {
    const names = [
      'bucketize',
      'checkSmoothOptions',
      'createSeriesBuffer',
      'createSmoother',
      'createStreamingStats',
      'createSvgDashboard',
      'createTerminalDashboard',
      'decodeSeriesFrame',
      'downsampleMinMaxLast',
      'encodeSeriesFrame',
      'htmlReportFromStore',
      'renderHtmlReport',
      'renderPng',
      'renderSvg',
      'saveHtmlReport',
      'savePng',
      'seriesStats',
      'smooth',
      'SMOOTH_DEFAULTS',
      'splitOf',
    ]
    for (const n of names) expect(typeof (viz as Record<string, unknown>)[n], n).not.toBe('undefined')
    expect(viz.SMOOTH_DEFAULTS).toEqual({ weight: 0.6, window: 10, sigma: 2 })
  })
})
