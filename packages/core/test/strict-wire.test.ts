// JSON bodies of the HTTP contracts: a key the schema does not declare answers 400 naming it (and the
// nearest declared one) instead of being dropped silently.
import { alertPolicyContract, asAlertPolicyService, batchFromRows, createDefaultPolicy, createHttpClient, createHttpHandler, createMemoryStore, metricStoreContract } from '@entrenar/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findUnknownKey } from '../src/wire/strict.js'
import { MetricQueryWire } from '../src/wire/schemas.js'
import { type RunningServer, serveHandler } from '@entrenar/core/node'

let store: RunningServer
let andon: RunningServer
beforeAll(async () => {
  store = await serveHandler(createHttpHandler(metricStoreContract, createMemoryStore()))
  andon = await serveHandler(createHttpHandler(alertPolicyContract, asAlertPolicyService(createDefaultPolicy())))
})
afterAll(async () => {
  await store.close()
  await andon.close()
})

const post = async (base: string, path: string, body: unknown) => {
  const res = await fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string; details?: Record<string, unknown> } } }
}

describe('unknown keys in request bodies', () => {
  it('a misspelt top-level field answers 400 with the key and the suggestion', async () => {
    const r = await post(store.url, '/v1/store/query', { schema_version: 1, metrics: ['loss'], aggregat: 'mean' })
    expect(r.status).toBe(400)
    expect(r.body.error?.code).toBe('ENTRENAR_WIRE_INVALID')
    expect(r.body.error?.message).toMatch(/store\.query: unknown key `aggregat` \(did you mean `aggregate`\?\)/)
    expect(r.body.error?.details).toMatchObject({ key: 'aggregat', suggestion: 'aggregate', path: [] })
  })

  it('a nested one (inside a union member) is named with its path', async () => {
    const r = await post(store.url, '/v1/store/query', { schema_version: 1, bucket: { by: 'step', size: 10, sise: 3 } })
    expect(r.status).toBe(400)
    expect(r.body.error?.message).toMatch(/unknown key `sise` \(did you mean `size`\?\).* in bucket/)
  })

  it('inside a drift event sent to an Andon', async () => {
    const r = await post(andon.url, '/v1/andon/observe', {
      schema_version: 1,
      event: { kind: 'drift', run_id: 'r', metric: 'loss', step: 1, detector: 'adwin', signal: 'drift', statistic: 1, timestamp_ms: 1, severty: 'high' },
    })
    expect(r.status).toBe(400)
    expect(r.body.error?.message).toMatch(/unknown key `severty` \(did you mean `severity`\?\)/)
  })

  it('free-form maps (tags, run config) still take any key, and the clients send only declared keys', async () => {
    const client = createHttpClient(metricStoreContract, store.url)
    await client.putRun({ id: 'r', name: 'n', config: { anything: 1, nested: { deep: true } }, status: 'running', startTimeMs: 1 })
    await client.write(batchFromRows('r', [{ metric: 'loss', value: Number.NaN, step: 1, timestampUs: 1, epoch: null, batch: null, tags: { split: 'val', whatever: 'y' } }]))
    const q = await client.query({ runs: ['r'], tags: { whatever: 'y' }, bucket: { points: 10, mode: 'minmax-last' } })
    expect(q.series).toHaveLength(1)
  })

  it('findUnknownKey skips arrays of numbers whole and stops at records', () => {
    expect(findUnknownKey(MetricQueryWire, { schema_version: 1, tags: { any: 'x' } })).toBeUndefined()
    expect(findUnknownKey(MetricQueryWire, { schema_version: 1, steps: [0, 1], extra: 1 })).toMatchObject({ key: 'extra', path: [] })
  })
})
