// The store when its encoding worker dies mid-seal: the rows still reach Parquet (encoded again), the
// death is listed in problems() with the worker's own error, and nothing is left only in the WAL.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { batchFromRows } from '@entrenar/core'
import { build } from 'esbuild'
import { describe, expect, it, vi } from 'vitest'
import { T0, tempDir } from './helpers/fixtures.js'

const tmp = mkdtempSync(join(tmpdir(), 'entrenar-db-death-'))
const real = join(tmp, 'real-worker.mjs')
const crashing = join(tmp, 'crash-once.mjs')
const count = join(tmp, 'starts')

// The store builds its encoder with createEncoder(); here every encoder it builds uses a worker module that
// throws on its first start (counted in a file) and is the real encoder afterwards.
vi.mock('../src/node/encoder.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../src/node/encoder.js')>()
  return { ...mod, createEncoder: (o: Parameters<typeof mod.createEncoder>[0] = {}) => mod.createEncoder({ ...o, workerUrl: pathToFileURL(crashing) }) }
})

const { openStore } = await import('../src/index.js')

describe('store: a dying encoder worker', () => {
  it('rows reach Parquet, the death names its cause, and no WAL is left', async () => {
    await build({ entryPoints: [join(import.meta.dirname, '..', 'src', 'segment', 'encode-worker.ts')], bundle: true, platform: 'node', format: 'esm', outfile: real, logLevel: 'silent' })
    writeFileSync(
      crashing,
      `import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { parentPort } from 'node:worker_threads'
const n = existsSync(${JSON.stringify(count)}) ? Number(readFileSync(${JSON.stringify(count)}, 'utf8')) : 0
writeFileSync(${JSON.stringify(count)}, String(n + 1))
if (n === 0) parentPort.on('message', () => { throw new RangeError('Array buffer allocation failed in the encoder') })
else await import(${JSON.stringify(pathToFileURL(real).href)})
`,
    )
    const dir = tempDir('death')
    const store = await openStore(dir, { segmentRows: 1_000_000 })
    expect(store.stats().threadedEncoding).toBe(true)
    for (const run of ['a', 'b']) {
      const rows = []
      for (let i = 0; i < 3000; i++) rows.push({ metric: 'loss', value: i === 3 ? Number.NaN : i, step: i, timestampUs: T0 + i, epoch: null, batch: null, tags: null })
      await store.write(batchFromRows(run, rows))
    }
    await store.seal()
    expect(store.stats().encoderWorkerDeaths).toBe(1)
    const problems = store.problems()
    expect(problems).toHaveLength(1)
    expect(problems[0]!.code).toBe('ENTRENAR_SINK_FAILED')
    expect(problems[0]!.message).toMatch(/RangeError: Array buffer allocation failed in the encoder/)
    expect(problems[0]!.cause).toBeInstanceOf(Error)
    await store.close()
    expect(Number(readFileSync(count, 'utf8'))).toBeGreaterThanOrEqual(2)
    expect(readdirSync(join(dir, 'wal')).filter((f) => f.endsWith('.wal'))).toEqual([])
    const reader = await openStore(dir, { recoverWal: false, threads: false })
    const res = await reader.sql('SELECT run_id, count(*)::DOUBLE, count(*) FILTER (WHERE isnan(value))::DOUBLE FROM metrics GROUP BY ALL ORDER BY run_id')
    expect(res.rows).toEqual([
      ['a', 3000, 1],
      ['b', 3000, 1],
    ])
    await reader.close()
    expect(existsSync(join(dir, 'corrupt'))).toBe(false)
  }, 60_000)
})
