import { createMemoryStore, type MetricStore, type RecordBatch } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { startServer } from '../src/index.js'

// Bounded loopback load test: N clients push R requests each against a store slower than they are. The store's
// writes are held until the server has answered 429 at least once, so a full queue is reached on any machine,
// however slow the clients are (no wall-clock in the outcome).
const CLIENTS = 8
const REQUESTS = 24
const POINTS_PER_REQUEST = 250
const MAX_QUEUED = 2_000

describe('ingest under load', () => {
  it(`${CLIENTS} clients × ${REQUESTS} requests: nothing lost, queue bounded, 429 when full`, async () => {
    const inner = createMemoryStore()
    let openGate!: () => void
    const gate = new Promise<void>((r) => {
      openGate = r
    })
    const slow: MetricStore = {
      ...inner,
      write: async (b: RecordBatch) => {
        // Held until the first 429, then ~2 ms of simulated I/O per batch keeps the store the bottleneck.
        await gate
        await new Promise((r) => setTimeout(r, 2))
        return inner.write(b)
      },
      flush: () => inner.flush(),
      query: (q) => inner.query(q),
    }
    const server = await startServer({ store: slow, maxQueuedRows: MAX_QUEUED })
    let maxSeen = 0
    const sampler = setInterval(() => {
      maxSeen = Math.max(maxSeen, server.stats().queuedRows)
    }, 5)
    const heapBefore = process.memoryUsage().heapUsed
    let tooMany = 0
    const client = async (c: number) => {
      let acked = 0
      let step = 0
      for (let r = 0; r < REQUESTS; r++) {
        const points = Array.from({ length: POINTS_PER_REQUEST }, (_, i) => ({ metric: 'loss', value: (step + i) / 1000, step: step + i }))
        const body = JSON.stringify({ schema_version: 1, run_id: `load-${c}`, points })
        for (;;) {
          const res = await fetch(`${server.url}/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
          const answer = (await res.json()) as { accepted?: number }
          if (res.status === 200) {
            acked += answer.accepted ?? 0
            break
          }
          expect(res.status).toBe(429)
          tooMany++
          openGate()
          await new Promise((r) => setTimeout(r, 5))
        }
        step += POINTS_PER_REQUEST
      }
      return acked
    }
    try {
      const acked = await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)))
      await server.flush()
      clearInterval(sampler)
      const stored = await inner.query({ aggregate: 'count' })
      const counts = new Map(stored.series.map((s) => [s.runId, s.value[0]!]))
      for (let c = 0; c < CLIENTS; c++) expect(counts.get(`load-${c}`) ?? 0).toBe(acked[c])
      const total = acked.reduce((a, b) => a + b, 0)
      expect(total).toBe(CLIENTS * REQUESTS * POINTS_PER_REQUEST)
      const stats = server.stats()
      expect(stats.acceptedRows).toBe(total)
      expect(stats.writtenRows).toBe(total)
      expect(stats.peakQueuedRows).toBeLessThanOrEqual(MAX_QUEUED)
      expect(maxSeen).toBeLessThanOrEqual(MAX_QUEUED)
      expect(tooMany).toBeGreaterThan(0)
      expect(stats.rejectedRequests).toBe(tooMany)
      // The rows themselves live in the store; the server's own growth stays far below one copy per request.
      const heapGrowth = process.memoryUsage().heapUsed - heapBefore
      expect(heapGrowth).toBeLessThan(256 * 1024 * 1024)
      console.log(`load: ${total} rows acked by ${CLIENTS} clients, ${tooMany} answers 429, peak queue ${stats.peakQueuedRows}/${MAX_QUEUED}`)
    } finally {
      clearInterval(sampler)
      await server.close()
    }
  }, 30_000)
})
