// Hansei analysis cost: analyzeRun over a 1M-point run (4 metrics × 250 000 steps) against the read it
// needs (the store's raw, step-ordered query), measured in the same process. Run after building:
//   cd packages/core && npx tsup && cd ../monitor && npx tsup && node bench/hansei.bench.mjs
import { createMemoryStore, RecordBatchBuilder } from '@entrenar/core'
import { analyzeRun } from '../dist/index.js'

const steps = Number(process.env.BENCH_STEPS ?? 250_000)
const store = createMemoryStore()
await store.putRun({ id: 'big', status: 'finished', startTimeMs: 0, endTimeMs: 1 })
const b = new RecordBatchBuilder('big', steps * 4)
const ids = ['loss', 'accuracy', 'gradient_norm', 'learning_rate'].map((m) => b.metricId(m))
for (let s = 0; s < steps; s++) for (let k = 0; k < 4; k++) b.append(ids[k], Math.exp(-s / steps) + Math.sin(s) * 0.01 * (k + 1), s, s * 10, -2147483648, -2147483648, -1)
await store.write(b.finish())

const cpu = (f) => async () => {
  const c0 = process.cpuUsage()
  await f()
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / 1000
}
let result
const query = cpu(async () => {
  result = await store.query({ runs: ['big'] })
})
const analysis = cpu(async () => analyzeRun({ query: async () => result, runs: () => store.runs() }, 'big'))
const best = { query: Number.POSITIVE_INFINITY, analysis: Number.POSITIVE_INFINITY }
for (let i = 0; i < 5; i++) {
  best.query = Math.min(best.query, await query())
  best.analysis = Math.min(best.analysis, await analysis())
}
console.log(`points: ${steps * 4}`)
console.log(`raw query (in-memory store, CPU ms, best of 5): ${best.query.toFixed(1)}`)
console.log(`analyzeRun on the queried series (CPU ms, best of 5): ${best.analysis.toFixed(1)}`)
console.log(`analysis / query: ${(best.analysis / best.query).toFixed(2)}×`)
