import { batchFromRows, createHttpHandler, createMemoryStore, metricStoreContract } from '@entrenar/core'
import { serveHandler } from '@entrenar/core/node'
import { describe, expect, it } from 'vitest'
import { cli, tempDir } from './helpers.js'

describe('runs and report --url: a store behind /v1/store/* instead of a directory', () => {
  it('lists and reports a run that only the remote store holds', async () => {
    const store = createMemoryStore()
    await store.putRun({ id: 'remote-run', name: 'far away', status: 'finished', startTimeMs: 1000, endTimeMs: 5000 })
    await store.write(batchFromRows('remote-run', [1, 2, 3].map((s) => ({ metric: 'loss', step: s, value: 1 / s, timestampUs: 1e15 + s, epoch: null, batch: null, tags: null }))))
    const server = await serveHandler(createHttpHandler(metricStoreContract, store, { token: 'tk' }))
    try {
      const dir = tempDir()
      const runs = await cli(['runs', dir, '--url', server.url, '--token', 'tk', '--json'])
      expect(runs.code).toBe(0)
      expect(JSON.parse(runs.out).runs).toEqual([expect.objectContaining({ id: 'remote-run', name: 'far away', status: 'finished', points: 3, lastStep: 3 })])
      const report = await cli(['report', dir, 'remote-run', '--url', server.url, '--format', 'json'], { NO_COLOR: '1', ENTRENAR_TOKEN: 'tk' })
      expect(report.code).toBe(0)
      expect(JSON.parse(report.out)).toMatchObject({ runId: 'remote-run' })
      // Without the token the remote store refuses, and the CLI says so.
      const denied = await cli(['runs', dir, '--url', server.url])
      expect(denied.code).not.toBe(0)
      expect(denied.err).toMatch(/token/)
      const bad = await cli(['runs', dir, '--url', 'file:///etc/passwd'])
      expect(bad.code).not.toBe(0)
      expect(bad.err).toMatch(/must be http or https/)
    } finally {
      await server.close()
    }
  })
})
