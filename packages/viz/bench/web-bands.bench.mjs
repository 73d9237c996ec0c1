// The min–max bands of a chart of many runs, drawn in Debian's Chromium on a canvas the size of the
// dashboard's chart: a hundred runs on a grid of the plot's pixel width (as onGrid gives them), each
// band one filled and outlined polygon. Now: halfResolutionBand (client/buckets.ts, bundled from the
// source), one vertex per pair of columns. Peer in the same page, alternated: the full-resolution
// polygon (one vertex per column), as the page drew it before. Prints the median time of one draw of
// all bands (build the paths, fill, stroke, then a pixel read to wait for the GPU-less raster), the ratio,
// and the load average.
//
// Usage: node packages/viz/bench/web-bands.bench.mjs   (BENCH_RUNS 100, BENCH_WIDTH 1100, BENCH_ROUNDS 30)
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'
import { chromium } from 'playwright-core'

const RUNS = Number(process.env.BENCH_RUNS ?? 100)
const WIDTH = Number(process.env.BENCH_WIDTH ?? 1100)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30)
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const source = fileURLToPath(new URL('../src/web/client/buckets.ts', import.meta.url))

const bundle = await esbuild.build({ entryPoints: [source], bundle: true, format: 'iife', globalName: 'B', write: false, platform: 'browser' })
const script = bundle.outputFiles[0].text

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] })
const page = await browser.newPage({ viewport: { width: WIDTH + 100, height: 400 }, deviceScaleFactor: 1 })
await page.setContent(`<canvas id="c" width="${WIDTH}" height="240"></canvas>`)
await page.addScriptTag({ content: script })
const result = await page.evaluate(
  ({ RUNS, WIDTH, ROUNDS }) => {
    const ctx = document.getElementById('c').getContext('2d')
    // As the chart sets them (client/chart.ts #drawBands).
    ctx.lineWidth = 1
    ctx.lineJoin = 'round'
    // A hundred noisy decaying losses, a spike and a NaN column each, on WIDTH grid columns.
    let seed = 7
    const rand = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0
      return seed / 2 ** 32
    }
    const lines = []
    for (let r = 0; r < RUNS; r++) {
      const x = []
      const min = []
      const max = []
      for (let k = 0; k < WIDTH; k++) {
        const v = (2 + r * 0.01) * Math.exp(-k / (WIDTH / 5))
        x.push(k * 10)
        min.push(v - 0.05 * rand())
        max.push(k === 300 + r ? 50 : v + 0.05 * rand())
      }
      min[600] = Number.NaN
      max[600] = Number.NaN
      lines.push({ x, min, max, color: `hsl(${(r * 37) % 360} 70% 60%)` })
    }
    const X = (v) => (v / (WIDTH * 10)) * WIDTH
    const Y = (v) => 240 - (v / 55) * 240
    const ok = (lo, hi) => lo - lo === 0 && hi - hi === 0
    const paint = (path, color) => {
      ctx.fillStyle = color
      ctx.globalAlpha = 0.12
      ctx.fill(path)
      ctx.globalAlpha = 0.3
      ctx.strokeStyle = color
      ctx.stroke(path)
      ctx.globalAlpha = 1
    }
    // Before: one vertex per column.
    const full = () => {
      for (const b of lines) {
        const path = new Path2D()
        const n = b.x.length
        let i = 0
        while (i < n) {
          while (i < n && !ok(b.min[i], b.max[i])) i++
          if (i >= n) break
          let j = i
          while (j < n && ok(b.min[j], b.max[j])) j++
          path.moveTo(X(b.x[i]), Y(b.max[i]))
          for (let k = i + 1; k < j; k++) path.lineTo(X(b.x[k]), Y(b.max[k]))
          for (let k = j - 1; k >= i; k--) path.lineTo(X(b.x[k]), Y(b.min[k]))
          path.closePath()
          i = j
        }
        paint(path, b.color)
      }
    }
    // Now: halfResolutionBand.
    const half = () => {
      for (const b of lines) {
        const path = new Path2D()
        for (const run of B.halfResolutionBand(b, 0, b.x.length, ok)) {
          const m = run.x.length
          path.moveTo(X(run.x[0]), Y(run.max[0]))
          for (let k = 1; k < m; k++) path.lineTo(X(run.x[k]), Y(run.max[k]))
          for (let k = m - 1; k >= 0; k--) path.lineTo(X(run.x[k]), Y(run.min[k]))
          path.closePath()
        }
        paint(path, b.color)
      }
    }
    const time = (fn) => {
      ctx.clearRect(0, 0, WIDTH, 240)
      const t0 = performance.now()
      fn()
      ctx.getImageData(0, 0, 1, 1) // waits for the raster
      return performance.now() - t0
    }
    time(full)
    time(half)
    const a = []
    const b = []
    for (let i = 0; i < ROUNDS; i++) {
      a.push(time(full))
      b.push(time(half))
    }
    const med = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1]
    return { full: med(a), half: med(b) }
  },
  { RUNS, WIDTH, ROUNDS },
)
await browser.close()
console.log(`min–max bands of ${RUNS} runs × ${WIDTH} grid columns, Chromium canvas ${WIDTH}×240, median of ${ROUNDS} alternated draws:`)
console.log(`  now (half resolution): ${result.half.toFixed(1)} ms · before (full resolution): ${result.full.toFixed(1)} ms → ${(result.half / result.full).toFixed(2)}× the time`)
console.log(`  load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`)
