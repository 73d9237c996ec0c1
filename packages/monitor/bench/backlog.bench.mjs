// The monitor → store path over a long run logged faster than the store drains: a real Parquet store
// (@entrenar/db, WAL + segments) under a loop of 4 metrics per step that yields every 1024 steps.
// Two loops, each in a fresh store: one that only yields (the monitor holds at most maxBufferedRows
// and counts what it cannot store), one that awaits monitor.gate() (back-pressure: every row stored).
// Prints peak RSS, the backlog counters and the load average.
// Usage: node packages/monitor/bench/backlog.bench.mjs  (after a build; BENCH_BACKLOG_VALUES, default 50M;
// BENCH_BACKLOG_MODES=yield or gate for one loop)
import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMonitor } from '@entrenar/monitor'
import { openStore } from '../../db/dist/index.js'

const VALUES = Number(process.env.BENCH_BACKLOG_VALUES ?? 50_000_000)
const STEPS = Math.ceil(VALUES / 4)
const la = () => loadavg().map((x) => x.toFixed(2)).join(' ')
const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`
const names = ['loss', 'accuracy', 'learning_rate', 'gradient_norm']

async function run(mode) {
  const dir = await mkdtemp(join(tmpdir(), 'monitor-backlog-'))
  const store = await openStore(dir)
  const errors = []
  const m = await createMonitor({ runId: `backlog-${mode}`, store, system: false, clockEvery: 64, onError: (e) => errors.push(e.code) })
  const h = m.metrics(names)
  const rss0 = process.memoryUsage.rss()
  let peakRss = rss0
  const quarters = [0, 0, 0, 0] // peak RSS in each quarter of the run: flat when the buffer is bounded
  const t0 = performance.now()
  for (let step = 0; step < STEPS; step++) {
    h.log(step, 1 / (step + 1), (step % 100) / 100, 0.01, step % 1000 === 999 ? Number.NaN : 1)
    if ((step & 1023) === 1023) {
      if (mode === 'gate') await m.gate()
      else await new Promise(setImmediate)
      if ((step & 65535) === 65535) {
        const rss = process.memoryUsage.rss()
        const q = Math.min(3, Math.floor((4 * step) / STEPS))
        quarters[q] = Math.max(quarters[q], rss)
        peakRss = Math.max(peakRss, rss)
      }
    }
  }
  const loopS = (performance.now() - t0) / 1000
  await m.flush()
  peakRss = Math.max(peakRss, process.memoryUsage.rss())
  const b = m.backlog()
  const samples = m.summary().metrics.gradient_norm
  await m.close()
  await store.close()
  await rm(dir, { recursive: true, force: true })
  const totalS = (performance.now() - t0) / 1000
  console.log(
    `${mode === 'gate' ? 'await gate() every 1024 steps' : 'yield every 1024 steps (no gate)'}: ${(4 * STEPS).toLocaleString()} values in ${loopS.toFixed(1)} s (${totalS.toFixed(1)} s with the final flush); ` +
      `peak RSS ${mib(peakRss)} (start ${mib(rss0)}; peak in each quarter of the run ${quarters.map(mib).join(' / ')}); backlog peak ${b.peakRows.toLocaleString()} of ${b.limitRows.toLocaleString()} rows; ` +
      `not stored ${b.droppedRows.toLocaleString()} (${((100 * b.droppedRows) / (4 * STEPS)).toFixed(1)}%), ${errors.filter((c) => c === 'ENTRENAR_SINK_FAILED').length} episodes reported; ` +
      `NaN counted ${samples?.nanCount ?? 0}`,
  )
}

console.log(`monitor → Parquet store, ${VALUES.toLocaleString()} values per loop; load average ${la()} (${availableParallelism()} cores)`)
// BENCH_BACKLOG_MODES=yield (or gate) runs one loop only.
for (const mode of (process.env.BENCH_BACKLOG_MODES ?? 'yield,gate').split(',')) await run(mode.trim())
console.log(`load average at the end ${la()}`)
