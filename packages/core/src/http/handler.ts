import * as v from 'valibot'
import { EntrenarError, ErrorCodes, type ErrorCode, isEntrenarError } from '../errors.js'
import { SCHEMA_VERSION } from '../wire/schemas.js'
import { type Contract, contractMethods, type AnyMethodSpec } from './contract.js'
import { createRequestGuard, hasToken, readBody, type RequestGuardOptions } from './guard.js'
import { checkOptions, closestName, optionKeys, unknownNameMessage } from '../options.js'
import { findUnknownKey } from '../wire/strict.js'

/** A Fetch-standard request handler: runs on Node (through the adapter), Deno, Bun and workers. */
export type FetchHandler = (request: Request) => Promise<Response>

/** Options of {@link createHttpHandler}. */
export interface HttpHandlerOptions extends RequestGuardOptions {
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  readonly token?: string
  /** Largest accepted request body; the read stops there (413). Default 64 MiB. */
  readonly maxBodyBytes?: number
  /**
   * Run the request checks of {@link createRequestGuard} (Host, Origin, media type, CORS). Default
   * true; false only when a server in front of this handler already ran them on the same request.
   */
  readonly guard?: boolean
}

const STATUS: Partial<Record<string, number>> = {
  [ErrorCodes.HTTP_NOT_FOUND]: 404,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.HTTP_UNAUTHORIZED]: 401,
  [ErrorCodes.HTTP_FORBIDDEN]: 403,
  [ErrorCodes.HTTP_MISDIRECTED]: 421,
  [ErrorCodes.HTTP_MEDIA_TYPE]: 415,
  [ErrorCodes.UNSUPPORTED]: 501,
  [ErrorCodes.CLOSED]: 409,
  [ErrorCodes.INTERNAL]: 500,
  ENTRENAR_BODY_TOO_LARGE: 413,
  ENTRENAR_BUSY: 429,
  [ErrorCodes.SQL_FORBIDDEN]: 403,
  [ErrorCodes.SQL_DISABLED]: 403,
  [ErrorCodes.SQL_TIMEOUT]: 504,
  // nginx's "client closed request": nobody reads this answer.
  [ErrorCodes.SQL_CANCELLED]: 499,
}

/** Header carrying the error code of an error answer, so routers can tell "no such route" from "no such id". */
export const CODE_HEADER = 'x-entrenar-code'

/** An error answer in the wire form. */
export function errorResponse(code: ErrorCode, message: string, details?: Readonly<Record<string, unknown>>): Response {
  const status = STATUS[code] ?? (/INVALID|WIRE|CYCLE|CORRUPT/.test(code) ? 400 : 500)
  return Response.json({ schema_version: SCHEMA_VERSION, error: { code, message, ...(details ? { details } : {}) } }, { status, headers: { [CODE_HEADER]: code } })
}

/** True when the request carries the expected bearer token (constant-time comparison). */
export function checkBearer(request: Request, token: string | undefined): boolean {
  return hasToken(request, token)
}

/**
 * Requests being answered. A Request's `signal` follows the signal it was made from only while the
 * Request object itself is alive (Node's fetch links the two through a weak reference), so a request is
 * held here until its method settles: a client that disconnects then still aborts the call.
 */
const answering = new Set<Request>()

/**
 * Serves an implementation of a contract over HTTP: `POST /v1/<service>/<method>` with the wire
 * request as JSON body. Requests are validated before the implementation sees them; errors answer
 * `{ schema_version, error: { code, message } }` with a matching status. Unknown paths answer 404
 * with `ENTRENAR_HTTP_NOT_FOUND`, so handlers compose with {@link combineHandlers}.
 */
export function createHttpHandler<T>(contract: Contract<T>, impl: T, options: HttpHandlerOptions = {}): FetchHandler {
  checkOptions('entrenar/core: createHttpHandler', options, CREATE_HTTP_HANDLER_OPTIONS)
  const maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024
  const prefix = `/v1/${contract.service}/`
  const specs = new Map<string, AnyMethodSpec>(contractMethods(contract))
  const guard = options.guard === false ? undefined : createRequestGuard({
        ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }),
        ...(options.port === undefined ? {} : { port: options.port }),
        ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
        ...(options.contentTypes === undefined ? {} : { contentTypes: options.contentTypes }),
      })
  return async (request) => {
    const url = new URL(request.url)
    if (!url.pathname.startsWith(prefix)) return errorResponse(ErrorCodes.HTTP_NOT_FOUND, `entrenar/core: no service at ${url.pathname}`)
    const name = url.pathname.slice(prefix.length)
    const spec = specs.get(name)
    if (!spec) return errorResponse(ErrorCodes.HTTP_NOT_FOUND, `entrenar/core: ${contract.service} has no method ${JSON.stringify(name)}`)
    const refused = guard?.check(request)
    if (refused) return refused
    if (!checkBearer(request, options.token)) return errorResponse(ErrorCodes.HTTP_UNAUTHORIZED, 'entrenar/core: missing or wrong bearer token')
    if (request.method !== 'POST') return errorResponse(ErrorCodes.WIRE_INVALID, `entrenar/core: ${request.method} ${url.pathname}: use POST`)
    let text: string
    try {
      text = await readBody(request, { maxBytes: maxBody })
    } catch (e) {
      if (isEntrenarError(e)) return errorResponse(e.code, e.message, e.details)
      throw e
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return errorResponse(ErrorCodes.WIRE_INVALID, `entrenar/core: ${contract.service}.${name}: body is not JSON`)
    }
    const version = (json as { schema_version?: unknown } | null)?.schema_version
    if (version !== SCHEMA_VERSION) {
      return errorResponse(ErrorCodes.WIRE_VERSION, `entrenar/core: ${contract.service}.${name}: schema_version ${String(version)} is not ${SCHEMA_VERSION}`)
    }
    const parsed = v.safeParse(spec.request, json)
    if (!parsed.success) return errorResponse(ErrorCodes.WIRE_INVALID, `entrenar/core: ${contract.service}.${name}: ${v.summarize(parsed.issues)}`)
    // Keys the schema does not declare are refused, not dropped: a misspelt field must not be ignored.
    const unknown = findUnknownKey(spec.request, json)
    if (unknown) {
      const at = unknown.path.length ? ` in ${unknown.path.join('.')}` : ''
      return errorResponse(ErrorCodes.WIRE_INVALID, `entrenar/core: ${contract.service}.${name}: ${unknownNameMessage('key', unknown.key, unknown.known)}${at}`, {
        key: unknown.key,
        path: unknown.path,
        suggestion: closestName(unknown.key, unknown.known) ?? null,
      })
    }
    const fn = (impl as Record<string, unknown>)[name]
    if (typeof fn !== 'function') return errorResponse(ErrorCodes.UNSUPPORTED, `entrenar/core: this ${contract.service} does not implement ${name}`)
    answering.add(request)
    try {
      const args = spec.decodeRequest(parsed.output, { signal: request.signal })
      const result: unknown = await (fn as (...a: unknown[]) => Promise<unknown>).apply(impl, args)
      const res = Response.json(spec.encodeResponse(result))
      return guard ? guard.cors(request, res) : res
    } catch (e) {
      if (isEntrenarError(e)) return errorResponse(e.code, e.message, e.details)
      const err = new EntrenarError(ErrorCodes.INTERNAL, `entrenar/core: ${contract.service}.${name} failed: ${e instanceof Error ? e.message : String(e)}`)
      return errorResponse(err.code, err.message)
    } finally {
      answering.delete(request)
    }
  }
}

/**
 * Tries each handler in turn; the first answer that is not a 404 wins. A 404 that a contract method
 * answered about its data (`ENTRENAR_NOT_FOUND`: an unknown model or run) is an answer too, not "not mine".
 */
export function combineHandlers(...handlers: FetchHandler[]): FetchHandler {
  return async (request) => {
    let last: Response | undefined
    for (const h of handlers) {
      const res = await h(request.clone())
      if (res.status !== 404 || res.headers.get(CODE_HEADER) === ErrorCodes.NOT_FOUND) return res
      last = res
    }
    return last ?? errorResponse(ErrorCodes.HTTP_NOT_FOUND, `entrenar/core: nothing at ${new URL(request.url).pathname}`)
  }
}

/** The option names createHttpHandler accepts (unknown ones are errors). */
const CREATE_HTTP_HANDLER_OPTIONS = optionKeys<NonNullable<Parameters<typeof createHttpHandler>[2]>>({ token: true, maxBodyBytes: true, guard: true, allowedHosts: true, port: true, corsOrigins: true, contentTypes: true })
