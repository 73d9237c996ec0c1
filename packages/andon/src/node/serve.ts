import { type AlertPolicy, alertPolicyContract, asAlertPolicyService, combineHandlers, createHttpHandler, EntrenarError, ErrorCodes, silenceContract } from '@entrenar/core'
import { boundHostNames, isLoopbackHost, type RunningServer, serveHandler } from '@entrenar/core/node'
import { asSilenceService } from '../silence/service.js'
import type { Andon } from '../types.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Options of {@link serveAndon}. */
export interface ServeAndonOptions {
  /** Port (default 0: a free one). */
  readonly port?: number
  /** Interface (default 127.0.0.1: loopback only). */
  readonly host?: string
  /** When set, every request needs `Authorization: Bearer <token>`. Required off loopback. */
  readonly token?: string
  /** More names the `Host` header may carry (DNS rebinding guard; the bound address is always allowed). */
  readonly allowedHosts?: readonly string[]
}

const hasSilences = (p: AlertPolicy): p is AlertPolicy & Pick<Andon, 'addSilence' | 'expireSilence' | 'silences'> =>
  typeof (p as Partial<Andon>).addSilence === 'function' && typeof (p as Partial<Andon>).expireSilence === 'function' && typeof (p as Partial<Andon>).silences === 'function'

/**
 * Serves an Andon's control surface over HTTP (the core `alertPolicyContract`, service `andon`), so a
 * person or the CLI can see why a run stopped or paused and resume it from another process:
 * `POST <url>/v1/andon/status`, `POST <url>/v1/andon/resume` with body `{"schema_version":1}`, or
 * `createHttpClient(alertPolicyContract, url).resume()`. An Andon's silences are served beside it
 * (`silenceContract`: `POST <url>/v1/silences/add|list|expire`). Binds loopback by default; any
 * other interface requires `token`. Requests must name the server in `Host` and come as JSON from
 * its own origin (see core's `createRequestGuard`).
 */
export async function serveAndon(andon: AlertPolicy, options: ServeAndonOptions = {}): Promise<RunningServer> {
  checkOptions('entrenar/andon: serveAndon', options, SERVE_ANDON_OPTIONS)
  const host = options.host ?? '127.0.0.1'
  if (!isLoopbackHost(host) && !options.token) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: serving on ${host} (not loopback) requires a token; pass token`)
  }
  let bound: number | undefined
  const allowedHosts = boundHostNames(host, options.allowedHosts)
  const auth = { ...(options.token === undefined ? {} : { token: options.token }), ...(allowedHosts ? { allowedHosts } : {}), port: () => bound }
  const policy = createHttpHandler(alertPolicyContract, asAlertPolicyService(andon), auth)
  const handler = hasSilences(andon) ? combineHandlers(policy, createHttpHandler(silenceContract, asSilenceService(andon), auth)) : policy
  const running = await serveHandler(handler, { host, ...(options.port === undefined ? {} : { port: options.port }) })
  bound = running.port
  return running
}

/** The option names serveAndon accepts (unknown ones are errors). */
const SERVE_ANDON_OPTIONS = optionKeys<NonNullable<Parameters<typeof serveAndon>[1]>>({ port: true, host: true, token: true, allowedHosts: true })
