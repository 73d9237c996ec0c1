// Throughput when one program drives every kind of detector in the same loop (a monitor watching many
// metrics). A per-value `d.update(x)` over a mixed array of detectors is a megamorphic call site: V8
// stops inlining and every call goes through the megamorphic stub. `updateMany(batch)` moves the loop
// into each detector's class, so the inner call stays monomorphic whatever the caller does.
// Run: npm run build -w @entrenar/drift && node packages/drift/bench/mixed.mjs   (MIXED_N values, default 1e6)
import { availableParallelism, loadavg } from 'node:os'
import { adwin, ddm, eddm, hddmA, kswin, pageHinkley, seededRandom, zScoreWindow } from '../dist/index.js'

const N = Number(process.env.MIXED_N ?? 1_000_000)
const BATCH = 1024
const rng = seededRandom(1)
const noise = Float64Array.from({ length: N }, () => rng.normal())
const bits = Float64Array.from({ length: N }, () => (rng.next() < 0.3 ? 1 : 0))

/** Every kind, river and calibrated, each with its own input stream; budgets in M updates/s. */
const kinds = [
  ['pageHinkley', () => pageHinkley({ mode: 'up' }), noise, 50],
  ['pageHinkley calibrated', () => pageHinkley({ mode: 'up', falseAlarmsPerMillion: 1 }), noise, 50],
  ['adwin', () => adwin(), noise, 5],
  ['adwin calibrated', () => adwin({ falseAlarmsPerMillion: 1 }), noise, 5],
  ['zScoreWindow', () => zScoreWindow(), noise],
  ['kswin', () => kswin(), noise],
  ['kswin calibrated', () => kswin({ falseAlarmsPerMillion: 1 }), noise],
  ['ddm', () => ddm(), bits],
  ['eddm', () => eddm(), bits],
  ['hddmA', () => hddmA(), bits],
  ['hddmA calibrated', () => hddmA({ falseAlarmsPerMillion: 1 }), bits],
]

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]
}

// One shared call site for the per-value loop; after the warm-up it has seen every class.
function step(d, x) {
  return d.update(x)
}

function perValueMixed() {
  const dets = kinds.map(([, make]) => make())
  let sink = 0
  // Warm the shared site with every kind (this is what a monitor's loop over its detectors does).
  for (let i = 0; i < 20_000; i++) for (let j = 0; j < dets.length; j++) if (step(dets[j], kinds[j][2][i]) === 'drift') sink++
  // Then time one kind at a time through that same megamorphic site, per batch (median rate: robust to preemption).
  const rates = {}
  for (const [j, [name, , values, budget]] of kinds.entries()) {
    if (budget === undefined) continue
    const d = dets[j]
    const per = []
    for (let b = 0; b + BATCH <= N; b += BATCH) {
      const t0 = process.hrtime.bigint()
      for (let i = b; i < b + BATCH; i++) if (step(d, values[i]) === 'drift') sink++
      per.push(BATCH / (Number(process.hrtime.bigint() - t0) / 1e9))
    }
    rates[name] = median(per)
  }
  return { rates, sink }
}

function batchedMixed() {
  const dets = kinds.map(([, make]) => make())
  const per = kinds.map(() => [])
  let sink = 0
  const kswinLimit = Math.min(N, 100_000) // KSWIN runs an exact KS test per update (~0.5 M/s)
  for (let b = 0; b + BATCH <= N; b += BATCH) {
    for (let j = 0; j < dets.length; j++) {
      const [name, , values] = kinds[j]
      if (name.startsWith('kswin') && b >= kswinLimit) continue
      const t0 = process.hrtime.bigint()
      sink += dets[j].updateMany(values.subarray(b, b + BATCH))
      per[j].push(BATCH / (Number(process.hrtime.bigint() - t0) / 1e9))
    }
  }
  return { rates: Object.fromEntries(kinds.map(([name], j) => [name, median(per[j])])), sink }
}

console.log(`# Mixed-detector throughput (${N / 1e6}M values per detector, batches of ${BATCH}, median batch rate; node ${process.version}, load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores)\n`)
const batched = batchedMixed()
const perValue = perValueMixed()
console.log('| detector | updateMany in the mixed loop (M/s) | update() through the shared megamorphic site (M/s) | budget | met (batch) |')
console.log('|---|---|---|---|---|')
for (const [name, , , budget] of kinds) {
  const b = batched.rates[name] / 1e6
  const p = perValue.rates[name]
  console.log(`| ${name} | ${b.toFixed(1)} | ${p === undefined ? '—' : (p / 1e6).toFixed(1)} | ${budget === undefined ? '—' : `≥ ${budget}`} | ${budget === undefined ? '' : b >= budget ? `yes (${(b / budget).toFixed(2)}×)` : `NO (${(b / budget).toFixed(2)}×)`} |`)
}
console.log(`\n(sink ${batched.sink + perValue.sink})`)
