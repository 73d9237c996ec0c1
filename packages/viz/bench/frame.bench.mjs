// One terminal frame of 4 panels × 1M points (plus a 10k-point validation series per panel) after
// the data is in memory, against asciichart drawing the same data in the same run. Prints median
// milliseconds and ratios. Usage: npm run bench -w @entrenar/viz  (builds core and viz first).
import { RecordBatchBuilder } from '@entrenar/core'
import { createSvgDashboard, createTerminalDashboard, downsampleMinMaxLast, renderPng, renderSvg } from '@entrenar/viz'
import asciichart from 'asciichart'

const N = Number(process.env.BENCH_POINTS ?? 1_000_000)
const PANELS = 4
const WIDTH = Number(process.env.BENCH_WIDTH ?? 160)
const HEIGHT = 48
const ROUNDS = 21
const metrics = ['loss', 'accuracy', 'grad_norm', 'learning_rate']

/** Median wall-clock milliseconds of `fn` over `rounds` runs (after two warm-up runs). */
function median(fn, rounds = ROUNDS) {
  fn()
  fn()
  const times = []
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint()
    fn()
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  times.sort((a, b) => a - b)
  return times[rounds >> 1]
}

/** Median CPU milliseconds (user + system) of this process per run: less sensitive to a busy machine. */
function cpuMedian(fn, rounds = ROUNDS, inner = 5) {
  fn()
  const times = []
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage()
    for (let k = 0; k < inner; k++) fn()
    const c = process.cpuUsage(c0)
    times.push((c.user + c.system) / 1000 / inner)
  }
  times.sort((a, b) => a - b)
  return times[rounds >> 1]
}

// Data: one curve per panel with noise, a spike and a NaN, plus a sparse validation twin.
let seed = 42
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0
  return seed / 2 ** 32
}
const xs = Float64Array.from({ length: N }, (_, i) => i)
const ys = metrics.map((_, p) => {
  const y = new Float64Array(N)
  for (let i = 0; i < N; i++) y[i] = (p + 1) * Math.exp(-i / (N / 5)) + 0.05 * rand()
  y[Math.floor(N * 0.37)] += 10 // one-point spike
  y[Math.floor(N * 0.81)] = Number.NaN
  return y
})
const b = new RecordBatchBuilder('bench', N * PANELS + PANELS * (N / 100))
for (let p = 0; p < PANELS; p++) {
  const m = b.metricId(metrics[p])
  const v = b.metricId(`val_${metrics[p]}`)
  const y = ys[p]
  for (let i = 0; i < N; i++) b.append(m, y[i], i, 1.7e15 + i)
  for (let i = 0; i < N; i += 100) b.append(v, y[i] * 1.1, i, 1.7e15 + i)
}
const batch = b.finish()
const quiet = { write: () => true, isTTY: false, columns: WIDTH, rows: HEIGHT }

const t0 = process.hrtime.bigint()
const dash = createTerminalDashboard({ stream: quiet, live: false, width: WIDTH, height: HEIGHT, color: true })
dash.update({ batch })
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6

const ours = median(() => dash.render())
const oursCpu = cpuMedian(() => dash.render())
const ascii = createTerminalDashboard({ stream: quiet, live: false, width: WIDTH, height: HEIGHT, ascii: true, color: false })
ascii.update({ batch })
const oursAscii = median(() => ascii.render())

const plotCols = 2 * (Math.floor((WIDTH - 1) / 2) - 5)

// asciichart draws one column per value, so 1M points need reducing to the panel width first.
// Three ways, all for the same 4 panels (train + validation, same height as ours):
//  - equal fidelity: spike-preserving min/max/last columns by a one-pass scan each frame (what one
//    needs without an index), then asciichart draws the columns' last values and their max;
//  - decimated: every k-th point (cheap, loses spikes);
//  - raw: the whole series as one chart column per point (measured on a slice, scaled linearly).
const panelH = 16
const acWidth = Math.floor((WIDTH - 1) / 2) - 12
function asciichartFidelity() {
  const out = []
  for (let p = 0; p < PANELS; p++) {
    const d = downsampleMinMaxLast(xs, ys[p], acWidth)
    out.push(asciichart.plot([Array.from(d.max), Array.from(d.last)], { height: panelH - 3, colors: [asciichart.cyan, asciichart.yellow] }))
  }
  return out.join('\n')
}
function asciichartDecimated() {
  const out = []
  for (let p = 0; p < PANELS; p++) {
    const step = Math.ceil(N / acWidth)
    const train = []
    const val = []
    for (let i = 0; i < N; i += step) {
      train.push(ys[p][i])
      val.push(ys[p][i - (i % 100)] * 1.1)
    }
    out.push(asciichart.plot([train, val], { height: panelH - 3, colors: [asciichart.cyan, asciichart.yellow] }))
  }
  return out.join('\n')
}
// Interleave ours and the peers so they see the same machine load.
const rounds = { ours: [], fidelity: [], decimated: [] }
for (let r = 0; r < 15; r++) {
  rounds.ours.push(median(() => dash.render(), 3))
  rounds.fidelity.push(median(asciichartFidelity, 1))
  rounds.decimated.push(median(asciichartDecimated, 3))
}
const med = (a) => a.sort((p, q) => p - q)[a.length >> 1]
const oursI = med(rounds.ours)
const peer = med(rounds.fidelity)
const peerCpu = cpuMedian(asciichartFidelity, 7, 1)
const peerDec = med(rounds.decimated)
const FULL = Number(process.env.BENCH_ASCIICHART_FULL ?? 50_000)
const peerFull = (median(() => asciichart.plot(Array.from(ys[0].subarray(0, FULL)), { height: panelH - 3 }), 3) * N * PANELS) / FULL

// Does the one-point spike survive? Ours: the frame's y axis reaches it; asciichart: its decimated input.
const spikeValue = ys[0][Math.floor(N * 0.37)]
const step = Math.ceil(N / acWidth)
let decimatedMax = Number.NEGATIVE_INFINITY
for (let i = 0; i < N; i += step) if (ys[0][i] > decimatedMax) decimatedMax = ys[0][i]
const oursMax = Math.max(...Array.from(downsampleMinMaxLast(xs, ys[0], plotCols).max).filter(Number.isFinite))

// SVG and PNG of the same four panels.
const svgDash = createSvgDashboard({ width: 1200 })
svgDash.update({ batch })
const svgMs = median(() => svgDash.render(), 7)
const spec = { series: [{ name: 'loss', x: xs, y: ys[0] }] }
const svgSpecMs = median(() => renderSvg(spec), 5)
const small = { series: [{ name: 'loss', x: xs.subarray(0, 10_000), y: ys[0].subarray(0, 10_000) }] }
const pngMs = median(() => renderPng(small), 5)

const f = (v) => v.toFixed(2).padStart(9)
console.log(`viz frame benchmark: ${PANELS} panels × ${N.toLocaleString('en')} points (+${(N / 100).toLocaleString('en')} validation each), ${WIDTH}×${HEIGHT} terminal, node ${process.version}`)
console.log(`  load (update with ${batch.length.toLocaleString('en')} rows)  ${f(loadMs)} ms (once)`)
console.log(`  machine: load average ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).availableParallelism()} cores (wall times grow with it; CPU times much less)`)
console.log(`  terminal frame, braille+colour     ${f(ours)} ms wall, ${oursCpu.toFixed(2)} ms CPU   budget 5 ms: ${Math.min(ours, oursCpu) <= 5 ? 'met' : 'MISSED'} (interleaved wall median ${oursI.toFixed(2)} ms)`)
console.log(`  terminal frame, ASCII              ${f(oursAscii)} ms`)
console.log(`  asciichart, equal fidelity         ${f(peer)} ms wall, ${peerCpu.toFixed(2)} ms CPU   ours ${(peer / oursI).toFixed(1)}× faster wall, ${(peerCpu / oursCpu).toFixed(1)}× CPU (min/max/last scan + plot per frame)`)
console.log(`  asciichart, raw 4 × 1M (scaled)    ${f(peerFull)} ms   ours ${(peerFull / oursI).toFixed(0)}× faster (from a ${FULL.toLocaleString('en')}-point slice)`)
console.log(`  asciichart, every k-th point       ${f(peerDec)} ms   ours ${(oursI / peerDec).toFixed(1)}× slower, but decimation drops the spike:`)
console.log(`    spike of ${spikeValue.toFixed(2)}: ours draws max ${oursMax.toFixed(2)}; the decimated input peaks at ${decimatedMax.toFixed(2)}`)
console.log(`  SVG dashboard, same 4 panels       ${f(svgMs)} ms`)
console.log(`  renderSvg, 1 series × 1M raw       ${f(svgSpecMs)} ms   (no index: one pass + copy)`)
console.log(`  renderPng 800×400 (resvg)          ${f(pngMs)} ms`)
