import type { AlertPolicy, Decision, DriftEvent, Incident } from '@entrenar/core'

/** Incidents of routed events kept for {@link AlertPolicy.history} (the oldest go first beyond it). */
export const MAX_ROUTED_INCIDENTS = 100_000

/**
 * An {@link AlertPolicy} that hands every drift event it observes to `record` before the policy decides
 * on it. With `route`, a drift event that names its run is decided by that run's own policy instead
 * (`entrenar serve` keeps one Andon per pushed run), so its incident and any stop belong to that run;
 * events without a run stay with the wrapped policy. The incidents the runs' policies record for routed
 * events are added to `history()` after the wrapped policy's (so `/metrics` still counts them; `reset()`
 * clears them with it). Everything else is the wrapped policy's (its signal, pause state); the optional
 * methods exist only when the wrapped policy has them, so `gate`/`resume` detection is unchanged.
 */
export function recordingPolicy(
  inner: AlertPolicy,
  record: (event: DriftEvent) => void,
  route?: (event: DriftEvent & { readonly runId: string }) => { readonly decision: Decision; readonly incident: Incident | undefined },
): AlertPolicy {
  const routed: Incident[] = []
  const policy: AlertPolicy = {
    observeValue: (metric, value, step) => inner.observeValue(metric, value, step),
    observe(event) {
      if (event.kind !== 'drift') return inner.observe(event)
      record(event)
      if (!route || typeof event.runId !== 'string' || event.runId === '') return inner.observe(event)
      const { decision, incident } = route(event as DriftEvent & { runId: string })
      if (incident) {
        routed.push(incident)
        if (routed.length > MAX_ROUTED_INCIDENTS) routed.splice(0, routed.length - MAX_ROUTED_INCIDENTS)
      }
      return decision
    },
    trigger: (alert) => inner.trigger(alert),
    get signal() {
      return inner.signal
    },
    history: () => (routed.length === 0 ? inner.history() : [...inner.history(), ...routed]),
    reset: () => {
      routed.length = 0
      inner.reset()
    },
    ...(inner.gate ? { gate: () => inner.gate?.() ?? Promise.resolve() } : {}),
    ...(inner.resume ? { resume: () => inner.resume?.() ?? false } : {}),
    ...(inner.close ? { close: () => inner.close?.() ?? Promise.resolve() } : {}),
  }
  if ('paused' in inner) Object.defineProperty(policy, 'paused', { get: () => inner.paused, enumerable: true })
  return policy
}
