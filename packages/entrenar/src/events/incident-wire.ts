import { ALERT_LEVELS, floatFromWire, type Incident, type WireFloat } from '@entrenar/core'

const DECISIONS: readonly string[] = ['continue', 'warn', 'act', 'pause', 'stop']
const LEVELS: readonly string[] = ALERT_LEVELS
const WIRE_WORDS: readonly string[] = ['NaN', 'Infinity', '-Infinity', '-0']

/**
 * An incident from one parsed line of `<dir>/andon/incidents.jsonl` (core's `IncidentWire`, written by
 * `@entrenar/andon`), or `undefined` when the object is not one. A missing decision reads as `warn`.
 */
export function incidentFromLine(o: Readonly<Record<string, unknown>>): Incident | undefined {
  const { level, rule, message, run_id, metric, step, value, timestamp_ms, decision } = o
  if (typeof level !== 'string' || !LEVELS.includes(level) || typeof rule !== 'string' || typeof message !== 'string') return undefined
  if (decision !== undefined && !(typeof decision === 'string' && DECISIONS.includes(decision))) return undefined
  const wireValue = typeof value === 'number' || (typeof value === 'string' && WIRE_WORDS.includes(value))
  return {
    level: level as Incident['level'],
    rule,
    message,
    ...(typeof run_id === 'string' ? { runId: run_id } : {}),
    ...(typeof metric === 'string' ? { metric } : {}),
    ...(typeof step === 'number' && Number.isSafeInteger(step) ? { step } : {}),
    ...(wireValue ? { value: floatFromWire(value as WireFloat) } : {}),
    timestampMs: typeof timestamp_ms === 'number' ? timestamp_ms : 0,
    decision: (decision ?? 'warn') as Incident['decision'],
  }
}
