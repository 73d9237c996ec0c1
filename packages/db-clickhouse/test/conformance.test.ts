import { metricSinkSuite, metricStoreSuite, runConformance } from '@entrenar/core/conformance'
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
