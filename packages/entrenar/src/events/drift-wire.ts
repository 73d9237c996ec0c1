import { type DetectorSignal, type DriftEvent, floatFromWire, floatToWire, type Severity, type WireFloat } from '@entrenar/core'

/**
 * One line of `<dir>/drift/events.jsonl`: the drift variant of `@entrenar/core`'s `AlertEventWire`
 * (snake_case, `statistic` as a wire float so NaN and ±Inf survive), so the same object can be posted
 * to `/v1/andon/observe` or validated with `AlertEventWire`.
 */
export interface DriftEventLine {
  readonly kind: 'drift'
  readonly run_id?: string
  readonly metric: string
  readonly step: number
  readonly detector: string
  readonly signal: Exclude<DetectorSignal, 'stable'>
  readonly statistic: WireFloat
  readonly severity?: Severity
  readonly timestamp_ms: number
}

const SIGNALS: readonly string[] = ['warning', 'drift', 'invalid']
const SEVERITIES: readonly string[] = ['low', 'medium', 'high']
const WIRE_WORDS: readonly string[] = ['NaN', 'Infinity', '-Infinity', '-0']

/** The JSON-lines form of a drift event. */
export function driftEventToLine(e: DriftEvent): DriftEventLine {
  return {
    kind: 'drift',
    ...(e.runId === undefined ? {} : { run_id: e.runId }),
    metric: e.metric,
    step: e.step,
    detector: e.detector,
    signal: e.signal,
    statistic: floatToWire(e.statistic),
    ...(e.severity === undefined ? {} : { severity: e.severity }),
    timestamp_ms: e.timestampMs,
  }
}

/** A drift event from a parsed JSON line, or `undefined` when the object is not a well-formed {@link DriftEventLine}. */
export function driftEventFromLine(o: Readonly<Record<string, unknown>>): DriftEvent | undefined {
  const { run_id, metric, step, detector, signal, statistic, severity, timestamp_ms } = o
  if (o.kind !== 'drift' || typeof metric !== 'string' || metric === '' || typeof detector !== 'string') return undefined
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || typeof timestamp_ms !== 'number') return undefined
  if (typeof signal !== 'string' || !SIGNALS.includes(signal)) return undefined
  if (!(typeof statistic === 'number' || (typeof statistic === 'string' && WIRE_WORDS.includes(statistic)))) return undefined
  if (severity !== undefined && !(typeof severity === 'string' && SEVERITIES.includes(severity))) return undefined
  if (run_id !== undefined && typeof run_id !== 'string') return undefined
  return {
    kind: 'drift',
    ...(run_id === undefined ? {} : { runId: run_id }),
    metric,
    step,
    detector,
    signal: signal as DriftEvent['signal'],
    statistic: floatFromWire(statistic as WireFloat),
    ...(severity === undefined ? {} : { severity: severity as Severity }),
    timestampMs: timestamp_ms,
  }
}
