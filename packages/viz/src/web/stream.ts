import type { AlertPolicy, MetricStore, Series } from '@entrenar/core'
import { resultToWire, runToWire, SCHEMA_VERSION } from '@entrenar/core'
import { incidentToWire, type StreamRequest } from './wire.js'

/** Options of {@link liveStream}. */
export interface LiveStreamOptions {
  /** Poll period of the store, ms. */
  readonly pollMs: number
  /** Largest number of buckets sent per series and poll (minmax-last keeps spikes). */
  readonly maxPoints: number
  /** A comment line is sent after this much silence, so proxies keep the connection. */
  readonly heartbeatMs: number
}

const encoder = new TextEncoder()

function frame(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
}

/**
 * Server-sent events for the page's live view. Each poll reads the runs' status first and then,
 * per followed `(run, metric)`, the rows with a step above the cursor (as minmax-last buckets), so
 * the points written before a run finished are always sent before `end`. Events: `points` (core's
 * query-result wire form), `status` (changed run infos), `incidents` (new Andon incidents) and
 * `end` once no followed run is `running` (then the stream closes; the page does not reconnect).
 * Cursors advance to the largest step sent: rows logged later at an older step (out-of-order)
 * appear on the next full query, not live.
 */
export function liveStream(store: MetricStore, andon: AlertPolicy | undefined, request: StreamRequest, options: LiveStreamOptions, signal: AbortSignal): ReadableStream<Uint8Array> {
  const cursors = new Map<string, Map<string, number>>()
  for (const c of request.cursors) {
    let m = cursors.get(c.run)
    if (!m) {
      m = new Map()
      cursors.set(c.run, m)
    }
    m.set(c.metric, Math.max(m.get(c.metric) ?? Number.NEGATIVE_INFINITY, c.after))
  }
  let incidentsSeen = request.incidentsSeen
  const statuses = new Map<string, string>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let closed = false
  let lastSent = Date.now()

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (bytes: Uint8Array): void => {
        if (closed) return
        controller.enqueue(bytes)
        lastSent = Date.now()
      }
      const close = (): void => {
        if (closed) return
        closed = true
        if (timer !== undefined) clearTimeout(timer)
        controller.close()
      }
      signal.addEventListener('abort', close, { once: true })
      const tick = async (): Promise<void> => {
        timer = undefined
        try {
          const runs = await store.runs()
          const followed = runs.filter((r) => cursors.has(r.id))
          const changed = followed.filter((r) => statuses.get(r.id) !== r.status)
          for (const r of changed) statuses.set(r.id, r.status)
          if (changed.length > 0) send(frame('status', { schema_version: SCHEMA_VERSION, runs: changed.map(runToWire) }))
          // One query per distinct cursor (usually one per run: a run's metrics advance together),
          // keeping only the (run, metric) pairs that follow that cursor.
          const groups = new Map<number, { runs: Set<string>; metrics: Set<string>; pairs: Set<string> }>()
          for (const [run, metrics] of cursors) {
            for (const [metric, after] of metrics) {
              let g = groups.get(after)
              if (!g) {
                g = { runs: new Set(), metrics: new Set(), pairs: new Set() }
                groups.set(after, g)
              }
              g.runs.add(run)
              g.metrics.add(metric)
              g.pairs.add(`${run}\u0000${metric}`)
            }
          }
          const series: Series[] = []
          for (const [after, g] of groups) {
            const r = await store.query({
              runs: [...g.runs],
              metrics: [...g.metrics],
              steps: [after + 1, Number.MAX_SAFE_INTEGER],
              bucket: { points: options.maxPoints, mode: 'minmax-last' },
              ...(request.tags ? { tags: request.tags } : {}),
            })
            for (const s of r.series) {
              const metrics = cursors.get(s.runId)
              if (s.x.length === 0 || !metrics || !g.pairs.has(`${s.runId}\u0000${s.metric}`)) continue
              let top = after
              for (let i = 0; i < s.x.length; i++) if (s.x[i]! > top) top = s.x[i]!
              metrics.set(s.metric, top)
              series.push(s)
            }
          }
          if (series.length > 0) send(frame('points', resultToWire({ series })))
          if (andon) {
            const h = andon.history()
            if (h.length < incidentsSeen) incidentsSeen = 0 // the policy was reset
            if (h.length > incidentsSeen) {
              send(frame('incidents', { schema_version: SCHEMA_VERSION, from: incidentsSeen, incidents: h.slice(incidentsSeen).map(incidentToWire) }))
              incidentsSeen = h.length
            }
          }
          if (!followed.some((r) => r.status === 'running')) {
            send(frame('end', { schema_version: SCHEMA_VERSION, reason: followed.length === 0 ? 'no followed run is known' : 'no followed run is running' }))
            close()
            return
          }
          if (Date.now() - lastSent >= options.heartbeatMs) send(encoder.encode(': keep-alive\n\n'))
        } catch (e) {
          send(frame('end', { schema_version: SCHEMA_VERSION, reason: `entrenar/viz: live update failed: ${e instanceof Error ? e.message : String(e)}` }))
          close()
          return
        }
        if (!closed) timer = setTimeout(() => void tick(), options.pollMs)
      }
      if (signal.aborted) close()
      else void tick()
    },
    cancel() {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
    },
  })
}
