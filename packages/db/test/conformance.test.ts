import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHttpClient, createHttpHandler, type MetricStore, metricSinkContract, metricStoreContract } from '@entrenar/core'
import { metricSinkSuite, metricStoreSuite, runConformance } from '@entrenar/core/conformance'
import { type RunningServer, serveHandler } from '@entrenar/core/node'
import { afterAll, describe, it } from 'vitest'
import { openStore, type ParquetStore } from '../src/index.js'

const api = { describe, it }
const root = mkdtempSync(join(tmpdir(), 'entrenar-db-conf-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const dirs = new WeakMap<object, string>()

// Small segments and row groups so every case also crosses the buffer → segment boundary.
async function fresh(options: Parameters<typeof openStore>[1] = {}): Promise<ParquetStore> {
  const dir = join(root, `s${n++}`)
  const store = await openStore(dir, { segmentRows: 5, rowGroupRows: 16, ...options })
  dirs.set(store, dir)
  return store
}

const close = (s: ParquetStore) => s.close()
runConformance(metricSinkSuite, { name: 'parquet store', create: () => fresh(), destroy: close }, api)
runConformance(metricStoreSuite, { name: 'parquet store', create: () => fresh(), destroy: close }, api)
runConformance(
  metricStoreSuite,
  { name: 'parquet store, rows kept in the WAL buffer', create: () => fresh({ segmentRows: 1_000_000, sealAfterMs: Number.POSITIVE_INFINITY }), destroy: close },
  api,
)

runConformance(
  metricStoreSuite,
  {
    name: 'parquet store, sealed on every flush',
    create: () => fresh({ sealAfterMs: 1e-9 }),
    destroy: (s) => s.close(),
  },
  api,
)

const servers = new WeakMap<object, { server: RunningServer; store: ParquetStore }>()
async function overHttp<T extends object>(contract: typeof metricStoreContract | typeof metricSinkContract): Promise<T> {
  const store = await fresh()
  const server = await serveHandler(createHttpHandler(contract as typeof metricStoreContract, store))
  const client = createHttpClient(contract, server.url) as T
  servers.set(client, { server, store })
  return client
}
const destroy = async (c: object) => {
  const s = servers.get(c)
  await s?.server.close()
  await s?.store.close()
}
runConformance(metricSinkSuite, { name: 'parquet store over HTTP', create: () => overHttp(metricSinkContract), destroy }, api)
runConformance(metricStoreSuite, { name: 'parquet store over HTTP', create: () => overHttp<MetricStore>(metricStoreContract), destroy }, api)
