/**
 * Node.js glue for the Fetch-standard handlers of `@entrenar/core`, and the reader of JSON-lines logs:
 * the only entry of core that imports `node:*`, so everything else runs in a browser too.
 *
 * @module @entrenar/core/node
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { hostname, networkInterfaces } from 'node:os'
import { LOOPBACK_HOSTS } from './http/guard.js'
import type { FetchHandler } from './http/handler.js'

export { JSONL_LOG_MAX_LINE_BYTES, type JsonlDecoder, type JsonlLineProblem, type JsonlLineProblemCode, type JsonlLog, type JsonlLogOptions, readJsonlLog, readJsonlLogSync } from './node/jsonl-log.js'

/**
 * Requests being answered: a Request's `signal` follows the connection's only while the Request object is
 * alive (Node's fetch links them through a weak reference), so each is held until its answer is written.
 */
const answering = new Set<Request>()

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1'
}

/**
 * The names a server bound to `host` answers to, for the `Host` check of `createRequestGuard`:
 * undefined on loopback (the guard's default, loopback names on the bound port); otherwise the
 * loopback names, the bound address (every interface address and the machine's host name for
 * `0.0.0.0`/`::`) and `extra` (public names, e.g. behind a proxy).
 */
export function boundHostNames(host: string, extra: readonly string[] = []): readonly string[] | undefined {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
  const shown = bare.includes(':') ? `[${bare}]` : bare
  if (LOOPBACK_HOSTS.includes(shown) && extra.length === 0) return undefined
  const names = new Set<string>([...LOOPBACK_HOSTS, ...extra])
  const add = (a: string) => names.add(a.includes(':') ? `[${a.toLowerCase()}]` : a.toLowerCase())
  if (host === '0.0.0.0' || host === '::') {
    for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) add(i.address.replace(/%.*$/, ''))
    const name = hostname().toLowerCase()
    if (/^[a-z0-9._-]+$/.test(name)) names.add(name)
  } else add(bare)
  return [...names]
}

/** Converts a Fetch handler into a `node:http` request listener. */
export function toNodeListener(handler: FetchHandler): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const socket = req.socket
    void (async () => {
      try {
        const host = req.headers.host ?? '127.0.0.1'
        const url = `http://${host}${req.url ?? '/'}`
        const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
        const controller = new AbortController()
        res.on('close', () => controller.abort())
        const request = new Request(url, {
          method: req.method ?? 'GET',
          headers: Object.entries(req.headers).flatMap(([k, v]) => (v === undefined ? [] : Array.isArray(v) ? v.map((x) => [k, x] as [string, string]) : [[k, v] as [string, string]])),
          ...(hasBody ? { body: req as unknown as ReadableStream, duplex: 'half' } : {}),
          signal: controller.signal,
        } as RequestInit)
        answering.add(request)
        res.on('close', () => answering.delete(request))
        const response = await handler(request)
        const headers = Object.fromEntries(response.headers)
        if (hasBody && !req.complete) {
          // Answered before the body was read (too large, refused): do not read the rest of it. The
          // client is told the connection closes; the socket goes once the answer is out.
          headers.connection = 'close'
          // Node ends such a connection with `destroySoon()`: closed with the unread body in its buffers, the
          // kernel sends a reset that can reach the client before it has read the answer (it then saw EPIPE,
          // not 413). A lingering close instead: the write side ends after the answer, the unread body stays
          // in the kernel's buffers (the client's writes block), and the socket goes a second later.
          socket.destroySoon = () => {
            socket.end()
            setTimeout(() => socket.destroy(), 1000).unref()
          }
        }
        res.writeHead(response.status, headers)
        if (!response.body) {
          res.end()
          return
        }
        const reader = response.body.getReader()
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          if (!res.write(value)) await new Promise<void>((r) => res.once('drain', () => r()))
        }
        res.end()
      } catch (e) {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ schema_version: 1, error: { code: 'ENTRENAR_INTERNAL', message: `entrenar/core: ${e instanceof Error ? e.message : String(e)}` } }))
        } else res.destroy()
      }
    })()
  }
}

/** A running HTTP server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:49152`. */
  readonly url: string
  /** The TCP port the server listens on (the one the OS chose when `port` 0 was asked for). */
  readonly port: number
  /** The underlying `node:http` server, for what this wrapper does not expose (timeouts, events). */
  readonly server: Server
  /** Stops accepting connections, closes idle and open ones, and resolves once the server is closed. */
  close(): Promise<void>
}

/** Serves a Fetch handler with `node:http`. Binds 127.0.0.1 and a free port by default. */
export async function serveHandler(handler: FetchHandler, options: { port?: number; host?: string } = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const server = createServer(toNodeListener(handler))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shown}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((e) => (e ? reject(e) : resolve()))
      }),
  }
}
