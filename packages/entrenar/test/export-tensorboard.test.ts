// `export tensorboard` streams: it reads a run in bounded windows (planned with count queries) and writes
// its event file as it goes. The files are byte-for-byte those of the earlier whole-run export (SHA-256
// below, taken from it), and the export's own counters show the rows it held at once.
import { createHash } from 'node:crypto'
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { batchFromRows, type RecordRow } from '@entrenar/core'
import { openStore, type ParquetStore } from '@entrenar/db'
import { describe, expect, it } from 'vitest'
import { EXPORT_READ_ROWS, type ExportMeter, exportMeter, exportTensorboard } from '../src/importers/tensorboard.js'
import { tempDir } from './helpers.js'

type Row = Omit<RecordRow, 'runId'>
const NO = { epoch: null, batch: null, tags: null }

async function storeWith(runs: { id: string; startTimeMs: number; rows: Row[] }[]): Promise<string> {
  const dir = tempDir('entrenar-tbx-')
  const store = await openStore(dir)
  for (const r of runs) {
    await store.putRun({ id: r.id, status: 'finished', startTimeMs: r.startTimeMs })
    if (r.rows.length) await store.write(batchFromRows(r.id, r.rows))
  }
  await store.close()
  return dir
}

async function exported(dir: string, options?: { readRows?: number; meter?: ExportMeter }): Promise<Record<string, string>> {
  const logdir = tempDir('entrenar-tbx-out-')
  const store: ParquetStore = await openStore(dir)
  try {
    await exportTensorboard(store, logdir, undefined, () => {}, options)
  } finally {
    await store.close()
  }
  const out: Record<string, string> = {}
  for (const run of readdirSync(logdir).sort()) {
    const files = readdirSync(join(logdir, run))
    expect(files).toHaveLength(1)
    out[run] = createHash('sha256').update(readFileSync(join(logdir, run, files[0]!))).digest('hex')
  }
  return out
}

const special = [0.1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e-300, 123456.789]
const SMALL = [
  { id: 'run-a', startTimeMs: 1_700_000_000_000, rows: special.map((value, i) => ({ metric: i % 2 ? 'val/loss' : 'loss', value, step: i === 6 ? 2 ** 52 + 1 : i, timestampUs: 1_700_000_000_123_456 + i * 1_000_001, ...NO })) },
  { id: 'r', startTimeMs: 1_000, rows: [{ metric: 'loss', value: Number.NaN, step: 7, timestampUs: 2_000_000, ...NO }] },
  { id: '../escape', startTimeMs: 0, rows: [{ metric: 'loss', value: 1, step: 0, timestampUs: 1, ...NO }] },
  { id: 'empty', startTimeMs: 5_000, rows: [] },
]
// Three metrics of 3000 steps written interleaved, some points with epoch/batch/tags, a burst of 50 `acc` rows in one microsecond.
const BIG = [
  {
    id: 'big',
    startTimeMs: 1_600_000_000_000,
    rows: Array.from({ length: 9000 }, (_, i): Row => {
      const step = Math.floor(i / 3)
      const metric = ['loss', 'acc', 'grad_norm'][i % 3]!
      const burst = step >= 1000 && step < 1050 && metric === 'acc'
      return {
        metric,
        value: step % 97 === 0 ? Number.NaN : Math.sin(i) * 10,
        step,
        timestampUs: 1_600_000_000_000_000 + (burst ? 1000 : step) * 1_000_003 + (i % 3),
        epoch: step % 500 === 0 ? step / 500 : null,
        batch: null,
        tags: step % 700 === 0 ? { phase: 'eval' } : null,
      }
    }),
  },
]

const GOLDEN_SMALL = {
  '%2E.%2Fescape': 'c5c9b56cef15ce88a5f931799b16ea07be41081532643caacd0178f1ced7ce00',
  empty: '81ccdae86a51986e0d57879143a330597cb8e5dfee6be6393e5d18219a7b4719',
  r: 'afe24c1d23f9aa421fefd3004e0331f3fb4fb6a7c124e32fa6f4d202cdae5d7f',
  'run-a': 'b761d06461ba68461b530a7684e7f81dfe3469440f4bdfc8d448c82098492074',
}
const GOLDEN_BIG = { big: 'a372fdde8c2310cb3e6e11921fbab99fd836fbddc011b3c9bc70553da1d222f5' }

describe('export tensorboard streams', () => {
  it('writes the same bytes as the whole-run export (NaN, ±Inf, -0, 2^52+1, an empty run, an escaping id)', async () => {
    expect(await exported(await storeWith(SMALL))).toEqual(GOLDEN_SMALL)
  })

  it('writes the same bytes for a larger run whether it is read whole, per metric or in time windows', async () => {
    const dir = await storeWith(BIG)
    expect(await exported(dir)).toEqual(GOLDEN_BIG)
    for (const readRows of [9000, 3000, 700, 64]) expect({ readRows, files: await exported(dir, { readRows }) }).toEqual({ readRows, files: GOLDEN_BIG })
  })

  it('holds at most readRows rows at once (one microsecond of one metric excepted) and reads every row once', async () => {
    const dir = await storeWith(BIG)
    const whole = exportMeter()
    await exported(dir, { meter: whole })
    // The default limit holds this small run in one read.
    expect(whole).toMatchObject({ reads: 1, rows: 9000, maxHeldRows: 9000 })
    expect(EXPORT_READ_ROWS).toBeGreaterThan(9000)
    for (const readRows of [3000, 700, 64]) {
      const meter = exportMeter()
      await exported(dir, { readRows, meter })
      expect(meter.rows).toBe(9000)
      // 50 rows of `acc` share one microsecond: a window cannot split them, and 50 < 64.
      expect(meter.maxHeldRows).toBeLessThanOrEqual(readRows)
      expect(meter.reads).toBeGreaterThanOrEqual(Math.ceil(9000 / readRows))
    }
    const tiny = exportMeter()
    await exported(dir, { readRows: 10, meter: tiny })
    // The burst is the only read over the limit: one microsecond's rows are never split.
    expect(tiny.maxHeldRows).toBe(50)
    expect(tiny.rows).toBe(9000)
  })

  it('writes the event file in bounded pieces and refuses a bad limit', async () => {
    const rows = Array.from({ length: 40_000 }, (_, i): Row => ({ metric: 'loss', value: i, step: i, timestampUs: 1_000_000 + i, ...NO }))
    const dir = await storeWith([{ id: 'long', startTimeMs: 0, rows }])
    const meter = exportMeter()
    await exported(dir, { readRows: 5000, meter })
    // About 60 bytes an event: 40,000 events are ~2.4 MB, written 1 MiB (plus one event) at a time.
    expect(meter.maxBufferedBytes).toBeLessThan((1 << 20) + 200)
    expect(meter.maxHeldRows).toBeLessThanOrEqual(5000)
    await expect(exported(dir, { readRows: 0 })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
  })

  it('replaces a symbolic link planted at the event file or its temporary name instead of writing through it', async () => {
    const dir = await storeWith([SMALL[1]!])
    const logdir = tempDir('entrenar-tbx-out-')
    const victim = join(tempDir('entrenar-victim-'), 'precious')
    writeFileSync(victim, 'keep')
    const host = hostname().replace(/[^A-Za-z0-9._-]/g, '_') || 'localhost'
    mkdirSync(join(logdir, 'r'))
    symlinkSync(victim, join(logdir, 'r', `events.out.tfevents.1.${host}`))
    symlinkSync(victim, join(logdir, 'r', `.export-1.${host}.partial`))
    const store = await openStore(dir)
    try {
      await exportTensorboard(store, logdir, undefined, () => {})
    } finally {
      await store.close()
    }
    expect(readFileSync(victim, 'utf8')).toBe('keep')
    expect(readdirSync(join(logdir, 'r'))).toEqual([`events.out.tfevents.1.${host}`])
    expect(lstatSync(join(logdir, 'r', `events.out.tfevents.1.${host}`)).isFile()).toBe(true)
    expect(createHash('sha256').update(readFileSync(join(logdir, 'r', `events.out.tfevents.1.${host}`))).digest('hex')).toBe(GOLDEN_SMALL.r)
  })
})
