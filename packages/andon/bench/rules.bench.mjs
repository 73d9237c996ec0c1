// Benchmark of the Andon's hot path: `observeValue` with the default rule set (and with the repository's
// renacer.toml rules), against core's built-in default policy (non-finite check only) and a bare
// `Number.isFinite` loop (the floor any hand-written check pays), in the same run, on the same values.
// Values are fed as the Monitor feeds them: one `log()` record object per step, iterated with for-in.
// Time is the process's CPU time (process.cpuUsage), not wall time, so that other processes on a
// shared machine do not count; rounds are interleaved and the minimum per candidate is kept (the
// least-disturbed estimate), the median printed beside it. Heap growth per value shows the hot path does
// not allocate when nothing fires.
// Usage: npm run bench -w @entrenar/andon   (uses dist/: run `npx tsup` in packages/core and packages/andon first)
import { fileURLToPath } from 'node:url'
import { createAndon, loadRenacerConfig, parseMatcher } from '@entrenar/andon'
import { createDefaultPolicy } from '@entrenar/core'

const STEPS = Number(process.env.BENCH_STEPS ?? 500_000)
const ROUNDS = 9
const N = STEPS * 4
// A healthy run (no rule fires): decreasing loss, noisy rising accuracy, constant lr, steady gradient norm.
let seed = 1
const rnd = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0
  return seed / 2 ** 32
}
const records = []
for (let s = 0; s < STEPS; s++) {
  records.push({ loss: 2 / (1 + s / 1000), accuracy: Math.min(0.97, 0.4 + s / 2e6) * (0.99 + 0.01 * rnd()), learning_rate: 1e-3 + s * 1e-12, gradient_norm: 1 + 0.5 * rnd() })
}

const pass = (p) => () => {
  p.reset?.()
  let stops = 0
  for (let s = 0; s < STEPS; s++) {
    const rec = records[s]
    for (const name in rec) if (p.observeValue(name, rec[name], s) === 'stop') stops++
  }
  return stops
}

const floor = {
  observeValue: (_name, v) => (Number.isFinite(v) ? 'continue' : 'stop'),
}
// The repository's renacer.toml without its console handler (its 10 000-step budget fires once per pass).
const toml = loadRenacerConfig(fileURLToPath(new URL('../../../renacer.toml', import.meta.url)))
const andon = createAndon({ timers: false })
/** 100 active silences (Alertmanager-style matchers): consulted only when an alert fires, never per value. */
const silenced = async (a) => {
  for (let i = 0; i < 100; i++) {
    await a.addSilence({ matchers: [parseMatcher(`rule="r${i}"`), parseMatcher(`metric=~"m${i}_.*"`)], durationMs: 3_600_000, createdBy: 'bench', comment: 'bench' })
  }
  return a
}
const withSilences = await silenced(createAndon({ timers: false }))
const candidates = {
  'Number.isFinite check (floor)': pass(floor),
  'core createDefaultPolicy (non-finite only)': pass(createDefaultPolicy()),
  'createAndon() default rule set': pass(andon),
  'createAndon() default rules + 100 silences': pass(withSilences),
  'createAndon(renacer.toml) rules + budgets': pass(createAndon({ renacer: { ...toml, andon: { ...toml.andon, handlers: [] } }, timers: false })),
}

const times = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]))
for (const fn of Object.values(candidates)) fn() // warm-up (JIT)
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn] of Object.entries(candidates)) {
    const t0 = process.cpuUsage()
    fn()
    const d = process.cpuUsage(t0)
    times[name].push(((d.user + d.system) * 1000) / N)
  }
}

/** Heap growth per value over one pass (young-generation churn included), with --expose-gc. */
const heapOf = (fn) => {
  if (!globalThis.gc) return Number.NaN
  globalThis.gc()
  const before = process.memoryUsage().heapUsed
  fn()
  return (process.memoryUsage().heapUsed - before) / N
}
const heap = Object.fromEntries(Object.entries(candidates).map(([k, fn]) => [k, heapOf(fn)]))
if (andon.history().length !== 0) throw new Error(`the healthy stream raised incidents: ${andon.history().map((i) => i.message).join('; ')}`)

const stat = (a) => {
  const s = [...a].sort((x, y) => x - y)
  return { min: s[0], median: s[s.length >> 1] }
}
const base = stat(times['core createDefaultPolicy (non-finite only)']).min
console.log(`Andon rule evaluation: ${N.toLocaleString('en-US')} values (${STEPS.toLocaleString('en-US')} log() records × 4 metrics), ${ROUNDS} interleaved rounds, node ${process.version}`)
for (const [name, t] of Object.entries(times)) {
  const { min, median } = stat(t)
  console.log(`  ${name.padEnd(44)} min ${min.toFixed(1).padStart(6)} ns/value  median ${median.toFixed(1).padStart(6)}  ${(min / base).toFixed(2).padStart(5)}× core default policy  heap ${heap[name].toFixed(2)} B/value`)
}
const { min } = stat(times['createAndon() default rule set'])
const floorMin = stat(times['Number.isFinite check (floor)']).min
console.log(`  rule evaluation beyond the floor (default rules): ${(min - floorMin).toFixed(1)} ns/value`)
console.log(`  budget ≤ 100 ns/value: ${min <= 100 ? 'met' : 'MISSED'} (${min.toFixed(1)} ns)`)

// The alert path (an incident is raised): what a silence check adds when something fires. 100k WARNING
// alerts by hand (recorded, not stopping) against 0 silences, 100 silences that do not match, and
// 100 + one that mutes them.
const ALERTS = 100_000
const alertPass = (a) => () => {
  for (let i = 0; i < ALERTS; i++) a.trigger({ level: 'warning', rule: 'manual', message: 'bench', metric: 'loss', step: i, timestampMs: 0 })
}
const muting = await silenced(createAndon({ timers: false, maxHistory: 1000 }))
await muting.addSilence({ matchers: [parseMatcher('rule="manual"')], durationMs: 3_600_000, createdBy: 'bench', comment: 'bench' })
const alertCandidates = {
  'no silences': alertPass(createAndon({ timers: false, maxHistory: 1000 })),
  '100 silences, none matching': alertPass(await silenced(createAndon({ timers: false, maxHistory: 1000 }))),
  '100 silences + 1 muting': alertPass(muting),
}
const alertTimes = Object.fromEntries(Object.keys(alertCandidates).map((k) => [k, []]))
for (const fn of Object.values(alertCandidates)) fn()
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn] of Object.entries(alertCandidates)) {
    const t0 = process.cpuUsage()
    fn()
    const d = process.cpuUsage(t0)
    alertTimes[name].push(((d.user + d.system) * 1000) / ALERTS)
  }
}
const alertBase = stat(alertTimes['no silences']).min
console.log(`Alert path: ${ALERTS.toLocaleString('en-US')} incidents per pass`)
for (const [name, t] of Object.entries(alertTimes)) {
  const { min, median } = stat(t)
  console.log(`  ${name.padEnd(44)} min ${min.toFixed(0).padStart(6)} ns/alert  median ${median.toFixed(0).padStart(6)}  ${(min / alertBase).toFixed(2).padStart(5)}× no silences`)
}
