import type { DashboardFrame, DriftEvent, Incident, RecordBatch } from '@entrenar/core'
import { createSeriesBuffer, type SeriesBuffer } from '../series/buffer.js'
import { splitOf } from './split.js'

/** One drawn series: the rows of one (run, metric, split). */
export interface SeriesEntry {
  /** Unique key: run, metric and split tag. */
  readonly key: string
  readonly runId: string
  /** The metric name as logged. */
  readonly metric: string
  /** The metric without its split prefix; panels group series by it. */
  readonly base: string
  readonly split: string
  readonly data: SeriesBuffer
}

/** Most incidents kept for the timeline (older ones are counted, not kept). */
export const MAX_INCIDENTS = 10_000

/** Most drift events kept for the markers (older ones are counted, not kept). */
export const MAX_DRIFT_EVENTS = 10_000

/**
 * The state every dashboard draws from: series by key in first-seen order, plus the incidents and
 * the drift events.
 * `version` changes on every change so renderers can cache.
 */
export interface RunData {
  readonly version: number
  readonly series: readonly SeriesEntry[]
  readonly incidents: readonly Incident[]
  /** Incidents dropped beyond {@link MAX_INCIDENTS}. */
  readonly droppedIncidents: number
  /** Detector events, oldest first (at most {@link MAX_DRIFT_EVENTS}). */
  readonly driftEvents: readonly DriftEvent[]
  /** Drift events dropped beyond {@link MAX_DRIFT_EVENTS}. */
  readonly droppedDriftEvents: number
  readonly runIds: readonly string[]
  /** Folds a frame in. Invalid parts are skipped and counted, never thrown. */
  apply(frame: DashboardFrame): void
  /** Frames or rows that could not be read (malformed batch). */
  readonly rejected: number
}

/** Rows kept per series by default before it thins itself (4M rows ≈ 64 MiB plus a ~7% index). */
export const DEFAULT_MAX_POINTS_PER_SERIES = 4_000_000

/** Creates an empty {@link RunData}; each series keeps at most `maxPointsPerSeries` rows. */
export function createRunData(maxPointsPerSeries = DEFAULT_MAX_POINTS_PER_SERIES): RunData {
  return new Data(maxPointsPerSeries)
}

function validBatch(b: unknown): b is RecordBatch {
  if (typeof b !== 'object' || b === null) return false
  const r = b as Partial<RecordBatch>
  const n = r.length
  return (
    typeof n === 'number' &&
    typeof r.runId === 'string' &&
    Array.isArray(r.metricNames) &&
    r.metric instanceof Uint32Array &&
    r.value instanceof Float64Array &&
    r.step instanceof Float64Array &&
    r.tagIndex instanceof Int32Array &&
    Array.isArray(r.tagSets) &&
    r.metric.length >= n &&
    r.value.length >= n &&
    r.step.length >= n &&
    r.tagIndex.length >= n
  )
}

const SIGNALS = new Set(['warning', 'drift', 'invalid'])

function validDriftEvent(e: unknown): e is DriftEvent {
  if (typeof e !== 'object' || e === null) return false
  const d = e as Partial<DriftEvent>
  return (
    typeof d.metric === 'string' &&
    typeof d.detector === 'string' &&
    typeof d.step === 'number' &&
    Number.isFinite(d.step) &&
    typeof d.signal === 'string' &&
    SIGNALS.has(d.signal) &&
    (d.runId === undefined || typeof d.runId === 'string')
  )
}

class Data implements RunData {
  readonly #maxPoints: number
  #version = 0
  #series: SeriesEntry[] = []
  #byKey = new Map<string, SeriesEntry>()
  #incidents: Incident[] = []
  #dropped = 0
  #drift: DriftEvent[] = []
  #droppedDrift = 0
  #rejected = 0
  #runIds: string[] = []

  constructor(maxPoints: number) {
    this.#maxPoints = maxPoints
  }

  get version(): number {
    return this.#version
  }
  get series(): readonly SeriesEntry[] {
    return this.#series
  }
  get incidents(): readonly Incident[] {
    return this.#incidents
  }
  get droppedIncidents(): number {
    return this.#dropped
  }
  get driftEvents(): readonly DriftEvent[] {
    return this.#drift
  }
  get droppedDriftEvents(): number {
    return this.#droppedDrift
  }
  get runIds(): readonly string[] {
    return this.#runIds
  }
  get rejected(): number {
    return this.#rejected
  }

  apply(frame: DashboardFrame): void {
    if (typeof frame !== 'object' || frame === null) {
      this.#rejected++
      return
    }
    if (frame.batch !== undefined) {
      if (validBatch(frame.batch)) this.#ingest(frame.batch)
      else this.#rejected++
    }
    if (frame.incidents !== undefined) {
      if (Array.isArray(frame.incidents)) {
        for (const inc of frame.incidents) {
          if (typeof inc === 'object' && inc !== null && typeof inc.rule === 'string') this.#incidents.push(inc)
          else this.#rejected++
        }
        if (this.#incidents.length > MAX_INCIDENTS) {
          const extra = this.#incidents.length - MAX_INCIDENTS
          this.#incidents.splice(0, extra)
          this.#dropped += extra
        }
        this.#version++
      } else this.#rejected++
    }
    if (frame.driftEvents !== undefined) {
      if (Array.isArray(frame.driftEvents)) {
        for (const e of frame.driftEvents) {
          if (validDriftEvent(e)) this.#drift.push(e)
          else this.#rejected++
        }
        if (this.#drift.length > MAX_DRIFT_EVENTS) {
          const extra = this.#drift.length - MAX_DRIFT_EVENTS
          this.#drift.splice(0, extra)
          this.#droppedDrift += extra
        }
        this.#version++
      } else this.#rejected++
    }
  }

  #entry(runId: string, metric: string, tags: Readonly<Record<string, string>> | null | undefined): SeriesEntry {
    const { base, split } = splitOf(metric, tags)
    const key = `${runId}\u0000${metric}\u0000${split}`
    let e = this.#byKey.get(key)
    if (!e) {
      e = { key, runId, metric, base, split, data: createSeriesBuffer({ maxPoints: this.#maxPoints }) }
      this.#byKey.set(key, e)
      this.#series.push(e)
      if (!this.#runIds.includes(runId)) this.#runIds.push(runId)
    }
    return e
  }

  #ingest(b: RecordBatch): void {
    if (b.length === 0) return
    // Resolve each (metric, tag set) pair once per batch, not once per row; reserve room per series
    // first so a large batch never regrows a buffer.
    const nTags = b.tagSets.length + 1
    const slot = new Int32Array(b.length)
    // A dense table when the id space is small (the usual case), a map otherwise.
    const space = b.metricNames.length * nTags
    const dense = space <= 1 << 16 ? new Int32Array(space).fill(-1) : undefined
    const ids = new Map<number, number>()
    const entries: (SeriesEntry | undefined)[] = []
    const counts: number[] = []
    for (let i = 0; i < b.length; i++) {
      const m = b.metric[i]!
      const t = b.tagIndex[i]!
      const id = m * nTags + (t + 1)
      let k = dense && id < space ? dense[id]! : (ids.get(id) ?? -1)
      if (k < 0) {
        k = entries.length
        if (dense && id < space) dense[id] = k
        else ids.set(id, k)
        const name = b.metricNames[m]
        entries.push(typeof name === 'string' && t < b.tagSets.length ? this.#entry(b.runId, name, t >= 0 ? b.tagSets[t] : null) : undefined)
        counts.push(0)
      }
      slot[i] = k
      counts[k]!++
    }
    entries.forEach((e, k) => {
      if (e) e.data.reserve(counts[k]!)
      else this.#rejected += counts[k]!
    })
    const step = b.step
    const value = b.value
    for (let i = 0; i < b.length; i++) entries[slot[i]!]?.data.append(step[i]!, value[i]!)
    this.#version++
  }
}
