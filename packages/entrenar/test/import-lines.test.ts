// The line reader under the MLflow and W&B importers: a file read whole, read in chunks of every size,
// and read as a prefix cut at every byte offset then resumed after it grew, must hand over the same lines,
// report the same over-long lines, and end at the same resume point.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { PointSink } from '../src/importers/common.js'
import { ImportMeter, importLimits, NO_RESUME, type ResumePoint, readGrowingLines } from '../src/importers/stream.js'
import { tempDir } from './helpers.js'

// Line 3 is empty (CRLF), line 4 is longer than the 16-byte limit, line 7 is cut by EOF (no `\n`).
const TEXT = `a 1\nb NaN\r\n\r\n${'x'.repeat(20)}\nc -Infinity\nd 2.5\r\ne 7`
const FILE = Buffer.from(TEXT)
const BATCH = 2

class Sink implements PointSink {
  points = 0
  nonFinite = 0
  batch = 0
  maxBatch = 0
  drains = 0
  push(_metric: string, value: number, _step: number, _timestampUs: number): void {
    this.points++
    if (!Number.isFinite(value)) this.nonFinite++
    this.batch++
    this.maxBatch = Math.max(this.maxBatch, this.batch)
  }
  get full(): boolean {
    return this.batch >= BATCH
  }
  async drain(): Promise<void> {
    this.drains++
    this.batch = 0
  }
}

interface Read {
  lines: [number, string][]
  long: number[]
  end: ResumePoint
  sink: Sink
}

async function read(path: string, start: ResumePoint, chunkBytes: number): Promise<Read> {
  const limits = importLimits({ chunkBytes, maxLineBytes: 16 })
  const sink = new Sink()
  const lines: [number, string][] = []
  const long: number[] = []
  const end = await readGrowingLines(
    path,
    start,
    limits,
    new ImportMeter(),
    sink,
    (line, n) => {
      lines.push([n, line])
      const [metric, value] = line.split(' ')
      sink.push(metric!, Number(value), n, 0)
    },
    (n) => long.push(n),
  )
  return { lines, long, end, sink }
}

const WHOLE: [number, string][] = [
  [1, 'a 1'],
  [2, 'b NaN'],
  [5, 'c -Infinity'],
  [6, 'd 2.5'],
  [7, 'e 7'],
]
// Six lines end with `\n`; the seventh (3 bytes) is read but not committed, nor are its points.
const WHOLE_END: ResumePoint = { bytes: FILE.length - 3, lines: 6, points: 4, nonFinite: 2 }

describe('readGrowingLines', () => {
  it('reads a whole file: CRLF trimmed, empty lines dropped, an over-long line reported, the line cut by EOF read but not committed', async () => {
    const path = join(tempDir('entrenar-lines-'), 'log')
    writeFileSync(path, FILE)
    const r = await read(path, NO_RESUME, 1 << 20)
    expect(r.lines).toEqual(WHOLE)
    expect(r.long).toEqual([4])
    expect(r.end).toEqual(WHOLE_END)
    // The sink was drained whenever it filled, never holding more than a batch.
    expect(r.sink.maxBatch).toBe(BATCH)
    expect(r.sink.drains).toBe(2)
  })

  it('gives the same lines whatever the chunk size (every split of the file, including between \\r and \\n)', async () => {
    const path = join(tempDir('entrenar-lines-'), 'log')
    writeFileSync(path, FILE)
    for (let chunk = 1; chunk <= FILE.length + 1; chunk++) {
      const r = await read(path, NO_RESUME, chunk)
      expect({ chunk, lines: r.lines, long: r.long, end: r.end }).toEqual({ chunk, lines: WHOLE, long: [4], end: WHOLE_END })
    }
  })

  it('resumes a file cut at every byte offset after it grew, as if it had been read whole', async () => {
    const path = join(tempDir('entrenar-lines-'), 'log')
    for (let cut = 0; cut <= FILE.length; cut++) {
      for (const chunk of [1, 3, 1 << 20]) {
        writeFileSync(path, FILE.subarray(0, cut))
        const first = await read(path, NO_RESUME, chunk)
        // Only whole lines are committed, so the resume point is the end of a `\n` at or before the cut.
        expect(first.end.bytes).toBe(FILE.subarray(0, cut).lastIndexOf(10) + 1)
        expect(first.end.bytes).toBeLessThanOrEqual(cut)
        writeFileSync(path, FILE)
        const second = await read(path, first.end, chunk)
        const committed = first.lines.filter(([n]) => n <= first.end.lines)
        const where = { cut, chunk }
        expect({ ...where, lines: [...committed, ...second.lines] }).toEqual({ ...where, lines: WHOLE })
        expect({ ...where, end: second.end }).toEqual({ ...where, end: WHOLE_END })
        expect({ ...where, long: [...new Set([...first.long, ...second.long])].sort() }).toEqual({ ...where, long: [4] })
        // The resumed read starts after the committed lines: a line is never read twice once it is committed.
        expect(second.lines.every(([n]) => n > first.end.lines)).toBe(true)
      }
    }
  })

  it('reads nothing more from a file that did not grow past its resume point', async () => {
    const path = join(tempDir('entrenar-lines-'), 'log')
    writeFileSync(path, FILE)
    const first = await read(path, NO_RESUME, 5)
    const again = await read(path, first.end, 5)
    // Only the uncommitted last line is read again.
    expect(again.lines).toEqual([[7, 'e 7']])
    expect(again.end).toEqual(WHOLE_END)
  })
})
