import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import type { EntrenarError } from '@entrenar/core'
import { afterAll, describe, expect, it } from 'vitest'
import { createEncoder } from '../src/node/encoder.js'
import { workerExecArgv } from '../src/node/worker-argv.js'
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

  it('a segment buffer handed back is encoded into again, and nothing of the earlier segment leaks into the next', async () => {
    const worker = join(tmp, 'encode-worker-recycle.mjs')
    await build({ entryPoints: [join(import.meta.dirname, '..', 'src', 'segment', 'encode-worker.ts')], bundle: true, platform: 'node', format: 'esm', outfile: worker, logLevel: 'silent' })
    const threaded = createEncoder({ workerUrl: pathToFileURL(worker) })
    const inline = createEncoder({ threaded: false })
    const big = [rows('r', 'loss', 0, 120_000, (s) => Math.sin(s)), rows('r', 'acc', 0, 30_000, (s) => -s)]
    const small = [rows('r', 'zeta', 5, 70_000, (s) => (s % 7 === 0 ? Number.NaN : 1 / s))]
    const a = await threaded.encodeBatches('r', big, 4096)
    expect(a.buffer.byteLength).toBeGreaterThan(1 << 20)
    threaded.recycle(a)
    expect(a.byteLength).toBe(0) // transferred back to the worker, not copied
    const b = await threaded.encodeBatches('r', small, 4096)
    const want = await inline.encodeBatches('r', small, 4096)
    expect(Buffer.from(b).equals(Buffer.from(want))).toBe(true)
    expect(b.buffer.byteLength).toBeGreaterThanOrEqual(1 << 20) // written into the recycled buffer
    await threaded.close()
  })

  it('falls back to inline encoding when the worker module is absent (running from sources)', () => {
    expect(createEncoder({ workerUrl: pathToFileURL(join(tmp, 'missing.js')) }).threaded).toBe(false)
  })
})

describe('segment encoder worker deaths', () => {
  const built = join(tmp, 'real-worker.mjs')
  const ready = build({ entryPoints: [join(import.meta.dirname, '..', 'src', 'segment', 'encode-worker.ts')], bundle: true, platform: 'node', format: 'esm', outfile: built, logLevel: 'silent' })
  /** A worker module that dies on its first `crashes` starts (counted in a file), then runs the real encoder. */
  const crashing = (name: string, crashes: number, how: string): URL => {
    const file = join(tmp, `${name}.mjs`)
    const count = join(tmp, `${name}.count`)
    writeFileSync(
      file,
      `import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { parentPort } from 'node:worker_threads'
const n = existsSync(${JSON.stringify(count)}) ? Number(readFileSync(${JSON.stringify(count)}, 'utf8')) : 0
writeFileSync(${JSON.stringify(count)}, String(n + 1))
if (n < ${crashes}) parentPort.on('message', () => { ${how} })
else await import(${JSON.stringify(pathToFileURL(built).href)})
`,
    )
    return pathToFileURL(file)
  }
  const batches = () => [rows('r', 'loss', 0, 2000, (s) => (s === 7 ? Number.POSITIVE_INFINITY : s)), rows('r', 'acc', 0, 50)]

  it('a worker that throws is replaced, its rows encoded again, and its own error reported', async () => {
    await ready
    const deaths: EntrenarError[] = []
    const enc = createEncoder({ workerUrl: crashing('throw-once', 1, "throw new RangeError('disk of the worker melted')"), onWorkerDeath: (e) => deaths.push(e) })
    const bytes = await enc.encodeBatches('r', batches(), 512)
    const inline = await createEncoder({ threaded: false }).encodeBatches('r', batches(), 512)
    expect(Buffer.from(bytes).equals(Buffer.from(inline))).toBe(true)
    expect(enc.workerDeaths).toBe(1)
    expect(deaths).toHaveLength(1)
    expect(deaths[0]!.code).toBe('ENTRENAR_SINK_FAILED')
    expect(deaths[0]!.message).toMatch(/RangeError: disk of the worker melted/)
    expect(deaths[0]!.message).toMatch(/encoded again/)
    await enc.close()
  })

  it('when every worker dies (process.exit), the rows are encoded on this thread and each death reported', async () => {
    await ready
    const deaths: EntrenarError[] = []
    const enc = createEncoder({ workerUrl: crashing('always-exit', 99, 'process.exit(3)'), onWorkerDeath: (e) => deaths.push(e) })
    const [a, b] = await Promise.all([enc.encodeBatches('r', batches(), 512), enc.encodeBatches('r', batches(), 512)])
    const inline = await createEncoder({ threaded: false }).encodeBatches('r', batches(), 512)
    expect(Buffer.from(a).equals(Buffer.from(inline))).toBe(true)
    expect(Buffer.from(b).equals(Buffer.from(inline))).toBe(true)
    expect(deaths.length).toBeGreaterThanOrEqual(3) // the first worker and two fresh ones
    expect(deaths.every((d) => /exited with code 3/.test(d.message))).toBe(true)
    await enc.close()
  })

  it('a transferred-rows request of a dead worker fails with the cause, and a later request works on a fresh worker', async () => {
    await ready
    const enc = createEncoder({ workerUrl: crashing('rows-once', 1, "throw new TypeError('bad row group')") })
    await expect(enc.encode(sortRows('r', batches()), 512)).rejects.toThrow(/TypeError: bad row group/)
    const ok = await enc.encode(sortRows('r', batches()), 512)
    expect(Buffer.from(ok).equals(Buffer.from(await createEncoder({ threaded: false }).encode(sortRows('r', batches()), 512)))).toBe(true)
    await enc.close()
  })

  it('a request sent as soon as a worker died is not failed by that worker\'s later exit ("exited with code 1" without a cause)', async () => {
    await ready
    const enc = createEncoder({ workerUrl: crashing('race-once', 1, "throw new Error('first worker dies')") })
    // The retry goes out from the rejection handler: after the dead worker's 'error', before its 'exit'.
    const retried = enc.encode(sortRows('r', batches()), 512).then(
      () => undefined,
      (e: Error) => {
        expect(e.message).toMatch(/first worker dies/)
        return enc.encode(sortRows('r', batches()), 512)
      },
    )
    const bytes = await retried
    expect(bytes?.length).toBeGreaterThan(0)
    await enc.close()
  })

  it('an encoding error inside the worker is reported with its name and message, and the worker stays up', async () => {
    await ready
    const enc = createEncoder({ workerUrl: pathToFileURL(built) })
    await expect(enc.encodeBatches('r', [{ ...rows('r', 'loss', 0, 3), metric: null } as never], 512)).rejects.toThrow(/segment encoder: TypeError/)
    expect(enc.workerDeaths).toBe(0)
    await enc.close()
  })

  it('the real worker sends its uncaught error before it exits, so the death names it', async () => {
    await ready
    const file = join(tmp, 'late-throw.mjs')
    writeFileSync(file, `import ${JSON.stringify(pathToFileURL(built).href)}\nimport { parentPort } from 'node:worker_threads'\nparentPort.on('message', () => setImmediate(() => { throw new SyntaxError('late failure in the worker') }))\n`)
    const deaths: EntrenarError[] = []
    const enc = createEncoder({ workerUrl: pathToFileURL(file), onWorkerDeath: (e) => deaths.push(e) })
    await enc.encodeBatches('r', [rows('r', 'loss', 0, 100_000)], 16384)
    expect(deaths.length).toBeGreaterThanOrEqual(1)
    expect(deaths[0]!.message).toMatch(/SyntaxError: late failure in the worker/)
    expect((deaths[0]!.cause as Error).stack).toMatch(/late-throw/)
    await enc.close()
  })

  it('close() while encoding rejects with ENTRENAR_CLOSED, not as a death', async () => {
    await ready
    const deaths: EntrenarError[] = []
    const enc = createEncoder({ workerUrl: pathToFileURL(built), onWorkerDeath: (e) => deaths.push(e) })
    const p = enc.encodeBatches('r', [rows('r', 'loss', 0, 200_000)], 16384)
    await enc.close()
    await expect(p).rejects.toMatchObject({ code: 'ENTRENAR_CLOSED' })
    expect(deaths).toHaveLength(0)
  })
})

describe('worker execArgv', () => {
  it('drops eval, print, input-type and loader flags with their values; keeps the rest; inherits when nothing to drop', () => {
    expect(workerExecArgv(['--max-old-space-size=300', '--input-type=module', '-e', 'code'])).toEqual(['--max-old-space-size=300'])
    expect(workerExecArgv(['-p', 'x', '--enable-source-maps'])).toEqual(['--enable-source-maps'])
    expect(workerExecArgv(['--eval=x', '--import', 'tsx', '--loader=ts-node/esm', '-r', 'dotenv/config', '--no-warnings'])).toEqual(['--no-warnings'])
    expect(workerExecArgv(['--input-type', 'module', '--print', 'x', '-C', 'dev'])).toEqual(['-C', 'dev'])
    expect(workerExecArgv(['--enable-source-maps', '--no-warnings'])).toBeUndefined()
    expect(workerExecArgv([])).toBeUndefined()
  })

  it('starts the worker whatever the parent flags (V8 flags a worker rejects are dropped)', async () => {
    const worker = join(tmp, 'argv-worker.mjs')
    await build({ entryPoints: [join(import.meta.dirname, '..', 'src', 'segment', 'encode-worker.ts')], bundle: true, platform: 'node', format: 'esm', outfile: worker, logLevel: 'silent' })
    const enc = createEncoder({ workerUrl: pathToFileURL(worker), execArgv: ['--max-old-space-size=300', '--stack-size=900', '--input-type=module', '-e', 'x', '--no-warnings'] })
    const bytes = await enc.encodeBatches('r', [rows('r', 'loss', 0, 10)], 512)
    expect(bytes.length).toBeGreaterThan(0)
    expect(enc.workerDeaths).toBe(0)
    await enc.close()
  })
})
