import * as v from 'valibot'
import { SILENCE_MATCH_OPS, type Silence, type SilenceService, type SilenceSpec } from '../contracts/silence.js'
import { EmptyWire, emptyWire, SCHEMA_VERSION } from '../wire/schemas.js'
import { type Contract, method } from './contract.js'

const version = v.literal(SCHEMA_VERSION)
const ms = v.pipe(v.number(), v.finite())
const text = v.pipe(v.string(), v.minLength(1))

/** Wire form of a {@link SilenceMatcher} (Alertmanager's matcher, with the operator spelled out). */
export const SilenceMatcherWire = v.object({
  /** Label name: `rule`, `level`, `metric`, `run`, or a run tag. */
  name: text,
  /** `=`, `!=`, `=~` or `!~`. */
  op: v.picklist(SILENCE_MATCH_OPS),
  /** The value, or an anchored regular expression. */
  value: v.string(),
})

/**
 * Wire form of a {@link Silence}: one line of `<store>/andon/silences.jsonl` (without `state`: a
 * stored line never goes stale) and an element of the `list` answer (with `state`).
 */
export const SilenceWire = v.object({
  /** Silence id. */
  id: text,
  /** Matchers, all of which must match. */
  matchers: v.pipe(v.array(SilenceMatcherWire), v.minLength(1)),
  /** Start, epoch milliseconds. */
  starts_at_ms: ms,
  /** End, epoch milliseconds. */
  ends_at_ms: ms,
  /** Who created it. */
  created_by: text,
  /** Why. */
  comment: text,
  /** May mute CRITICAL alerts. */
  mute_critical: v.boolean(),
  /** Last change, epoch milliseconds. */
  updated_at_ms: ms,
  /** Its state when listed (absent in stored lines). */
  state: v.optional(v.picklist(['pending', 'active', 'expired'] as const)),
})
export type SilenceWire = v.InferOutput<typeof SilenceWire>

/** Wire form of a {@link SilenceSpec}. */
export const SilenceSpecWire = v.object({
  /** Id (default a random UUID); an unexpired silence with it is replaced. */
  id: v.optional(text),
  /** Matchers, all of which must match. */
  matchers: v.array(SilenceMatcherWire),
  /** Start, epoch milliseconds (default now). */
  starts_at_ms: v.optional(ms),
  /** End, epoch milliseconds (or `duration_ms`). */
  ends_at_ms: v.optional(ms),
  /** Length from the start, milliseconds (or `ends_at_ms`). */
  duration_ms: v.optional(ms),
  /** Who creates it. */
  created_by: v.string(),
  /** Why (required). */
  comment: v.string(),
  /** May mute CRITICAL alerts (needs a `rule` matcher). */
  mute_critical: v.optional(v.boolean()),
})
type SilenceSpecWire = v.InferOutput<typeof SilenceSpecWire>

/** A silence in its wire form; `withState` false leaves the (time-dependent) state out, as stored lines do. */
export function silenceToWire(s: Silence, withState = true): SilenceWire {
  return {
    id: s.id,
    matchers: s.matchers.map((m) => ({ name: m.name, op: m.op, value: m.value })),
    starts_at_ms: s.startsAtMs,
    ends_at_ms: s.endsAtMs,
    created_by: s.createdBy,
    comment: s.comment,
    mute_critical: s.muteCritical,
    updated_at_ms: s.updatedAtMs,
    ...(withState ? { state: s.state } : {}),
  }
}

/** A silence from its wire form; a stored line without `state` reads as `pending` until the reader computes it. */
export function silenceFromWire(w: SilenceWire): Silence {
  return {
    id: w.id,
    matchers: w.matchers.map((m) => ({ name: m.name, op: m.op, value: m.value })),
    startsAtMs: w.starts_at_ms,
    endsAtMs: w.ends_at_ms,
    createdBy: w.created_by,
    comment: w.comment,
    muteCritical: w.mute_critical,
    updatedAtMs: w.updated_at_ms,
    state: w.state ?? 'pending',
  }
}

function specToWire(s: SilenceSpec): SilenceSpecWire {
  return {
    ...(s.id === undefined ? {} : { id: s.id }),
    matchers: s.matchers.map((m) => ({ name: m.name, op: m.op, value: m.value })),
    ...(s.startsAtMs === undefined ? {} : { starts_at_ms: s.startsAtMs }),
    ...(s.endsAtMs === undefined ? {} : { ends_at_ms: s.endsAtMs }),
    ...(s.durationMs === undefined ? {} : { duration_ms: s.durationMs }),
    created_by: s.createdBy,
    comment: s.comment,
    ...(s.muteCritical === undefined ? {} : { mute_critical: s.muteCritical }),
  }
}

function specFromWire(w: SilenceSpecWire): SilenceSpec {
  return {
    ...(w.id === undefined ? {} : { id: w.id }),
    matchers: w.matchers.map((m) => ({ name: m.name, op: m.op, value: m.value })),
    ...(w.starts_at_ms === undefined ? {} : { startsAtMs: w.starts_at_ms }),
    ...(w.ends_at_ms === undefined ? {} : { endsAtMs: w.ends_at_ms }),
    ...(w.duration_ms === undefined ? {} : { durationMs: w.duration_ms }),
    createdBy: w.created_by,
    comment: w.comment,
    ...(w.mute_critical === undefined ? {} : { muteCritical: w.mute_critical }),
  }
}

const AddWire = v.object({ schema_version: version, silence: SilenceSpecWire })
const OneWire = v.object({ schema_version: version, silence: SilenceWire })
const ListWire = v.object({ schema_version: version, silences: v.array(SilenceWire) })
const ExpireWire = v.object({ schema_version: version, id: text })
const one = (s: Silence) => ({ schema_version: SCHEMA_VERSION, silence: silenceToWire(s) }) as const

/**
 * Wire description of {@link SilenceService}: service `silences`, i.e. `POST /v1/silences/add`,
 * `/v1/silences/list` and `/v1/silences/expire` (Alertmanager's `/api/v2/silences`). The Andon serves
 * it beside `alertPolicyContract`; `createHttpClient(silenceContract, url)` is what `entrenar andon silence` calls.
 */
export const silenceContract: Contract<SilenceService> = {
  service: 'silences',
  description: 'Silences of an Andon: label matchers and a time window that mute matching alerts',
  methods: {
    add: method<[SilenceSpec], Silence, typeof AddWire, typeof OneWire>({
      summary: 'Create (or replace, by id) a silence; answers it once durable',
      request: AddWire,
      response: OneWire,
      encodeRequest: (spec) => ({ schema_version: SCHEMA_VERSION, silence: specToWire(spec) }),
      decodeRequest: (w) => [specFromWire(w.silence)],
      encodeResponse: one,
      decodeResponse: (w) => silenceFromWire(w.silence),
    }),
    list: method<[], readonly Silence[], typeof EmptyWire, typeof ListWire>({
      summary: 'Every silence with its state, oldest first',
      request: EmptyWire,
      response: ListWire,
      encodeRequest: emptyWire,
      decodeRequest: () => [],
      encodeResponse: (list) => ({ schema_version: SCHEMA_VERSION, silences: list.map((s) => silenceToWire(s)) }),
      decodeResponse: (w) => w.silences.map(silenceFromWire),
    }),
    expire: method<[string], Silence, typeof ExpireWire, typeof OneWire>({
      summary: 'End a silence now',
      request: ExpireWire,
      response: OneWire,
      encodeRequest: (id) => ({ schema_version: SCHEMA_VERSION, id }),
      decodeRequest: (w) => [w.id],
      encodeResponse: one,
      decodeResponse: (w) => silenceFromWire(w.silence),
    }),
  },
}
