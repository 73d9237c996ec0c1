// Benchmark of the hot path: MetricsCollector.recordId and Monitor.log against prom-client on the
// same values, plus the monitor's overhead on the demo's training loop. Prints ns per value and
// ratios measured in this run. Usage: npm run bench -w @entrenar/monitor  (builds first via turbo).
import { createNoopSink } from '@entrenar/core'
import { createMonitor, MetricsCollector } from '@entrenar/monitor'
import client from 'prom-client'

const N = Number(process.env.BENCH_VALUES ?? 2_000_000)
const ROUNDS = 7
const values = new Float64Array(N)
let seed = 1
for (let i = 0; i < N; i++) {
  seed = (seed * 1664525 + 1013904223) >>> 0
  values[i] = Math.exp((seed / 2 ** 32) * 6 - 3)
}

/** Median ns per value over ROUNDS runs of fn (which processes N values). */
async function measure(fn) {
  await fn() // warm-up (JIT)
  const times = []
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint()
    await fn()
    times.push(Number(process.hrtime.bigint() - t0) / N)
  }
  times.sort((a, b) => a - b)
  return times[ROUNDS >> 1]
}

const collector = new MetricsCollector()
const ids = ['loss', 'accuracy', 'learning_rate', 'gradient_norm'].map((m) => collector.metricId(m))
const recordNs = await measure(() => {
  for (let i = 0; i < N; i++) collector.recordId(ids[i & 3], values[i])
})

// Monitor.log with four metrics per call, as a training loop logs them. A no-op store keeps memory flat.
const noop = createNoopSink()
const store = { ...noop, query: async () => ({ series: [] }), range: async () => [], runs: async () => [], putRun: async () => {} }
const monitor = await createMonitor({ runId: 'bench', store, flushIntervalMs: 60_000, system: false })
let step = 0
// A training loop awaits something every step or every few steps (a data loader, tfjs, monitor.gate());
// here it yields once per 1024 steps, which is when full batches go to the sinks and their arrays are reused.
const logNs = await measure(async () => {
  for (let i = 0; i < N; i += 4) {
    monitor.log({ loss: values[i], accuracy: values[i + 1], learning_rate: values[i + 2], gradient_norm: values[i + 3] }, { step: step++ })
    if ((i & 4095) === 0) await undefined
  }
})
await monitor.close()

const registry = new client.Registry()
const summary = new client.Summary({ name: 'loss_summary', help: 'loss', percentiles: [0.5, 0.9, 0.99], registers: [registry] })
const gauge = new client.Gauge({ name: 'loss_gauge', help: 'loss', registers: [registry] })
const summaryNs = await measure(() => {
  for (let i = 0; i < N; i++) summary.observe(values[i])
})
const gaugeNs = await measure(() => {
  for (let i = 0; i < N; i++) gauge.set(values[i])
})

// Overhead on the demo's training loop: the same seeded run with and without monitor.log per step.
const overhead = await trainingOverhead()

async function trainingOverhead() {
  const { loadIris, Mlp } = await import('../../../examples/demo/dist/lib.js')
  const { train } = loadIris(7)
  const steps = 20_000
  const run = async (withMonitor) => {
    const m = new Mlp({ inputs: 4, hidden: 16, outputs: 3, learningRate: 0.05, seed: 7 })
    const mon = withMonitor ? await createMonitor({ runId: `ovh-${Math.random()}`, store, flushIntervalMs: 60_000, system: false }) : undefined
    const t0 = process.hrtime.bigint()
    for (let s = 0; s < steps; s++) {
      const r = m.step(train, (s * 16) % train.rows, 16)
      mon?.log({ loss: r.loss, accuracy: r.accuracy, learning_rate: 0.05, gradient_norm: r.gradientNorm }, { step: s })
      if ((s & 255) === 255) await undefined // both loops yield alike, as a loop with a data loader does
    }
    const ns = Number(process.hrtime.bigint() - t0)
    await mon?.close()
    return ns
  }
  const base = []
  const mon = []
  for (let r = 0; r < 5; r++) {
    base.push(await run(false))
    mon.push(await run(true))
  }
  base.sort((a, b) => a - b)
  mon.sort((a, b) => a - b)
  const b = base[2]
  const m = mon[2]
  return `${(((m - b) / b) * 100).toFixed(3)}% (step ${(b / steps / 1000).toFixed(1)} µs without, ${(m / steps / 1000).toFixed(1)} µs with the monitor; median of 5)`
}

const row = (name, ns) => `${name.padEnd(44)} ${ns.toFixed(1).padStart(8)} ns/value`
console.log(`values: ${N.toLocaleString()} (median of ${ROUNDS} rounds)`)
console.log(row('MetricsCollector.recordId (Welford+DDSketch)', recordNs))
console.log(row('Monitor.log (4 values per call)', logNs))
console.log(row('prom-client Summary.observe (p50/p90/p99)', summaryNs))
console.log(row('prom-client Gauge.set (floor: stores a number)', gaugeNs))
console.log(`ratio Summary.observe / Monitor.log:      ${(summaryNs / logNs).toFixed(1)}×  (budget ≥ 20×)`)
console.log(`ratio Summary.observe / collector record: ${(summaryNs / recordNs).toFixed(1)}×`)
console.log(`ratio Monitor.log / Gauge.set:            ${(logNs / gaugeNs).toFixed(2)}×`)
console.log(`Monitor.log budget ≤ 25 ns/value:         ${logNs <= 25 ? 'met' : 'NOT met'}`)
console.log(`overhead on the demo training loop:       ${overhead}  (budget ≤ 0.1%)`)
