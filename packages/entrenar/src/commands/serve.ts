import { asSilenceService, createAndon, loadRenacerConfig } from '@entrenar/andon'
import { checkOptions, createHttpHandler, ErrorCodes, optionKeys, type RecordBatch, silenceContract, toEntrenarError } from '@entrenar/core'
import { boundHostNames } from '@entrenar/core/node'
import { openStore } from '@entrenar/db'
import { pageHinkley } from '@entrenar/drift'
import { createLineage } from '@entrenar/graph'
import { fileExperimentLog, startServer } from '@entrenar/serve'
import { recordedEventsOf, webDashboardHandler } from '@entrenar/viz'
import { existsSync } from 'node:fs'
import { ingestDetection } from '../events/ingest-detection.js'
import { recordingPolicy } from '../events/recording-policy.js'
import { andonRunStops } from '../events/run-stops.js'
import { join, resolve } from 'node:path'
import { type Io, toJson, usage, warnOn } from '../io.js'
import { driftEventsPath, openDriftLog } from '../node/drift-log.js'
import { openStoreUrl } from '../node/store.js'
import { untilAborted } from './dashboard.js'

/** How often `serve` looks for dead writers' WALs to replay (the store's default staleness is 5 min). */
const RECOVER_EVERY_MS = 60_000

/** Flags of `entrenar serve`. */
export interface ServeFlags {
  /** `--port <n>`: TCP port (0: any free port). Default 9464. */
  readonly port?: string
  /** `--host <host>`: interface to bind. Default 127.0.0.1; any other needs a token. */
  readonly host?: string
  /** Bearer token (default `$ENTRENAR_TOKEN`); required off loopback. */
  readonly token?: string
  /** renacer.toml of the served Andon (default `./renacer.toml` when present). */
  readonly config?: string
  /** Files outside the store directory that a renacer.toml handler may write; repeatable. */
  readonly allowWrite?: readonly string[]
  /** Do not mount the web dashboard at `/`. */
  readonly dashboard?: boolean
  /** More names the `Host` header may carry (a public name, a proxy's); repeatable. */
  readonly allowedHost?: readonly string[]
  /** Origins allowed to call from another origin (CORS); repeatable. Default none. */
  readonly corsOrigin?: readonly string[]
  /** Token for the administrative store methods over HTTP (default `$ENTRENAR_ADMIN_TOKEN`); without it they are not served. */
  readonly adminToken?: string
  /** False (`--no-detect`): no change detection over `POST /v1/ingest` points. */
  readonly detect?: boolean
  /** Serve read-only SQL (`POST /v1/store/sql`, trueno-db's `POST /query`); off by default. */
  readonly sql?: boolean
  /** A SQL statement running longer is interrupted (default the store's, 30 000). */
  readonly sqlTimeoutMs?: string
  /** Rows a SQL answer carries at most (default the store's, 100 000). */
  readonly sqlMaxRows?: string
  /** Points and runs in a database store (`clickhouse://host:8123/db`) instead of the directory's Parquet store. */
  readonly store?: string
}

function count(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n < min) throw usage(`${flag} ${v} is not an integer >= ${min}`)
  return n
}

/**
 * `entrenar serve <dir>`: one HTTP server over a store directory (created when missing): the
 * contracts (`/v1/store/*`, `/v1/sink/*`, `/v1/andon/*`, `/v1/silences/*`, `/v1/lineage/*`), `POST /v1/ingest` for
 * other languages, `/metrics` for Prometheus, `/healthz`, and the web dashboard at `/`.
 */
export async function serveCommand(dir: string, flags: ServeFlags, io: Io, ready?: (url: string) => void): Promise<number> {
  checkOptions('entrenar serve', flags, SERVE_FLAGS)
  const port = flags.port === undefined ? 9464 : Number(flags.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage(`--port ${flags.port} is not a TCP port`)
  const token = flags.token ?? io.env.ENTRENAR_TOKEN
  const adminToken = flags.adminToken ?? io.env.ENTRENAR_ADMIN_TOKEN
  const sqlTimeoutMs = count('--sql-timeout-ms', flags.sqlTimeoutMs, 1)
  const sqlMaxRows = count('--sql-max-rows', flags.sqlMaxRows, 0)
  if ((sqlTimeoutMs !== undefined || sqlMaxRows !== undefined) && flags.sql !== true) throw usage('--sql-timeout-ms and --sql-max-rows need --sql')
  const sqlLimits = { ...(sqlTimeoutMs === undefined ? {} : { timeoutMs: sqlTimeoutMs }), ...(sqlMaxRows === undefined ? {} : { maxRows: sqlMaxRows }) }
  const parquet = flags.store === undefined ? await openStore(dir, { sealAfterMs: 5000, sql: sqlLimits }) : undefined
  const store = parquet ?? (await openStoreUrl(flags.store!, sqlLimits))
  const lineage = await createLineage({ dir, onError: warnOn(io) })
  const configPath = flags.config ?? (existsSync('renacer.toml') ? 'renacer.toml' : undefined)
  // File-writing handlers of the renacer.toml stay inside the store unless a path was given here.
  const handlerFiles = { root: resolve(dir), ...(flags.allowWrite?.length ? { allow: flags.allowWrite } : {}) }
  const renacer = configPath ? loadRenacerConfig(configPath) : undefined
  const rules = createAndon({ storeDir: dir, timers: false, handlerFiles, ...(renacer ? { renacer } : {}) })
  // Each pushed run gets its own Andon with the same rules: a non-finite loss stops that run only, its
  // incident goes to <dir>/andon/incidents.jsonl, and the ingest reply tells its writer to stop.
  const runStops = andonRunStops(
    (runId) => createAndon({ runId, storeDir: dir, timers: false, handlerFiles, ...(renacer ? { renacer } : {}), onError: warnOn(io) }),
    (e) => warnOn(io)(toEntrenarError(e, ErrorCodes.INTERNAL, 'entrenar serve: closing a run\'s Andon')),
  )
  // Drift events the served Andon observes (from detectors run on ingest below, or from remote monitors
  // over /v1/andon/observe) are kept with the runs in <dir>/drift/events.jsonl, as autoMonitor keeps its own,
  // and decided by the Andon of the run they name: a drift stop (when the rules say so) stops that run only.
  const driftLog = openDriftLog(dir, (e) => warnOn(io)(toEntrenarError(e, ErrorCodes.SINK_FAILED, `entrenar serve: writing ${driftEventsPath(dir)}`)))
  const andon = recordingPolicy(rules, (e) => driftLog.append(e), (e) => runStops.observeEvent(e))
  // Points pushed by programs without a monitor get autoMonitor's default detectors.
  const up = [() => pageHinkley({ mode: 'up' })]
  const detection = flags.detect === false ? undefined : ingestDetection({ loss: up, val_loss: up }, (e) => andon.observe(e))
  // The extra handlers check Host and Origin as the server does: same names, same port.
  let bound: number | undefined
  const allowedHosts = boundHostNames(flags.host ?? '127.0.0.1', flags.allowedHost ?? [])
  const guard = { ...(allowedHosts ? { allowedHosts } : {}), port: () => bound, ...(flags.corsOrigin?.length ? { corsOrigins: flags.corsOrigin } : {}) }
  // Silences (`/v1/silences/*`) of the served Andon: `entrenar andon silence … --url` talks to these.
  const silences = createHttpHandler(silenceContract, asSilenceService(rules), { ...guard, ...(token ? { token } : {}) })
  const handlers = flags.dashboard === false ? [silences] : [silences, webDashboardHandler({ store, lineage, andon: rules, recorded: recordedEventsOf(dir), ...guard, ...(token ? { token } : {}) })]
  // The Rust entrenar's tracking API: its experiments are kept beside the runs.
  const tracking = { experiments: fileExperimentLog(join(dir, 'tracking', 'experiments.jsonl')) }
  const server = await startServer({
    store,
    lineage,
    andon,
    handlers,
    tracking,
    runStops,
    port,
    ...(detection ? { onIngest: (b: RecordBatch) => detection.observe(b) } : {}),
    onError: (e: unknown) => warnOn(io)(toEntrenarError(e, ErrorCodes.INTERNAL, 'entrenar serve')),
    ...(flags.host ? { host: flags.host } : {}),
    ...(token ? { token } : {}),
    ...(adminToken ? { adminToken } : {}),
    ...(flags.allowedHost?.length ? { allowedHosts: flags.allowedHost } : {}),
    ...(flags.corsOrigin?.length ? { corsOrigins: flags.corsOrigin } : {}),
    sql: flags.sql === true,
  })
  bound = server.port
  // The dashboard's first chart should not wait on opening every segment footer: they open in the
  // background, pausing while requests read the store. Stopping the server stops it before anything
  // closes (store.close() would stop it too, at its next file, after the server and logs closed).
  const warming = new AbortController()
  if (flags.dashboard !== false) void parquet?.warm({ signal: warming.signal }).catch(() => undefined)
  const sql = flags.sql === true ? `${server.url}/v1/store/sql` : null
  const renacerPath = configPath ? resolve(configPath) : null
  if (io.json) io.out(toJson({ url: server.url, port: server.port, ingest: `${server.url}/v1/ingest`, metrics: `${server.url}/metrics`, sql, renacer: renacerPath }))
  else {
    io.out(`entrenar serving ${flags.store === undefined ? dir : `${redact(flags.store)} (logs in ${dir})`} at ${server.url}\n`)
    io.out(`  push   POST ${server.url}/v1/ingest\n  scrape GET  ${server.url}/metrics\n  web    ${server.url}/\n`)
    io.out(sql ? `  sql    POST ${sql} and POST ${server.url}/query (read-only: one SELECT over this store's ${flags.store === undefined ? 'files' : 'database'})\n` : '  sql    off (start with --sql to serve read-only SQL)\n')
    io.out(renacerPath ? `  andon  rules from ${renacerPath}\n` : '  andon  no renacer.toml loaded (default rules)\n')
    io.out('(Ctrl-C to stop)\n')
  }
  ready?.(server.url)
  // Writers on other hosts that die while we serve: their WALs are replayed once their lease goes stale.
  const recovery = setInterval(() => {
    parquet?.recover().catch((e: unknown) => warnOn(io)(toEntrenarError(e, ErrorCodes.INTERNAL, 'entrenar serve: WAL recovery')))
  }, RECOVER_EVERY_MS)
  recovery.unref()
  await untilAborted(io.signal)
  warming.abort()
  clearInterval(recovery)
  await server.close()
  await runStops.close()
  await rules.close()
  await driftLog.close()
  await lineage.close()
  await store.close()
  return 0
}

/** The flags `serve` accepts (unknown ones are errors, as on the command line). */
const SERVE_FLAGS = optionKeys<ServeFlags>({ store: true, port: true, host: true, token: true, config: true, allowWrite: true, dashboard: true, allowedHost: true, corsOrigin: true, adminToken: true, detect: true, sql: true, sqlTimeoutMs: true, sqlMaxRows: true })

/** A store URL without its password, for output. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:…@')
}
