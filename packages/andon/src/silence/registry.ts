import { type Alert, EntrenarError, ErrorCodes, type Silence, type SilenceSpec, type SilenceState } from '@entrenar/core'
import { type CompiledMatcher, compileMatcher } from './matcher.js'

/** Expired silences are kept this long, then forgotten (Alertmanager's `--data.retention` default, 120 h). */
export const SILENCE_RETENTION_MS = 120 * 3_600_000

/** Ids: a letter or digit, then letters, digits and `._:-`, at most 128 characters (a UUID fits). */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

/** A silence with its compiled matchers. `declared` ones come from configuration and are not persisted. */
interface Entry {
  readonly silence: Omit<Silence, 'state'>
  readonly matchers: readonly CompiledMatcher[]
  readonly declared: boolean
}

/** How a spec is taken: `add` (at run time, validated as Alertmanager's API) or `declare` (configuration, a backtest). */
export type SilenceMode = 'add' | 'declare'

/** What muting an alert found: the muting ids, or the ids that matched a CRITICAL alert but may not mute it. */
export interface MuteResult {
  readonly ids: readonly string[]
  readonly refused: readonly string[]
  /** When the first of the muting silences ends (+Infinity when none mutes). */
  readonly untilMs: number
}

const NONE: MuteResult = { ids: [], refused: [], untilMs: Number.POSITIVE_INFINITY }

function bad(message: string, field: string): never {
  throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: silence ${message}`, { details: { field } })
}

function finite(x: unknown, field: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) bad(`${field} must be a finite number of epoch milliseconds, got ${String(x)}`, field)
  return x
}

function text(x: unknown, field: string): string {
  if (typeof x !== 'string' || x.trim().length === 0) bad(`${field} is required (a non-empty string), as in Alertmanager`, field)
  return x
}

/** State at `now`: pending before the start, active in [start, end), expired from the end on. */
export function silenceState(s: { readonly startsAtMs: number; readonly endsAtMs: number }, now: number): SilenceState {
  return now < s.startsAtMs ? 'pending' : now < s.endsAtMs ? 'active' : 'expired'
}

/**
 * The silences of one Andon (or of a store, for the CLI), without I/O: validation, state, matching,
 * early expiry and the merge of stored records. A record replaces another of the same id when it is
 * newer (`updatedAtMs`), or as new and ending earlier: an early expiry wins every tie.
 */
export class SilenceRegistry {
  readonly #entries = new Map<string, Entry>()
  readonly #now: () => number
  readonly #retentionMs: number
  readonly #newId: () => string
  /** Bumped on every change, so a muted episode knows when to look at the silences again. */
  version = 0

  constructor(now: () => number, retentionMs: number, newId: () => string) {
    this.#now = now
    this.#retentionMs = retentionMs
    this.#newId = newId
  }

  /** Validates a spec into a silence (not stored yet). Bad input throws `ENTRENAR_INVALID_CONFIG`. */
  build(spec: SilenceSpec, mode: SilenceMode): Entry {
    if (typeof spec !== 'object' || spec === null) bad(`must be an object with matchers, endsAtMs or durationMs, createdBy and comment, got ${String(spec)}`, 'spec')
    const now = this.#now()
    const id = spec.id === undefined ? this.#newId() : spec.id
    if (typeof id !== 'string' || !ID.test(id)) bad(`id ${JSON.stringify(id)} must be 1-128 characters of letters, digits and ._:- starting with a letter or digit`, 'id')
    if (!Array.isArray(spec.matchers) || spec.matchers.length === 0) bad(`${id}: needs at least one matcher`, 'matchers')
    const matchers = spec.matchers.map((m, i) => compileMatcher(m, `silence ${id}: matchers[${i}]`))
    // Alertmanager: a silence whose every matcher matches the empty string would mute (nearly) everything.
    if (matchers.every((m) => m.test(''))) bad(`${id}: at least one matcher must not match the empty string (it would silence every alert)`, 'matchers')
    const createdBy = text(spec.createdBy, 'createdBy')
    const comment = text(spec.comment, 'comment')
    const muteCritical = spec.muteCritical ?? false
    if (typeof muteCritical !== 'boolean') bad(`${id}: muteCritical must be true or false`, 'muteCritical')
    if (muteCritical && !matchers.some((m) => m.name === 'rule' && m.op === '=')) {
      bad(`${id}: muteCritical needs a rule="<name>" matcher naming the rule it may mute (no silence hides a critical stop by accident)`, 'muteCritical')
    }
    let startsAtMs = spec.startsAtMs === undefined ? now : finite(spec.startsAtMs, 'startsAtMs')
    // Alertmanager moves a start in the past to now when a silence is created.
    if (mode === 'add' && startsAtMs < now) startsAtMs = now
    if ((spec.endsAtMs === undefined) === (spec.durationMs === undefined)) bad(`${id}: give exactly one of endsAtMs and durationMs`, 'endsAtMs')
    let endsAtMs: number
    if (spec.durationMs !== undefined) {
      const d = finite(spec.durationMs, 'durationMs')
      if (d <= 0) bad(`${id}: durationMs must be > 0, got ${d}`, 'durationMs')
      endsAtMs = startsAtMs + d
    } else endsAtMs = finite(spec.endsAtMs, 'endsAtMs')
    // A declared silence (renacer.toml) without a start that has already ended is expired on arrival
    // (start = end, as Alertmanager records a silence expired before it started), not a load error.
    if (mode === 'declare' && spec.startsAtMs === undefined && endsAtMs <= startsAtMs) startsAtMs = endsAtMs
    else if (endsAtMs <= startsAtMs) bad(`${id}: ends at ${endsAtMs}, not after its start ${startsAtMs}`, 'endsAtMs')
    if (mode === 'add' && endsAtMs <= now) bad(`${id}: ends at ${endsAtMs}, which is not in the future (now ${now})`, 'endsAtMs')
    return {
      silence: { id, matchers: matchers.map((m) => ({ name: m.name, op: m.op, value: m.value })), startsAtMs, endsAtMs, createdBy, comment, muteCritical, updatedAtMs: now },
      matchers,
      declared: mode === 'declare',
    }
  }

  /** Stores a validated silence; replacing one is allowed while it has not expired and was not declared in configuration. */
  put(e: Entry): Silence {
    const prev = this.#entries.get(e.silence.id)
    if (prev !== undefined && !e.declared) {
      if (prev.declared) bad(`${e.silence.id} is declared in configuration (renacer.toml); edit it there`, 'id')
      if (silenceState(prev.silence, this.#now()) === 'expired') bad(`${e.silence.id} has expired; add a new silence (leave id out)`, 'id')
    }
    this.#entries.set(e.silence.id, e)
    this.version++
    return this.#view(e)
  }

  /**
   * Merges a stored record (from silences.jsonl). Returns false when an existing record wins.
   * Records that fail validation throw; the caller reports them.
   */
  merge(s: Omit<Silence, 'state'>): boolean {
    const prev = this.#entries.get(s.id)
    if (prev?.declared) return false
    if (prev && (prev.silence.updatedAtMs > s.updatedAtMs || (prev.silence.updatedAtMs === s.updatedAtMs && prev.silence.endsAtMs <= s.endsAtMs))) return false
    const matchers = s.matchers.map((m, i) => compileMatcher(m, `silence ${s.id}: matchers[${i}]`))
    this.#entries.set(s.id, { silence: { ...s, matchers: s.matchers.map((m) => ({ ...m })) }, matchers, declared: false })
    this.version++
    return true
  }

  /** Ends a silence now: an active one ends, a pending one never starts; an expired one is returned as it is. */
  expire(id: string): { readonly silence: Silence; readonly changed: boolean; readonly declared: boolean } {
    const e = this.#entries.get(id)
    if (e === undefined) throw new EntrenarError(ErrorCodes.NOT_FOUND, `entrenar/andon: no silence with id ${JSON.stringify(id)}`, { details: { id } })
    const now = this.#now()
    const state = silenceState(e.silence, now)
    if (state === 'expired') return { silence: this.#view(e), changed: false, declared: e.declared }
    const silence = { ...e.silence, ...(state === 'pending' ? { startsAtMs: now } : {}), endsAtMs: now, updatedAtMs: now }
    const next = { ...e, silence }
    this.#entries.set(id, next)
    this.version++
    return { silence: this.#view(next), changed: true, declared: e.declared }
  }

  /** Every silence with its state, oldest start first; expired ones past the retention are forgotten. */
  list(): Silence[] {
    const now = this.#now()
    const out: Silence[] = []
    for (const [id, e] of this.#entries) {
      if (e.silence.endsAtMs + this.#retentionMs < now) this.#entries.delete(id)
      else out.push(this.#view(e))
    }
    return out.sort((a, b) => a.startsAtMs - b.startsAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  get size(): number {
    return this.#entries.size
  }

  /**
   * The active silences whose matchers all match the alert's labels (`rule`, `level`, `metric`, `run`,
   * then the run's tags; a missing label is ""). A CRITICAL alert is muted only by a silence with
   * `muteCritical` and a `rule = "<its rule>"` matcher; others that match it are `refused`.
   */
  mute(alert: Alert, tags: Readonly<Record<string, string>>): MuteResult {
    if (this.#entries.size === 0) return NONE
    const now = this.#now()
    const label = (name: string): string => {
      switch (name) {
        case 'rule':
          return alert.rule
        case 'level':
          return alert.level
        case 'metric':
          return alert.metric ?? ''
        case 'run':
          return alert.runId ?? ''
        default:
          return Object.hasOwn(tags, name) ? (tags[name] ?? '') : ''
      }
    }
    const ids: string[] = []
    const refused: string[] = []
    let untilMs = Number.POSITIVE_INFINITY
    const critical = alert.level === 'critical'
    for (const e of this.#entries.values()) {
      if (silenceState(e.silence, now) !== 'active') continue
      if (!e.matchers.every((m) => m.test(label(m.name)))) continue
      if (critical && !(e.silence.muteCritical && e.matchers.some((m) => m.name === 'rule' && m.op === '=' && m.value === alert.rule))) refused.push(e.silence.id)
      else {
        ids.push(e.silence.id)
        untilMs = Math.min(untilMs, e.silence.endsAtMs)
      }
    }
    return ids.length === 0 && refused.length === 0 ? NONE : { ids, refused, untilMs }
  }

  #view(e: Entry): Silence {
    return { ...e.silence, state: silenceState(e.silence, this.#now()) }
  }
}
