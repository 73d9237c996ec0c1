import { shapeSeries } from '@entrenar/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import uPlot from 'uplot'
import { alignOnFewX, type Buckets, bucketsOf, ChartGrid, halfResolutionBand, onGrid, type Table } from '../src/web/client/buckets.js'

/** The minmax-last buckets of a run of `n` steps from `from` (core's shaping, as the store answers). */
function run(id: string, from: number, values: readonly number[], points: number): Buckets {
  const step = Float64Array.from(values, (_, i) => from + i)
  return bucketsOf(shapeSeries({ bucket: { points, mode: 'minmax-last' } }, { runId: id, metric: 'loss', step, timestampUs: step, value: Float64Array.from(values) }))
}

const value = fc.oneof({ weight: 8, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) })
const runArb = fc.record({ from: fc.integer({ min: 0, max: 500 }), values: fc.array(value, { minLength: 1, maxLength: 400 }) })

const finite = (xs: ArrayLike<number>) => Array.from(xs).filter((v) => !Number.isNaN(v))

describe('many runs on one chart grid (client/buckets.ts onGrid)', () => {
  it('keeps each run\'s rows, NaN count, extremes (±Inf included) and last value, on at most `columns` shared steps in order', () => {
    fc.assert(
      fc.property(fc.array(runArb, { minLength: 2, maxLength: 12 }), fc.integer({ min: 5, max: 60 }), (runs, columns) => {
        const lines = runs.map((r, i) => run(`r${i}`, r.from, r.values, 37))
        const grid = onGrid(lines, columns)
        const union = new Set<number>()
        grid.forEach((g, i) => {
          const b = lines[i]!
          for (let k = 1; k < g.x.length; k++) expect(g.x[k]!).toBeGreaterThan(g.x[k - 1]!)
          for (const x of Array.from(g.x)) union.add(x)
          expect(g.x.length).toBeLessThanOrEqual(columns)
          expect(g.count.reduce((a, c) => a + c, 0)).toBe(b.count.reduce((a, c) => a + c, 0))
          expect(g.nan.reduce((a, c) => a + c, 0)).toBe(b.nan.reduce((a, c) => a + c, 0))
          expect(Math.min(...finite(g.min))).toBe(Math.min(...finite(b.min)))
          expect(Math.max(...finite(g.max))).toBe(Math.max(...finite(b.max)))
          expect(Object.is(g.value[g.value.length - 1], b.value[b.value.length - 1])).toBe(true)
          // Every bucket lands in a column whose x is no further than one column from its own step.
          expect(Math.abs(g.x[g.x.length - 1]! - b.x[b.x.length - 1]!)).toBeLessThanOrEqual(Math.ceil((Math.max(...lines.map((l) => l.x[l.x.length - 1]!)) - Math.min(...lines.map((l) => l.x[0]!)) + 1) / columns))
        })
        expect(union.size).toBeLessThanOrEqual(columns)
      }),
      { numRuns: 200 },
    )
  })

  it('a hundred runs of different lengths share at most the chart width of steps', () => {
    const lines = Array.from({ length: 100 }, (_, i) => run(`r${i}`, 0, Array.from({ length: 2000 + 80 * i }, (_, s) => Math.exp(-s / 500) + i), 1352))
    const union = new Set(lines.flatMap((l) => Array.from(l.x)))
    expect(union.size).toBeGreaterThan(5_000)
    const grid = onGrid(lines, 1352)
    expect(new Set(grid.flatMap((l) => Array.from(l.x))).size).toBeLessThanOrEqual(1352)
  })
})

describe('the grid and uPlot\'s columns built in one pass, in reused buffers (client/buckets.ts ChartGrid)', () => {
  const toPlot = (n: number): number | null => (n - n === 0 ? n : null)
  const plain = (b: Buckets) => ({ x: Array.from(b.x), value: Array.from(b.value), min: Array.from(b.min), max: Array.from(b.max), count: Array.from(b.count), nan: Array.from(b.nan) })

  it('gives the table aligning the grid lines would give, and reusing a grid for other lines leaves nothing of the previous ones', () => {
    const reused = new ChartGrid()
    fc.assert(
      fc.property(fc.array(runArb, { minLength: 2, maxLength: 12 }), fc.integer({ min: 5, max: 60 }), (runs, columns) => {
        const lines = runs.map((r, i) => run(`r${i}`, r.from, r.values, 37))
        const fresh = new ChartGrid()
        expect(fresh.place(lines, columns)).toBe(true)
        expect(reused.place(lines, columns)).toBe(true)
        const tables = fresh.lines.map((g): Table => [g.x, g.value])
        const aligned = alignOnFewX(tables, toPlot)
        for (const grid of [fresh, reused]) {
          expect(grid.x).toEqual(Array.from(aligned[0]))
          expect(grid.lines.map(plain)).toEqual(fresh.lines.map(plain))
          for (let l = 0; l < lines.length; l++) expect(grid.fill(l, grid.lines[l]!.value, toPlot)).toEqual(Array.from(aligned[l + 1]!))
        }
      }),
      { numRuns: 200 },
    )
  })

  it('fills a line\'s column from the values given (a smoothing of its last values), mapped as placed', () => {
    const grid = new ChartGrid()
    grid.place([run('a', 0, [1, 2, 3, 4, 5, 6], 37), run('b', 3, [7, Number.NaN, 9], 37)], 6)
    expect(grid.x).toEqual([0, 1, 2, 3, 4, 5])
    expect(grid.fill(1, Float64Array.of(10, 20, 30), toPlot)).toEqual([undefined, undefined, undefined, 10, 20, 30])
    expect(grid.fill(1, grid.lines[1]!.value, toPlot)).toEqual([undefined, undefined, undefined, 7, null, 9])
  })

  it('places nothing when no line holds a bucket', () => {
    const empty = bucketsOf({ runId: 'e', metric: 'loss', x: new Float64Array(0), value: new Float64Array(0) })
    expect(new ChartGrid().place([empty, empty], 10)).toBe(false)
    expect(onGrid([empty], 10)).toEqual([empty])
  })
})

describe('aligning many lines on few shared steps (client/buckets.ts alignOnFewX)', () => {
  it('gives what uPlot.join gives: the sorted union of x, null kept as a gap, undefined where a line has no such x', () => {
    const cell = fc.oneof({ weight: 6, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) }, { weight: 1, arbitrary: fc.constant(null) })
    const table = fc
      .tuple(fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 3 }))
      .chain(([xs, cols]) => {
        const x = xs.slice().sort((a, b) => a - b)
        return fc.array(fc.array(cell, { minLength: x.length, maxLength: x.length }), { minLength: cols, maxLength: cols }).map((ys): Table => [x, ...ys])
      })
    fc.assert(
      fc.property(fc.array(table, { minLength: 2, maxLength: 8 }), (tables) => {
        const joined = uPlot.join(tables as unknown as uPlot.AlignedData[])
        expect(alignOnFewX(tables).map((c) => Array.from(c))).toEqual(joined.map((c) => Array.from(c as ArrayLike<number | null | undefined>)))
      }),
    )
  })
})

describe('aligning with a map (alignOnFewX(tables, map))', () => {
  it('equals mapping every column first, then aligning', () => {
    const v = fc.oneof({ weight: 6, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) })
    const table = fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 40 }).chain((xs) => {
      const x = xs.slice().sort((a, b) => a - b)
      return fc.array(v, { minLength: x.length, maxLength: x.length }).map((y): Table => [x, y])
    })
    const toPlot = (n: number): number | null => (n - n === 0 ? n : null)
    fc.assert(
      fc.property(fc.array(table, { minLength: 2, maxLength: 12 }), (tables) => {
        const mappedFirst = tables.map((t): Table => [t[0], (t[1] as number[]).map(toPlot)])
        expect(alignOnFewX(tables, toPlot)).toEqual(alignOnFewX(mappedFirst))
      }),
    )
  })
})

describe('the min–max band at half resolution (client/buckets.ts halfResolutionBand)', () => {
  const finiteBand = (lo: number, hi: number) => lo - lo === 0 && hi - hi === 0
  it('covers every drawable bucket with its vertex pair, breaks at every other one, and has half the vertices', () => {
    fc.assert(
      fc.property(fc.array(runArb, { minLength: 1, maxLength: 6 }), fc.integer({ min: 5, max: 80 }), (runs, columns) => {
        const lines = onGrid(runs.map((r, i) => run(`r${i}`, r.from, r.values, 37)), columns)
        for (const b of lines) {
          const n = b.x.length
          const band = halfResolutionBand(b, 0, n, finiteBand)
          // The stretches are exactly the maximal runs of drawable buckets, in order.
          const stretches: [number, number][] = []
          for (let i = 0; i < n; ) {
            if (!finiteBand(b.min[i]!, b.max[i]!)) {
              i++
              continue
            }
            let j = i
            while (j < n && finiteBand(b.min[j]!, b.max[j]!)) j++
            stretches.push([i, j])
            i = j
          }
          expect(band).toHaveLength(stretches.length)
          band.forEach((r, s) => {
            const [i, j] = stretches[s]!
            if (j - i === 2) {
              // Two buckets stay as they are (one vertex could not both start and end the stretch).
              expect(r).toEqual({ x: Array.from(b.x.slice(i, j)), max: Array.from(b.max.slice(i, j)), min: Array.from(b.min.slice(i, j)) })
              return
            }
            expect(r.x).toHaveLength(Math.ceil((j - i) / 2))
            // Ends where the line does; x in order; each vertex holds its pair's extremes.
            expect(r.x[0]).toBe(b.x[i])
            expect(r.x[r.x.length - 1]).toBe(b.x[j - 1])
            for (let k = 1; k < r.x.length; k++) expect(r.x[k]!).toBeGreaterThanOrEqual(r.x[k - 1]!)
            for (let k = i; k < j; k++) {
              const v = (k - i) >> 1
              expect(r.max[v]!).toBeGreaterThanOrEqual(b.max[k]!)
              expect(r.min[v]!).toBeLessThanOrEqual(b.min[k]!)
            }
            for (let v = 0; v < r.x.length; v++) {
              const pair = [i + 2 * v, Math.min(j - 1, i + 2 * v + 1)]
              expect(r.max[v]).toBe(Math.max(...pair.map((k) => b.max[k]!)))
              expect(r.min[v]).toBe(Math.min(...pair.map((k) => b.min[k]!)))
            }
          })
        }
      }),
    )
  })

  it('keeps a one-bucket spike and a one-bucket gap', () => {
    const b = { x: [0, 1, 2, 3, 4, 5, 6], min: [1, 1, 1, 1, Number.NaN, 1, 1], max: [1, 1, 1, 50, Number.NaN, 1, 1] }
    const band = halfResolutionBand(b, 0, 7, finiteBand)
    // Buckets 0-1 and 2-3 are one vertex each (the spike kept); 5-6 stay two.
    expect(band.map((r) => r.max)).toEqual([
      [1, 50],
      [1, 1],
    ])
    expect(band.map((r) => [r.x[0], r.x[r.x.length - 1]])).toEqual([
      [0, 3],
      [5, 6],
    ])
  })
})

describe('the path of a line of many runs (client/chart.ts gridLine)', () => {
  /** Records what the builder draws (Node has no Path2D). */
  class Recorder {
    readonly ops: string[] = []
    moveTo(x: number, y: number) {
      this.ops.push(`M${x},${y}`)
    }
    lineTo(x: number, y: number) {
      this.ops.push(`L${x},${y}`)
    }
  }
  const plot = (ys: (number | null | undefined)[], log = false) =>
    ({
      data: [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ys],
      bbox: { left: 10, top: 5, width: 100, height: 50 },
      scales: { x: { min: 0, max: 10 }, y: log ? { min: 1, max: 100, distr: 3 } : { min: 0, max: 10, distr: 1 } },
    }) as unknown as uPlot
  const draw = async (ys: (number | null | undefined)[], log = false) => {
    const { gridLine } = await import('../src/web/client/chart.js')
    const saved = (globalThis as { Path2D?: unknown }).Path2D
    ;(globalThis as { Path2D?: unknown }).Path2D = Recorder
    try {
      return (gridLine(plot(ys, log), 1, 0, ys.length - 1)!.stroke as unknown as Recorder).ops
    } finally {
      ;(globalThis as { Path2D?: unknown }).Path2D = saved
    }
  }

  it('breaks the line at a gap (null: a NaN or ±Inf), spans a step the line has no bucket at (undefined), at whole pixels', async () => {
    expect(await draw([0, 5, null, 10, undefined, 2.5, undefined, undefined, null, 1, 1])).toEqual(['M10,55', 'L20,30', 'M40,5', 'L60,43', 'M100,50', 'L110,50'])
  })

  it('draws y in log10 on a log axis', async () => {
    expect(await draw([1, 10, 100, undefined, undefined, undefined, undefined, undefined, undefined, undefined, 10], true)).toEqual(['M10,55', 'L20,30', 'L30,5', 'L110,30'])
  })
})
