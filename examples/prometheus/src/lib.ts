import { createMemoryStore } from '@entrenar/core'
import { createMonitor, type Monitor } from '@entrenar/monitor'
import { createPrometheusExporter, type EntrenarServer, startServer } from '@entrenar/serve'

/** A training run whose metrics Prometheus can scrape. */
export interface ScrapedRun {
  /** `http://127.0.0.1:<port>`; Prometheus scrapes `<url>/metrics`. */
  readonly url: string
  readonly port: number
  readonly monitor: Monitor
  /** Resolves when training ends. */
  readonly done: Promise<void>
  /** Stops the server (training must be done). */
  close(): Promise<void>
}

/**
 * Starts an Entrenar server with a Prometheus exporter and trains a toy model whose loss decays, one
 * step every `stepDelayMs`: the exporter is one of the monitor's sinks, so every logged value
 * becomes the gauge `entrenar_<metric>{run_id="…"}`, next to step counters and a step-latency histogram.
 */
export async function trainWithPrometheus(o: { port?: number; steps?: number; stepDelayMs?: number; runId?: string } = {}): Promise<ScrapedRun> {
  const exporter = createPrometheusExporter({ labels: { job_name: 'entrenar-example' } })
  const store = createMemoryStore()
  const server: EntrenarServer = await startServer({ store, exporter, port: o.port ?? 0 })
  const monitor = await createMonitor({ runId: o.runId ?? `prom-${Date.now()}`, name: 'prometheus example', store, sinks: [exporter], flushIntervalMs: 100 })
  const steps = o.steps ?? 600
  const done = (async () => {
    for (let step = 0; step < steps && !monitor.signal.aborted; step++) {
      const loss = 2 * Math.exp(-step / 100) + 0.02 * Math.sin(step)
      monitor.log({ loss, accuracy: 1 - loss / 2.5, learning_rate: 0.1 * 0.995 ** step }, { step, epoch: Math.floor(step / 50) })
      await new Promise((r) => setTimeout(r, o.stepDelayMs ?? 50))
    }
    await monitor.close()
  })()
  return { url: server.url, port: server.port, monitor, done, close: () => server.close() }
}

/** A minimal prometheus.yml scraping the run every `intervalS` seconds. */
export function prometheusConfig(target: string, intervalS = 1): string {
  return ['global:', `  scrape_interval: ${intervalS}s`, 'scrape_configs:', '  - job_name: entrenar', '    static_configs:', `      - targets: ['${target}']`, ''].join('\n')
}
