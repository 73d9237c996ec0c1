import { type AlertPolicy, alertPolicyContract, asAlertPolicyService, createHttpHandler } from '@entrenar/core'
import { type RunningServer, serveHandler } from '@entrenar/core/node'

/** Options of {@link serveAndon}. */
export interface ServeAndonOptions {
  /** Port (default 0: a free one). */
  readonly port?: number
  /** Interface (default 127.0.0.1: loopback only). */
  readonly host?: string
  /** When set, every request needs `Authorization: Bearer <token>`. */
  readonly token?: string
}

/**
 * Serves an Andon's control surface over HTTP (the core `alertPolicyContract`, service `andon`), so a
 * person or the CLI can see why a run stopped or paused and resume it from another process:
 * `POST <url>/v1/andon/status`, `POST <url>/v1/andon/resume` with body `{"schema_version":1}`, or
 * `createHttpClient(alertPolicyContract, url).resume()`. Binds loopback by default.
 */
export function serveAndon(andon: AlertPolicy, options: ServeAndonOptions = {}): Promise<RunningServer> {
  const handler = createHttpHandler(alertPolicyContract, asAlertPolicyService(andon), options.token === undefined ? {} : { token: options.token })
  return serveHandler(handler, { ...(options.port === undefined ? {} : { port: options.port }), ...(options.host === undefined ? {} : { host: options.host }) })
}
