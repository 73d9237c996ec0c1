import { spawnSync } from 'node:child_process'
import { batchFromRows, type RecordRow } from '@entrenar/core'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createLatencyHistogram, createPrometheusExporter, escapeLabelValue, sanitizeLabelName, sanitizeMetricName } from '../src/index.js'

const T0 = 1_700_000_000_000_000
const row = (metric: string, step: number, value: number, extra: Partial<RecordRow> = {}): Omit<RecordRow, 'runId'> => ({
  metric,
  value,
  step,
  timestampUs: T0 + step * 250_000,
  epoch: null,
  batch: null,
  tags: null,
  ...extra,
})

function promtool(text: string, format: 'prometheus' | 'openmetrics' = 'prometheus'): { status: number | null; out: string } {
  // promtool 2.42 lints the text format; OpenMetrics is checked by the real Prometheus in server tests.
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (r.error) throw new Error(`promtool (Debian package prometheus) is needed: ${r.error.message}`)
  return { status: r.status, out: `${format}: ${r.stdout}${r.stderr}` }
}

async function sample() {
  const e = createPrometheusExporter({ labels: { job_name: 'llama "7b"\\x' } })
  await e.write(
    batchFromRows('run-1', [
      row('loss', 1, 0.9),
      row('accuracy', 1, 0.1),
      row('learning_rate', 1, 1e-4),
      row('gradient_norm', 1, 3.5),
      row('loss', 2, 0.7),
      row('val/loss', 2, 0.8, { tags: { split: 'val', 'odd key': 'a\nb' } }),
      row('valLoss', 3, Number.NaN),
      row('loss', 3, Number.POSITIVE_INFINITY),
      row('tokens_total', 3, 12),
    ]),
  )
  await e.write(batchFromRows('run-0', [row('loss', 5, 1.5), row('loss', 7, 1.25)]))
  e.observeIncident({ level: 'critical', rule: 'non_finite', message: 'loss is Inf', runId: 'run-1', metric: 'loss', step: 3, timestampMs: 1 })
  e.observeIncident({ level: 'warning', rule: 'divergence', message: 'x', timestampMs: 2 })
  e.observeRun({ id: 'run-1', name: 'baseline\nv2', status: 'running', startTimeMs: 1_700_000_000_000 })
  return e
}

describe('names and escaping', () => {
  it('sanitises metric and label names to the Prometheus data model', () => {
    expect(sanitizeMetricName('val/loss')).toBe('val_loss')
    expect(sanitizeMetricName('valLoss')).toBe('val_loss')
    expect(sanitizeMetricName('9lives')).toBe('_9lives')
    expect(sanitizeMetricName('a:b--c')).toBe('a_b_c')
    expect(sanitizeMetricName('ünïcode')).toBe('n_code')
    expect(sanitizeLabelName('__name__')).toBe('l_name__')
    expect(sanitizeLabelName('odd key')).toBe('odd_key')
    expect(sanitizeLabelName('1x')).toBe('_1x')
    for (const n of ['val/loss', 'x y', '9', '', '::', 'ÄÖ', 'a.b.c']) expect(sanitizeMetricName(n)).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/)
  })
  it('escapes label values', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd')
  })
})

describe('createPrometheusExporter', () => {
  it('exports gauges, counters and the step histogram per run', async () => {
    const text = (await sample()).render('prometheus')
    expect(text).toContain('# TYPE entrenar_loss gauge')
    expect(text).toContain('entrenar_loss{job_name="llama \\"7b\\"\\\\x",run_id="run-1"} +Inf')
    expect(text).toContain('entrenar_loss{job_name="llama \\"7b\\"\\\\x",run_id="run-0"} 1.25')
    expect(text).toContain('entrenar_learning_rate{job_name="llama \\"7b\\"\\\\x",run_id="run-1"} 0.0001')
    expect(text).toMatch(/entrenar_steps_total\{[^}]*run_id="run-1"\} 3\n/)
    expect(text).toMatch(/entrenar_points_total\{[^}]*run_id="run-1"\} 9\n/)
    expect(text).toMatch(/entrenar_last_step\{[^}]*run_id="run-0"\} 7\n/)
    expect(text).toMatch(/entrenar_last_step_timestamp_seconds\{[^}]*run_id="run-0"\} 1700000001.75\n/)
    // run-0 logged every 2nd step: 0.5 s between the points of steps 5 and 7 is 0.25 s per step.
    expect(text).toMatch(/entrenar_step_duration_seconds_sum\{[^}]*run_id="run-0"\} 0.25\n/)
    expect(text).toMatch(/entrenar_non_finite_total\{[^}]*kind="inf",metric="loss",run_id="run-1"\} 1\n/)
    expect(text).toMatch(/entrenar_non_finite_total\{[^}]*kind="nan",metric="valLoss",run_id="run-1"\} 1\n/)
    expect(text).toMatch(/entrenar_alerts_total\{[^}]*level="critical",rule="non_finite",run_id="run-1"\} 1\n/)
    // A metric ending in _total is not a counter: it gets a suffix so lint and OpenMetrics stay valid.
    expect(text).toContain('# TYPE entrenar_tokens_total_value gauge')
  })

  it('exports run metadata and replaces it when the status changes', () => {
    const e = createPrometheusExporter()
    e.observeRun({ id: 'r', name: 'base "lr"', status: 'running', startTimeMs: 1_700_000_000_500 })
    expect(e.render('prometheus')).toContain('entrenar_run_start_timestamp_seconds{name="base \\"lr\\"",run_id="r",status="running"} 1700000000.5\n')
    e.observeRun({ id: 'r', name: 'base "lr"', status: 'finished', startTimeMs: 1_700_000_000_500 })
    const text = e.render('prometheus')
    expect(text).toContain('status="finished"')
    expect(text).not.toContain('status="running"')
  })

  it('exports the epoch when points carry one', async () => {
    const e = createPrometheusExporter()
    await e.write(batchFromRows('r', [row('loss', 1, 1, { epoch: 2 }), row('loss', 2, 1, { epoch: 3 }), row('loss', 3, 1)]))
    expect(e.render('prometheus')).toContain('entrenar_epoch{run_id="r"} 3\n')
    await e.write(batchFromRows('r2', [row('loss', 1, 1)]))
    expect(e.render('prometheus')).not.toContain('entrenar_epoch{run_id="r2"}')
  })

  it('keeps two metrics that sanitise to one name apart with a metric label', async () => {
    const text = (await sample()).render('prometheus')
    expect(text).toContain('entrenar_val_loss{job_name="llama \\"7b\\"\\\\x",metric="val/loss",odd_key="a\\nb",run_id="run-1",split="val"} 0.8')
    expect(text).toContain('entrenar_val_loss{job_name="llama \\"7b\\"\\\\x",metric="valLoss",run_id="run-1"} NaN')
  })

  it('renders in a stable order whatever the write order', async () => {
    const a = createPrometheusExporter()
    const b = createPrometheusExporter()
    const rows = [row('zeta', 1, 1), row('alpha', 1, 2), row('mid', 1, 3)]
    await a.write(batchFromRows('r2', rows))
    await a.write(batchFromRows('r1', rows))
    await b.write(batchFromRows('r1', [...rows].reverse()))
    await b.write(batchFromRows('r2', [...rows].reverse()))
    expect(a.render('prometheus')).toBe(b.render('prometheus'))
    const names = [...a.render('prometheus').matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!)
    expect(names).toEqual([...names].sort())
  })

  it('passes promtool check metrics', async () => {
    const e = await sample()
    e.register(createLatencyHistogram({ name: 'inference_latency', labels: { model: 'v2' } }))
    const r = promtool(e.render('prometheus'))
    expect(r.out).toBe('prometheus: ')
    expect(r.status).toBe(0)
  })

  it('promtool reports a broken exposition (the check can fail)', () => {
    const r = promtool('# TYPE x gauge\nx{a="b} 1\n')
    expect(r.status).not.toBe(0)
  })

  it('renders OpenMetrics: counter families without _total, units, # EOF', async () => {
    const text = (await sample()).render('openmetrics')
    expect(text).toContain('# TYPE entrenar_steps counter\n')
    expect(text).toMatch(/entrenar_steps_total\{/)
    expect(text).toContain('# UNIT entrenar_step_duration_seconds seconds\n')
    expect(text.endsWith('# EOF\n')).toBe(true)
    expect(text.match(/# EOF/g)?.length).toBe(1)
  })

  it('collect() lists the same samples in the same order', async () => {
    const e = await sample()
    const samples = e.collect()
    const loss = samples.filter((s) => s.name === 'entrenar_loss')
    expect(loss.map((s) => s.labels.run_id)).toEqual(['run-0', 'run-1'])
    expect(loss[1]!.value).toBe(Number.POSITIVE_INFINITY)
    const buckets = samples.filter((s) => s.name === 'entrenar_step_duration_seconds_bucket' && s.labels.run_id === 'run-0')
    expect(buckets.at(-1)!.labels.le).toBe('+Inf')
    expect(buckets.at(-1)!.value).toBe(1)
  })

  it('caps series (cardinality guard) and counts the dropped points', async () => {
    const e = createPrometheusExporter({ maxSeries: 2 })
    await e.write(batchFromRows('r', [row('a', 1, 1), row('b', 1, 2), row('c', 1, 3), row('a', 2, 4)]))
    expect(e.droppedPoints).toBe(1)
    const text = e.render('prometheus')
    expect(text).toContain('entrenar_a{run_id="r"} 4')
    expect(text).not.toContain('entrenar_c{')
    expect(text).toContain('entrenar_exporter_series_dropped_total 1')
    expect(e.removeRun('r')).toBeGreaterThan(0)
    expect(e.render('prometheus')).not.toContain('run_id="r"')
    await e.write(batchFromRows('r2', [row('c', 1, 3)]))
    expect(e.render('prometheus')).toContain('entrenar_c{run_id="r2"} 3')
  })

  it('rejects bad config and bad batches with coded errors; write after close rejects', async () => {
    expect(() => createPrometheusExporter({ labels: { run_id: 'x' } })).toThrow(/reserved/)
    expect(() => createPrometheusExporter({ stepBuckets: [1, 1] })).toThrow(/bucket 1/)
    const e = createPrometheusExporter()
    const good = batchFromRows('r', [row('loss', 1, 1)])
    await expect(e.write({ ...good, step: new Float64Array([0.5]) })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_STEP' })
    await e.close()
    await expect(e.write(good)).rejects.toMatchObject({ code: 'ENTRENAR_CLOSED' })
  })

  it('bridges into a prom-client Registry with the same output', async () => {
    const e = await sample()
    const registry = new Registry()
    e.registerWith(registry)
    // A family created after the bridge is registered too.
    await e.write(batchFromRows('run-2', [row('perplexity', 1, 12.5)]))
    const ours = e.render('prometheus')
    const theirs = await registry.metrics()
    const lines = (s: string) =>
      s
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        // prom-client prints NaN as `Nan` (Go's ParseFloat accepts both).
        .map((l) => l.replace(/ Nan$/, ' NaN'))
        .sort()
    expect(lines(theirs)).toEqual(lines(ours))
    expect(promtool(theirs).status).toBe(0)
    const json = await registry.getMetricsAsJSON()
    expect(json.find((m) => m.name === 'entrenar_perplexity')?.values[0]?.value).toBe(12.5)
  })
})
