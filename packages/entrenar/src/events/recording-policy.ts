import type { AlertPolicy, Decision, DriftEvent } from '@entrenar/core'

/**
 * An {@link AlertPolicy} that hands every drift event it observes to `record` before the policy decides
 * on it. With `route`, a drift event that names its run is decided by that run's own policy instead
 * (`entrenar serve` keeps one Andon per pushed run), so its incident and any stop belong to that run;
 * events without a run stay with the wrapped policy. Everything else is the wrapped policy's (its
 * signal, pause state, history); the optional methods exist only when the wrapped policy has them, so
 * `gate`/`resume` detection is unchanged.
 */
export function recordingPolicy(
  inner: AlertPolicy,
  record: (event: DriftEvent) => void,
  route?: (event: DriftEvent & { readonly runId: string }) => Decision,
): AlertPolicy {
  const policy: AlertPolicy = {
    observeValue: (metric, value, step) => inner.observeValue(metric, value, step),
    observe(event) {
      if (event.kind !== 'drift') return inner.observe(event)
      record(event)
      return route && typeof event.runId === 'string' && event.runId !== '' ? route(event as DriftEvent & { runId: string }) : inner.observe(event)
    },
    trigger: (alert) => inner.trigger(alert),
    get signal() {
      return inner.signal
    },
    history: () => inner.history(),
    reset: () => inner.reset(),
    ...(inner.gate ? { gate: () => inner.gate?.() ?? Promise.resolve() } : {}),
    ...(inner.resume ? { resume: () => inner.resume?.() ?? false } : {}),
    ...(inner.close ? { close: () => inner.close?.() ?? Promise.resolve() } : {}),
  }
  if ('paused' in inner) Object.defineProperty(policy, 'paused', { get: () => inner.paused, enumerable: true })
  return policy
}
