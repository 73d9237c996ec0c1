import {
  asDetectorService,
  type ChangeDetector,
  createHttpClient,
  type DetectorSignal,
  detectorServiceContract,
  lineageGraphContract,
  type MetricsExporter,
} from '@entrenar/core'
import { changeDetectorSuite, lineageGraphSuite, metricsExporterSuite, runConformance } from '@entrenar/core/conformance'
// Tests compose packages: the graph package's in-memory lineage is served through startServer.
import { createLineage } from '@entrenar/graph'
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { createOtlpExporter, createPrometheusExporter, type EntrenarServer, startServer } from '../src/index.js'

const api = { describe, it }

runConformance(metricsExporterSuite, { name: 'prometheus exporter', create: () => createPrometheusExporter() }, api)

// The OTLP exporter against a receiver that accepts everything.
let receiver: Server
let receiverUrl = ''
beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(200).end('{}'))
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`
})
afterAll(() => new Promise<void>((r) => receiver.close(() => r())))
runConformance(
  metricsExporterSuite,
  { name: 'otlp exporter', create: (): Promise<MetricsExporter> => createOtlpExporter({ url: receiverUrl, intervalMs: 60_000 }), destroy: (e) => e.close() },
  api,
)

// A minimal two-sided CUSUM (Page 1954), as core's own detector test uses, so serve needs no detector package.
function cusum(k = 0.5, h = 8, warmup = 30): ChangeDetector {
  let n = 0
  let mean = 0
  let hi = 0
  let lo = 0
  let drifted = false
  let statistic = 0
  return {
    name: 'test_cusum',
    get statistic() {
      return statistic
    },
    severity: undefined,
    get samples() {
      return n
    },
    update(x: number): DetectorSignal {
      if (!Number.isFinite(x)) return 'invalid'
      if (drifted) {
        n = 0
        mean = 0
        hi = 0
        lo = 0
        drifted = false
      }
      n++
      if (n <= warmup) {
        mean += (x - mean) / n
        return 'stable'
      }
      hi = Math.max(0, hi + x - mean - k)
      lo = Math.max(0, lo + mean - x - k)
      statistic = Math.max(hi, lo)
      if (statistic > h) {
        drifted = true
        return 'drift'
      }
      return 'stable'
    },
    reset() {
      n = 0
      mean = 0
      hi = 0
      lo = 0
      drifted = false
      statistic = 0
    },
  }
}

const servers = new WeakMap<object, EntrenarServer>()
runConformance(
  changeDetectorSuite(),
  {
    name: 'startServer',
    create: async () => {
      const server = await startServer({ detectors: asDetectorService(() => cusum()) })
      const client = createHttpClient(detectorServiceContract, server.url)
      servers.set(client, server)
      return client
    },
    destroy: async (c) => servers.get(c)?.close(),
  },
  api,
)

runConformance(
  lineageGraphSuite,
  {
    name: 'startServer',
    create: async () => {
      const server = await startServer({ lineage: await createLineage() })
      const client = createHttpClient(lineageGraphContract, server.url)
      servers.set(client, server)
      return client
    },
    destroy: async (c) => servers.get(c)?.close(),
  },
  api,
)
