import type { MetricStore } from '@entrenar/core'
import { EntrenarError, ErrorCodes } from '@entrenar/core'
import { boundHostNames, isLoopbackHost, type RunningServer, serveHandler } from '@entrenar/core/node'
import { webDashboardHandler } from './dashboard.js'
import type { WebDashboardOptions } from './handler.js'

/** Options of {@link serveWebDashboard}. */
export interface ServeWebDashboardOptions extends Omit<WebDashboardOptions, 'store'> {
  /** TCP port; default 0 (a free port). TensorBoard's habit is 6006. */
  readonly port?: number
  /**
   * Interface to bind; default `127.0.0.1` (loopback only). Any other interface needs `token`
   * (or `insecureNoToken`); the Host check then accepts the bound address (every interface
   * address for `0.0.0.0`) and `allowedHosts`.
   */
  readonly host?: string
  /**
   * Serve off loopback without a token: anyone who can reach the port reads every run and its
   * config. Only for a network you trust entirely; the CLI prints a warning.
   */
  readonly insecureNoToken?: boolean
}

/** A running dashboard server. */
export interface WebDashboardServer {
  /** Address to open, with `?token=` when a token is set. */
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

/**
 * Serves the web dashboard of a store with `node:http` (what `entrenar dashboard --web` calls with
 * the store it opened). Binds loopback by default; another interface requires a token (or the
 * explicit `insecureNoToken`), and the Host check accepts that interface's names.
 *
 * @example
 * ```ts
 * const server = await serveWebDashboard(store, { port: 6006 })
 * console.log(`dashboard at ${server.url}`)
 * ```
 */
export async function serveWebDashboard(store: MetricStore, options: ServeWebDashboardOptions = {}): Promise<WebDashboardServer> {
  const { host: bind, insecureNoToken, port, ...rest } = options
  const host = bind ?? '127.0.0.1'
  if (!isLoopbackHost(host) && !options.token && insecureNoToken !== true) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/viz: serving the dashboard on ${host} (not loopback) requires a token; pass token (or insecureNoToken to accept the risk)`)
  }
  let bound: number | undefined
  const allowedHosts = boundHostNames(host, options.allowedHosts)
  const handler = webDashboardHandler({ ...rest, store, ...(allowedHosts ? { allowedHosts } : {}), port: () => bound })
  const server: RunningServer = await serveHandler(handler, { host, ...(port !== undefined ? { port } : {}) })
  bound = server.port
  const url = `${server.url}/${options.token ? `?token=${encodeURIComponent(options.token)}` : ''}`
  return { url, port: server.port, close: () => server.close() }
}
