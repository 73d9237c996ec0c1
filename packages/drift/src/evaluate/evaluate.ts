import type { ChangeDetector } from '@entrenar/core'
import { checkNumber, configError } from '../util/errors.js'

/** A known drift: an index, or `[start, end]` for one that spans several samples. */
export type KnownDrift = number | readonly [number, number]

/** Options of {@link evaluateDetector} and {@link evaluateAlarms}. */
export interface EvaluateOptions {
  /** How late (samples after the drift's end) a detection may be and still count. */
  readonly deltaMax: number
  /** How early (samples before the drift's start) a detection may be. Default 0. */
  readonly deltaPre?: number
  /** False alarms are quoted per `unit` samples. Default 1000. */
  readonly unit?: number
}

/** river `drift.evaluate.report`'s metrics, camelCased, plus what the run saw. */
export interface DetectorReport {
  /** Values in the stream evaluated. */
  readonly nSamples: number
  /** Known drifts in the stream. */
  readonly nDrifts: number
  /** Alarms (`drift` signals) the detector raised. */
  readonly nAlarms: number
  /** Indices at which the detector said `drift`. */
  readonly alarms: readonly number[]
  /** Alarms inside no detection window. */
  readonly falseAlarms: readonly number[]
  /** Alarms inside a detection window / all alarms (NaN without alarms). */
  readonly precision: number
  /** Alarms inside a window / (those alarms + missed drifts) (river's definition; NaN when both are 0). */
  readonly recall: number
  /** Drifts caught by at least one alarm / all drifts (NaN without drifts). */
  readonly episodeRecall: number
  /** Harmonic mean of `precision` and `episodeRecall` (NaN when either is). */
  readonly f1: number
  /** MDR: 1 − `episodeRecall`. */
  readonly missedDetectionRate: number
  /** Mean delay of the first alarm over caught drifts (misses are not charged; read with the MDR). */
  readonly detectionDelay: number
  /** `detectionDelay` / `deltaMax`: 0 is immediate, 1 the end of the window. */
  readonly normalizedDetectionTime: number
  /** False alarms per `unit` samples. */
  readonly falseAlarmRate: number
  /** MTFA: mean gap between consecutive false alarms (NaN below two). */
  readonly meanTimeBetweenFalseAlarms: number
  /** MTR = MTFA / MTD · (1 − MDR) (Bifet et al., CD-MOA 2013). */
  readonly meanTimeRatio: number
  /** `warning` answers seen while running (evaluateDetector only). */
  readonly warnings: number
  /** `invalid` answers (non-finite values) seen while running (evaluateDetector only). */
  readonly invalid: number
}

interface Window {
  readonly start: number
  readonly lower: number
  readonly upper: number
}

function windows(drifts: readonly KnownDrift[], deltaMax: number, deltaPre: number): Window[] {
  return drifts.map((d) => {
    const [start, end] = typeof d === 'number' ? [d, d] : d
    if (!(end >= start)) throw configError(`drift [${start}, ${end}] ends before it starts`)
    return { start, lower: start - deltaPre, upper: end + deltaMax }
  })
}

/**
 * Scores a list of alarm indices against known drifts, as river's `drift.evaluate.report`: an alarm
 * in [start − deltaPre, end + deltaMax] (inclusive) hits the earliest such window, any other alarm is
 * false.
 */
export function evaluateAlarms(alarms: readonly number[], drifts: readonly KnownDrift[], options: EvaluateOptions & { readonly nSamples: number }): DetectorReport {
  const deltaMax = checkNumber('deltaMax', options.deltaMax, 0, Number.MAX_SAFE_INTEGER, { openLo: true })
  const deltaPre = checkNumber('deltaPre', options.deltaPre ?? 0, 0, Number.MAX_SAFE_INTEGER)
  const unit = checkNumber('unit', options.unit ?? 1000, 0, Number.MAX_SAFE_INTEGER, { openLo: true })
  const nSamples = checkNumber('nSamples', options.nSamples, 0, Number.MAX_SAFE_INTEGER, { openLo: true, integer: true })
  const ws = windows(drifts, deltaMax, deltaPre)
  const hits = new Map<number, number[]>()
  const falseAlarms: number[] = []
  for (const a of alarms) {
    const i = ws.findIndex((w) => w.lower <= a && a <= w.upper)
    if (i < 0) falseAlarms.push(a)
    else {
      const list = hits.get(i)
      if (list) list.push(a)
      else hits.set(i, [a])
    }
  }
  let nHits = 0
  for (const h of hits.values()) nHits += h.length
  const precision = alarms.length ? nHits / alarms.length : Number.NaN
  const nMissed = drifts.length - hits.size
  const recall = nHits + nMissed === 0 ? Number.NaN : nHits / (nHits + nMissed)
  const episodeRecall = drifts.length ? hits.size / drifts.length : Number.NaN
  const f1 = Number.isNaN(precision) || Number.isNaN(episodeRecall) ? Number.NaN : precision + episodeRecall === 0 ? 0 : (2 * precision * episodeRecall) / (precision + episodeRecall)
  const missedDetectionRate = Number.isNaN(episodeRecall) ? Number.NaN : 1 - episodeRecall
  const delays = [...hits.entries()].map(([i, h]) => Math.min(...h) - ws[i]!.start)
  const detectionDelay = delays.length ? delays.reduce((s, x) => s + x, 0) / delays.length : Number.NaN
  let mtfa = Number.NaN
  if (falseAlarms.length >= 2) mtfa = (falseAlarms[falseAlarms.length - 1]! - falseAlarms[0]!) / (falseAlarms.length - 1)
  let mtr = Number.NaN
  if (!Number.isNaN(mtfa) && !Number.isNaN(detectionDelay)) mtr = detectionDelay === 0 ? Number.POSITIVE_INFINITY : (mtfa / detectionDelay) * (1 - missedDetectionRate)
  return {
    nSamples,
    nDrifts: drifts.length,
    nAlarms: alarms.length,
    alarms,
    falseAlarms,
    precision,
    recall,
    episodeRecall,
    f1,
    missedDetectionRate,
    detectionDelay,
    normalizedDetectionTime: detectionDelay / deltaMax,
    falseAlarmRate: (falseAlarms.length / nSamples) * unit,
    meanTimeBetweenFalseAlarms: mtfa,
    meanTimeRatio: mtr,
    warnings: 0,
    invalid: 0,
  }
}

/**
 * Runs a detector (after `reset()`) over a stream whose drifts are known and reports river's
 * `drift.evaluate` metrics: detection delay, false alarms per 1000 samples, missed-detection rate,
 * MTFA and MTR, precision/recall/F1.
 *
 * @example
 * ```ts
 * const r = evaluateDetector(adwin(), stream, [1000], { deltaMax: 200 })
 * console.log(r.detectionDelay, r.falseAlarmRate, r.missedDetectionRate)
 * ```
 */
export function evaluateDetector(detector: ChangeDetector, stream: Iterable<number> | ArrayLike<number>, drifts: readonly KnownDrift[], options: EvaluateOptions): DetectorReport {
  detector.reset()
  const alarms: number[] = []
  let warnings = 0
  let invalid = 0
  let i = 0
  const values: Iterable<number> = Symbol.iterator in Object(stream) ? (stream as Iterable<number>) : Array.from(stream as ArrayLike<number>)
  for (const x of values) {
    const s = detector.update(x)
    if (s === 'drift') alarms.push(i)
    else if (s === 'warning') warnings++
    else if (s === 'invalid') invalid++
    i++
  }
  if (i === 0) throw configError('evaluateDetector: the stream is empty')
  return { ...evaluateAlarms(alarms, drifts, { ...options, nSamples: i }), warnings, invalid }
}
