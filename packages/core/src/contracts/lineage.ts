import type { AlertLevel, Decision, Incident } from './alert.js'
import type { DriftEvent } from './detector.js'

/** How a model was derived from its parent(s). */
export type ChangeType = 'add_data' | 'hyperparams' | 'architecture' | 'retrain' | 'fine_tune' | 'merge'

/** Every {@link ChangeType}, in the order of the Rust `ChangeType` enum. */
export const CHANGE_TYPES: readonly ChangeType[] = ['add_data', 'hyperparams', 'architecture', 'retrain', 'fine_tune', 'merge']

/** A model version in the lineage graph. */
export interface ModelNode {
  /** Unique id of the model (non-empty); every edge and event refers to it. */
  readonly id: string
  /** Human version label (`v2`, a git tag); free text, not used for identity. */
  readonly version?: string
  /** Final metrics, e.g. `{ accuracy: 0.93, latency_ms: 12, size_bytes: 4e6 }`. NaN and ±Inf are data. */
  readonly metrics: Readonly<Record<string, number>>
  /** When the model was created, epoch milliseconds. */
  readonly createdAtMs: number
  /** Hash of the training configuration; {@link ModelDiff.configHashChanged} compares it. */
  readonly configHash?: string
  /** Hyper-parameters; JSON values only (finite numbers, strings, booleans, null, arrays, plain objects). */
  readonly config?: Readonly<Record<string, unknown>>
  /** String labels (`dataset`, `team`); compared key by key by {@link LineageGraph.diff}. */
  readonly tags?: Readonly<Record<string, string>>
  /** The training run that produced the model; health events of that run attach to it. */
  readonly runId?: string
}

/** An edge parent → child. */
export interface Derivation {
  /** Id of the model derived from (must exist). */
  readonly parent: string
  /** Id of the derived model (must exist; the edge must not close a cycle). */
  readonly child: string
  /** What changed between parent and child. */
  readonly changeType: ChangeType
  /** Free text, e.g. `lr 1e-3 → 3e-4`; shown in exports. */
  readonly description?: string
}

/** Per-metric comparison of two models. */
export interface MetricDelta {
  /** The metric name, present on both models. */
  readonly metric: string
  /** Model `a`'s value. */
  readonly a: number
  /** Model `b`'s value. */
  readonly b: number
  /** `b − a`. */
  readonly delta: number
  /** `(b − a) / |a|`, NaN when `a` is 0. */
  readonly relative: number
}

/**
 * The derivation that introduced a regression of a metric. The queried model is compared with the
 * best value in its ancestry (the `baseline`, found along the best path: at a merge the parent
 * whose ancestry holds the better value, the first parent on ties); the source is the first
 * derivation after the path last stood at the baseline value at which the metric got worse than
 * the last measured model before it (models without the metric are passed through). NaN counts
 * as worse than every number (a diverged model).
 */
export interface RegressionSource {
  /** The metric that regressed (as queried). */
  readonly metric: string
  /** The model at which the metric first got worse on the path from the baseline. */
  readonly model: string
  /** The model before it on that path (a parent of `model`). */
  readonly parent: string
  /** The edge `parent → model`, with its change type and description: what to look at first. */
  readonly derivation: Derivation
  /** Last measured value before the drop (on the path). */
  readonly before: number
  /** The value at `model`. */
  readonly after: number
  /** The ancestor with the best value of the metric (the oldest one on the path on ties). */
  readonly baseline: string
  /** The baseline's value of the metric. */
  readonly baselineValue: number
  /** The queried model's value. */
  readonly value: number
}

/** One changed key of a config or tag map. Config keys are dotted paths into nested objects. */
export interface ValueChange {
  /** The key; for config, a dotted path into nested objects (`optimizer.lr`). */
  readonly key: string
  /** Whether the key exists only in `b`, only in `a`, or in both with different values. */
  readonly change: 'added' | 'removed' | 'changed'
  /** The value in model `a` (absent when added). */
  readonly a?: unknown
  /** The value in model `b` (absent when removed). */
  readonly b?: unknown
}

/** What differs between two models' configuration and tags. */
export interface ModelDiff {
  /** Id of the first model. */
  readonly a: string
  /** Id of the second model. */
  readonly b: string
  /** Changed config keys (dotted paths), sorted by key. */
  readonly config: readonly ValueChange[]
  /** Changed tags, sorted by key. */
  readonly tags: readonly ValueChange[]
  /** True when the two `configHash` values differ (also when only one model has one). */
  readonly configHashChanged: boolean
}

/**
 * A health event (an Andon incident or a detector's drift event) attached to a model, or to a run
 * (then to every model whose `runId` matches, also models registered later).
 */
export interface HealthEvent {
  /** An Andon incident or a drift detector event. */
  readonly kind: 'incident' | 'drift'
  /** The model the event is attached to; give this or `runId`. */
  readonly modelId?: string
  /** The run the event happened in; attaches to every model with this `runId`, also later ones. */
  readonly runId?: string
  /** Severity; {@link IncidentQuery.minLevel} filters on it. */
  readonly level: AlertLevel
  /** The Andon rule or the detector name. */
  readonly rule: string
  /** Human-readable explanation, as the Andon or detector wrote it. */
  readonly message: string
  /** The metric that triggered it. */
  readonly metric?: string
  /** The training step at which it happened. */
  readonly step?: number
  /** The value that triggered it (NaN and ±Inf kept). */
  readonly value?: number
  /** The Andon's decision for an incident (`continue`, `warn`, `pause`, `stop`). */
  readonly decision?: Decision
  /** When it happened, epoch milliseconds. */
  readonly timestampMs: number
}

/** Which events count in {@link LineageGraph.trainedThroughIncident}. */
export interface IncidentQuery {
  /** Lowest level that counts. Default `warning`. */
  readonly minLevel?: AlertLevel
  /** Default both kinds. */
  readonly kinds?: readonly HealthEvent['kind'][]
  /** Only these rules / detectors. */
  readonly rules?: readonly string[]
  /** Also list every descendant of a matching model (it inherits the weights). Default false. */
  readonly inherited?: boolean
}

/** What `monitor.close()` hands to {@link LineageGraph.register}: the run's model, its parents and its health. */
export interface LineageEntry {
  /** The model to add (or whose metadata to replace). */
  readonly model: ModelNode
  /** Its parents, each becoming a derivation `id → model.id`. */
  readonly parents?: readonly {
    /** Id of an existing parent model. */
    readonly id: string
    /** What changed from that parent. */
    readonly changeType: ChangeType
    /** Free text about the change. */
    readonly description?: string
  }[]
  /** Health events to attach (incidents and drift of the run). */
  readonly events?: readonly HealthEvent[]
}

/** Export formats: Graphviz DOT, a Mermaid flowchart, OpenLineage 2-0-2 RunEvents (one JSON object per line). */
export type LineageExportFormat = 'dot' | 'mermaid' | 'openlineage'

/**
 * Model lineage: which model came from which, with what change, and where a regression started.
 * Unknown ids reject with `ENTRENAR_NOT_FOUND`; an edge that would close a cycle rejects with
 * `ENTRENAR_LINEAGE_CYCLE`; malformed input (empty id, non-number metric, non-JSON config) with
 * `ENTRENAR_LINEAGE_INVALID`.
 *
 * @example
 * ```ts
 * await g.addModel({ id: 'v1', metrics: { accuracy: 0.85 }, createdAtMs: Date.now() })
 * await g.addModel({ id: 'v2', metrics: { accuracy: 0.80 }, createdAtMs: Date.now() })
 * await g.derive({ parent: 'v1', child: 'v2', changeType: 'hyperparams' })
 * await g.regressionSource('v2', { metric: 'accuracy', higherIsBetter: true }) // → the v1 → v2 edge
 * ```
 */
export interface LineageGraph {
  /** Adds a model, or replaces the metadata of a model with the same id (its edges stay). */
  addModel(model: ModelNode): Promise<void>
  /** Adds parent → child; the same pair again replaces the change type and description. */
  derive(edge: Derivation): Promise<void>
  /** Model, parent edges and health events in one atomic call (all checked before anything changes). */
  register(entry: LineageEntry): Promise<void>
  /** The model with this id, or undefined when there is none (does not reject). */
  getModel(id: string): Promise<ModelNode | undefined>
  /** Direct parents in the order they were derived. */
  parents(id: string): Promise<string[]>
  /** Direct children in the order they were derived. */
  children(id: string): Promise<string[]>
  /** Ancestors, nearest first (breadth-first), up to `depth` levels. */
  ancestors(id: string, options?: { depth?: number }): Promise<string[]>
  /** Descendants, nearest first (breadth-first), up to `depth` levels. */
  descendants(id: string, options?: { depth?: number }): Promise<string[]>
  /** The chain of first parents from the root down to `id` (root first). */
  lineage(id: string): Promise<string[]>
  /** Per-metric deltas for the metrics both models have, sorted by metric name. */
  compare(a: string, b: string): Promise<MetricDelta[]>
  /** Config (dotted paths) and tag changes from model `a` to model `b`. */
  diff(a: string, b: string): Promise<ModelDiff>
  /** Where `metric` started getting worse on the way to model `id` (see {@link RegressionSource}); undefined when `id` is at its ancestry's best. */
  regressionSource(id: string, options: { metric: string; higherIsBetter: boolean }): Promise<RegressionSource | undefined>
  /** Attaches an incident or drift event to a model (`modelId`) or to every model of a run (`runId`). */
  addHealthEvent(event: HealthEvent): Promise<void>
  /** Events attached to the model or to its run, oldest first. */
  healthEvents(id: string): Promise<HealthEvent[]>
  /** Models trained through a matching incident or drift event, in insertion order. */
  trainedThroughIncident(query?: IncidentQuery): Promise<string[]>
  /** The whole graph as Graphviz DOT, a Mermaid flowchart, or OpenLineage RunEvents (JSON lines). */
  export(format: LineageExportFormat): Promise<string>
  /** Makes every earlier change durable (a no-op for a purely in-memory graph). */
  flush(): Promise<void>
}

/** The health event of an Andon incident (e.g. from `andon.history()` or the monitor's summary). */
export function healthEventFromIncident(incident: Incident, target: { modelId?: string; runId?: string } = {}): HealthEvent {
  const runId = target.runId ?? incident.runId
  return {
    kind: 'incident',
    ...(target.modelId !== undefined ? { modelId: target.modelId } : {}),
    ...(runId !== undefined ? { runId } : {}),
    level: incident.level,
    rule: incident.rule,
    message: incident.message,
    ...(incident.metric !== undefined ? { metric: incident.metric } : {}),
    ...(incident.step !== undefined ? { step: incident.step } : {}),
    ...(incident.value !== undefined ? { value: incident.value } : {}),
    decision: incident.decision,
    timestampMs: incident.timestampMs,
  }
}

/**
 * The health event of a detector's drift event. Levels: `warning` signal → info, `drift` → warning
 * (error when the detector grades it high), `invalid` (a non-finite value) → error.
 */
export function healthEventFromDrift(event: DriftEvent, target: { modelId?: string; runId?: string } = {}): HealthEvent {
  const runId = target.runId ?? event.runId
  const level: AlertLevel = event.signal === 'invalid' ? 'error' : event.signal === 'warning' ? 'info' : event.severity === 'high' ? 'error' : 'warning'
  return {
    kind: 'drift',
    ...(target.modelId !== undefined ? { modelId: target.modelId } : {}),
    ...(runId !== undefined ? { runId } : {}),
    level,
    rule: event.detector,
    message: `${event.detector} ${event.signal} on ${event.metric} at step ${event.step} (statistic ${event.statistic})`,
    metric: event.metric,
    step: event.step,
    value: event.statistic,
    timestampMs: event.timestampMs,
  }
}
