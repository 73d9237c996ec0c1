import { metricSinkSuite, metricStoreSuite, runConformance } from '@entrenar/core/conformance'
import { createHttpClient, createHttpHandler, createMemoryStore, type MetricStore, metricSinkContract, metricStoreContract } from '@entrenar/core'
import { type RunningServer, serveHandler } from '@entrenar/core/node'
import { describe, it } from 'vitest'

const api = { describe, it }

runConformance(metricSinkSuite, { name: 'memory store', create: createMemoryStore }, api)
runConformance(metricStoreSuite, { name: 'memory store', create: createMemoryStore }, api)

// The same suites through the generic HTTP client against the generic handler on 127.0.0.1.
const servers = new WeakMap<object, RunningServer>()
async function overHttp<T extends object>(contract: typeof metricStoreContract | typeof metricSinkContract): Promise<T> {
  const server = await serveHandler(createHttpHandler(contract as typeof metricStoreContract, createMemoryStore()))
  const client = createHttpClient(contract, server.url) as T
  servers.set(client, server)
  return client
}
const destroy = async (c: object) => servers.get(c)?.close()
runConformance(metricSinkSuite, { name: 'memory store over HTTP', create: () => overHttp(metricSinkContract), destroy }, api)
runConformance(metricStoreSuite, { name: 'memory store over HTTP', create: () => overHttp<MetricStore>(metricStoreContract), destroy }, api)

// Any server that speaks the protocol (a Rust trueno-db bridge, `entrenar serve`): ENTRENAR_CONFORMANCE_URL=http://…
const remote = process.env.ENTRENAR_CONFORMANCE_URL
if (remote) {
  runConformance(
    metricStoreSuite,
    {
      name: `remote ${remote}`,
      create: () => createHttpClient(metricStoreContract, remote, process.env.ENTRENAR_CONFORMANCE_TOKEN ? { token: process.env.ENTRENAR_CONFORMANCE_TOKEN } : {}),
      skip: { 'close is idempotent and write after close rejects with ENTRENAR_CLOSED': 'closing a shared remote store would end it for every other case' },
    },
    api,
  )
}
