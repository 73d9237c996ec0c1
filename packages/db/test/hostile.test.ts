import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { batchFromRows, isEntrenarError } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { decodeRunId, encodeRunId, openStore } from '../src/index.js'
import { T0, tempDir } from './helpers/fixtures.js'

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? [p, ...walk(p)] : [p]
  })
}

const HOSTILE_RUN_IDS = [
  '../x',
  '../../../../tmp/escape',
  'a/b',
  'a\\b',
  '..',
  '.',
  '.hidden',
  '',
  'x'.repeat(10_000),
  'nul\u0000byte',
  'new\nline',
  'bell\u0007',
  '🚀 run é ü 日本',
  '%2e%2e%2f',
  'C:\\Windows',
  'run_id=nested',
  'con',
  ' spaces ',
  'a'.repeat(60),
]

describe('hostile run ids and metric names', () => {
  it('never reach a path outside the store: rejected with a coded error or safely encoded and read back', async () => {
    const parent = tempDir('hostile')
    const dir = join(parent, 'store')
    const store = await openStore(dir, { segmentRows: 2 })
    const accepted: string[] = []
    for (const id of HOSTILE_RUN_IDS) {
      const batch = batchFromRows('placeholder', [{ metric: 'loss', value: 1, step: 1, timestampUs: T0, epoch: null, batch: null, tags: null }])
      try {
        await store.write({ ...batch, runId: id })
        await store.putRun({ id, status: 'running', startTimeMs: accepted.length })
        accepted.push(id)
      } catch (e) {
        expect(isEntrenarError(e, 'ENTRENAR_INVALID_RUN_ID'), `${JSON.stringify(id.slice(0, 20))}: ${String(e)}`).toBe(true)
      }
    }
    // Rejected: empty, control characters, too long. Everything else is stored under an encoded name.
    expect(accepted.length).toBe(HOSTILE_RUN_IDS.length - 5)
    await store.close()
    for (const p of walk(parent)) expect(relative(dir, p).startsWith('..'), p).toBe(false)
    expect(walk(parent).filter((p) => !p.startsWith(dir))).toEqual([])
    const again = await openStore(dir)
    const r = await again.query({ runs: accepted })
    expect(r.series.map((s) => s.runId).sort()).toEqual([...accepted].sort())
    expect((await again.runs()).map((x) => x.id)).toEqual(accepted)
    await again.close()
  })

  it('metric names are data, never paths', async () => {
    const dir = tempDir('metrics')
    const store = await openStore(dir)
    const names = ['../../etc/passwd', '/', 'a/b\\c', '🚀', 'ü'.repeat(256), "quote'\"", 'x=1', 'run_id=other']
    await store.write(batchFromRows('r', names.map((metric, i) => ({ metric, value: i, step: i, timestampUs: T0, epoch: null, batch: null, tags: { path: '../x' } }))))
    await store.close()
    const again = await openStore(dir)
    const r = await again.query({ runs: ['r'], metrics: names })
    expect(r.series.map((s) => s.metric).sort()).toEqual([...names].sort())
    expect(readdirSync(join(dir, 'metrics'))).toEqual(['run_id=r'])
    const ok = batchFromRows('r', [{ metric: 'ok', value: 1, step: 1, timestampUs: T0, epoch: null, batch: null, tags: null }])
    await expect(again.write({ ...ok, metricNames: ['bad\u0000name'] })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_METRIC_NAME' })
    await again.close()
  })

  it('run id encoding round-trips and is path-safe', () => {
    for (const id of ['plain-id_1', '../x', 'a/b', '🚀', '%', 'a.b', '.a']) {
      const e = encodeRunId(id)
      expect(e).toMatch(/^[A-Za-z0-9_%-][A-Za-z0-9_.%-]*$/)
      expect(decodeRunId(e)).toBe(id)
    }
    expect(decodeRunId('..')).toBeUndefined()
    expect(decodeRunId('%zz')).toBeUndefined()
  })
})
