/**
 * Wire shapes of the web dashboard's own JSON API (`/api/*`), shared by the server (encoders) and
 * the page (decoders). snake_case with a `schema_version`, floats through core's `WireFloat`
 * (NaN and ±Inf travel as strings). Pure: no DOM, no Node built-ins. Point series travel through
 * core's store contract (`POST /v1/store/query`) and its own schemas.
 */
import {
  type AlertLevel,
  type DriftEvent,
  EntrenarError,
  ErrorCodes,
  floatFromWire,
  floatToWire,
  type Incident,
  type QueryResult,
  type RunInfo,
  type RunInfoWire,
  runFromWire,
  SCHEMA_VERSION,
  type Series,
} from '@entrenar/core'

/** Summary of one metric of one run, as the run list shows it. */
export interface MetricSummary {
  readonly name: string
  /** Rows stored (NaN and ±Inf included). */
  readonly rows: number
  /** Rows whose value is NaN. */
  readonly nan: number
  /** Last value (in step order); may be NaN or ±Inf. */
  readonly last: number
  /** Step of the last value. */
  readonly lastStep: number
}

/** One line of the run list. */
export interface RunSummary {
  readonly run: RunInfo
  readonly metrics: readonly MetricSummary[]
  /** Incidents of the Andon attributed to this run. */
  readonly alerts: number
  /** Highest level among those incidents. */
  readonly maxLevel?: AlertLevel
  /** Drift change points (detector events with signal `drift`) recorded for this run. */
  readonly drift?: number
  /** Metrics an Andon incident or a detector event names for this run, most often named first. */
  readonly watched?: readonly string[]
}

/** Answer of `GET /api/overview`. */
export interface Overview {
  readonly title: string
  /** `andon`: a live Andon or recorded incidents are shown (the events table means something). */
  readonly features: { readonly lineage: boolean; readonly andon: boolean }
  /** How often the server polls the store for live points. */
  readonly pollMs: number
  /** Server clock, to show the duration of running runs. */
  readonly nowMs: number
  readonly runs: readonly RunSummary[]
}

/** Lineage graph around the runs: models and parent → child edges. */
export interface LineageView {
  readonly nodes: readonly {
    readonly id: string
    readonly version?: string
    readonly runId?: string
    readonly createdAtMs: number
    readonly metrics: Readonly<Record<string, number>>
    readonly tags?: Readonly<Record<string, string>>
  }[]
  readonly edges: readonly { readonly parent: string; readonly child: string }[]
  /** True when the walk stopped at the node limit. */
  readonly truncated: boolean
}

/** A live-update message of `GET /api/stream` (server-sent events). */
export type StreamMessage =
  | { readonly type: 'points'; readonly result: QueryResult }
  | { readonly type: 'status'; readonly runs: readonly RunInfo[] }
  | { readonly type: 'incidents'; readonly from: number; readonly incidents: readonly Incident[] }
  | { readonly type: 'end'; readonly reason: string }

/** What the page asks `GET /api/stream` to follow: per run and metric, the last step it already has. */
export interface StreamRequest {
  readonly cursors: readonly { readonly run: string; readonly metric: string; readonly after: number }[]
  /** Number of Andon incidents the page already has (new ones are pushed). */
  readonly incidentsSeen: number
  /** Only points whose tags contain these (as `MetricQuery.tags`). */
  readonly tags?: Readonly<Record<string, string>>
}

// ---------------------------------------------------------------------------------------------
// Decoding helpers: every answer is `unknown` until checked.

type Obj = Record<string, unknown>

function fail(what: string): never {
  throw new EntrenarError(ErrorCodes.WIRE_INVALID, `entrenar/viz: ${what}`)
}
function obj(x: unknown, what: string): Obj {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) fail(`${what} is not an object`)
  return x as Obj
}
function arr(x: unknown, what: string): unknown[] {
  if (!Array.isArray(x)) fail(`${what} is not an array`)
  return x
}
function str(x: unknown, what: string): string {
  if (typeof x !== 'string') fail(`${what} is not a string`)
  return x
}
function num(x: unknown, what: string): number {
  if (typeof x !== 'number') fail(`${what} is not a number`)
  return x
}
function wireFloat(x: unknown, what: string): number {
  if (typeof x === 'number') return x
  if (x === 'NaN' || x === 'Infinity' || x === '-Infinity' || x === '-0') return floatFromWire(x)
  return fail(`${what} is not a wire float`)
}
function optStr(x: unknown, what: string): string | undefined {
  return x === undefined ? undefined : str(x, what)
}
function floats(x: unknown, what: string): Float64Array {
  const a = arr(x, what)
  const out = new Float64Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = wireFloat(a[i], what)
  return out
}
function version(o: Obj, what: string): void {
  if (o.schema_version !== SCHEMA_VERSION) {
    throw new EntrenarError(ErrorCodes.WIRE_VERSION, `entrenar/viz: ${what} has schema_version ${String(o.schema_version)}, expected ${SCHEMA_VERSION}`)
  }
}
function stringRecord(x: unknown, what: string): Record<string, string> {
  const o = obj(x, what)
  const out: Record<string, string> = {}
  for (const k of Object.keys(o)) out[k] = str(o[k], `${what}.${k}`)
  return out
}

const LEVELS: readonly string[] = ['info', 'warning', 'error', 'critical']
const DECISIONS: readonly string[] = ['continue', 'warn', 'act', 'pause', 'stop']
const STATUSES: readonly string[] = ['running', 'finished', 'failed', 'stopped']

function runInfo(x: unknown, what: string): RunInfo {
  const o = obj(x, what)
  const status = str(o.status, `${what}.status`)
  if (!STATUSES.includes(status)) fail(`${what}.status ${JSON.stringify(status)} is unknown`)
  const w: RunInfoWire = {
    id: str(o.id, `${what}.id`),
    status: status as RunInfoWire['status'],
    start_time_ms: num(o.start_time_ms, `${what}.start_time_ms`),
    ...(o.name !== undefined ? { name: str(o.name, `${what}.name`) } : {}),
    ...(o.config !== undefined ? { config: obj(o.config, `${what}.config`) } : {}),
    ...(o.end_time_ms !== undefined ? { end_time_ms: num(o.end_time_ms, `${what}.end_time_ms`) } : {}),
    ...(o.host !== undefined ? { host: str(o.host, `${what}.host`) } : {}),
    ...(o.git_revision !== undefined ? { git_revision: str(o.git_revision, `${what}.git_revision`) } : {}),
    ...(o.reason !== undefined ? { reason: str(o.reason, `${what}.reason`) } : {}),
  }
  return runFromWire(w)
}

// ---------------------------------------------------------------------------------------------
// Incidents

/** Encodes an Andon incident (snake_case; the value as a wire float). */
export function incidentToWire(i: Incident): Obj {
  const value = i.value
  return {
    level: i.level,
    rule: i.rule,
    message: i.message,
    decision: i.decision,
    timestamp_ms: i.timestampMs,
    ...(i.runId !== undefined ? { run_id: i.runId } : {}),
    ...(i.metric !== undefined ? { metric: i.metric } : {}),
    ...(i.step !== undefined ? { step: i.step } : {}),
    ...(value !== undefined ? { value: floatToWire(value) } : {}),
  }
}

/** Decodes an incident written by {@link incidentToWire}. */
export function incidentFromWire(x: unknown, what = 'incident'): Incident {
  const o = obj(x, what)
  const level = str(o.level, `${what}.level`)
  const decision = str(o.decision, `${what}.decision`)
  if (!LEVELS.includes(level)) fail(`${what}.level ${JSON.stringify(level)} is unknown`)
  if (!DECISIONS.includes(decision)) fail(`${what}.decision ${JSON.stringify(decision)} is unknown`)
  return {
    level: level as AlertLevel,
    decision: decision as Incident['decision'],
    rule: str(o.rule, `${what}.rule`),
    message: str(o.message, `${what}.message`),
    timestampMs: num(o.timestamp_ms, `${what}.timestamp_ms`),
    ...(o.run_id !== undefined ? { runId: str(o.run_id, `${what}.run_id`) } : {}),
    ...(o.metric !== undefined ? { metric: str(o.metric, `${what}.metric`) } : {}),
    ...(o.step !== undefined ? { step: num(o.step, `${what}.step`) } : {}),
    ...(o.value !== undefined ? { value: wireFloat(o.value, `${what}.value`) } : {}),
  }
}

// ---------------------------------------------------------------------------------------------
// Overview

/** Encodes the overview. `runs` are already wire-encoded run infos (core's `runToWire`). */
export function overviewToWire(o: Overview, runWire: (r: RunInfo) => RunInfoWire): Obj {
  return {
    schema_version: SCHEMA_VERSION,
    title: o.title,
    features: { lineage: o.features.lineage, andon: o.features.andon },
    poll_ms: o.pollMs,
    now_ms: o.nowMs,
    runs: o.runs.map((r) => ({
      run: runWire(r.run),
      alerts: r.alerts,
      ...(r.maxLevel ? { max_level: r.maxLevel } : {}),
      ...(r.drift ? { drift: r.drift } : {}),
      ...(r.watched?.length ? { watched: [...r.watched] } : {}),
      metrics: r.metrics.map((m) => ({ name: m.name, rows: m.rows, nan: m.nan, last: floatToWire(m.last), last_step: m.lastStep })),
    })),
  }
}

/** Decodes `GET /api/overview`. */
export function overviewFromWire(x: unknown): Overview {
  const o = obj(x, 'overview')
  version(o, 'overview')
  const f = obj(o.features, 'overview.features')
  return {
    title: str(o.title, 'overview.title'),
    features: { lineage: f.lineage === true, andon: f.andon === true },
    pollMs: num(o.poll_ms, 'overview.poll_ms'),
    nowMs: num(o.now_ms, 'overview.now_ms'),
    runs: arr(o.runs, 'overview.runs').map((r, i) => {
      const ro = obj(r, `overview.runs[${i}]`)
      const level = ro.max_level === undefined ? undefined : str(ro.max_level, 'max_level')
      if (level !== undefined && !LEVELS.includes(level)) fail(`overview.runs[${i}].max_level is unknown`)
      return {
        run: runInfo(ro.run, `overview.runs[${i}].run`),
        alerts: num(ro.alerts, `overview.runs[${i}].alerts`),
        ...(level ? { maxLevel: level as AlertLevel } : {}),
        ...(ro.drift !== undefined ? { drift: num(ro.drift, `overview.runs[${i}].drift`) } : {}),
        ...(ro.watched !== undefined ? { watched: arr(ro.watched, `overview.runs[${i}].watched`).map((m, j) => str(m, `overview.runs[${i}].watched[${j}]`)) } : {}),
        metrics: arr(ro.metrics, `overview.runs[${i}].metrics`).map((m, j) => {
          const mo = obj(m, `overview.runs[${i}].metrics[${j}]`)
          return {
            name: str(mo.name, 'metric.name'),
            rows: num(mo.rows, 'metric.rows'),
            nan: num(mo.nan, 'metric.nan'),
            last: wireFloat(mo.last, 'metric.last'),
            lastStep: num(mo.last_step, 'metric.last_step'),
          }
        }),
      }
    }),
  }
}

/** Decodes `GET /api/events`. */
export function incidentsFromWire(x: unknown): Incident[] {
  return eventsFromWire(x).incidents.slice()
}

/** Answer of `GET /api/events`: incidents (the live Andon's, then recorded ones) and drift change points. */
export interface EventsView {
  readonly incidents: readonly Incident[]
  readonly driftEvents: readonly DriftEvent[]
  /** Length of the live Andon's history: where the live stream's incident cursor starts. */
  readonly andonSeen: number
}

const SIGNALS: readonly string[] = ['warning', 'drift', 'invalid']
const SEVERITIES: readonly string[] = ['low', 'medium', 'high']

/** Encodes a drift event (core's `AlertEventWire` drift variant, without the `kind`). */
export function driftEventToWire(e: DriftEvent): Obj {
  return {
    metric: e.metric,
    step: e.step,
    detector: e.detector,
    signal: e.signal,
    statistic: floatToWire(e.statistic),
    timestamp_ms: e.timestampMs,
    ...(e.runId !== undefined ? { run_id: e.runId } : {}),
    ...(e.severity !== undefined ? { severity: e.severity } : {}),
  }
}

/** Decodes a drift event written by {@link driftEventToWire}. */
export function driftEventFromWire(x: unknown, what = 'drift event'): DriftEvent {
  const o = obj(x, what)
  const signal = str(o.signal, `${what}.signal`)
  if (!SIGNALS.includes(signal)) fail(`${what}.signal ${JSON.stringify(signal)} is unknown`)
  const severity = optStr(o.severity, `${what}.severity`)
  if (severity !== undefined && !SEVERITIES.includes(severity)) fail(`${what}.severity ${JSON.stringify(severity)} is unknown`)
  const runId = optStr(o.run_id, `${what}.run_id`)
  return {
    kind: 'drift',
    metric: str(o.metric, `${what}.metric`),
    step: num(o.step, `${what}.step`),
    detector: str(o.detector, `${what}.detector`),
    signal: signal as DriftEvent['signal'],
    statistic: wireFloat(o.statistic, `${what}.statistic`),
    timestampMs: num(o.timestamp_ms, `${what}.timestamp_ms`),
    ...(runId !== undefined ? { runId } : {}),
    ...(severity !== undefined ? { severity: severity as NonNullable<DriftEvent['severity']> } : {}),
  }
}

/** Most incidents and most drift events one `GET /api/events` answer carries (the newest; the run list counts all). */
export const MAX_EVENTS = 10_000

/** Encodes `GET /api/events`: the newest {@link MAX_EVENTS} of each kind, and how many older ones were left out. */
export function eventsToWire(e: EventsView): Obj {
  const incidents = e.incidents.length > MAX_EVENTS ? e.incidents.slice(-MAX_EVENTS) : e.incidents
  const drift = e.driftEvents.length > MAX_EVENTS ? e.driftEvents.slice(-MAX_EVENTS) : e.driftEvents
  const left = { incidents: e.incidents.length - incidents.length, drift_events: e.driftEvents.length - drift.length }
  return {
    schema_version: SCHEMA_VERSION,
    incidents: incidents.map(incidentToWire),
    drift_events: drift.map(driftEventToWire),
    andon_seen: e.andonSeen,
    ...(left.incidents > 0 || left.drift_events > 0 ? { left_out: left } : {}),
  }
}

/** Decodes `GET /api/events` (an answer without drift events or cursor, from an older server, reads as none and the incident count). */
export function eventsFromWire(x: unknown): EventsView {
  const o = obj(x, 'events')
  version(o, 'events')
  const incidents = arr(o.incidents, 'events.incidents').map((i, k) => incidentFromWire(i, `events.incidents[${k}]`))
  const driftEvents = o.drift_events === undefined ? [] : arr(o.drift_events, 'events.drift_events').map((d, k) => driftEventFromWire(d, `events.drift_events[${k}]`))
  return { incidents, driftEvents, andonSeen: o.andon_seen === undefined ? incidents.length : num(o.andon_seen, 'events.andon_seen') }
}

// ---------------------------------------------------------------------------------------------
// Series (stream payloads reuse core's query-result wire form; decoded here without valibot)

/** Decodes a query result in core's wire form (`resultToWire`), checking every column. */
export function seriesResultFromWire(x: unknown, what = 'result'): QueryResult {
  const o = obj(x, what)
  version(o, what)
  const series = arr(o.series, `${what}.series`).map((s, i): Series => {
    const so = obj(s, `${what}.series[${i}]`)
    const w = `${what}.series[${i}]`
    const out: { -readonly [K in keyof Series]: Series[K] } = {
      runId: str(so.run_id, `${w}.run_id`),
      metric: str(so.metric, `${w}.metric`),
      x: floats(so.x, `${w}.x`),
      value: floats(so.value, `${w}.value`),
    }
    if (so.min !== undefined) out.min = floats(so.min, `${w}.min`)
    if (so.max !== undefined) out.max = floats(so.max, `${w}.max`)
    if (so.count !== undefined) out.count = floats(so.count, `${w}.count`)
    if (so.nan_count !== undefined) out.nanCount = floats(so.nan_count, `${w}.nan_count`)
    if (so.timestamp_us !== undefined) out.timestampUs = floats(so.timestamp_us, `${w}.timestamp_us`)
    for (const col of ['value', 'min', 'max', 'count', 'nanCount', 'timestampUs'] as const) {
      const c = out[col]
      if (c && c.length !== out.x.length) fail(`${w}.${col} has ${c.length} entries, x has ${out.x.length}`)
    }
    return out
  })
  return { series }
}

/** Decodes one server-sent event (its `event:` name and `data:` JSON). */
export function streamMessageFromWire(event: string, data: unknown): StreamMessage {
  switch (event) {
    case 'points':
      return { type: 'points', result: seriesResultFromWire(data, 'points') }
    case 'status': {
      const o = obj(data, 'status')
      return { type: 'status', runs: arr(o.runs, 'status.runs').map((r, i) => runInfo(r, `status.runs[${i}]`)) }
    }
    case 'incidents': {
      const o = obj(data, 'incidents')
      return { type: 'incidents', from: num(o.from, 'incidents.from'), incidents: arr(o.incidents, 'incidents.incidents').map((i, k) => incidentFromWire(i, `incidents[${k}]`)) }
    }
    case 'end':
      return { type: 'end', reason: str(obj(data, 'end').reason, 'end.reason') }
    default:
      return fail(`unknown stream event ${JSON.stringify(event)}`)
  }
}

/** Most `(run, metric)` series one live stream follows. */
export const MAX_CURSORS = 1000

/** Encodes a stream request as the `q` query parameter of `GET /api/stream`. */
export function streamRequestToParam(r: StreamRequest): string {
  return JSON.stringify({ cursors: r.cursors.map((c) => [c.run, c.metric, c.after]), incidents_seen: r.incidentsSeen, ...(r.tags ? { tags: r.tags } : {}) })
}

/** Decodes the `q` parameter of `GET /api/stream`; throws `ENTRENAR_INVALID_QUERY` when malformed. */
export function streamRequestFromParam(q: string | null): StreamRequest {
  try {
    const o = obj(JSON.parse(q ?? ''), 'stream request')
    const list = arr(o.cursors, 'cursors')
    if (list.length > MAX_CURSORS) fail(`follows ${list.length} series, at most ${MAX_CURSORS}`)
    const cursors = list.map((c, i) => {
      const t = arr(c, `cursors[${i}]`)
      const after = t[2]
      if (typeof after !== 'number' || Number.isNaN(after)) fail(`cursors[${i}] step is not a number`)
      return { run: str(t[0], `cursors[${i}] run`), metric: str(t[1], `cursors[${i}] metric`), after }
    })
    return {
      cursors,
      incidentsSeen: o.incidents_seen === undefined ? 0 : num(o.incidents_seen, 'incidents_seen'),
      ...(o.tags !== undefined ? { tags: stringRecord(o.tags, 'tags') } : {}),
    }
  } catch (e) {
    throw new EntrenarError(ErrorCodes.INVALID_QUERY, `entrenar/viz: stream request ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
}

/** Encodes the lineage view. */
export function lineageToWire(l: LineageView): Obj {
  return {
    schema_version: SCHEMA_VERSION,
    truncated: l.truncated,
    nodes: l.nodes.map((n) => ({
      id: n.id,
      created_at_ms: n.createdAtMs,
      metrics: Object.fromEntries(Object.entries(n.metrics).map(([k, v]) => [k, floatToWire(v)])),
      ...(n.version !== undefined ? { version: n.version } : {}),
      ...(n.runId !== undefined ? { run_id: n.runId } : {}),
      ...(n.tags !== undefined ? { tags: { ...n.tags } } : {}),
    })),
    edges: l.edges.map((e) => ({ parent: e.parent, child: e.child })),
  }
}

/** Decodes `GET /api/lineage`. */
export function lineageFromWire(x: unknown): LineageView {
  const o = obj(x, 'lineage')
  version(o, 'lineage')
  return {
    truncated: o.truncated === true,
    nodes: arr(o.nodes, 'lineage.nodes').map((n, i) => {
      const no = obj(n, `lineage.nodes[${i}]`)
      const m = obj(no.metrics, `lineage.nodes[${i}].metrics`)
      const metrics: Record<string, number> = {}
      for (const k of Object.keys(m)) metrics[k] = wireFloat(m[k], `lineage.nodes[${i}].metrics.${k}`)
      const version = optStr(no.version, 'version')
      const runId = optStr(no.run_id, 'run_id')
      return {
        id: str(no.id, `lineage.nodes[${i}].id`),
        createdAtMs: num(no.created_at_ms, 'created_at_ms'),
        metrics,
        ...(version !== undefined ? { version } : {}),
        ...(runId !== undefined ? { runId } : {}),
        ...(no.tags !== undefined ? { tags: stringRecord(no.tags, 'tags') } : {}),
      }
    }),
    edges: arr(o.edges, 'lineage.edges').map((e, i) => {
      const eo = obj(e, `lineage.edges[${i}]`)
      return { parent: str(eo.parent, 'edge.parent'), child: str(eo.child, 'edge.child') }
    }),
  }
}
