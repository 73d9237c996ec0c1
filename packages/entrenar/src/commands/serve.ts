import { asSilenceService, createAndon, loadRenacerConfig } from '@entrenar/andon'
import { createHttpHandler, ErrorCodes, silenceContract, toEntrenarError } from '@entrenar/core'
import { openStore } from '@entrenar/db'
import { createLineage } from '@entrenar/graph'
import { fileExperimentLog, startServer } from '@entrenar/serve'
import { webDashboardHandler } from '@entrenar/viz'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { type Io, toJson, usage, warnOn } from '../io.js'
import { untilAborted } from './dashboard.js'

/** How often `serve` looks for dead writers' WALs to replay (the store's default staleness is 5 min). */
const RECOVER_EVERY_MS = 60_000

/** Flags of `entrenar serve`. */
export interface ServeFlags {
  readonly port?: string
  readonly host?: string
  /** Bearer token (default `$ENTRENAR_TOKEN`); required off loopback. */
  readonly token?: string
  /** renacer.toml of the served Andon (default `./renacer.toml` when present). */
  readonly config?: string
  /** Do not mount the web dashboard at `/`. */
  readonly dashboard?: boolean
}

/**
 * `entrenar serve <dir>`: one HTTP server over a store directory (created when missing): the
 * contracts (`/v1/store/*`, `/v1/sink/*`, `/v1/andon/*`, `/v1/silences/*`, `/v1/lineage/*`), `POST /v1/ingest` for
 * other languages, `/metrics` for Prometheus, `/healthz`, and the web dashboard at `/`.
 */
export async function serveCommand(dir: string, flags: ServeFlags, io: Io, ready?: (url: string) => void): Promise<number> {
  const port = flags.port === undefined ? 9464 : Number(flags.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage(`--port ${flags.port} is not a TCP port`)
  const token = flags.token ?? io.env.ENTRENAR_TOKEN
  const store = await openStore(dir, { sealAfterMs: 5000 })
  const lineage = await createLineage({ dir, onError: warnOn(io) })
  const configPath = flags.config ?? (existsSync('renacer.toml') ? 'renacer.toml' : undefined)
  const andon = createAndon({ storeDir: dir, timers: false, ...(configPath ? { renacer: loadRenacerConfig(configPath) } : {}) })
  // Silences (`/v1/silences/*`) of the served Andon: `entrenar andon silence … --url` talks to these.
  const silences = createHttpHandler(silenceContract, asSilenceService(andon), token ? { token } : {})
  const handlers = flags.dashboard === false ? [silences] : [silences, webDashboardHandler({ store, lineage, andon, ...(token ? { token } : {}), allowedHosts: 'any' })]
  // The Rust entrenar's tracking API: its experiments are kept beside the runs.
  const tracking = { experiments: fileExperimentLog(join(dir, 'tracking', 'experiments.jsonl')) }
  const server = await startServer({ store, lineage, andon, handlers, tracking, port, ...(flags.host ? { host: flags.host } : {}), ...(token ? { token } : {}) })
  if (io.json) io.out(toJson({ url: server.url, port: server.port, ingest: `${server.url}/v1/ingest`, metrics: `${server.url}/metrics` }))
  else {
    io.out(`entrenar serving ${dir} at ${server.url}\n`)
    io.out(`  push   POST ${server.url}/v1/ingest\n  scrape GET  ${server.url}/metrics\n  web    ${server.url}/\n(Ctrl-C to stop)\n`)
  }
  ready?.(server.url)
  // Writers on other hosts that die while we serve: their WALs are replayed once their lease goes stale.
  const recovery = setInterval(() => {
    store.recover().catch((e: unknown) => warnOn(io)(toEntrenarError(e, ErrorCodes.INTERNAL, 'entrenar serve: WAL recovery')))
  }, RECOVER_EVERY_MS)
  recovery.unref()
  await untilAborted(io.signal)
  clearInterval(recovery)
  await server.close()
  await andon.close()
  await lineage.close()
  await store.close()
  return 0
}
