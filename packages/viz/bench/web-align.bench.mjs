// The table uPlot gets for a chart of many runs: a hundred runs' last values on a grid of the chart's
// pixel width, aligned on their shared steps with non-finite values as gaps. Now: alignOnFewX(tables,
// toPlot), which maps each value as it places it. Peer in the same process, alternated: mapping every
// column first (`value.map(toPlot)`, as the page did before), then aligning. Both from the source of
// client/buckets.ts (bundled by esbuild). Prints medians, the ratio and the load average.
//
// Usage: node packages/viz/bench/web-align.bench.mjs   (BENCH_RUNS 100, BENCH_WIDTH 1100, BENCH_ROUNDS 40)
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

const RUNS = Number(process.env.BENCH_RUNS ?? 100)
const WIDTH = Number(process.env.BENCH_WIDTH ?? 1100)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40)
const source = fileURLToPath(new URL('../src/web/client/buckets.ts', import.meta.url))
const out = await esbuild.build({ entryPoints: [source], bundle: true, format: 'esm', write: false, platform: 'neutral' })
const { alignOnFewX } = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`)

const toPlot = (v) => (v - v === 0 ? v : null)
// Runs of different lengths on one grid: run r covers the first WIDTH - r columns, a NaN in each.
const tables = []
for (let r = 0; r < RUNS; r++) {
  const n = WIDTH - r
  const x = Array.from({ length: n }, (_, k) => k * 10 + 9)
  const y = Array.from({ length: n }, (_, k) => Math.exp(-k / 300) + r * 0.01)
  y[(r * 7) % n] = Number.NaN
  tables.push([x, y])
}
const before = () => alignOnFewX(tables.map((t) => [t[0], t[1].map(toPlot)]))
const now = () => alignOnFewX(tables, toPlot)
const time = (fn) => {
  const t0 = performance.now()
  fn()
  return performance.now() - t0
}
for (let i = 0; i < 5; i++) {
  before()
  now()
}
const a = []
const b = []
for (let i = 0; i < ROUNDS; i++) {
  a.push(time(before))
  b.push(time(now))
}
const med = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1]
console.log(`aligning ${RUNS} runs × ≤${WIDTH} grid steps for uPlot, median of ${ROUNDS} alternated rounds:`)
console.log(`  now (mapped while placed): ${med(b).toFixed(2)} ms · before (columns mapped first): ${med(a).toFixed(2)} ms → ${(med(b) / med(a)).toFixed(2)}× the time`)
console.log(`  load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`)
