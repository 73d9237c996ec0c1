import { batchFromRows, type RecordRow } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { createPrometheusExporter } from '../src/index.js'

const T0 = 1_700_000_000_000_000
const row = (metric: string, step: number, value: number, extra: Partial<RecordRow> = {}): Omit<RecordRow, 'runId'> => ({
  metric, value, step, timestampUs: T0 + step * 250_000, epoch: null, batch: null, tags: null, ...extra,
})

describe('prometheus exporter', () => {
  it('smoke', async () => {
    const e = createPrometheusExporter({ labels: { job: 'x' } })
    await e.write(batchFromRows('r1', [row('loss', 1, 0.5), row('accuracy', 1, 0.1), row('loss', 2, Number.NaN), row('val/loss', 2, 3, { tags: { split: 'val' } })]))
    e.observeIncident({ level: 'error', rule: 'non_finite', message: 'm', runId: 'r1', timestampMs: 1 })
    console.log(e.render('prometheus'))
    console.log(e.render('openmetrics'))
  })
})
