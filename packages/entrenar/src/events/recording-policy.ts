import type { AlertPolicy, DriftEvent } from '@entrenar/core'

/**
 * An {@link AlertPolicy} that hands every drift event it observes to `record` before the policy decides
 * on it. Everything else is the wrapped policy's (its signal, pause state, history); the optional
 * methods exist only when the wrapped policy has them, so `gate`/`resume` detection is unchanged.
 */
export function recordingPolicy(inner: AlertPolicy, record: (event: DriftEvent) => void): AlertPolicy {
  const policy: AlertPolicy = {
    observeValue: (metric, value, step) => inner.observeValue(metric, value, step),
    observe(event) {
      if (event.kind === 'drift') record(event)
      return inner.observe(event)
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
