import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { afterAll, describe, expect, it } from 'vitest'
import { createEncoder } from '../src/node/encoder.js'
import { sortRows } from '../src/segment/rows.js'
import { rows } from './helpers/fixtures.js'

const tmp = mkdtempSync(join(tmpdir(), 'entrenar-db-encoder-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('segment encoder', () => {
  it('the worker thread writes the same bytes as inline encoding', async () => {
    const worker = join(tmp, 'encode-worker.mjs')
    await build({ entryPoints: [join(import.meta.dirname, '..', 'src', 'segment', 'encode-worker.ts')], bundle: true, platform: 'node', format: 'esm', outfile: worker, logLevel: 'silent' })
    const threaded = createEncoder({ workerUrl: pathToFileURL(worker) })
    const inline = createEncoder({ threaded: false })
    expect(threaded.threaded).toBe(true)
    expect(inline.threaded).toBe(false)
    const make = () => sortRows('r', [rows('r', 'loss', 0, 3000, (s) => (s === 5 ? Number.NaN : s)), rows('r', 'acc', 0, 100)])
    const batches = [rows('r', 'loss', 0, 3000, (s) => (s === 5 ? Number.NaN : s)), rows('r', 'acc', 0, 100)]
    const [a, b, c, d] = await Promise.all([
      threaded.encode(make(), 1024),
      threaded.encode(make(), 1024, ['part-x-1.parquet']),
      inline.encode(make(), 1024),
      threaded.encodeBatches('r', batches, 1024),
    ])
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(true)
    expect(Buffer.from(d).equals(Buffer.from(c))).toBe(true)
    expect(batches[0]!.value.length).toBe(3000) // copied, not transferred
    expect(b.length).toBeGreaterThan(a.length)
    await threaded.close()
  })

  it('falls back to inline encoding when the worker module is absent (running from sources)', () => {
    expect(createEncoder({ workerUrl: pathToFileURL(join(tmp, 'missing.js')) }).threaded).toBe(false)
  })
})
