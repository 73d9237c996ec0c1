/** Node-only: binds the composed handler to a `node:http` server (the one module of serve that does network I/O). */
import { EntrenarError, ErrorCodes } from '@entrenar/core'
import { boundHostNames, isLoopbackHost, serveHandler } from '@entrenar/core/node'
import type { Server } from 'node:http'
import { createServeHandler, type ServeHandler, type ServeHandlerOptions } from './handler.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Options of {@link startServer}. */
export interface StartServerOptions extends ServeHandlerOptions {
  /** TCP port; 0 (default) picks a free one. */
  readonly port?: number
  /**
   * Interface to bind. Default `127.0.0.1` (loopback); any other host requires `token`. The
   * `Host` check then also accepts the bound address (every interface address for `0.0.0.0`)
   * and `allowedHosts`.
   */
  readonly host?: string
}

/** A running Entrenar server. */
export interface EntrenarServer extends Omit<ServeHandler, 'handler'> {
  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  readonly url: string
  /** The port listened on (the chosen one when 0 was asked for). */
  readonly port: number
  /** The interface bound (default 127.0.0.1). */
  readonly host: string
  /** The Fetch handler the server runs (to mount it elsewhere too). */
  readonly handler: ServeHandler['handler']
  /** The underlying `node:http` server (for timeouts and connection limits). */
  readonly server: Server
  /** Stops accepting requests, writes every queued row to the store and flushes it. The store stays open (it is the caller's). */
  close(): Promise<void>
}

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopback(host: string): boolean {
  return isLoopbackHost(host)
}

/**
 * Starts one HTTP server for everything Entrenar serves: the contracts (`/v1/store/*`,
 * `/v1/sink/*`, `/v1/andon/*`, `/v1/lineage/*`, `/v1/detector/*`, mounts), `/metrics`, `/healthz`, `POST /v1/ingest`
 * and extra handlers (the web dashboard, composed by the `entrenar` package).
 * Binds loopback by default; binding any other interface without a bearer token is refused.
 *
 * @example
 * ```ts
 * const server = await startServer({ store, andon, port: 9464 })
 * // scrape http://127.0.0.1:9464/metrics; push from Python to /v1/ingest
 * await server.close()
 * ```
 */
export async function startServer(options: StartServerOptions = {}): Promise<EntrenarServer> {
  checkOptions('entrenar/serve: startServer', options, START_SERVER_OPTIONS)
  const host = options.host ?? '127.0.0.1'
  if (!isLoopback(host) && !options.token) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: binding ${host} (not loopback) requires a bearer token; pass token`)
  }
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: port ${port} is not in 0..65535`)
  let bound: number | undefined
  const allowedHosts = boundHostNames(host, options.allowedHosts)
  const { port: _port, host: _host, ...handlerOptions } = options
  const serve = createServeHandler({ ...handlerOptions, ...(allowedHosts ? { allowedHosts } : {}), port: () => bound })
  const running = await serveHandler(serve.handler, { port, host })
  bound = running.port
  // Slow clients cannot hold a request open forever.
  running.server.requestTimeout = 30_000
  running.server.headersTimeout = 10_000
  let closing: Promise<void> | undefined
  return {
    ...serve,
    url: running.url,
    port: running.port,
    host,
    server: running.server,
    close() {
      closing ??= (async () => {
        await running.close()
        await serve.flush()
      })()
      return closing
    },
  }
}

/** The option names startServer accepts (unknown ones are errors). */
const START_SERVER_OPTIONS = optionKeys<NonNullable<Parameters<typeof startServer>[0]>>({ port: true, host: true, store: true, lineage: true, andon: true, detectors: true, mounts: true, handlers: true, exporter: true, sources: true, token: true, adminToken: true, allowedHosts: true, corsOrigins: true, sql: true, maxBodyBytes: true, maxQueuedRows: true, retryAfterSeconds: true, onError: true, onIngest: true, runStops: true, tracking: true })
