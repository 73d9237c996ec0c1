import * as v from 'valibot'
import { EntrenarError, ErrorCodes } from '../errors.js'
import { ErrorWire, SCHEMA_VERSION } from '../wire/schemas.js'
import { type Contract, contractMethods } from './contract.js'
import { checkOptions, optionKeys } from '../options.js'

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string
  /** Per-call timeout. Default 30 000 ms. */
  readonly timeoutMs?: number
  /** A fetch implementation (default: the global one). */
  readonly fetch?: typeof fetch
}

function withCallerSignal(timeout: AbortSignal, caller: AbortSignal | undefined): AbortSignal {
  return caller ? AbortSignal.any([timeout, caller]) : timeout
}

/**
 * A remote implementation of any contract: each method POSTs its wire request to
 * `<baseUrl>/v1/<service>/<method>` and decodes the validated answer. Error answers are rethrown
 * as {@link EntrenarError} with the server's code, so callers cannot tell local from remote.
 *
 * @example
 * ```ts
 * const store = createHttpClient(metricStoreContract, 'http://127.0.0.1:7070')
 * await store.query({ metrics: ['loss'] })
 * ```
 */
export function createHttpClient<T>(contract: Contract<T>, baseUrl: string, options: HttpClientOptions = {}): T {
  checkOptions('entrenar/core: createHttpClient', options, CREATE_HTTP_CLIENT_OPTIONS)
  const doFetch = options.fetch ?? fetch
  const root = baseUrl.replace(/\/+$/, '')
  const client: Record<string, (...args: unknown[]) => Promise<unknown>> = {}
  for (const [name, spec] of contractMethods(contract)) {
    const url = `${root}/v1/${contract.service}/${name}`
    client[name] = async (...args: unknown[]) => {
      const body = JSON.stringify(spec.encodeRequest(...args))
      let res: Response
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
          body,
          signal: withCallerSignal(AbortSignal.timeout(options.timeoutMs ?? 30_000), spec.signalOf?.(...args)),
        })
      } catch (e) {
        throw new EntrenarError(ErrorCodes.HTTP_TRANSPORT, `entrenar/core: POST ${url} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
      }
      let json: unknown
      try {
        json = await res.json()
      } catch (e) {
        throw new EntrenarError(ErrorCodes.HTTP_TRANSPORT, `entrenar/core: POST ${url} answered ${res.status} without JSON`, { cause: e })
      }
      if (!res.ok) {
        const err = v.safeParse(ErrorWire, json)
        if (err.success) {
          const e = err.output.error
          throw new EntrenarError(e.code as `ENTRENAR_${string}`, e.message, e.details ? { details: e.details } : undefined)
        }
        throw new EntrenarError(ErrorCodes.HTTP_TRANSPORT, `entrenar/core: POST ${url} answered ${res.status}`)
      }
      const parsed = v.safeParse(spec.response, json)
      if (!parsed.success) {
        const version = (json as { schema_version?: unknown } | null)?.schema_version
        if (version !== undefined && version !== SCHEMA_VERSION) {
          throw new EntrenarError(ErrorCodes.WIRE_VERSION, `entrenar/core: ${contract.service}.${name} answered schema_version ${String(version)}, expected ${SCHEMA_VERSION}`)
        }
        throw new EntrenarError(ErrorCodes.WIRE_INVALID, `entrenar/core: ${contract.service}.${name} answer is invalid: ${v.summarize(parsed.issues)}`)
      }
      return spec.decodeResponse(parsed.output)
    }
  }
  return client as T
}

/** The option names createHttpClient accepts (unknown ones are errors). */
const CREATE_HTTP_CLIENT_OPTIONS = optionKeys<NonNullable<Parameters<typeof createHttpClient>[2]>>({ token: true, timeoutMs: true, fetch: true })
