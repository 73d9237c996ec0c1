import { createHttpClient, createHttpHandler, type LineageGraph, lineageGraphContract } from '@entrenar/core'
import { lineageGraphSuite, runConformance } from '@entrenar/core/conformance'
import { type RunningServer, serveHandler } from '@entrenar/core/node'
import { createLineage, memoryStorage } from '@entrenar/graph'
import { describe, it } from 'vitest'

const api = { describe, it }

runConformance(lineageGraphSuite, { name: 'createLineage (memory)', create: () => createLineage() }, api)

// Persisted between every call: each mutation writes the Parquet tables, and a fresh graph reads them back.
runConformance(lineageGraphSuite, { name: 'createLineage (autoFlush to Parquet)', create: () => createLineage({ storage: memoryStorage(), autoFlush: true }) }, api)

const servers = new WeakMap<object, RunningServer>()
runConformance(
  lineageGraphSuite,
  {
    name: 'createLineage over HTTP',
    async create() {
      const server = await serveHandler(createHttpHandler(lineageGraphContract, await createLineage()))
      const client = createHttpClient(lineageGraphContract, server.url)
      servers.set(client, server)
      return client
    },
    destroy: async (c: LineageGraph) => servers.get(c)?.close(),
  },
  api,
)
