// Benchmark of the hot path, in one run: the clock sources; MetricsCollector.recordId; Monitor.log and
// the bound handle (monitor.metrics) with the clock read every call and once per 64 calls; prom-client's
// Summary.observe and Gauge.set on the same values; and the monitor's overhead on the demo's training
// loop. Prints ns per value and ratios measured in this run.
// Usage: npm run bench -w @entrenar/monitor  (after a build: the bench imports the packages' dist/).
//
// Times are process CPU time (process.cpuUsage), not wall time: on a shared machine the wall clock also
// counts the time the process waited for a core. Variants are interleaved round by round and the median
// round is reported, so a burst of load hits every variant alike.
import { createNoopSink } from '@entrenar/core'
import { createMonitor, MetricsCollector } from '@entrenar/monitor'
import { availableParallelism, loadavg } from 'node:os'
import client from 'prom-client'

const loadStart = loadavg()
const N = Number(process.env.BENCH_VALUES ?? 2_000_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9)
const values = new Float64Array(N)
let seed = 1
for (let i = 0; i < N; i++) {
  seed = (seed * 1664525 + 1013904223) >>> 0
  values[i] = Math.exp((seed / 2 ** 32) * 6 - 3)
}

const cpuNs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) * 1000
}

/** Median ns per value of each variant (each processes N values per round), rounds interleaved. */
async function measure(variants) {
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
  for (const fn of Object.values(variants)) await fn() // warm-up (JIT)
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, fn] of Object.entries(variants)) {
      const t0 = cpuNs()
      await fn()
      times[name].push((cpuNs() - t0) / N)
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, t]) => [k, t.sort((a, b) => a - b)[t.length >> 1]]))
}

// A no-op store keeps memory flat: the bench measures the hot path, not a store.
const noop = createNoopSink()
const store = { ...noop, query: async () => ({ series: [] }), range: async () => [], runs: async () => [], putRun: async () => {} }
const open = (clockEvery) => createMonitor({ runId: `bench-${clockEvery}`, store, flushIntervalMs: 60_000, system: false, clockEvery })
const names = ['loss', 'accuracy', 'learning_rate', 'gradient_norm']

// --- clock sources: one read per value
const origin = performance.timeOrigin
let sink = 0
const clocks = await measure({
  'Date.now()': () => {
    for (let i = 0; i < N; i++) sink += Date.now()
  },
  'performance.timeOrigin + performance.now()': () => {
    for (let i = 0; i < N; i++) sink += origin + performance.now()
  },
  'process.hrtime.bigint()': () => {
    for (let i = 0; i < N; i++) sink += Number(process.hrtime.bigint())
  },
})

// --- the recording paths. A training loop awaits something every step or every few steps (a data
// loader, tfjs, monitor.gate()); here it yields once per 1024 steps, when full batches go to the sinks.
const collector = new MetricsCollector()
const ids = names.map((m) => collector.metricId(m))
const mLog = await open(1)
const mLog64 = await open(64)
const mH = await open(1)
const mH64 = await open(64)
const mR64 = await open(64)
const h = mH.metrics(names)
const h64 = mH64.metrics(names)
const r64 = mR64.metrics(names)
const row = new Float64Array(4)
let step = 0
const logObject = (m) => async () => {
  for (let i = 0; i < N; i += 4) {
    m.log({ loss: values[i], accuracy: values[i + 1], learning_rate: values[i + 2], gradient_norm: values[i + 3] }, { step: step++ })
    if ((i & 4095) === 0) await undefined
  }
}
const logHandle = (handle) => async () => {
  for (let i = 0; i < N; i += 4) {
    handle.log(step++, values[i], values[i + 1], values[i + 2], values[i + 3])
    if ((i & 4095) === 0) await undefined
  }
}
const paths = await measure({
  record: async () => {
    for (let i = 0; i < N; i++) {
      collector.recordId(ids[i & 3], values[i])
      if ((i & 4095) === 0) await undefined
    }
  },
  log: logObject(mLog),
  log64: logObject(mLog64),
  handle: logHandle(h),
  handle64: logHandle(h64),
  record64: async () => {
    for (let i = 0; i < N; i += 4) {
      row[0] = values[i]
      row[1] = values[i + 1]
      row[2] = values[i + 2]
      row[3] = values[i + 3]
      r64.record(step++, row)
      if ((i & 4095) === 0) await undefined
    }
  },
})
for (const m of [mLog, mLog64, mH, mH64, mR64]) await m.close()

const registry = new client.Registry()
const summary = new client.Summary({ name: 'loss_summary', help: 'loss', percentiles: [0.5, 0.9, 0.99], registers: [registry] })
const gauge = new client.Gauge({ name: 'loss_gauge', help: 'loss', registers: [registry] })
const prom = await measure({
  summary: () => {
    for (let i = 0; i < N; i++) summary.observe(values[i])
  },
  gauge: () => {
    for (let i = 0; i < N; i++) gauge.set(values[i])
  },
})

// Overhead on the demo's training loop, measured in pairs: two copies of the same seeded model step in
// alternating blocks of 256 steps, one bare and one logging (the order within a pair alternates), so a
// burst of load hits both alike, and the per-step difference is taken block by block. Each variant's
// monitor is opened before timing and the first blocks are left out (JIT warm-up, first touch of the
// monitor's arrays). Each block ends with a yield, as a loop with a data loader does, so the hand-off of
// full batches to the sinks is inside the timed block.
// Why not separate runs with and without the monitor: a run's CPU time on a shared machine varies by
// more than the overhead from one run to the next, and each monitored run also paid one-off costs that
// have nothing to do with a step (opening the monitor, the first touch of its arrays).
const overhead = await trainingOverhead()

async function trainingOverhead() {
  const { loadIris, Mlp } = await import('../../../examples/demo/dist/lib.js')
  const { train } = loadIris(7)
  const B = 256
  const blocks = Number(process.env.BENCH_BLOCKS ?? 200)
  const warm = 20
  const model = () => new Mlp({ inputs: 4, hidden: 16, outputs: 3, learningRate: 0.05, seed: 7 })
  const med = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
  const out = {}
  for (const how of ['log', 'handle64']) {
    const bare = model()
    const logged = model()
    const mon = await createMonitor({ runId: `ovh-${how}`, store, flushIntervalMs: 60_000, system: false, clockEvery: how === 'handle64' ? 64 : 1 })
    const hh = how === 'handle64' ? mon.metrics(names) : undefined
    const runBare = async (s0) => {
      const t0 = cpuNs()
      for (let s = s0; s < s0 + B; s++) bare.step(train, (s * 16) % train.rows, 16)
      await undefined
      return cpuNs() - t0
    }
    const runLogged = async (s0) => {
      const t0 = cpuNs()
      for (let s = s0; s < s0 + B; s++) {
        const r = logged.step(train, (s * 16) % train.rows, 16)
        if (hh) hh.log(s, r.loss, r.accuracy, 0.05, r.gradientNorm)
        else mon.log({ loss: r.loss, accuracy: r.accuracy, learning_rate: 0.05, gradient_norm: r.gradientNorm }, { step: s })
      }
      await undefined
      return cpuNs() - t0
    }
    const diffs = []
    const bases = []
    for (let b = 0; b < blocks; b++) {
      const s0 = b * B
      let tb
      let tl
      if (b % 2 === 0) {
        tb = await runBare(s0)
        tl = await runLogged(s0)
      } else {
        tl = await runLogged(s0)
        tb = await runBare(s0)
      }
      if (b >= warm) {
        diffs.push((tl - tb) / B)
        bases.push(tb / B)
      }
    }
    await mon.close()
    out[how] = { base: med(bases), median: med(diffs), mean: mean(diffs) }
  }
  const baseNs = med([out.log.base, out.handle64.base])
  const pct = (o) => `+${o.median.toFixed(0)} ns per step (${((o.median / baseNs) * 100).toFixed(2)}%; mean over blocks +${o.mean.toFixed(0)} ns)`
  return { baseNs, base: `${(baseNs / 1000).toFixed(1)} µs per step without the monitor; median of ${blocks - warm} paired blocks of ${B} steps`, log: pct(out.log), handle64: pct(out.handle64) }
}

const line = (name, ns) => `${name.padEnd(62)} ${ns.toFixed(1).padStart(7)} ns`
const x = (ns) => `${(prom.summary / ns).toFixed(1)}×`
const la = (l) => l.map((x) => x.toFixed(2)).join(' ')
console.log(`values: ${N.toLocaleString()}; CPU time, median of ${ROUNDS} interleaved rounds; load average ${la(loadStart)} at the start, ${la(loadavg())} at the end (${availableParallelism()} cores)`)
console.log(`\nclock sources (per read; checksum ${sink > 0 ? 'ok' : 'zero'})`)
for (const [k, ns] of Object.entries(clocks)) console.log(line(k, ns))
console.log('\nper value                                                           ns     vs Summary.observe')
console.log(`${line('MetricsCollector.recordId (Welford + NaN/Inf + DDSketch)', paths.record)}   ${x(paths.record)}`)
console.log(`${line('Monitor.log, 4 values per call, clock every call', paths.log)}   ${x(paths.log)}`)
console.log(`${line('Monitor.log, 4 values per call, clockEvery: 64', paths.log64)}   ${x(paths.log64)}`)
console.log(`${line('handle.log(step, v0..v3), clock every call', paths.handle)}   ${x(paths.handle)}`)
console.log(`${line('handle.log(step, v0..v3), clockEvery: 64', paths.handle64)}   ${x(paths.handle64)}`)
console.log(`${line('handle.record(step, Float64Array), clockEvery: 64', paths.record64)}   ${x(paths.record64)}`)
console.log(line('prom-client Summary.observe (p50/p90/p99)', prom.summary))
console.log(line('prom-client Gauge.set (floor: stores a number)', prom.gauge))
const best = Math.min(paths.handle64, paths.record64)
const budget = (name, ns) => `${name}: ${ns.toFixed(1)} ns, ${x(ns)} Summary.observe, ${(ns / prom.gauge).toFixed(2)}× Gauge.set: ${ns <= 25 && prom.summary / ns >= 20 ? 'met' : 'NOT met'}`
console.log('\nbudget ≤ 25 ns per value and ≥ 20× Summary.observe (clockEvery: 64):')
console.log(`  ${budget('Monitor.log', paths.log64)}`)
console.log(`  ${budget('handle (fastest of log and record)', best)}`)
console.log(`  the collector alone: ${paths.record.toFixed(1)} ns`)
console.log(`overhead on the demo training loop (${overhead.base}; budget ≤ 0.1%):`)
console.log(`  log():                    ${overhead.log}`)
console.log(`  handle, clockEvery: 64:   ${overhead.handle64}`)
// The per-value cost above, times the 4 values of a step: measured back to back, with the monitor's code
// and data hot in the caches, which the model's step evicts in between in a training loop.
const est = (ns) => `${(((4 * ns) / overhead.baseNs) * 100).toFixed(2)}% (${(4 * ns).toFixed(0)} ns per step)`
console.log(`  estimated from the per-value cost: log() ${est(paths.log)}; handle, clockEvery: 64 ${est(paths.handle64)}`)
