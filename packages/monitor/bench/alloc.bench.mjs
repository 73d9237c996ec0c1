// Heap bytes allocated per call on the recording paths, beside prom-client's Summary.observe, so the
// README's "allocation-free" claims stand on a measurement. Run with a young generation large enough that
// no scavenge happens inside a measured window (the package's bench script passes the flags):
//   node --expose-gc --max-semi-space-size=256 bench/alloc.bench.mjs
// Each window: gc(), heapUsed, CALLS calls (yielding every 1024 calls as a training loop does, so batch
// arrays go back to the pool), heapUsed again; the median of ROUNDS windows is reported.
import { createNoopSink } from '@entrenar/core'
import { createMonitor } from '@entrenar/monitor'
import client from 'prom-client'

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc --max-semi-space-size=256')
const CALLS = Number(process.env.BENCH_CALLS ?? 100_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const noop = createNoopSink()
const store = { ...noop, query: async () => ({ series: [] }), range: async () => [], runs: async () => [], putRun: async () => {} }
const names = ['loss', 'accuracy', 'learning_rate', 'gradient_norm']
const open = () => createMonitor({ runId: `alloc-${Math.random()}`, store, flushIntervalMs: 60_000, system: false, clockEvery: 64 })

async function bytesPerCall(fn) {
  await fn() // warm-up: JIT, pools, first batches
  const out = []
  for (let r = 0; r < ROUNDS; r++) {
    globalThis.gc()
    const before = process.memoryUsage().heapUsed
    await fn()
    out.push((process.memoryUsage().heapUsed - before) / CALLS)
  }
  return out.sort((a, b) => a - b)[out.length >> 1]
}

let step = 0
const mLog = await open()
const mHandle = await open()
const mRecord = await open()
const handle = mHandle.metrics(names)
const rec = mRecord.metrics(names)
const row = new Float64Array(4)
const v = (i) => 1 + (i % 97) / 97
const results = {
  'Monitor.log({ 4 values }, { step })': await bytesPerCall(async () => {
    for (let i = 0; i < CALLS; i++) {
      mLog.log({ loss: v(i), accuracy: v(i + 1), learning_rate: v(i + 2), gradient_norm: v(i + 3) }, { step: step++ })
      if ((i & 1023) === 1023) await undefined
    }
  }),
  'handle.log(step, v0..v3)': await bytesPerCall(async () => {
    for (let i = 0; i < CALLS; i++) {
      handle.log(step++, v(i), v(i + 1), v(i + 2), v(i + 3))
      if ((i & 1023) === 1023) await undefined
    }
  }),
  'handle.record(step, Float64Array)': await bytesPerCall(async () => {
    for (let i = 0; i < CALLS; i++) {
      row[0] = v(i)
      row[1] = v(i + 1)
      row[2] = v(i + 2)
      row[3] = v(i + 3)
      rec.record(step++, row)
      if ((i & 1023) === 1023) await undefined
    }
  }),
}
for (const m of [mLog, mHandle, mRecord]) await m.close()
const summary = new client.Summary({ name: 'alloc_summary', help: 'h', percentiles: [0.5, 0.9, 0.99], registers: [] })
const peer = await bytesPerCall(async () => {
  for (let i = 0; i < CALLS; i++) {
    for (let k = 0; k < 4; k++) summary.observe(v(i + k))
    if ((i & 1023) === 1023) await undefined
  }
})
console.log(`heap bytes per call (4 values), median of ${ROUNDS} windows of ${CALLS.toLocaleString()} calls`)
for (const [k, b] of Object.entries(results)) console.log(`${k.padEnd(44)} ${b.toFixed(1).padStart(8)} B`)
console.log(`${'prom-client Summary.observe × 4 (peer)'.padEnd(44)} ${peer.toFixed(1).padStart(8)} B`)
