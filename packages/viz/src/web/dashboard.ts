import type { FetchHandler } from '@entrenar/core'
import { APP_CSS, APP_JS } from './assets.generated.js'
import { createDashboardHandler, type WebDashboardOptions } from './handler.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/**
 * The live web dashboard as a Fetch-standard handler (Node through `serveHandler`, Deno, Bun,
 * workers): the page (uPlot charts, bundled locally: nothing is fetched from the internet), a JSON
 * API over the store and server-sent events for running runs.
 *
 * Routes: `GET /` the page; `GET /api/overview` run list with final metrics and alert counts;
 * `GET /api/events` Andon incidents; `GET /api/stream?q=` live points (SSE) until no followed run
 * is running; `GET /api/lineage` and `/api/lineage/export?format=dot|mermaid|openlineage`;
 * `POST /api/series` a store query (core's `MetricQueryWire` body) answered as one binary series
 * frame (`series-frame.ts`: float64 columns, no text parsing); the page queries minmax-last
 * buckets at the chart's pixel width for the visible step range through it, so zooming re-queries
 * at full resolution; `POST /v1/store/{query,range,runs}` core's store contract, read-only (JSON).
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
  checkOptions('entrenar/viz: webDashboardHandler', options, WEB_DASHBOARD_HANDLER_OPTIONS)
  return createDashboardHandler(options, { js: APP_JS, css: APP_CSS })
}

/** The option names webDashboardHandler accepts (unknown ones are errors). */
const WEB_DASHBOARD_HANDLER_OPTIONS = optionKeys<NonNullable<Parameters<typeof webDashboardHandler>[0]>>({ store: true, lineage: true, andon: true, recorded: true, token: true, title: true, pollMs: true, maxLivePoints: true, allowedHosts: true, port: true, corsOrigins: true, lineageSeeds: true, lineageLimit: true, prefetch: true })
