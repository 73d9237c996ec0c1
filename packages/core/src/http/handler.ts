import * as v from 'valibot'
import { EntrenarError, ErrorCodes, type ErrorCode, isEntrenarError } from '../errors.js'
import { SCHEMA_VERSION } from '../wire/schemas.js'
import { type Contract, contractMethods, type AnyMethodSpec } from './contract.js'
import { checkOptions, closestName, optionKeys, unknownNameMessage } from '../options.js'
import { findUnknownKey } from '../wire/strict.js'

/** A Fetch-standard request handler: runs on Node (through the adapter), Deno, Bun and workers. */
export type FetchHandler = (request: Request) => Promise<Response>

/** Options of {@link createHttpHandler}. */
export interface HttpHandlerOptions {
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  readonly token?: string
  /** Largest accepted request body. Default 64 MiB. */
  readonly maxBodyBytes?: number
}

const STATUS: Partial<Record<string, number>> = {
  [ErrorCodes.HTTP_NOT_FOUND]: 404,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.HTTP_UNAUTHORIZED]: 401,
  [ErrorCodes.UNSUPPORTED]: 501,
  [ErrorCodes.CLOSED]: 409,
  [ErrorCodes.INTERNAL]: 500,
  ENTRENAR_BODY_TOO_LARGE: 413,
  ENTRENAR_BUSY: 429,
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
  if (!token) return true
  const got = request.headers.get('authorization') ?? ''
  const want = `Bearer ${token}`
  if (got.length !== want.length) return false
  let diff = 0
  for (let i = 0; i < want.length; i++) diff |= got.charCodeAt(i) ^ want.charCodeAt(i)
  return diff === 0
}

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
  return async (request) => {
    const url = new URL(request.url)
    if (!url.pathname.startsWith(prefix)) return errorResponse(ErrorCodes.HTTP_NOT_FOUND, `entrenar/core: no service at ${url.pathname}`)
    const name = url.pathname.slice(prefix.length)
    const spec = specs.get(name)
    if (!spec) return errorResponse(ErrorCodes.HTTP_NOT_FOUND, `entrenar/core: ${contract.service} has no method ${JSON.stringify(name)}`)
    if (!checkBearer(request, options.token)) return errorResponse(ErrorCodes.HTTP_UNAUTHORIZED, 'entrenar/core: missing or wrong bearer token')
    if (request.method !== 'POST') return errorResponse(ErrorCodes.WIRE_INVALID, `entrenar/core: ${request.method} ${url.pathname}: use POST`)
    const declared = Number(request.headers.get('content-length') ?? '0')
    if (declared > maxBody) return errorResponse('ENTRENAR_BODY_TOO_LARGE', `entrenar/core: body of ${declared} bytes exceeds ${maxBody}`)
    let json: unknown
    try {
      const text = await request.text()
      if (text.length > maxBody) return errorResponse('ENTRENAR_BODY_TOO_LARGE', `entrenar/core: body of ${text.length} bytes exceeds ${maxBody}`)
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
    try {
      const args = spec.decodeRequest(parsed.output)
      const result: unknown = await (fn as (...a: unknown[]) => Promise<unknown>).apply(impl, args)
      return Response.json(spec.encodeResponse(result))
    } catch (e) {
      if (isEntrenarError(e)) return errorResponse(e.code, e.message, e.details)
      const err = new EntrenarError(ErrorCodes.INTERNAL, `entrenar/core: ${contract.service}.${name} failed: ${e instanceof Error ? e.message : String(e)}`)
      return errorResponse(err.code, err.message)
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
const CREATE_HTTP_HANDLER_OPTIONS = optionKeys<NonNullable<Parameters<typeof createHttpHandler>[2]>>({ token: true, maxBodyBytes: true })
