// Detector benchmark: detection quality on seeded synthetic streams (river drift.evaluate metrics),
// the river docstring streams side by side with river's published indices, and update throughput.
// Run: npm run bench -w @entrenar/drift   (builds dist/ first)
import { readFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { adwin, ddm, eddm, evaluateDetector, hddmA, kswin, pageHinkley, seededRandom, zScoreWindow } from '../dist/index.js'

const SEEDS = Number(process.env.BENCH_SEEDS ?? 20)
const real = {
  zScoreWindow: () => zScoreWindow(),
  pageHinkley: () => pageHinkley(),
  adwin: () => adwin(),
  kswin: () => kswin(),
}
const binary = { ddm: () => ddm(), eddm: () => eddm(), hddmA: () => hddmA() }

const streams = {
  'abrupt mean shift: U{0,1} ×1000 → U{4..7} ×1000 (river docstring shape)': {
    detectors: real,
    drifts: [1000],
    deltaMax: 300,
    river: { pageHinkley: '+6 to +9', adwin: '+23', kswin: '+14 to +16' },
    make: (rng) => Array.from({ length: 2000 }, (_, i) => (i < 1000 ? rng.int(2) : 4 + rng.int(4))),
  },
  'gradual mean shift: N(0,1), ramp 0→2 over [1000, 1500], N(2,1) to 2500': {
    detectors: real,
    drifts: [[1000, 1500]],
    deltaMax: 500,
    make: (rng) => Array.from({ length: 2500 }, (_, i) => rng.normal() + (i < 1000 ? 0 : i < 1500 ? (2 * (i - 1000)) / 500 : 2)),
  },
  'variance shift: N(0,1) ×1000 → N(0,3) ×1000': {
    detectors: real,
    drifts: [1000],
    deltaMax: 500,
    make: (rng) => Array.from({ length: 2000 }, (_, i) => rng.normal() * (i < 1000 ? 1 : 3)),
  },
  'Bernoulli error rate 0.5 ×1000 → 0.7 ×1000': {
    detectors: { ...binary, pageHinkley: real.pageHinkley, adwin: real.adwin },
    drifts: [1000],
    deltaMax: 1000,
    river: { ddm: '+334', eddm: '+278 (α 0.8, β 0.75)', hddmA: '+206 (false warning at 451)' },
    make: (rng) => Array.from({ length: 2000 }, (_, i) => (rng.next() < (i < 1000 ? 0.5 : 0.7) ? 1 : 0)),
  },
  'long stationary noise: N(0,1) ×100 000 (real) / Bernoulli(0.3) ×100 000 (binary)': {
    detectors: { ...real, ...binary },
    drifts: [],
    deltaMax: 1,
    make: (rng, name) => Array.from({ length: 100_000 }, () => (name in binary ? (rng.next() < 0.3 ? 1 : 0) : rng.normal())),
  },
}

const fmt = (x, d = 1) => (Number.isNaN(x) ? '—' : x.toFixed(d))
const pad = (s, n) => String(s).padEnd(n)
const lpad = (s, n) => String(s).padStart(n)

console.log(`# Detection quality (${SEEDS} seeds per stream; delay = mean first-alarm delay over caught drifts)\n`)
for (const [title, s] of Object.entries(streams)) {
  const seeds = title.startsWith('long') ? Math.max(2, Math.floor(SEEDS / 5)) : SEEDS
  console.log(`## ${title}${title.startsWith('long') ? ` (${seeds} seeds)` : ''}`)
  console.log(`${pad('detector', 14)}${lpad('delay', 8)}${lpad('missed', 9)}${lpad('FA/1000', 9)}${lpad('FA before', 11)}  river reference`)
  for (const [name, make] of Object.entries(s.detectors)) {
    let delay = 0
    let caught = 0
    let missed = 0
    let fa = 0
    let faBefore = 0
    let n = 0
    for (let seed = 1; seed <= seeds; seed++) {
      const stream = s.make(seededRandom(seed * 7919), name)
      const r = evaluateDetector(make(), stream, s.drifts, { deltaMax: s.deltaMax })
      if (!Number.isNaN(r.detectionDelay)) {
        delay += r.detectionDelay
        caught++
      }
      missed += r.nDrifts - Math.round((1 - r.missedDetectionRate) * r.nDrifts || 0)
      fa += r.falseAlarms.length
      const first = s.drifts.length ? (typeof s.drifts[0] === 'number' ? s.drifts[0] : s.drifts[0][0]) : Number.POSITIVE_INFINITY
      faBefore += r.falseAlarms.filter((a) => a < first).length
      n += r.nSamples
    }
    const missedShare = s.drifts.length ? `${missed}/${seeds * s.drifts.length}` : '—'
    console.log(`${pad(name, 14)}${lpad(caught ? `+${fmt(delay / caught)}` : '—', 8)}${lpad(missedShare, 9)}${lpad(fmt((fa / n) * 1000, 3), 9)}${lpad(s.drifts.length ? faBefore : fa, 11)}  ${s.river?.[name] ?? ''}`)
  }
  console.log('')
}

// The exact river docstring streams (Python's stdlib random), against river 0.26's printed indices.
const fixture = JSON.parse(readFileSync(new URL('../test/fixtures/river-streams.json', import.meta.url), 'utf8'))
console.log('## river docstring streams (exact same values)')
console.log(`${pad('detector', 34)}${lpad('ours', 16)}${lpad('river', 16)}`)
const exact = [
  ['pageHinkley', () => pageHinkley(), fixture.mean_shift.values, '1006'],
  ['adwin', () => adwin(), fixture.mean_shift.values, '1023'],
  ['kswin(α 0.0001, seed 42)', () => kswin({ alpha: 0.0001, seed: 42 }), fixture.mean_shift.values, '1016'],
  ['ddm (warning / drift)', () => ddm(), fixture.bernoulli.values, '1084 / 1334'],
  ['eddm(α 0.8, β 0.75)', () => eddm({ alpha: 0.8, beta: 0.75 }), fixture.bernoulli.values, '1059 / 1278'],
  ['hddmA', () => hddmA(), fixture.bernoulli.values, '451 / 1206'],
]
for (const [name, make, values, river] of exact) {
  const d = make()
  let warning = -1
  const drifts = []
  values.forEach((x, i) => {
    const s = d.update(x)
    if (s === 'warning' && warning < 0) warning = i
    if (s === 'drift') drifts.push(i)
  })
  const ours = river.includes('/') ? `${warning} / ${drifts.join(',')}` : drifts.join(',')
  console.log(`${pad(name, 34)}${lpad(ours, 16)}${lpad(river, 16)}`)
}
console.log('')

// Throughput: best of 5 runs over a pre-built Float64Array, the detector's update called in a plain
// loop. Timed in process CPU time (process.cpuUsage), not wall time, so a shared, loaded machine
// (descheduling) does not count against the detector; wall time is printed beside it.
function throughput(make, values) {
  let best = Number.POSITIVE_INFINITY
  let bestWall = Number.POSITIVE_INFINITY
  let sink = 0
  for (let rep = 0; rep < 5; rep++) {
    const d = make()
    const c0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < values.length; i++) if (d.update(values[i]) === 'drift') sink++
    const wall = Number(process.hrtime.bigint() - t0)
    const c = process.cpuUsage(c0)
    best = Math.min(best, (c.user + c.system) * 1000)
    bestWall = Math.min(bestWall, wall)
  }
  return { perSecond: values.length / (best / 1e9), wallPerSecond: values.length / (bestWall / 1e9), sink }
}

// The peer: the Rust reference's windowed z-score, which recomputes mean and M2 over the window on every update (O(W)).
function rustStyleZScore(window = 100) {
  const buf = []
  return {
    update(x) {
      if (!Number.isFinite(x)) return 'stable'
      let signal = 'stable'
      if (buf.length >= 10) {
        let mean = 0
        for (const v of buf) mean += v
        mean /= buf.length
        let m2 = 0
        for (const v of buf) m2 += (v - mean) ** 2
        const sd = Math.sqrt(m2 / (buf.length - 1))
        const z = sd === 0 ? 0 : (x - mean) / sd
        if (Math.abs(z) >= 3) signal = 'drift'
      }
      buf.push(x)
      if (buf.length > window) buf.shift()
      return signal
    },
  }
}

const N = Number(process.env.BENCH_N ?? 2_000_000)
const rng = seededRandom(1)
const noise = Float64Array.from({ length: N }, () => rng.normal())
const bits = Float64Array.from({ length: N }, () => (rng.next() < 0.3 ? 1 : 0))
console.log(`# Update throughput (${(N / 1e6).toFixed(0)}M values, best of 5, node ${process.version}, load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores)\n`)
console.log(`${pad('detector', 34)}${lpad('M upd/s cpu', 12)}${lpad('wall', 8)}  budget (on CPU time)`)
const rows = [
  ['pageHinkley', () => pageHinkley(), noise, 50],
  ['adwin', () => adwin(), noise, 5],
  ['zScoreWindow (O(1) ring)', () => zScoreWindow(), noise, undefined],
  ['  peer: Rust-style O(W) z-score', () => rustStyleZScore(), noise, undefined],
  ['kswin', () => kswin(), noise.subarray(0, Math.min(N, 200_000)), undefined],
  ['ddm', () => ddm(), bits, undefined],
  ['eddm', () => eddm(), bits, undefined],
  ['hddmA', () => hddmA(), bits, undefined],
]
const results = {}
for (const [name, make, values, budget] of rows) {
  const { perSecond, wallPerSecond } = throughput(make, values)
  results[name] = perSecond
  const verdict = budget === undefined ? '' : `≥${budget}M/s: ${perSecond / 1e6 >= budget ? 'met' : 'MISSED'} (${(perSecond / 1e6 / budget).toFixed(2)}×)`
  console.log(`${pad(name, 34)}${lpad((perSecond / 1e6).toFixed(1), 12)}${lpad((wallPerSecond / 1e6).toFixed(1), 8)}  ${verdict}`)
}
console.log(`\nzScoreWindow vs the Rust-style O(W) z-score: ${(results['zScoreWindow (O(1) ring)'] / results['  peer: Rust-style O(W) z-score']).toFixed(1)}× faster`)
