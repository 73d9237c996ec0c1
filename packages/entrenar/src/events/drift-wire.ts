import { type AlertEventWire, alertEventFromWire, alertEventToWire, type DriftEvent } from '@entrenar/core'

/**
 * One line of `<dir>/drift/events.jsonl`: the drift variant of `@entrenar/core`'s `AlertEventWire`
 * (snake_case, `statistic` as a wire float so NaN and ±Inf survive), so the same object can be posted
 * to `/v1/andon/observe` or validated with `AlertEventWire`.
 */
export type DriftEventLine = Extract<AlertEventWire, { readonly kind: 'drift' }>

/** The JSON-lines form of a drift event: core's wire form of the event. */
export function driftEventToLine(e: DriftEvent): DriftEventLine {
  return alertEventToWire(e) as DriftEventLine
}

/** A drift event from a parsed JSON line, or `undefined` when the object is not a well-formed {@link DriftEventLine}. */
export function driftEventFromLine(o: Readonly<Record<string, unknown>>): DriftEvent | undefined {
  const e = alertEventFromWire(o)
  return e?.kind === 'drift' ? e : undefined
}
