// /metrics for 10K series: the exporter's render() against prom-client's registry.metrics() on the
// same series, in one run. Build first (npm run bench -w @entrenar/serve does).
import { batchFromRows } from '@entrenar/core'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { Bench } from 'tinybench'
import { createPrometheusExporter, DEFAULT_LATENCY_BUCKETS } from '../dist/index.js'

const RUNS = 100
const METRICS = 96 // 100 runs × 96 metric gauges + 100 runs × 4 per-run gauges/counters = 10 000 series (+ 100 histograms)
const T0 = 1_700_000_000_000_000

const exporter = createPrometheusExporter()
const registry = new Registry()
const names = Array.from({ length: METRICS }, (_, m) => (m === 0 ? 'loss' : `metric_${m}`))
const gauges = names.map((n) => new Gauge({ name: `entrenar_${n}`, help: n === 'loss' ? 'Training loss (last value logged)' : `Training metric ${JSON.stringify(n)} (last value logged)`, labelNames: ['run_id'], registers: [registry] }))
const steps = new Counter({ name: 'entrenar_steps_total', help: 'steps', labelNames: ['run_id'], registers: [registry] })
const points = new Counter({ name: 'entrenar_points_total', help: 'points', labelNames: ['run_id'], registers: [registry] })
const lastStep = new Gauge({ name: 'entrenar_last_step', help: 'last step', labelNames: ['run_id'], registers: [registry] })
const lastTs = new Gauge({ name: 'entrenar_last_step_timestamp_seconds', help: 'ts', labelNames: ['run_id'], registers: [registry] })
const latency = new Histogram({ name: 'entrenar_step_duration_seconds', help: 'latency', labelNames: ['run_id'], buckets: [...DEFAULT_LATENCY_BUCKETS], registers: [registry] })

for (let r = 0; r < RUNS; r++) {
  const runId = `run-${String(r).padStart(3, '0')}`
  const dtUs = 1000 + r * 137
  const rows = []
  for (let step = 1; step <= 2; step++) {
    for (let m = 0; m < METRICS; m++) rows.push({ metric: names[m], value: (r * 31 + m * 7 + step) / 97, step, timestampUs: T0 + (step - 1) * dtUs, epoch: null, batch: null, tags: null })
  }
  await exporter.write(batchFromRows(runId, rows))
  for (let m = 0; m < METRICS; m++) gauges[m].set({ run_id: runId }, (r * 31 + m * 7 + 2) / 97)
  steps.inc({ run_id: runId }, 2)
  points.inc({ run_id: runId }, rows.length)
  lastStep.set({ run_id: runId }, 2)
  lastTs.set({ run_id: runId }, (T0 + dtUs) / 1e6)
  latency.observe({ run_id: runId }, dtUs / 1e6)
}

// Same series on both sides (the sample lines; HELP texts differ; prom-client writes `le` first).
const canonical = (l) => l.replace(/\{([^}]*)\}/, (_, inner) => `{${inner.split(',').sort().join(',')}}`)
const lines = (s) =>
  s
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map(canonical)
    .sort()
const ours = exporter.render('prometheus')
const theirs = await registry.metrics()
const a = lines(ours)
const b = lines(theirs)
const same = a.length === b.length && a.every((l, i) => l === b[i])
if (!same) {
  const diff = a.filter((l) => !b.includes(l)).slice(0, 5)
  throw new Error(`outputs differ (${a.length} vs ${b.length} lines), e.g. ${diff.join(' | ')}`)
}
const scalarSeries = a.filter((l) => !l.includes('_step_duration_seconds')).length

const bench = new Bench({ time: 2000, warmupTime: 300 })
bench.add('entrenar render("prometheus")', () => exporter.render('prometheus'))
bench.add('prom-client registry.metrics()', async () => {
  await registry.metrics()
})
await bench.run()
const [e, p] = bench.tasks.map((t) => t.result)
console.log(`/metrics with ${scalarSeries} scalar series + ${RUNS} histograms (${a.length} sample lines, outputs identical)`)
console.table(bench.tasks.map((t) => ({ task: t.name, 'mean ms': t.result.latency.mean.toFixed(3), 'p99 ms': t.result.latency.p99.toFixed(3), samples: t.result.latency.samplesCount })))
console.log(`ratio: entrenar is ${(p.latency.mean / e.latency.mean).toFixed(2)}x faster than prom-client (budget >= 2x)`)

// Second scenario: ingesting a batch (what the monitor's sink path costs), 10 metrics × 10 000 steps of
// one run, against prom-client's Gauge.set + Counter.inc per point on the same data.
const ROWS_STEPS = 10_000
const METRICS_PER_STEP = 10
const rows = []
for (let step = 0; step < ROWS_STEPS; step++) {
  for (let m = 0; m < METRICS_PER_STEP; m++) rows.push({ metric: `m${m}`, value: step * 0.001 + m, step, timestampUs: T0 + step * 1000, epoch: null, batch: null, tags: null })
}
const big = batchFromRows('ingest-run', rows)
const ingestExporter = createPrometheusExporter({ prefix: 'ingest' })
const pcRegistry = new Registry()
const pcGauges = Array.from({ length: METRICS_PER_STEP }, (_, m) => new Gauge({ name: `ingest_m${m}`, help: 'm', labelNames: ['run_id'], registers: [pcRegistry] }))
const pcSteps = new Counter({ name: 'ingest_steps_total', help: 's', labelNames: ['run_id'], registers: [pcRegistry] })
const ingest = new Bench({ time: 2000, warmupTime: 300 })
ingest.add('entrenar exporter.write(batch of 100 000 rows)', async () => {
  await ingestExporter.write(big)
})
ingest.add('prom-client Gauge.set per row (+ Counter.inc per step)', () => {
  const labels = { run_id: 'ingest-run' }
  for (let i = 0; i < big.length; i++) {
    pcGauges[big.metric[i]].set(labels, big.value[i])
    if (big.metric[i] === 0) pcSteps.inc(labels)
  }
})
await ingest.run()
const [ei, pi] = ingest.tasks.map((t) => t.result)
console.table(ingest.tasks.map((t) => ({ task: t.name, 'mean ms': t.result.latency.mean.toFixed(3), 'M rows/s': (big.length / t.result.latency.mean / 1000).toFixed(2) })))
console.log(`ratio: entrenar ingests ${(pi.latency.mean / ei.latency.mean).toFixed(2)}x faster than prom-client per-point updates`)
