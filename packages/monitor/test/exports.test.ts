import * as monitor from '@entrenar/monitor'
import * as system from '@entrenar/monitor/system'
import { expect, it } from 'vitest'

// Pins the public surface: adding or removing a name is a deliberate, reviewed change.
it('@entrenar/monitor exports exactly the public names', () => {
  expect(Object.keys(monitor).sort()).toEqual(
    [
      'DDSketch',
      'MIN_INDEXABLE',
      'MetricsCollector',
      'analyzeRun',
      'createMonitor',
      'hanseiCharts',
      'inferDirection',
      'isGradientMetric',
      'leastSquares',
      'mannKendall',
      'renderHanseiHtml',
      'renderHanseiJson',
      'renderHanseiMarkdown',
      'Welford',
    ].sort(),
  )
})

it('@entrenar/monitor/system exports exactly the public names', () => {
  expect(Object.keys(system).sort()).toEqual(['NVIDIA_SMI_QUERY', 'gpuMetrics', 'parseNvidiaSmi', 'systemMetrics'].sort())
})
