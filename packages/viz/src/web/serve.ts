import type { MetricStore } from '@entrenar/core'
import { type RunningServer, serveHandler } from '@entrenar/core/node'
import { webDashboardHandler } from './dashboard.js'
import type { WebDashboardOptions } from './handler.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Options of {@link serveWebDashboard}. */
export interface ServeWebDashboardOptions extends Omit<WebDashboardOptions, 'store'> {
  /** TCP port; default 0 (a free port). TensorBoard's habit is 6006. */
  readonly port?: number
  /** Interface to bind; default `127.0.0.1` (loopback only). */
  readonly host?: string
}

/** A running dashboard server. */
export interface WebDashboardServer {
  /** Address to open, with `?token=` when a token is set. */
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

/**
 * Serves the web dashboard of a store with `node:http` (what `entrenar dashboard --web` calls with
 * the store it opened). Binds loopback by default; on another interface the Host check is relaxed
 * to that host name and a token is strongly advised.
 *
 * @example
 * ```ts
 * const server = await serveWebDashboard(store, { port: 6006 })
 * console.log(`dashboard at ${server.url}`)
 * ```
 */
export async function serveWebDashboard(store: MetricStore, options: ServeWebDashboardOptions = {}): Promise<WebDashboardServer> {
  checkOptions('entrenar/viz: serveWebDashboard', options, SERVE_WEB_DASHBOARD_OPTIONS)
  const host = options.host ?? '127.0.0.1'
  const allowedHosts = options.allowedHosts ?? (LOOPBACK.has(host) ? undefined : host === '0.0.0.0' || host === '::' ? 'any' : ['localhost', '127.0.0.1', '[::1]', host.includes(':') ? `[${host}]` : host])
  const { host: _host, port: _port, ...handlerOptions } = options
  const handler = webDashboardHandler({ ...handlerOptions, store, ...(allowedHosts !== undefined ? { allowedHosts } : {}) })
  const server: RunningServer = await serveHandler(handler, { host, ...(options.port !== undefined ? { port: options.port } : {}) })
  const url = `${server.url}/${options.token ? `?token=${encodeURIComponent(options.token)}` : ''}`
  return { url, port: server.port, close: () => server.close() }
}

/** The option names serveWebDashboard accepts (unknown ones are errors). */
const SERVE_WEB_DASHBOARD_OPTIONS = optionKeys<NonNullable<Parameters<typeof serveWebDashboard>[1]>>({ port: true, host: true, lineage: true, andon: true, token: true, title: true, pollMs: true, maxLivePoints: true, allowedHosts: true, lineageSeeds: true, lineageLimit: true, prefetch: true })
