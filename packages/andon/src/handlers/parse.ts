import { ALERT_LEVELS, floatFromWire, type Incident, type WireFloat } from '@entrenar/core'

const DECISIONS: readonly string[] = ['continue', 'warn', 'act', 'pause', 'stop']
const LEVELS: readonly string[] = ALERT_LEVELS
const WIRE_WORDS: readonly string[] = ['NaN', 'Infinity', '-Infinity', '-0']

/**
 * An incident from the parsed object of one `incidents.jsonl` line (core's `IncidentWire`, the inverse of
 * `incidentToJson`), or `undefined` when it is not one. A missing decision reads as `warn`.
 */
export function incidentFromWire(o: Readonly<Record<string, unknown>>): Incident | undefined {
  const { level, rule, message, run_id, metric, step, value, timestamp_ms, decision, silenced_by } = o
  if (typeof level !== 'string' || !LEVELS.includes(level) || typeof rule !== 'string' || typeof message !== 'string') return undefined
  if (decision !== undefined && !(typeof decision === 'string' && DECISIONS.includes(decision))) return undefined
  const wireValue = typeof value === 'number' || (typeof value === 'string' && WIRE_WORDS.includes(value))
  const silencedBy = Array.isArray(silenced_by) && silenced_by.every((s) => typeof s === 'string') ? (silenced_by as string[]) : undefined
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
    ...(silencedBy ? { silencedBy } : {}),
  }
}
