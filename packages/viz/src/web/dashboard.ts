import type { FetchHandler } from '@entrenar/core'
import { APP_CSS, APP_JS } from './assets.generated.js'
import { createDashboardHandler, type WebDashboardOptions } from './handler.js'

/**
 * The live web dashboard as a Fetch-standard handler (Node through `serveHandler`, Deno, Bun,
 * workers): the page (uPlot charts, bundled locally: nothing is fetched from the internet), a JSON
 * API over the store and server-sent events for running runs.
 *
 * Routes: `GET /` the page; `GET /api/overview` run list with final metrics and alert counts;
 * `GET /api/events` Andon incidents; `GET /api/stream?q=` live points (SSE) until no followed run
 * is running; `GET /api/lineage` and `/api/lineage/export?format=dot|mermaid|openlineage`;
 * `POST /v1/store/{query,range,runs}` core's store contract, read-only (the page queries
 * minmax-last buckets for the visible step range, so zooming re-queries at full resolution).
 *
 * Every answer carries a strict Content-Security-Policy (same-origin only, no inline code, Trusted
 * Types); the page writes names with `textContent` only. Bind it to loopback (`serveHandler` does
 * by default); `token` adds bearer/cookie authentication; `allowedHosts` guards against DNS rebinding.
 *
 * @example
 * ```ts
 * import { serveHandler } from '@entrenar/core/node'
 * const server = await serveHandler(webDashboardHandler({ store, andon, lineage }), { port: 6006 })
 * console.log(server.url)
 * ```
 */
export function webDashboardHandler(options: WebDashboardOptions): FetchHandler {
  return createDashboardHandler(options, { js: APP_JS, css: APP_CSS })
}
