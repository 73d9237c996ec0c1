import type { Alert, AlertEvent, AlertPolicy, Decision, Incident } from '../contracts/alert.js'
import { EntrenarError, ErrorCodes } from '../errors.js'
import { checkOptions, optionKeys } from '../options.js'

/** Options of {@link createDefaultPolicy}. */
export interface DefaultPolicyOptions {
  /** Metrics whose non-finite value stops the line. Default `['loss']`. */
  readonly stopOnNonFinite?: readonly string[]
  /** Run id recorded in incidents. */
  readonly runId?: string
}

/**
 * The built-in policy used until an Andon is configured: a non-finite value of a watched metric
 * (default: `loss`) is a CRITICAL incident that stops the line at that very step; ERROR and CRITICAL
 * alerts raised by hand also stop; INFO and WARNING are recorded only. Drift and budget events are
 * recorded as warnings.
 */
export function createDefaultPolicy(options: DefaultPolicyOptions = {}): AlertPolicy {
  checkOptions('entrenar/core: createDefaultPolicy', options, CREATE_DEFAULT_POLICY_OPTIONS)
  const watched = new Set(options.stopOnNonFinite ?? ['loss'])
  let controller = new AbortController()
  const incidents: Incident[] = []

  const decide = (alert: Alert): Decision => {
    const decision: Decision = alert.level === 'error' || alert.level === 'critical' ? 'stop' : 'warn'
    incidents.push({ ...alert, decision })
    if (decision === 'stop' && !controller.signal.aborted) {
      controller.abort(new EntrenarError(ErrorCodes.STOPPED, alert.message, { details: { rule: alert.rule, metric: alert.metric, step: alert.step } }))
    }
    return decision
  }

  return {
    observeValue(metric, value, step) {
      if (value - value === 0 || !watched.has(metric)) return 'continue'
      return decide({
        level: 'critical',
        rule: 'non_finite',
        message: `entrenar: ${metric} became ${String(value)} at step ${step}`,
        metric,
        step,
        value,
        timestampMs: Date.now(),
        ...(options.runId === undefined ? {} : { runId: options.runId }),
      })
    },
    observe(event: AlertEvent) {
      const message =
        event.kind === 'drift'
          ? `entrenar: ${event.detector} reports ${event.signal} on ${event.metric} at step ${event.step}`
          : `entrenar: budget ${event.budget} at ${event.value} exceeds ${event.limit}`
      return decide({ level: 'warning', rule: event.kind, message, step: event.step, timestampMs: event.timestampMs, ...(event.kind === 'drift' ? { metric: event.metric } : {}) })
    },
    trigger: decide,
    get signal() {
      return controller.signal
    },
    history: () => incidents.slice(),
    reset() {
      incidents.length = 0
      controller = new AbortController()
    },
  }
}

/** The option names createDefaultPolicy accepts (unknown ones are errors). */
const CREATE_DEFAULT_POLICY_OPTIONS = optionKeys<NonNullable<Parameters<typeof createDefaultPolicy>[0]>>({ stopOnNonFinite: true, runId: true })
