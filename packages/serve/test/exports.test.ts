import { describe, expect, it } from 'vitest'
import * as serve from '../src/index.js'

describe('public API', () => {
  it('pins every exported name', () => {
    expect(Object.keys(serve).sort()).toEqual([
      'BUSY',
      'CONTENT_TYPES',
      'DEFAULT_LATENCY_BUCKETS',
      'PEER_MISSING',
      'SRM_THRESHOLD',
      'TOO_FEW_SAMPLES',
      'abSplit',
      'abTest',
      'alertRules',
      'boundedStore',
      'chiSquareSf',
      'compareCurves',
      'compareRuns',
      'createLatencyHistogram',
      'createOtlpExporter',
      'createPrometheusExporter',
      'createServeHandler',
      'escapeLabelValue',
      'fileExperimentLog',
      'formatValue',
      'hashId',
      'isLoopback',
      'isTrackingPath',
      'memoryExperimentLog',
      'mount',
      'negotiateFormat',
      'normalCdf',
      'normalQuantile',
      'parseIngest',
      'parseLenientJson',
      'sanitizeLabelName',
      'sanitizeMetricName',
      'srmCheck',
      'startServer',
      'studentTCdf',
      'studentTQuantile',
      'trackingHandler',
    ])
  })
  it('recognises loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST']) expect(serve.isLoopback(h), h).toBe(true)
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1']) expect(serve.isLoopback(h), h).toBe(false)
  })
})
