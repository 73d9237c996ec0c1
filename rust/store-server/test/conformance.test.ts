/**
 * The `MetricStore` conformance suite of `@entrenar/core`, run by URL against the Rust
 * `entrenar-store-server`: the same client every TypeScript caller uses, the same cases.
 */
import { createHttpClient, type MetricStore, metricStoreContract } from '@entrenar/core'
import { metricStoreSuite, runConformance } from '@entrenar/core/conformance'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { type RustStore, startRustStore } from './spawn.js'

const api = { describe, it }
const CLOSE_CASE = 'close is idempotent and write after close rejects with ENTRENAR_CLOSED'
const dir = mkdtempSync(join(tmpdir(), 'entrenar-rust-conformance-'))
const token = randomBytes(16).toString('hex')
let shared: RustStore

beforeAll(async () => {
  shared = await startRustStore(join(dir, 'shared.store'), ['--token', token])
})
afterAll(async () => {
  await shared?.stop()
  rmSync(dir, { recursive: true, force: true })
})

// One long-lived server for every case, as ENTRENAR_CONFORMANCE_URL runs it: cases are isolated by their run ids.
runConformance(
  metricStoreSuite,
  {
    name: 'Rust entrenar-store-server by URL',
    create: () => createHttpClient(metricStoreContract, shared.url, { token }),
    skip: { [CLOSE_CASE]: 'closing the shared server would end it for every other case; run below against a server of its own' },
  },
  api,
)

// The close case with a server process of its own, so close() is checked too and nothing is skipped.
const own = new WeakMap<object, RustStore>()
let n = 0
runConformance(
  { contract: metricStoreSuite.contract, cases: metricStoreSuite.cases.filter((c) => c.name === CLOSE_CASE) },
  {
    name: 'Rust entrenar-store-server, one process per case',
    async create() {
      const server = await startRustStore(join(dir, `own-${n++}.store`))
      const client = createHttpClient(metricStoreContract, server.url) as MetricStore
      own.set(client, server)
      return client
    },
    destroy: async (c) => own.get(c)?.stop(),
  },
  api,
)
