import type { ChangeDetector, DriftEvent, RecordBatch } from '@entrenar/core'

/** Detector factories by metric name: each (run, metric) series gets its own instances. */
export type DetectorFactories = Readonly<Record<string, readonly (() => ChangeDetector)[]>>

/** Change detection over pushed batches, series by series, in arrival order. */
export interface IngestDetection {
  /** Feeds every row of `batch` whose metric has detectors; emits each drift (and each warning as it starts). */
  observe(batch: RecordBatch): void
  /** Series with live detectors (bounded by `maxSeries`). */
  readonly series: number
}

/**
 * Runs the same detectors a monitor runs in-process (`autoMonitor`'s Page-Hinkley on rising `loss` and
 * `val_loss`) over points pushed to `entrenar serve` by programs that run none of their own. Same event
 * rules as the monitor's recorder: a `drift` is always an event, a `warning` only when it starts, a
 * non-finite value is never folded in. At most `maxSeries` series keep state; the one idle longest goes
 * first, so a client inventing run ids cannot grow memory without bound.
 */
export function ingestDetection(factories: DetectorFactories, emit: (event: DriftEvent) => void, maxSeries = 10_000): IngestDetection {
  const live = new Map<string, { detectors: ChangeDetector[]; warning: Set<ChangeDetector> }>()
  const seriesOf = (runId: string, metric: string) => {
    const key = `${runId}\u0000${metric}`
    let s = live.get(key)
    if (s) {
      live.delete(key) // re-insert: Map order is recency order
      live.set(key, s)
      return s
    }
    s = { detectors: (factories[metric] ?? []).map((f) => f()), warning: new Set() }
    live.set(key, s)
    if (live.size > maxSeries) live.delete(live.keys().next().value!)
    return s
  }
  return {
    get series() {
      return live.size
    },
    observe(batch) {
      const wanted = batch.metricNames.map((m) => Object.hasOwn(factories, m))
      if (!wanted.includes(true)) return
      for (let i = 0; i < batch.length; i++) {
        const id = batch.metric[i]!
        if (!wanted[id]) continue
        const metric = batch.metricNames[id]!
        const s = seriesOf(batch.runId, metric)
        const v = batch.value[i]!
        for (const d of s.detectors) {
          const signal = d.update(v)
          if (signal === 'invalid') continue
          const wasWarning = s.warning.has(d)
          if (signal === 'warning') s.warning.add(d)
          else if (wasWarning) s.warning.delete(d)
          if (signal === 'stable' || (signal === 'warning' && wasWarning)) continue
          emit({
            kind: 'drift',
            runId: batch.runId,
            metric,
            step: batch.step[i]!,
            detector: d.name,
            signal,
            statistic: d.statistic,
            ...(d.severity === undefined ? {} : { severity: d.severity }),
            timestampMs: Math.round(batch.timestampUs[i]! / 1000),
          })
        }
      }
    },
  }
}
