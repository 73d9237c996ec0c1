import * as v from 'valibot'
import { ALERT_LEVELS, type Alert, type AlertEvent, type AlertPolicy, type Decision, type Incident } from '../contracts/alert.js'
import type { DriftEvent } from '../contracts/detector.js'
import { ErrorCodes, isEntrenarError } from '../errors.js'
import { floatFromWire, floatToWire, WireFloat } from '../wire/numbers.js'
import { EmptyWire, emptyWire, SCHEMA_VERSION } from '../wire/schemas.js'
import { type Contract, commandMethod, method } from './contract.js'

/** Why and whether a policy stopped or paused the line, as a remote caller sees it. */
export interface AlertPolicyStatus {
  /** True once the policy's signal aborted. */
  readonly stopped: boolean
  /** True while the run is paused (awaiting `resume`). */
  readonly paused: boolean
  /** The abort reason when stopped: its error code (`ENTRENAR_STOPPED`), message and details. */
  readonly reason?: {
    /** The error code, e.g. `ENTRENAR_STOPPED`. */
    readonly code: string
    /** Why the line was stopped. */
    readonly message: string
    /** Structured details (rule, metric, step, value), when present. */
    readonly details?: Readonly<Record<string, unknown>>
  }
}

/**
 * The asynchronous face of an {@link AlertPolicy}: what a remote Andon service offers, and what the
 * `AlertPolicy` conformance suite drives. `asAlertPolicyService(policy)` adapts an in-process policy;
 * `createHttpClient(alertPolicyContract, url)` talks to a remote one.
 */
export interface AlertPolicyService {
  /** One logged value; resolves to the policy's decision. */
  observeValue(metric: string, value: number, step: number): Promise<Decision>
  /** A detector or budget event; resolves to the decision. */
  observe(event: AlertEvent): Promise<Decision>
  /** Raises an alert by hand; resolves to the decision. */
  trigger(alert: Alert): Promise<Decision>
  /** Every incident so far, oldest first. */
  history(): Promise<readonly Incident[]>
  /** Clears history and stop state. */
  reset(): Promise<void>
  /** Stop and pause state, with the stop reason. */
  status(): Promise<AlertPolicyStatus>
  /** Lifts a pause; true when the run was paused. Policies without pause answer false. */
  resume(): Promise<boolean>
}

/** Adapts an in-process {@link AlertPolicy} to {@link AlertPolicyService} (to serve it over HTTP or run the suite). */
export function asAlertPolicyService(policy: AlertPolicy): AlertPolicyService {
  return {
    observeValue: async (metric, value, step) => policy.observeValue(metric, value, step),
    observe: async (event) => policy.observe(event),
    trigger: async (alert) => policy.trigger(alert),
    history: async () => policy.history(),
    reset: async () => policy.reset(),
    resume: async () => policy.resume?.() ?? false,
    status: async () => {
      const signal = policy.signal
      const paused = policy.paused === true
      if (!signal.aborted) return { stopped: false, paused }
      const r: unknown = signal.reason
      const reason = isEntrenarError(r)
        ? { code: r.code, message: r.message, ...(r.details ? { details: r.details } : {}) }
        : { code: ErrorCodes.STOPPED, message: r instanceof Error ? r.message : String(r) }
      return { stopped: true, paused, reason }
    },
  }
}

const version = v.literal(SCHEMA_VERSION)
const Level = v.picklist(ALERT_LEVELS)
const DecisionWire = v.picklist(['continue', 'warn', 'act', 'pause', 'stop'] as const)
const step = v.pipe(v.number(), v.safeInteger())

/** Wire form of {@link Alert}. */
export const AlertWire = v.object({
  /** Severity. */
  level: Level,
  /** The rule that raised it. */
  rule: v.pipe(v.string(), v.minLength(1)),
  /** What happened. */
  message: v.string(),
  /** The run. */
  run_id: v.optional(v.string()),
  /** The metric. */
  metric: v.optional(v.string()),
  /** The step. */
  step: v.optional(step),
  /** The value (a wire float). */
  value: v.optional(WireFloat),
  /** When, epoch milliseconds. */
  timestamp_ms: v.number(),
})
type AlertWire = v.InferOutput<typeof AlertWire>

/** Wire form of {@link Incident}. */
export const IncidentWire = v.object({
  ...AlertWire.entries,
  /** What the policy decided. */
  decision: DecisionWire,
  /** Ids of the silences that muted it. */
  silenced_by: v.optional(v.array(v.string())),
})

/** Wire form of {@link AlertEvent} (`kind` tagged, as serde's `#[serde(tag = "kind")]`). */
export const AlertEventWire = v.variant('kind', [
  v.object({
    /** A detector signal. */
    kind: v.literal('drift'),
    /** The run. */
    run_id: v.optional(v.string()),
    /** The metric the detector watches. */
    metric: v.pipe(v.string(), v.minLength(1)),
    /** The step of the value that triggered it. */
    step,
    /** The detector kind. */
    detector: v.string(),
    /** `warning`, `drift` or `invalid`. */
    signal: v.picklist(['warning', 'drift', 'invalid'] as const),
    /** The detector's statistic (a wire float). */
    statistic: WireFloat,
    /** How strong the change is, when graded. */
    severity: v.optional(v.picklist(['low', 'medium', 'high'] as const)),
    /** The detector's alarm threshold, when it has one. */
    threshold: v.optional(WireFloat),
    /** A calibrated detector's false-alarm budget per 10⁶ values. */
    false_alarms_per_million: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0))),
    /** When, epoch milliseconds. */
    timestamp_ms: v.number(),
  }),
  v.object({
    /** A budget was exceeded. */
    kind: v.literal('budget'),
    /** The budget's name. */
    budget: v.string(),
    /** The measured value. */
    value: WireFloat,
    /** The limit it exceeded. */
    limit: WireFloat,
    /** The step. */
    step,
    /** When, epoch milliseconds. */
    timestamp_ms: v.number(),
  }),
])
export type AlertEventWire = v.InferOutput<typeof AlertEventWire>

function alertToWire(a: Alert): AlertWire {
  return {
    level: a.level,
    rule: a.rule,
    message: a.message,
    ...(a.runId === undefined ? {} : { run_id: a.runId }),
    ...(a.metric === undefined ? {} : { metric: a.metric }),
    ...(a.step === undefined ? {} : { step: a.step }),
    ...(a.value === undefined ? {} : { value: floatToWire(a.value) }),
    timestamp_ms: a.timestampMs,
  }
}

function alertFromWire(w: AlertWire): Alert {
  return {
    level: w.level,
    rule: w.rule,
    message: w.message,
    ...(w.run_id === undefined ? {} : { runId: w.run_id }),
    ...(w.metric === undefined ? {} : { metric: w.metric }),
    ...(w.step === undefined ? {} : { step: w.step }),
    ...(w.value === undefined ? {} : { value: floatFromWire(w.value) }),
    timestampMs: w.timestamp_ms,
  }
}

/** An {@link AlertEvent} in its wire form (what `/v1/andon/observe` carries; also one line of a drift-event log). */
export function alertEventToWire(e: AlertEvent): AlertEventWire {
  if (e.kind === 'budget') return { kind: 'budget', budget: e.budget, value: floatToWire(e.value), limit: floatToWire(e.limit), step: e.step, timestamp_ms: e.timestampMs }
  return {
    kind: 'drift',
    ...(e.runId === undefined ? {} : { run_id: e.runId }),
    metric: e.metric,
    step: e.step,
    detector: e.detector,
    signal: e.signal,
    statistic: floatToWire(e.statistic),
    ...(e.severity === undefined ? {} : { severity: e.severity }),
    ...(e.threshold === undefined ? {} : { threshold: floatToWire(e.threshold) }),
    ...(e.falseAlarmsPerMillion === undefined ? {} : { false_alarms_per_million: e.falseAlarmsPerMillion }),
    timestamp_ms: e.timestampMs,
  }
}

/** An alert event from an untrusted object (a parsed JSON line), or `undefined` when it is not an {@link AlertEventWire}. */
export function alertEventFromWire(o: unknown): AlertEvent | undefined {
  const r = v.safeParse(AlertEventWire, o)
  return r.success ? eventFromWire(r.output) : undefined
}

function eventFromWire(w: AlertEventWire): AlertEvent {
  if (w.kind === 'budget') return { kind: 'budget', budget: w.budget, value: floatFromWire(w.value), limit: floatFromWire(w.limit), step: w.step, timestampMs: w.timestamp_ms }
  const e: DriftEvent = {
    kind: 'drift',
    ...(w.run_id === undefined ? {} : { runId: w.run_id }),
    metric: w.metric,
    step: w.step,
    detector: w.detector,
    signal: w.signal,
    statistic: floatFromWire(w.statistic),
    ...(w.severity === undefined ? {} : { severity: w.severity }),
    ...(w.threshold === undefined ? {} : { threshold: floatFromWire(w.threshold) }),
    ...(w.false_alarms_per_million === undefined ? {} : { falseAlarmsPerMillion: w.false_alarms_per_million }),
    timestampMs: w.timestamp_ms,
  }
  return e
}

const DecisionAnswer = v.object({ schema_version: version, decision: DecisionWire })
const decisionTo = (decision: Decision) => ({ schema_version: SCHEMA_VERSION, decision }) as const
const ObserveValueWire = v.object({ schema_version: version, metric: v.pipe(v.string(), v.minLength(1)), value: WireFloat, step })
const ObserveWire = v.object({ schema_version: version, event: AlertEventWire })
const TriggerWire = v.object({ schema_version: version, alert: AlertWire })
const HistoryWire = v.object({ schema_version: version, incidents: v.array(IncidentWire) })
const StatusWire = v.object({
  schema_version: version,
  stopped: v.boolean(),
  paused: v.boolean(),
  reason: v.optional(v.object({ code: v.string(), message: v.string(), details: v.optional(v.record(v.string(), v.unknown())) })),
})
const ResumeWire = v.object({ schema_version: version, resumed: v.boolean() })

/**
 * Wire description of {@link AlertPolicyService}: service `andon`, e.g. `POST /v1/andon/resume` lifts a
 * pause and `POST /v1/andon/status` reports whether the line stopped and why.
 */
export const alertPolicyContract: Contract<AlertPolicyService> = {
  service: 'andon',
  description: 'An Andon (AlertPolicy): decides continue / warn / act / pause / stop for a training run',
  methods: {
    observeValue: method<[string, number, number], Decision, typeof ObserveValueWire, typeof DecisionAnswer>({
      summary: 'Evaluate the rules on one logged value',
      request: ObserveValueWire,
      response: DecisionAnswer,
      encodeRequest: (metric, value, s) => ({ schema_version: SCHEMA_VERSION, metric, value: floatToWire(value), step: s }),
      decodeRequest: (w) => [w.metric, floatFromWire(w.value), w.step],
      encodeResponse: decisionTo,
      decodeResponse: (w) => w.decision,
    }),
    observe: method<[AlertEvent], Decision, typeof ObserveWire, typeof DecisionAnswer>({
      summary: 'Evaluate a drift or budget event',
      request: ObserveWire,
      response: DecisionAnswer,
      encodeRequest: (event) => ({ schema_version: SCHEMA_VERSION, event: alertEventToWire(event) }),
      decodeRequest: (w) => [eventFromWire(w.event)],
      encodeResponse: decisionTo,
      decodeResponse: (w) => w.decision,
    }),
    trigger: method<[Alert], Decision, typeof TriggerWire, typeof DecisionAnswer>({
      summary: 'Raise an alert by hand',
      request: TriggerWire,
      response: DecisionAnswer,
      encodeRequest: (alert) => ({ schema_version: SCHEMA_VERSION, alert: alertToWire(alert) }),
      decodeRequest: (w) => [alertFromWire(w.alert)],
      encodeResponse: decisionTo,
      decodeResponse: (w) => w.decision,
    }),
    history: method<[], readonly Incident[], typeof EmptyWire, typeof HistoryWire>({
      summary: 'Every incident so far, oldest first',
      request: EmptyWire,
      response: HistoryWire,
      encodeRequest: emptyWire,
      decodeRequest: () => [],
      encodeResponse: (incidents) => ({ schema_version: SCHEMA_VERSION, incidents: incidents.map((i) => ({ ...alertToWire(i), decision: i.decision, ...(i.silencedBy ? { silenced_by: [...i.silencedBy] } : {}) })) }),
      decodeResponse: (w) => w.incidents.map((i) => ({ ...alertFromWire(i), decision: i.decision, ...(i.silenced_by ? { silencedBy: i.silenced_by } : {}) })),
    }),
    reset: commandMethod('Clear the history and the stop state'),
    status: method<[], AlertPolicyStatus, typeof EmptyWire, typeof StatusWire>({
      summary: 'Whether the line is stopped or paused, and why it stopped',
      request: EmptyWire,
      response: StatusWire,
      encodeRequest: emptyWire,
      decodeRequest: () => [],
      encodeResponse: (s) => ({ schema_version: SCHEMA_VERSION, stopped: s.stopped, paused: s.paused, ...(s.reason ? { reason: { code: s.reason.code, message: s.reason.message, ...(s.reason.details ? { details: { ...s.reason.details } } : {}) } } : {}) }),
      decodeResponse: (w) => ({ stopped: w.stopped, paused: w.paused, ...(w.reason ? { reason: { code: w.reason.code, message: w.reason.message, ...(w.reason.details ? { details: w.reason.details } : {}) } } : {}) }),
    }),
    resume: method<[], boolean, typeof EmptyWire, typeof ResumeWire>({
      summary: 'Resume a paused run (the gate opens)',
      request: EmptyWire,
      response: ResumeWire,
      encodeRequest: emptyWire,
      decodeRequest: () => [],
      encodeResponse: (resumed) => ({ schema_version: SCHEMA_VERSION, resumed }),
      decodeResponse: (w) => w.resumed,
    }),
  },
}
