import type { ExportedSample, ExportFormat } from '@entrenar/core'
import type { MetricsSource } from '../prometheus/histogram.js'
import type { QueueStats } from './bounded-store.js'

const FAMILIES = [
  { name: 'entrenar_serve_queued_rows', type: 'gauge', help: 'Rows accepted and not yet handed to the store.', get: (s: Stats) => s.queuedRows },
  { name: 'entrenar_serve_accepted_rows', type: 'counter', help: 'Rows acknowledged to writers.', get: (s: Stats) => s.acceptedRows },
  { name: 'entrenar_serve_written_rows', type: 'counter', help: 'Rows the store took.', get: (s: Stats) => s.writtenRows },
  { name: 'entrenar_serve_drain_failures', type: 'counter', help: 'Queued writes the store failed to take after they were acknowledged.', get: (s: Stats) => s.drainFailures },
  { name: 'entrenar_serve_lost_rows', type: 'counter', help: 'Rows acknowledged and then not stored (store failures while draining).', get: (s: Stats) => s.lostRows },
  { name: 'entrenar_serve_rejected_requests', type: 'counter', help: 'Requests refused with 429 because the queue was full.', get: (s: Stats) => s.rejectedRequests },
] as const

type Stats = QueueStats & { readonly rejectedRequests: number }

/**
 * The server's own health in `/metrics`: queue depth, acknowledged, written and lost rows. A
 * non-zero `entrenar_serve_lost_rows_total` means writers were told "accepted" for rows the store
 * then failed to keep (each failure is also reported to its writer and to `onError`).
 */
export function serveMetricsSource(stats: () => Stats): MetricsSource {
  const samples = (): ExportedSample[] => {
    const s = stats()
    return FAMILIES.map((f) => ({ name: f.type === 'counter' ? `${f.name}_total` : f.name, type: f.type, help: f.help, labels: {}, value: f.get(s) }))
  }
  return {
    collect: samples,
    render(format: ExportFormat): string {
      const s = stats()
      let out = ''
      for (const f of FAMILIES) {
        const sample = f.type === 'counter' ? `${f.name}_total` : f.name
        // OpenMetrics names a counter family without `_total`; text format 0.0.4 names the sample.
        const family = f.type === 'counter' && format === 'openmetrics' ? f.name : sample
        out += `# HELP ${family} ${f.help}\n# TYPE ${family} ${f.type}\n${sample} ${f.get(s)}\n`
      }
      return out
    },
  }
}
