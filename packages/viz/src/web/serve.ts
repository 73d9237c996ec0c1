import type { MetricStore } from '@entrenar/core'
import { EntrenarError, ErrorCodes } from '@entrenar/core'
import { boundHostNames, isLoopbackHost, type RunningServer, serveHandler } from '@entrenar/core/node'
import { webDashboardHandler } from './dashboard.js'
import type { WebDashboardOptions } from './handler.js'
import { recordedEventsOf } from './recorded-node.js'
import { checkOptions, optionKeys } from '@entrenar/core'

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
  /**
   * The store's directory: the incidents and drift change points recorded there
   * (`<dir>/andon/incidents.jsonl`, `<dir>/drift/events.jsonl`) are shown (see `recorded`).
   */
  readonly storeDir?: string
}

/** A running dashboard server. */
export interface WebDashboardServer {
  /** Address to open, with `?token=` when a token is set. */
  readonly url: string
  /** The port listened on (the chosen one when 0 was asked for). */
  readonly port: number
  /** Stops the server and closes its connections (live streams included). */
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
  checkOptions('entrenar/viz: serveWebDashboard', options, SERVE_WEB_DASHBOARD_OPTIONS)
  const { host: bind, insecureNoToken, port, storeDir, ...rest } = options
  const host = bind ?? '127.0.0.1'
  if (!isLoopbackHost(host) && !options.token && insecureNoToken !== true) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/viz: serving the dashboard on ${host} (not loopback) requires a token; pass token (or insecureNoToken to accept the risk)`)
  }
  let bound: number | undefined
  const allowedHosts = boundHostNames(host, options.allowedHosts)
  const recorded = rest.recorded ?? (storeDir !== undefined ? recordedEventsOf(storeDir) : undefined)
  const handler = webDashboardHandler({ ...rest, store, ...(recorded ? { recorded } : {}), ...(allowedHosts ? { allowedHosts } : {}), port: () => bound })
  const server: RunningServer = await serveHandler(handler, { host, ...(port !== undefined ? { port } : {}) })
  bound = server.port
  // A store that can prepare its first queries (`@entrenar/db`'s `warm()`) does so in the background:
  // it pauses while requests read the store, and stops when the server closes.
  const warming = new AbortController()
  const warm = (store as { warm?: unknown }).warm
  if (typeof warm === 'function') {
    try {
      void Promise.resolve((warm as (o: { signal: AbortSignal }) => Promise<unknown>).call(store, { signal: warming.signal })).catch(() => undefined)
    } catch {
      // a store closed already: the requests will say so
    }
  }
  const url = `${server.url}/${options.token ? `?token=${encodeURIComponent(options.token)}` : ''}`
  return {
    url,
    port: server.port,
    close: () => {
      warming.abort()
      return server.close()
    },
  }
}

/** The option names serveWebDashboard accepts (unknown ones are errors). */
const SERVE_WEB_DASHBOARD_OPTIONS = optionKeys<NonNullable<Parameters<typeof serveWebDashboard>[1]>>({ port: true, host: true, insecureNoToken: true, storeDir: true, lineage: true, andon: true, recorded: true, token: true, title: true, pollMs: true, maxLivePoints: true, allowedHosts: true, corsOrigins: true, lineageSeeds: true, lineageLimit: true, prefetch: true })
