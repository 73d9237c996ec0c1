import * as v from 'valibot'
import { ALERT_LEVELS } from '../contracts/alert.js'
import {
  CHANGE_TYPES,
  type Derivation,
  type HealthEvent,
  type IncidentQuery,
  type LineageEntry,
  type LineageGraph,
  type MetricDelta,
  type ModelDiff,
  type ModelNode,
  type RegressionSource,
  type ValueChange,
} from '../contracts/lineage.js'
import { floatFromWire, floatToWire, WireFloat } from '../wire/numbers.js'
import { AckWire, ack, SCHEMA_VERSION } from '../wire/schemas.js'
import { type Contract, commandMethod, method } from './contract.js'

const version = v.literal(SCHEMA_VERSION)
const id = v.pipe(v.string(), v.minLength(1))
const DECISIONS = ['continue', 'warn', 'act', 'pause', 'stop'] as const

/** Drops `undefined` values so decoded objects equal the originals key for key. */
function defined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k]
  return o
}

/** Wire form of {@link ModelNode} (snake_case; metrics as wire floats so NaN/±Inf/-0 survive). */
export const ModelNodeWire = v.object({
  /** Model id. */
  id,
  /** Version label. */
  version: v.optional(v.string()),
  /** Final metrics (wire floats). */
  metrics: v.record(v.string(), WireFloat),
  /** Creation time, epoch milliseconds. */
  created_at_ms: v.number(),
  /** Hash of the training configuration. */
  config_hash: v.optional(v.string()),
  /** Hyper-parameters (JSON). */
  config: v.optional(v.record(v.string(), v.unknown())),
  /** String labels. */
  tags: v.optional(v.record(v.string(), v.string())),
  /** The training run. */
  run_id: v.optional(v.string()),
})
export type ModelNodeWire = v.InferOutput<typeof ModelNodeWire>

/** The wire form of a model node. */
export function modelToWire(m: ModelNode): ModelNodeWire {
  const metrics: Record<string, WireFloat> = {}
  for (const [k, x] of Object.entries(m.metrics)) metrics[k] = floatToWire(x)
  return defined({
    id: m.id,
    version: m.version,
    metrics,
    created_at_ms: m.createdAtMs,
    config_hash: m.configHash,
    config: m.config ? { ...m.config } : undefined,
    tags: m.tags ? { ...m.tags } : undefined,
    run_id: m.runId,
  })
}

/** The model node of a validated wire body; inverse of {@link modelToWire}. */
export function modelFromWire(w: ModelNodeWire): ModelNode {
  const metrics: Record<string, number> = {}
  for (const [k, x] of Object.entries(w.metrics)) metrics[k] = floatFromWire(x)
  return defined({ id: w.id, version: w.version, metrics, createdAtMs: w.created_at_ms, configHash: w.config_hash, config: w.config, tags: w.tags, runId: w.run_id })
}

/** Wire form of {@link Derivation}. */
export const DerivationWire = v.object({
  /** Parent model id. */
  parent: id,
  /** Child model id. */
  child: id,
  /** What changed. */
  change_type: v.picklist(CHANGE_TYPES),
  /** Free text. */
  description: v.optional(v.string()),
})
export type DerivationWire = v.InferOutput<typeof DerivationWire>

/** The wire form of a derivation. */
export function derivationToWire(d: Derivation): DerivationWire {
  return defined({ parent: d.parent, child: d.child, change_type: d.changeType, description: d.description })
}

/** The derivation of a validated wire body; inverse of {@link derivationToWire}. */
export function derivationFromWire(w: DerivationWire): Derivation {
  return defined({ parent: w.parent, child: w.child, changeType: w.change_type, description: w.description })
}

/** Wire form of {@link HealthEvent}. */
export const HealthEventWire = v.object({
  /** An Andon incident or a drift event. */
  kind: v.picklist(['incident', 'drift']),
  /** The model it is attached to. */
  model_id: v.optional(v.string()),
  /** The run it happened in. */
  run_id: v.optional(v.string()),
  /** Severity. */
  level: v.picklist(ALERT_LEVELS),
  /** The rule or detector. */
  rule: v.string(),
  /** What happened. */
  message: v.string(),
  /** The metric. */
  metric: v.optional(v.string()),
  /** The step. */
  step: v.optional(v.number()),
  /** The value (a wire float). */
  value: v.optional(WireFloat),
  /** The Andon's decision, for an incident. */
  decision: v.optional(v.picklist(DECISIONS)),
  /** When, epoch milliseconds. */
  timestamp_ms: v.number(),
})
export type HealthEventWire = v.InferOutput<typeof HealthEventWire>

/** The wire form of a health event. */
export function healthEventToWire(e: HealthEvent): HealthEventWire {
  return defined({
    kind: e.kind,
    model_id: e.modelId,
    run_id: e.runId,
    level: e.level,
    rule: e.rule,
    message: e.message,
    metric: e.metric,
    step: e.step,
    value: e.value === undefined ? undefined : floatToWire(e.value),
    decision: e.decision,
    timestamp_ms: e.timestampMs,
  })
}

/** The health event of a validated wire body; inverse of {@link healthEventToWire}. */
export function healthEventFromWire(w: HealthEventWire): HealthEvent {
  return defined({
    kind: w.kind,
    modelId: w.model_id,
    runId: w.run_id,
    level: w.level,
    rule: w.rule,
    message: w.message,
    metric: w.metric,
    step: w.step,
    value: w.value === undefined ? undefined : floatFromWire(w.value),
    decision: w.decision,
    timestampMs: w.timestamp_ms,
  })
}

const ParentWire = v.object({ id, change_type: v.picklist(CHANGE_TYPES), description: v.optional(v.string()) })
const EntryWire = v.object({ model: ModelNodeWire, parents: v.optional(v.array(ParentWire)), events: v.optional(v.array(HealthEventWire)) })

function entryToWire(e: LineageEntry): v.InferOutput<typeof EntryWire> {
  return defined({
    model: modelToWire(e.model),
    parents: e.parents?.map((p) => defined({ id: p.id, change_type: p.changeType, description: p.description })),
    events: e.events?.map(healthEventToWire),
  })
}

function entryFromWire(w: v.InferOutput<typeof EntryWire>): LineageEntry {
  return defined({
    model: modelFromWire(w.model),
    parents: w.parents?.map((p) => defined({ id: p.id, changeType: p.change_type, description: p.description })),
    events: w.events?.map(healthEventFromWire),
  })
}

const MetricDeltaWire = v.object({ metric: v.string(), a: WireFloat, b: WireFloat, delta: WireFloat, relative: WireFloat })
const ValueChangeWire = v.object({ key: v.string(), change: v.picklist(['added', 'removed', 'changed']), a: v.optional(v.unknown()), b: v.optional(v.unknown()) })
const RegressionWire = v.object({
  metric: v.string(),
  model: v.string(),
  parent: v.string(),
  derivation: DerivationWire,
  before: WireFloat,
  after: WireFloat,
  baseline: v.string(),
  baseline_value: WireFloat,
  value: WireFloat,
})

const changeToWire = (c: ValueChange) => defined({ key: c.key, change: c.change, a: c.a, b: c.b })
const changeFromWire = (c: v.InferOutput<typeof ValueChangeWire>): ValueChange => defined({ key: c.key, change: c.change, a: c.a, b: c.b })

function regressionToWire(r: RegressionSource): v.InferOutput<typeof RegressionWire> {
  return {
    metric: r.metric,
    model: r.model,
    parent: r.parent,
    derivation: derivationToWire(r.derivation),
    before: floatToWire(r.before),
    after: floatToWire(r.after),
    baseline: r.baseline,
    baseline_value: floatToWire(r.baselineValue),
    value: floatToWire(r.value),
  }
}

function regressionFromWire(w: v.InferOutput<typeof RegressionWire>): RegressionSource {
  return {
    metric: w.metric,
    model: w.model,
    parent: w.parent,
    derivation: derivationFromWire(w.derivation),
    before: floatFromWire(w.before),
    after: floatFromWire(w.after),
    baseline: w.baseline,
    baselineValue: floatFromWire(w.baseline_value),
    value: floatFromWire(w.value),
  }
}

const IdReq = v.object({ schema_version: version, id })
const IdsRes = v.object({ schema_version: version, ids: v.array(v.string()) })
const DepthReq = v.object({ schema_version: version, id, depth: v.optional(v.pipe(v.number(), v.minValue(0))) })
const PairReq = v.object({ schema_version: version, a: id, b: id })

const idMethod = (summary: string) =>
  method<[string], string[], typeof IdReq, typeof IdsRes>({
    summary,
    request: IdReq,
    response: IdsRes,
    encodeRequest: (x) => ({ schema_version: SCHEMA_VERSION, id: x }),
    decodeRequest: (w) => [w.id],
    encodeResponse: (ids) => ({ schema_version: SCHEMA_VERSION, ids }),
    decodeResponse: (w) => w.ids,
  })

const depthMethod = (summary: string) =>
  method<[string, { depth?: number }?], string[], typeof DepthReq, typeof IdsRes>({
    summary,
    request: DepthReq,
    response: IdsRes,
    encodeRequest: (x, o) => defined({ schema_version: SCHEMA_VERSION, id: x, depth: o?.depth === Number.POSITIVE_INFINITY ? undefined : o?.depth }),
    decodeRequest: (w) => [w.id, w.depth === undefined ? {} : { depth: w.depth }],
    encodeResponse: (ids) => ({ schema_version: SCHEMA_VERSION, ids }),
    decodeResponse: (w) => w.ids,
  })

const ModelReq = v.object({ schema_version: version, model: ModelNodeWire })
const ModelRes = v.object({ schema_version: version, model: v.nullable(ModelNodeWire) })
const DerivationReq = v.object({ schema_version: version, derivation: DerivationWire })
const EntryReq = v.object({ schema_version: version, entry: EntryWire })
const DeltasRes = v.object({ schema_version: version, deltas: v.array(MetricDeltaWire) })
const DiffRes = v.object({ schema_version: version, a: v.string(), b: v.string(), config: v.array(ValueChangeWire), tags: v.array(ValueChangeWire), config_hash_changed: v.boolean() })
const RegressionReq = v.object({ schema_version: version, id, metric: v.pipe(v.string(), v.minLength(1)), higher_is_better: v.boolean() })
const RegressionRes = v.object({ schema_version: version, source: v.nullable(RegressionWire) })
const EventReq = v.object({ schema_version: version, event: HealthEventWire })
const EventsRes = v.object({ schema_version: version, events: v.array(HealthEventWire) })
const IncidentReq = v.object({
  schema_version: version,
  min_level: v.optional(v.picklist(ALERT_LEVELS)),
  kinds: v.optional(v.array(v.picklist(['incident', 'drift']))),
  rules: v.optional(v.array(v.string())),
  inherited: v.optional(v.boolean()),
})
const ExportReq = v.object({ schema_version: version, format: v.picklist(['dot', 'mermaid', 'openlineage']) })
const ExportRes = v.object({ schema_version: version, text: v.string() })

/** Wire description of {@link LineageGraph}: service `lineage`. */
export const lineageGraphContract: Contract<LineageGraph> = {
  service: 'lineage',
  description: 'A LineageGraph: model lineage, regression source, health events and exports',
  methods: {
    addModel: method<[ModelNode], void, typeof ModelReq, typeof AckWire>({
      summary: 'Add a model or replace its metadata',
      request: ModelReq,
      response: AckWire,
      encodeRequest: (m) => ({ schema_version: SCHEMA_VERSION, model: modelToWire(m) }),
      decodeRequest: (w) => [modelFromWire(w.model)],
      encodeResponse: ack,
      decodeResponse: () => undefined,
    }),
    derive: method<[Derivation], void, typeof DerivationReq, typeof AckWire>({
      summary: 'Add a derivation parent → child',
      request: DerivationReq,
      response: AckWire,
      encodeRequest: (d) => ({ schema_version: SCHEMA_VERSION, derivation: derivationToWire(d) }),
      decodeRequest: (w) => [derivationFromWire(w.derivation)],
      encodeResponse: ack,
      decodeResponse: () => undefined,
    }),
    register: method<[LineageEntry], void, typeof EntryReq, typeof AckWire>({
      summary: "Add a run's model with its parents and health events atomically",
      request: EntryReq,
      response: AckWire,
      encodeRequest: (e) => ({ schema_version: SCHEMA_VERSION, entry: entryToWire(e) }),
      decodeRequest: (w) => [entryFromWire(w.entry)],
      encodeResponse: ack,
      decodeResponse: () => undefined,
    }),
    getModel: method<[string], ModelNode | undefined, typeof IdReq, typeof ModelRes>({
      summary: 'A model by id (null when unknown)',
      request: IdReq,
      response: ModelRes,
      encodeRequest: (x) => ({ schema_version: SCHEMA_VERSION, id: x }),
      decodeRequest: (w) => [w.id],
      encodeResponse: (m) => ({ schema_version: SCHEMA_VERSION, model: m ? modelToWire(m) : null }),
      decodeResponse: (w) => (w.model ? modelFromWire(w.model) : undefined),
    }),
    parents: idMethod('Direct parents in derivation order'),
    children: idMethod('Direct children in derivation order'),
    ancestors: depthMethod('Ancestors breadth-first, nearest first, up to a depth'),
    descendants: depthMethod('Descendants breadth-first, nearest first, up to a depth'),
    lineage: idMethod('The first-parent chain, root first'),
    compare: method<[string, string], MetricDelta[], typeof PairReq, typeof DeltasRes>({
      summary: 'Per-metric deltas b − a',
      request: PairReq,
      response: DeltasRes,
      encodeRequest: (a, b) => ({ schema_version: SCHEMA_VERSION, a, b }),
      decodeRequest: (w) => [w.a, w.b],
      encodeResponse: (ds) => ({
        schema_version: SCHEMA_VERSION,
        deltas: ds.map((d) => ({ metric: d.metric, a: floatToWire(d.a), b: floatToWire(d.b), delta: floatToWire(d.delta), relative: floatToWire(d.relative) })),
      }),
      decodeResponse: (w) =>
        w.deltas.map((d) => ({ metric: d.metric, a: floatFromWire(d.a), b: floatFromWire(d.b), delta: floatFromWire(d.delta), relative: floatFromWire(d.relative) })),
    }),
    diff: method<[string, string], ModelDiff, typeof PairReq, typeof DiffRes>({
      summary: 'Config and tag differences',
      request: PairReq,
      response: DiffRes,
      encodeRequest: (a, b) => ({ schema_version: SCHEMA_VERSION, a, b }),
      decodeRequest: (w) => [w.a, w.b],
      encodeResponse: (d) => ({ schema_version: SCHEMA_VERSION, a: d.a, b: d.b, config: d.config.map(changeToWire), tags: d.tags.map(changeToWire), config_hash_changed: d.configHashChanged }),
      decodeResponse: (w) => ({ a: w.a, b: w.b, config: w.config.map(changeFromWire), tags: w.tags.map(changeFromWire), configHashChanged: w.config_hash_changed }),
    }),
    regressionSource: method<[string, { metric: string; higherIsBetter: boolean }], RegressionSource | undefined, typeof RegressionReq, typeof RegressionRes>({
      summary: 'The derivation that introduced a regression, searched through the whole ancestry',
      request: RegressionReq,
      response: RegressionRes,
      encodeRequest: (x, o) => ({ schema_version: SCHEMA_VERSION, id: x, metric: o.metric, higher_is_better: o.higherIsBetter }),
      decodeRequest: (w) => [w.id, { metric: w.metric, higherIsBetter: w.higher_is_better }],
      encodeResponse: (r) => ({ schema_version: SCHEMA_VERSION, source: r ? regressionToWire(r) : null }),
      decodeResponse: (w) => (w.source ? regressionFromWire(w.source) : undefined),
    }),
    addHealthEvent: method<[HealthEvent], void, typeof EventReq, typeof AckWire>({
      summary: 'Attach an incident or drift event to a model or run',
      request: EventReq,
      response: AckWire,
      encodeRequest: (e) => ({ schema_version: SCHEMA_VERSION, event: healthEventToWire(e) }),
      decodeRequest: (w) => [healthEventFromWire(w.event)],
      encodeResponse: ack,
      decodeResponse: () => undefined,
    }),
    healthEvents: method<[string], HealthEvent[], typeof IdReq, typeof EventsRes>({
      summary: 'Health events of a model and its run',
      request: IdReq,
      response: EventsRes,
      encodeRequest: (x) => ({ schema_version: SCHEMA_VERSION, id: x }),
      decodeRequest: (w) => [w.id],
      encodeResponse: (es) => ({ schema_version: SCHEMA_VERSION, events: es.map(healthEventToWire) }),
      decodeResponse: (w) => w.events.map(healthEventFromWire),
    }),
    trainedThroughIncident: method<[IncidentQuery?], string[], typeof IncidentReq, typeof IdsRes>({
      summary: 'Models trained through a matching incident or drift event',
      request: IncidentReq,
      response: IdsRes,
      encodeRequest: (q) =>
        defined({
          schema_version: SCHEMA_VERSION,
          min_level: q?.minLevel,
          kinds: q?.kinds ? [...q.kinds] : undefined,
          rules: q?.rules ? [...q.rules] : undefined,
          inherited: q?.inherited,
        }),
      decodeRequest: (w) => [defined({ minLevel: w.min_level, kinds: w.kinds, rules: w.rules, inherited: w.inherited })],
      encodeResponse: (ids) => ({ schema_version: SCHEMA_VERSION, ids }),
      decodeResponse: (w) => w.ids,
    }),
    export: method<['dot' | 'mermaid' | 'openlineage'], string, typeof ExportReq, typeof ExportRes>({
      summary: 'Export as Graphviz DOT, Mermaid or OpenLineage 2-0-2 RunEvents (JSON lines)',
      request: ExportReq,
      response: ExportRes,
      encodeRequest: (format) => ({ schema_version: SCHEMA_VERSION, format }),
      decodeRequest: (w) => [w.format],
      encodeResponse: (text) => ({ schema_version: SCHEMA_VERSION, text }),
      decodeResponse: (w) => w.text,
    }),
    flush: commandMethod('Make every earlier change durable'),
  },
}
