// FFI benchmark: detector updates per second through the C ABI one value per call, through the batch
// call (whole stream, and batches of 64), and in TypeScript (@entrenar/drift), in one run, as ratios.
// Rounds are interleaved and the median is kept, so load on the machine hits every variant alike.
// Run: npm run bench -w @entrenar/drift-native   (builds dist/ first; needs the release library)
import { loadavg } from 'node:os'
import * as ts from '@entrenar/drift'
import * as native from '../dist/index.js'

const TS = { pageHinkley: ts.pageHinkley, adwin: ts.adwin, kswin: ts.kswin, ddm: ts.ddm, eddm: ts.eddm, hddmA: ts.hddmA }
const NATIVE = { pageHinkley: native.pageHinkley, adwin: native.adwin, kswin: native.kswin, ddm: native.ddm, eddm: native.eddm, hddmA: native.hddmA }

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const rng = ts.seededRandom(11)
const real = Float64Array.from({ length: 1_000_000 }, (_, i) => (i % 200_000 < 100_000 ? 0 : 3) + rng.normal())
const binary = Float64Array.from({ length: 1_000_000 }, (_, i) => (rng.next() < (i % 200_000 < 100_000 ? 0.2 : 0.4) ? 1 : 0))

const detectors = [
  ['pageHinkley', 'pageHinkley', real],
  ['adwin', 'adwin', real],
  ['kswin', 'kswin', real.subarray(0, 200_000)],
  ['ddm', 'ddm', binary],
  ['eddm', 'eddm', binary],
  ['hddmA', 'hddmA', binary],
]

const variants = {
  typescript: (name, xs) => {
    const d = TS[name]()
    let drifts = 0
    for (let i = 0; i < xs.length; i++) if (d.update(xs[i]) === 'drift') drifts++
    return drifts
  },
  'ffi per value': (name, xs) => {
    const d = NATIVE[name]()
    let drifts = 0
    for (let i = 0; i < xs.length; i++) if (d.update(xs[i]) === 'drift') drifts++
    d.close()
    return drifts
  },
  'ffi batch of 64': (name, xs) => {
    const d = NATIVE[name]()
    let drifts = 0
    for (let i = 0; i < xs.length; i += 64) {
      const s = d.updateBatch(xs.subarray(i, i + 64))
      for (let k = 0; k < s.length; k++) if (s[k] === 2) drifts++
    }
    d.close()
    return drifts
  },
  'ffi whole batch': (name, xs) => {
    const d = NATIVE[name]()
    const s = d.updateBatch(xs)
    let drifts = 0
    for (let k = 0; k < s.length; k++) if (s[k] === 2) drifts++
    d.close()
    return drifts
  },
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]
const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(1)} M` : `${(x / 1e3).toFixed(0)} k`)
const names = Object.keys(variants)
const load0 = loadavg()
console.log(`# Detector updates per second: FFI (Rust via koffi) vs TypeScript, median of ${ROUNDS} interleaved rounds`)
console.log(`node ${process.version}, library ${native.loadDriftNative().path.split('/').slice(-3).join('/')}, load average at start ${load0.map((x) => x.toFixed(2)).join(' ')}\n`)
console.log(`${'detector'.padEnd(12)}${names.map((n) => n.padStart(17)).join('')}${'per value/TS'.padStart(14)}${'batch/TS'.padStart(10)}${'batch64/TS'.padStart(12)}`)
for (const [label, name, xs] of detectors) {
  const times = Object.fromEntries(names.map((n) => [n, []]))
  const drifts = {}
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of names) {
      const t0 = process.hrtime.bigint()
      drifts[n] = variants[n](name, xs)
      times[n].push(Number(process.hrtime.bigint() - t0) / 1e9)
    }
  }
  if (new Set(Object.values(drifts)).size !== 1) throw new Error(`${label}: variants disagree on the number of drifts ${JSON.stringify(drifts)}`)
  const rate = Object.fromEntries(names.map((n) => [n, xs.length / median(times[n])]))
  const ratio = (n) => `${(rate[n] / rate.typescript).toFixed(2)}×`
  console.log(
    `${label.padEnd(12)}${names.map((n) => `${fmt(rate[n])}/s`.padStart(17)).join('')}${ratio('ffi per value').padStart(14)}${ratio('ffi whole batch').padStart(10)}${ratio('ffi batch of 64').padStart(12)}`,
  )
}
console.log(`\nload average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')} (2 cores shared)`)
