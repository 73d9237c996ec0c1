import { type AlertLevel, floatToWire, type Incident, SCHEMA_VERSION } from '@entrenar/core'

/** Emoji per level, as entrenar's `AlertLevel::emoji` (ℹ️ ⚠️ ❌ 🛑). */
export const EMOJI: Record<AlertLevel, string> = { info: 'ℹ️', warning: '⚠️', error: '❌', critical: '🛑' }

/**
 * The JSON form of an incident (one line of `incidents.jsonl`, the webhook body): the core
 * `IncidentWire` shape (snake_case, NaN/±Inf as strings) with a `schema_version`.
 */
export function incidentToJson(i: Incident): Record<string, unknown> {
  return {
    schema_version: SCHEMA_VERSION,
    level: i.level,
    rule: i.rule,
    message: i.message,
    ...(i.runId === undefined ? {} : { run_id: i.runId }),
    ...(i.metric === undefined ? {} : { metric: i.metric }),
    ...(i.step === undefined ? {} : { step: i.step }),
    ...(i.value === undefined ? {} : { value: floatToWire(i.value) }),
    timestamp_ms: i.timestampMs,
    decision: i.decision,
    ...(i.silencedBy === undefined ? {} : { silenced_by: [...i.silencedBy] }),
  }
}

/** `"<emoji> [LEVEL] rule: message"`, as entrenar's stderr log line. */
export function incidentLine(i: Incident): string {
  return `${EMOJI[i.level]} [${i.level.toUpperCase()}] ${i.rule}: ${i.message}${i.decision === 'continue' || i.decision === 'warn' ? '' : ` → ${i.decision}`}`
}
