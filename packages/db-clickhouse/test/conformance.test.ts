import { createHttpClient, createHttpHandler, type MetricStore, metricStoreContract } from '@entrenar/core'
import { metricSinkSuite, metricStoreSuite, runConformance } from '@entrenar/core/conformance'
import { type RunningServer, serveHandler } from '@entrenar/core/node'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { type ClickHouseStore, openClickHouseStore } from '../src/index.js'
import { clickhouseBinary, type RunningClickHouse, startClickHouse } from './server.js'

const binary = clickhouseBinary()
if (!binary) console.warn('clickhouse-server is not installed (apt-get install clickhouse-server): the ClickHouse conformance suite is skipped')
const d = binary ? describe : describe.skip
const api = { describe: d, it }

let server: RunningClickHouse
beforeAll(async () => {
  if (binary) server = await startClickHouse(binary)
})
afterAll(async () => {
  await server?.stop()
})

// Every store gets a database of its own, so cases never see each other's rows.
let n = 0
const fresh = () => openClickHouseStore({ url: server.url, database: `conf_${process.pid}_${n++}` })
const close = (s: ClickHouseStore) => s.close()
runConformance(metricSinkSuite, { name: 'clickhouse store', create: fresh, destroy: close }, api)
runConformance(metricStoreSuite, { name: 'clickhouse store', create: fresh, destroy: close }, api)

// The same store behind `entrenar serve`'s store routes: what a remote client sees.
const servers = new WeakMap<object, { server: RunningServer; store: ClickHouseStore }>()
async function overHttp(): Promise<MetricStore> {
  const store = await fresh()
  const server = await serveHandler(createHttpHandler(metricStoreContract, store))
  const client = createHttpClient(metricStoreContract, server.url)
  servers.set(client, { server, store })
  return client
}
const destroy = async (c: object) => {
  const s = servers.get(c)
  await s?.server.close()
  await s?.store.close()
}
runConformance(metricStoreSuite, { name: 'clickhouse store over HTTP', create: overHttp, destroy }, api)
