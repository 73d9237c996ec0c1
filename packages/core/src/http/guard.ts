/**
 * The request checks every Entrenar server runs before a route sees a request: the `Host` header
 * (DNS rebinding), the `Origin` and media type of state-changing requests (CSRF: no "simple"
 * cross-origin request may change anything), CORS for an explicit allow-list only, the bearer
 * token (or the dashboard's cookie) compared in constant time, and request bodies capped while
 * they stream. Fetch-standard only: runs in browsers, workers and Node alike.
 */
import { EntrenarError, type ErrorCode, ErrorCodes } from '../errors.js'
import { checkOptions, optionKeys } from '../options.js'
import { SCHEMA_VERSION } from '../wire/schemas.js'

/** Names a loopback server answers to (IPv6 in brackets, lower case, no port). */
export const LOOPBACK_HOSTS: readonly string[] = Object.freeze(['localhost', '127.0.0.1', '[::1]'])

/** Methods that may change state: they need an allowed media type and no foreign `Origin`. */
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** Headers a cross-origin caller on the allow-list may send. */
const CORS_HEADERS = 'authorization, content-type, content-encoding, x-entrenar-view'

/** Options of {@link createRequestGuard}. */
export interface RequestGuardOptions {
  /**
   * Host names the `Host` header may carry: `name` (any port) or `name:port`. IPv6 literals in
   * brackets. Default {@link LOOPBACK_HOSTS}, which then must carry `port` when it is known.
   */
  readonly allowedHosts?: readonly string[]
  /** The port the server listens on (a function when it is known only after binding). */
  readonly port?: number | (() => number | undefined)
  /**
   * Origins (`scheme://host[:port]`) that may call from another origin: they get CORS headers and
   * their state-changing requests are allowed. Default none: no CORS headers at all.
   */
  readonly corsOrigins?: readonly string[]
  /** Media types a state-changing request may carry. Default `application/json`. */
  readonly contentTypes?: readonly string[]
}

/** The checks of one server (see {@link createRequestGuard}). */
export interface RequestGuard {
  /** An error answer when the request must not reach a route (421, 403, 415 or a CORS preflight answer); undefined when it may. */
  check(request: Request): Response | undefined
  /** Adds CORS headers to an answer when the request came from an allowed origin; the answer unchanged otherwise. */
  cors(request: Request, response: Response): Response
}

/** Lower-cased `name` and `port` of a Host header value (`port` undefined when absent). */
export function parseHost(value: string):
  | {
      /** Host name or IP literal, lower-cased (an IPv6 literal keeps its brackets). */
      name: string
      /** The port, when the header has one. */
      port: number | undefined
    }
  | undefined {
  const v = value.trim().toLowerCase()
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/.exec(v)
  if (!m) return undefined
  return { name: m[1]!, port: m[2] === undefined ? undefined : Number(m[2]) }
}

/** The media type of a `Content-Type` value without parameters, lower case. */
export function mediaType(value: string | null): string {
  return (value ?? '').split(';')[0]!.trim().toLowerCase()
}

function answer(status: number, code: ErrorCode, message: string): Response {
  return Response.json({ schema_version: SCHEMA_VERSION, error: { code, message } }, { status, headers: { 'x-entrenar-code': code } })
}

function normalizeOrigin(o: string): string {
  try {
    const u = new URL(o)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme')
    if (u.pathname !== '/' || u.search || u.hash || u.username) throw new Error('path')
    return u.origin
  } catch {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/core: CORS origin ${JSON.stringify(o)} is not scheme://host[:port]`)
  }
}

/**
 * Builds the checks a server runs first on every request:
 * - `Host` must name the server (one of `allowedHosts`; the loopback names with the bound port) →
 *   otherwise 421 `ENTRENAR_HTTP_MISDIRECTED`: a DNS-rebinding page names its own host;
 * - POST/PUT/PATCH/DELETE must carry one of `contentTypes` (default `application/json`, which a
 *   page of another origin cannot send without a CORS preflight) → otherwise 415
 *   `ENTRENAR_HTTP_MEDIA_TYPE`, and must not come from a foreign `Origin` → 403 `ENTRENAR_HTTP_FORBIDDEN`;
 * - an `OPTIONS` preflight is answered for `corsOrigins` only (403 for any other origin).
 *
 * @example
 * ```ts
 * const guard = createRequestGuard({ port: 9464 })
 * const handler: FetchHandler = async (req) => guard.check(req) ?? guard.cors(req, await route(req))
 * ```
 */
export function createRequestGuard(options: RequestGuardOptions = {}): RequestGuard {
  checkOptions('entrenar/core: createRequestGuard', options, REQUEST_GUARD_OPTIONS)
  const anyPort = new Set<string>()
  const exact = new Set<string>()
  const configured = options.allowedHosts !== undefined
  for (const h of options.allowedHosts ?? LOOPBACK_HOSTS) {
    if (typeof h !== 'string') throw new EntrenarError(ErrorCodes.INVALID_CONFIG, 'entrenar/core: allowedHosts must be host names')
    const p = parseHost(h.includes(':') && !h.startsWith('[') && h.split(':').length > 2 ? `[${h}]` : h)
    if (!p) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/core: allowed host ${JSON.stringify(h)} is not a host name, [IPv6] or name:port`)
    if (p.port !== undefined) exact.add(`${p.name}:${p.port}`)
    else anyPort.add(p.name)
  }
  const origins = new Set((options.corsOrigins ?? []).map(normalizeOrigin))
  const types = new Set((options.contentTypes ?? ['application/json']).map((t) => t.toLowerCase()))
  const boundPort = (): number | undefined => (typeof options.port === 'function' ? options.port() : options.port)

  const hostOk = (request: Request): boolean => {
    const raw = request.headers.get('host') ?? new URL(request.url).host
    const h = parseHost(raw)
    if (!h) return false
    const bound = boundPort()
    const port = h.port ?? (bound === undefined ? undefined : 80)
    if (port !== undefined && exact.has(`${h.name}:${port}`)) return true
    if (!anyPort.has(h.name)) return false
    // Configured names may sit behind a proxy (any port); the loopback defaults must name our own port.
    return configured || bound === undefined || port === bound
  }

  /**
   * Same origin: the Origin names the host and port of `Host`, with the request's scheme, or the
   * scheme a TLS proxy in front reports in `X-Forwarded-Proto` (a header no page can add to a
   * request that skips the CORS preflight).
   */
  const sameOrigin = (request: Request, origin: string): boolean => {
    let o: URL
    try {
      o = new URL(origin)
    } catch {
      return false
    }
    const host = (request.headers.get('host') ?? new URL(request.url).host).toLowerCase()
    if (o.host !== host || o.origin !== origin.toLowerCase()) return false
    const forwarded = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase()
    return o.protocol === new URL(request.url).protocol || (forwarded !== undefined && o.protocol === `${forwarded}:`)
  }

  return {
    check(request) {
      if (!hostOk(request)) {
        const shown = (request.headers.get('host') ?? '').slice(0, 100)
        return answer(421, ErrorCodes.HTTP_MISDIRECTED, `entrenar/core: Host ${JSON.stringify(shown)} is not a name of this server (DNS rebinding guard; allow it with allowedHosts / --allowed-host)`)
      }
      const origin = request.headers.get('origin')
      const method = request.method.toUpperCase()
      if (method === 'OPTIONS' && origin !== null) {
        if (!origins.has(origin)) return answer(403, ErrorCodes.HTTP_FORBIDDEN, `entrenar/core: origin ${JSON.stringify(origin.slice(0, 100))} is not allowed (see corsOrigins / --cors-origin)`)
        return new Response(null, {
          status: 204,
          headers: {
            'access-control-allow-origin': origin,
            'access-control-allow-methods': 'GET, HEAD, POST',
            'access-control-allow-headers': CORS_HEADERS,
            'access-control-max-age': '600',
            vary: 'origin',
          },
        })
      }
      if (!UNSAFE.has(method)) return undefined
      if (origin !== null && !sameOrigin(request, origin) && !origins.has(origin)) {
        return answer(403, ErrorCodes.HTTP_FORBIDDEN, `entrenar/core: ${method} from origin ${JSON.stringify(origin.slice(0, 100))} refused (cross-origin; allow it with corsOrigins / --cors-origin)`)
      }
      const site = request.headers.get('sec-fetch-site')
      if (origin === null && (site === 'cross-site' || site === 'same-site')) {
        return answer(403, ErrorCodes.HTTP_FORBIDDEN, `entrenar/core: ${method} from another site refused`)
      }
      const type = mediaType(request.headers.get('content-type'))
      if (!types.has(type)) {
        return answer(415, ErrorCodes.HTTP_MEDIA_TYPE, `entrenar/core: ${method} needs Content-Type ${[...types].join(' or ')}, got ${JSON.stringify(type.slice(0, 100) || 'none')}`)
      }
      return undefined
    },
    cors(request, response) {
      const origin = request.headers.get('origin')
      if (origin === null || !origins.has(origin)) return response
      const headers = new Headers(response.headers)
      headers.set('access-control-allow-origin', origin)
      headers.append('vary', 'origin')
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
    },
  }
}

/**
 * Compares two strings in time that depends only on the length of `want` (the secret), never on
 * where they first differ.
 */
export function constantTimeEqual(got: string, want: string): boolean {
  let diff = got.length ^ want.length
  for (let i = 0; i < want.length; i++) diff |= (i < got.length ? got.charCodeAt(i) : 0) ^ want.charCodeAt(i)
  return diff === 0
}

/** Name of the cookie the web dashboard sets after `/?token=`: per port, as cookies are shared by every port of a host. */
export function tokenCookieName(url: URL): string {
  return `entrenar_dashboard_${url.port || (url.protocol === 'https:' ? '443' : '80')}`
}

/** The value of one cookie of a request, undefined when absent. */
export function cookieValue(request: Request, name: string): string | undefined {
  const header = request.headers.get('cookie')
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim())
      } catch {
        return undefined
      }
    }
  }
  return undefined
}

/**
 * True when the request carries `token`: as `Authorization: Bearer <token>` or, when `cookie` is
 * true, in the dashboard's cookie ({@link tokenCookieName}). Constant-time comparisons. No token
 * configured: always true.
 */
export function hasToken(request: Request, token: string | undefined, options: { cookie?: boolean } = {}): boolean {
  if (!token) return true
  const bearer = request.headers.get('authorization')
  if (bearer !== null && constantTimeEqual(bearer, `Bearer ${token}`)) return true
  if (!options.cookie) return false
  const c = cookieValue(request, tokenCookieName(new URL(request.url)))
  return c !== undefined && constantTimeEqual(c, token)
}

/** Thrown inside {@link readBody} for an unsupported or corrupt `Content-Encoding`. */
function encodingError(message: string): EntrenarError {
  return new EntrenarError(ErrorCodes.WIRE_INVALID, message)
}

/**
 * Reads a request body as text, at most `maxBytes` (after gzip decoding when `gzip` is true, so a
 * small compressed bomb cannot grow memory). The read stops as soon as the cap is passed, for a
 * declared `Content-Length` before reading anything, for a chunked body at the first chunk over:
 * `ENTRENAR_BODY_TOO_LARGE` (HTTP 413). An unsupported or corrupt encoding is `ENTRENAR_WIRE_INVALID`.
 */
export async function readBody(request: Request, options: { maxBytes: number; gzip?: boolean; prefix?: string }): Promise<string> {
  const max = options.maxBytes
  const prefix = options.prefix ?? 'entrenar/core'
  const tooLarge = (declared?: number): EntrenarError =>
    new EntrenarError(ErrorCodes.BODY_TOO_LARGE, `${prefix}: body ${declared === undefined ? '' : `of ${declared} bytes `}exceeds ${max} bytes`, { details: { max_body_bytes: max } })
  const declared = Number(request.headers.get('content-length') ?? Number.NaN)
  if (declared > max) throw tooLarge(declared)
  if (!request.body) return ''
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase()
  if (encoding !== 'identity' && !(options.gzip && encoding === 'gzip')) {
    throw encodingError(`${prefix}: content-encoding ${encoding.slice(0, 40)} is not supported; use ${options.gzip ? 'gzip or ' : ''}none`)
  }
  const stream = encoding === 'gzip' ? request.body.pipeThrough(new DecompressionStream('gzip')) : request.body
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    let part: ReadableStreamReadResult<Uint8Array>
    try {
      part = await reader.read()
    } catch (e) {
      throw encodingError(`${prefix}: body could not be read (${encoding}): ${e instanceof Error ? e.message : String(e)}`)
    }
    if (part.done) break
    size += part.value.byteLength
    if (size > max) {
      void reader.cancel().catch(() => {})
      throw tooLarge()
    }
    chunks.push(part.value)
  }
  const all = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    all.set(c, at)
    at += c.byteLength
  }
  return new TextDecoder().decode(all)
}

/** The option names createRequestGuard accepts (unknown ones are errors). */
const REQUEST_GUARD_OPTIONS = optionKeys<RequestGuardOptions>({ allowedHosts: true, port: true, corsOrigins: true, contentTypes: true })
