import { ALERT_LEVELS, type AlertLevel, EntrenarError, ErrorCodes } from '@entrenar/core'
import { parse, TomlError } from 'smol-toml'
import { readTextCapped } from '../node/io.js'
import type { AndonSettings, AssertionBudget, Budget, HandlerSpec, InhibitRule, RuleSet } from '../types.js'
import { Locator, type Position } from './locate.js'
import { readSilences } from './silences.js'

/** One `[[assertion]]` of renacer.toml, with renacer's defaults (`enabled` and `fail_on_violation` true). */
export type Assertion = {
  /** `name`: shown in incidents and warnings. */
  readonly name: string
  /** `enabled` (default true): a disabled assertion is parsed and kept, never enforced. */
  readonly enabled: boolean
  /** `fail_on_violation`: a violation is an `error` (which stops) when true, a `warning` when false. */
  readonly failOnViolation: boolean
} & (
  | {
      /** Longest time of a step (renacer's critical path). */
      readonly type: 'critical_path'
      /** `max_duration_ms`. */
      readonly maxDurationMs: number
      /** `trace_name_pattern` (renacer's; not used by the Andon). */
      readonly traceNamePattern?: string
    }
  | {
      /** Most steps (renacer's span count). */
      readonly type: 'span_count'
      /** `max_spans`. */
      readonly maxSpans: number
      /** `span_name_pattern` (renacer's; not used by the Andon). */
      readonly spanNamePattern?: string
    }
  | {
      /** Most memory of the process. */
      readonly type: 'memory_usage'
      /** `max_bytes`. */
      readonly maxBytes: number
      /** `tracking_mode`: `rss` or `allocations` (the JavaScript heap in use). */
      readonly trackingMode: 'rss' | 'allocations'
    }
  | {
      /** renacer's syscall anti-pattern detection: parsed, not enforced by the Andon (a warning says so). */
      readonly type: 'anti_pattern'
      /** `pattern`. */
      readonly pattern: string
      /** `threshold`. */
      readonly threshold: number
      /** `process_name_pattern`. */
      readonly processNamePattern?: string
    }
  | {
      /** A renacer custom expression: parsed, not enforced by the Andon (a warning says so). */
      readonly type: 'custom'
      /** `expression`. */
      readonly expression: string
    }
)

/** A non-fatal finding (an unsupported assertion, an ignored table), with its position. */
export interface RenacerWarning {
  /** What was found, starting with the key path (`assertion[4]: …`); the position is in `source`, `line`, `column`. */
  readonly message: string
  /** The file path, or `<text>`. */
  readonly source: string
  /** Line of the key, 1-based. */
  readonly line: number
  /** Column of the key, 1-based. */
  readonly column: number
}

/** A loaded renacer.toml. Pass it as `createAndon({ renacer })`. */
export interface RenacerConfig {
  /** The file path, or `<text>`. */
  readonly source: string
  /** Every assertion, in file order (disabled and unsupported ones included). */
  readonly assertions: readonly Assertion[]
  /** The enabled, supported assertions as Andon budgets. */
  readonly budgets: readonly AssertionBudget[]
  /** The `[andon]` tables. */
  readonly andon: AndonSettings
  /** Problems that did not stop the load: unknown keys, unsupported assertion types, values that were ignored. */
  readonly warnings: readonly RenacerWarning[]
}

/** A key path in the document (`['andon', 'silence', 0, 'matchers']`). */
export type Path = readonly (string | number)[]
/** What a key holds, for {@link Reader.table}. */
export type Field =
  | { readonly t: 'int'; readonly min: number }
  | { readonly t: 'num'; readonly min?: number; readonly max?: number; readonly gt?: number }
  | { readonly t: 'bool' }
  | { readonly t: 'str'; readonly oneOf?: readonly string[] }
  | { readonly t: 'strs' }
  | { readonly t: 'regex' }
  | { readonly t: 'datetime' }

const INT1: Field = { t: 'int', min: 1 }
const INT0: Field = { t: 'int', min: 0 }
const BOOL: Field = { t: 'bool' }
const STR: Field = { t: 'str' }
const LEVEL: Field = { t: 'str', oneOf: ALERT_LEVELS }
const ACTION: Field = { t: 'str', oneOf: ['warn', 'act', 'pause', 'stop'] }
const MODE: Field = { t: 'str', oneOf: ['min', 'max'] }
const FINITE: Field = { t: 'num' }
const NONNEG: Field = { t: 'num', min: 0 }

/** Tables other paiml tools keep in renacer.toml; renacer itself reads none of them. Reported, not rejected. */
const FOREIGN_TABLES = new Set(['semantic_equivalence', 'lamport_clock', 'compression', 'otlp', 'ci'])
/** renacer's `AntiPattern` variants (PascalCase, as serde spells them). */
const ANTI_PATTERNS = ['GodProcess', 'TightLoop', 'PcieBottleneck']

const ASSERTION_COMMON: Record<string, Field> = { name: STR, type: STR, enabled: BOOL, fail_on_violation: BOOL }
const ASSERTION_FIELDS: Record<string, Record<string, Field>> = {
  critical_path: { max_duration_ms: INT1, trace_name_pattern: { t: 'regex' } },
  span_count: { max_spans: INT1, span_name_pattern: { t: 'regex' } },
  memory_usage: { max_bytes: INT1, tracking_mode: { t: 'str', oneOf: ['rss', 'allocations'] } },
  anti_pattern: { pattern: { t: 'str', oneOf: ANTI_PATTERNS }, threshold: { t: 'num', min: 0, max: 1 }, process_name_pattern: { t: 'regex' } },
  custom: { expression: STR },
}
const REQUIRED: Record<string, readonly string[]> = {
  critical_path: ['max_duration_ms'],
  span_count: ['max_spans'],
  memory_usage: ['max_bytes'],
  anti_pattern: ['pattern', 'threshold'],
  custom: ['expression'],
}

const RULE_COMMON: Record<string, Field> = { enabled: BOOL, metrics: { t: 'strs' }, level: LEVEL, action: ACTION, for: INT1, keep_firing_for: INT0, throttle_ms: NONNEG, throttle_steps: INT0 }
const RULE_TABLES: Record<string, { key: keyof RuleSet; fields: Record<string, Field>; array: boolean }> = {
  non_finite: { key: 'nonFinite', fields: { consecutive: INT1 }, array: true },
  divergence: { key: 'divergence', fields: { threshold: FINITE, factor: { t: 'num', gt: 1 }, mode: MODE, min_samples: INT0 }, array: true },
  accuracy_drop: { key: 'accuracyDrop', fields: { baseline: FINITE, max_drop: NONNEG, relative: BOOL, min_samples: INT0 }, array: true },
  plateau: { key: 'plateau', fields: { min_delta: NONNEG, patience_steps: INT1, mode: MODE }, array: true },
  gradient_explosion: {
    key: 'gradientExplosion',
    fields: { max_norm: { t: 'num', gt: 0 }, factor: { t: 'num', gt: 1 }, min_samples: INT0, lr_scale: { t: 'num', gt: 0, max: 0.999999 }, persist: INT1, stop_level: LEVEL },
    array: true,
  },
  vanishing_gradients: { key: 'vanishingGradients', fields: { below: { t: 'num', gt: 0 } }, array: true },
  threshold: { key: 'threshold', fields: { name: STR, above: FINITE, below: FINITE }, array: true },
  stall: { key: 'stall', fields: { timeout_ms: INT1 }, array: false },
}
const DRIFT_FIELDS: Record<string, Field> = {
  enabled: BOOL,
  warning: { t: 'str', oneOf: [...ALERT_LEVELS, 'ignore'] },
  drift: { t: 'str', oneOf: [...ALERT_LEVELS, 'ignore'] },
  invalid: { t: 'str', oneOf: [...ALERT_LEVELS, 'ignore'] },
  high: { t: 'str', oneOf: [...ALERT_LEVELS, 'ignore'] },
  metrics: { t: 'strs' },
  action: ACTION,
  throttle_ms: NONNEG,
}
const BUDGET_FIELDS: Record<string, Field> = { name: STR, max_wall_time_ms: INT1, fail_on_violation: BOOL }
const INHIBIT_FIELDS: Record<string, Field> = { source: STR, targets: { t: 'strs' }, scope: { t: 'str', oneOf: ['metric', 'run'] }, window_steps: INT0 }
const HANDLER_FIELDS: Record<string, Field> = {
  type: { t: 'str', oneOf: ['console', 'jsonl', 'webhook', 'slack', 'pagerduty'] },
  min_level: LEVEL,
  path: STR,
  url: STR,
  url_env: STR,
  routing_key_env: STR,
  timeout_ms: INT1,
  retries: INT0,
}
const ANDON_FIELDS: Record<string, Field> = {
  stop_on_info: BOOL,
  stop_on_warning: BOOL,
  stop_on_error: BOOL,
  stop_on_critical: BOOL,
  throttle_ms: NONNEG,
  pause_timeout_ms: NONNEG,
  on_pause_timeout: { t: 'str', oneOf: ['resume', 'stop'] },
  max_history: INT1,
}

/** Largest renacer.toml accepted, checked before parsing. */
export const MAX_RENACER_BYTES = 1024 * 1024
/** Deepest nesting of tables and arrays accepted (ours need 4; other tools' tables get room). */
export const MAX_RENACER_DEPTH = 32
/** Characters of a value or key an error message quotes at most. */
const EXCERPT = 60

/** Own properties only: a key such as `__proto__`, `constructor` or `toString` is not found on the prototype chain. */
const own = <T>(map: Readonly<Record<string, T>>, k: string): T | undefined => (Object.hasOwn(map, k) ? map[k] : undefined)
const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
const isTable = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Date)
/** A string cut to a short excerpt, saying how long it was. */
const cut = (s: string) => (s.length > EXCERPT ? `${s.slice(0, EXCERPT)}… (${s.length} characters)` : s)
const show = (x: unknown) =>
  typeof x === 'string'
    ? x.length > EXCERPT
      ? `${JSON.stringify(x.slice(0, EXCERPT))}… (a string of ${x.length} characters)`
      : JSON.stringify(x)
    : x instanceof Date
      ? `date ${x.toISOString()}`
      : Array.isArray(x)
        ? 'an array'
        : isTable(x)
          ? 'a table'
          : String(x)
const pathText = (p: Path) => p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? cut(s) : `.${cut(s)}`)).join('')

/** Checks the document's tables and reports failures and warnings with `source:line:column`. */
export class Reader {
  readonly #source: string
  readonly #locate: Locator
  readonly warnings: RenacerWarning[] = []

  constructor(text: string, source: string) {
    this.#source = source
    this.#locate = new Locator(text)
  }

  /** The file path, or `<text>`. */
  get source(): string {
    return this.#source
  }

  at(path: Path): Position {
    return this.#locate.find(path)
  }

  fail(path: Path, message: string): never {
    const { line, column } = this.at(path)
    // Messages quote values only as excerpts, but one built from many parts is capped as a whole too.
    if (message.length > 400) message = `${message.slice(0, 400)}…`
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: ${this.#source}:${line}:${column}: ${pathText(path)}: ${message}`, {
      details: { source: this.#source, line, column, path: pathText(path) },
    })
  }

  warn(path: Path, message: string): void {
    const { line, column } = this.at(path)
    this.warnings.push({ message: `${pathText(path)}: ${message}`, source: this.#source, line, column })
  }

  /** Checks a table against its fields (unknown keys and bad values fail) and returns camelCase entries. */
  table(value: unknown, path: Path, fields: Record<string, Field>): Record<string, unknown> {
    if (!isTable(value)) this.fail(path, `expected a table, got ${show(value)}`)
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      const f = own(fields, k)
      if (!f) this.fail([...path, k], `unknown key; expected one of ${Object.keys(fields).join(', ')}`)
      out[camel(k)] = this.#value(v, [...path, k], f)
    }
    return out
  }

  #value(v: unknown, path: Path, f: Field): unknown {
    switch (f.t) {
      case 'bool':
        if (typeof v !== 'boolean') this.fail(path, `expected true or false, got ${show(v)}`)
        return v
      case 'int':
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < f.min) this.fail(path, `expected an integer >= ${f.min} (at most 2^53 - 1), got ${show(v)}`)
        return v
      case 'num':
        if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(path, `expected a finite number, got ${show(v)}`)
        if (f.min !== undefined && v < f.min) this.fail(path, `must be >= ${f.min}, got ${v}`)
        if (f.max !== undefined && v > f.max) this.fail(path, `must be <= ${f.max}, got ${v}`)
        if (f.gt !== undefined && v <= f.gt) this.fail(path, `must be > ${f.gt}, got ${v}`)
        return v
      case 'str':
      case 'regex':
        if (typeof v !== 'string' || v.length === 0) this.fail(path, `expected a non-empty string, got ${show(v)}`)
        if (f.t === 'str' && f.oneOf && !f.oneOf.includes(v)) this.fail(path, `expected one of ${f.oneOf.map((x) => JSON.stringify(x)).join(', ')}, got ${show(v)}`)
        if (f.t === 'regex') {
          try {
            new RegExp(v)
          } catch (e) {
            this.fail(path, `not a valid regular expression: ${e instanceof Error ? e.message : String(e)}`)
          }
        }
        return v
      case 'datetime': {
        // An offset date-time only: a local one (no Z or ±hh:mm) would mean another instant on every machine.
        const d = v as { isDateTime?: () => boolean; isLocal?: () => boolean } | undefined
        if (!(v instanceof Date) || d?.isDateTime?.() !== true || d.isLocal?.() !== false) this.fail(path, `expected an offset date-time such as 2026-01-31T18:00:00Z, got ${show(v)}`)
        return v.getTime()
      }
      case 'strs':
        if (!Array.isArray(v) || v.length === 0) this.fail(path, `expected a non-empty array of strings, got ${show(v)}`)
        v.forEach((x, i) => {
          if (typeof x !== 'string' || x.length === 0) this.fail([...path, i], `expected a non-empty string, got ${show(x)}`)
        })
        return v
    }
  }
}

function readAssertions(r: Reader, raw: unknown): Assertion[] {
  if (raw === undefined) return []
  if (!Array.isArray(raw)) r.fail(['assertion'], 'must be an array of tables ([[assertion]])')
  const names = new Map<string, number>()
  return raw.map((a, i) => {
    const path = ['assertion', i] as const
    if (!isTable(a)) r.fail(path, `expected a table, got ${show(a)}`)
    const type = a.type
    if (typeof type !== 'string') r.fail([...path, 'type'], `required; one of ${Object.keys(ASSERTION_FIELDS).join(', ')}`)
    const fields = own(ASSERTION_FIELDS, type)
    if (!fields) r.fail([...path, 'type'], `unknown assertion type ${show(type)}; expected one of ${Object.keys(ASSERTION_FIELDS).join(', ')}`)
    const t = r.table(a, path, { ...ASSERTION_COMMON, ...fields })
    if (t.name === undefined) r.fail(path, 'name is required')
    for (const k of own(REQUIRED, type) ?? []) if (!Object.hasOwn(a, k)) r.fail(path, `${type} requires ${k}`)
    const name = t.name as string
    const prev = names.get(name)
    if (prev !== undefined) r.fail([...path, 'name'], `duplicate assertion name ${JSON.stringify(name)} (first at assertion[${prev}])`)
    names.set(name, i)
    for (const k of ['trace_name_pattern', 'span_name_pattern']) if (Object.hasOwn(a, k)) r.warn([...path, k], 'ignored: entrenar measures whole training steps, not traced spans')
    if (type === 'anti_pattern' || type === 'custom') r.warn(path, `assertion ${JSON.stringify(name)} of type ${type} is not supported by entrenar and is not checked (renacer itself passes it unconditionally)`)
    return { enabled: true, failOnViolation: true, ...(type === 'memory_usage' ? { trackingMode: 'allocations' } : {}), ...t } as unknown as Assertion
  })
}

/** The enabled critical_path, memory_usage and span_count assertions as Andon budgets. */
export function assertionsToBudgets(assertions: readonly Assertion[]): AssertionBudget[] {
  const out: AssertionBudget[] = []
  for (const a of assertions) {
    if (!a.enabled) continue
    const base = { name: a.name, failOnViolation: a.failOnViolation }
    if (a.type === 'critical_path') out.push({ kind: 'step_duration', maxMs: a.maxDurationMs, ...base })
    else if (a.type === 'span_count') out.push({ kind: 'steps', maxSteps: a.maxSpans, ...base })
    else if (a.type === 'memory_usage') out.push({ kind: 'memory', maxBytes: a.maxBytes, trackingMode: a.trackingMode, ...base })
  }
  return out
}

function readRules(r: Reader, raw: Record<string, unknown>): RuleSet {
  const rules: Record<string, unknown> = {}
  for (const [table, spec] of Object.entries(RULE_TABLES)) {
    const v = own(raw, table)
    if (v === undefined) continue
    const path = ['andon', table]
    const one = (x: unknown, p: Path) => {
      const t = r.table(x, p, { ...RULE_COMMON, ...spec.fields })
      if (table === 'stall') {
        delete t.metrics
        if (t.for !== undefined) r.fail([...p, 'for'], 'stall has no for: use timeout_ms')
      }
      if (table === 'threshold' && (t.metrics === undefined || (t.above === undefined && t.below === undefined))) r.fail(p, 'a threshold needs metrics and above or below')
      if (table === 'threshold' && t.name !== undefined && !/^[a-z][a-z0-9_]*$/.test(t.name as string)) r.fail([...p, 'name'], `must be snake_case, got ${show(t.name)}`)
      if (table === 'plateau' && t.for !== undefined) r.fail([...p, 'for'], 'plateau has no for: use patience_steps')
      return t
    }
    if (Array.isArray(v)) {
      if (!spec.array) r.fail(path, 'must be a table, not an array of tables')
      const list = v.map((x, i) => one(x, [...path, i])).filter((t) => t.enabled !== false)
      for (const t of list) delete t.enabled
      rules[spec.key] = table === 'threshold' ? list : list.length === 0 ? false : list
    } else {
      if (table === 'threshold') r.fail(path, 'must be an array of tables ([[andon.threshold]])')
      const t = one(v, path)
      const enabled = t.enabled !== false
      delete t.enabled
      rules[spec.key] = enabled ? t : false
    }
  }
  if (raw.drift !== undefined) {
    const t = r.table(raw.drift, ['andon', 'drift'], DRIFT_FIELDS)
    for (const k of ['warning', 'drift', 'invalid', 'high']) if (t[k] === 'ignore') t[k] = null
    const enabled = t.enabled !== false
    delete t.enabled
    rules.drift = enabled ? t : false
  }
  if (raw.budget !== undefined) {
    if (!Array.isArray(raw.budget)) r.fail(['andon', 'budget'], 'must be an array of tables ([[andon.budget]])')
    rules.budgets = raw.budget.map((x, i): Budget => {
      const t = r.table(x, ['andon', 'budget', i], BUDGET_FIELDS)
      if (t.name === undefined || t.maxWallTimeMs === undefined) r.fail(['andon', 'budget', i], 'a budget needs name and max_wall_time_ms')
      return { kind: 'wall_time', name: t.name as string, maxMs: t.maxWallTimeMs as number, failOnViolation: (t.failOnViolation as boolean | undefined) ?? true }
    })
  }
  if (raw.inhibit !== undefined) {
    if (!Array.isArray(raw.inhibit)) r.fail(['andon', 'inhibit'], 'must be an array of tables ([[andon.inhibit]])')
    rules.inhibit = raw.inhibit.map((x, i) => {
      const t = r.table(x, ['andon', 'inhibit', i], INHIBIT_FIELDS)
      if (t.source === undefined || t.targets === undefined) r.fail(['andon', 'inhibit', i], 'needs source and targets')
      return t as unknown as InhibitRule
    })
  }
  return rules as RuleSet
}

function readHandlers(r: Reader, raw: unknown): HandlerSpec[] {
  if (!Array.isArray(raw)) r.fail(['andon', 'handler'], 'must be an array of tables ([[andon.handler]])')
  return raw.map((x, i) => {
    const p = ['andon', 'handler', i] as const
    const t = r.table(x, p, HANDLER_FIELDS)
    const type = t.type as string | undefined
    if (type === undefined) r.fail(p, 'type is required')
    const allowed: Record<string, string[]> = {
      console: ['type', 'minLevel'],
      jsonl: ['type', 'minLevel', 'path'],
      webhook: ['type', 'minLevel', 'url', 'urlEnv', 'timeoutMs', 'retries'],
      slack: ['type', 'minLevel', 'url', 'urlEnv', 'timeoutMs', 'retries'],
      pagerduty: ['type', 'minLevel', 'url', 'routingKeyEnv', 'timeoutMs', 'retries'],
    }
    for (const k of Object.keys(t)) if (!(own(allowed, type) ?? []).includes(k)) r.fail([...p, k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)], `not a key of a ${type} handler`)
    if (type === 'jsonl' && t.path === undefined) r.fail(p, 'a jsonl handler needs path')
    if ((type === 'webhook' || type === 'slack') && (t.url === undefined) === (t.urlEnv === undefined)) r.fail(p, `a ${type} handler needs exactly one of url, url_env`)
    if (type === 'pagerduty' && t.routingKeyEnv === undefined) r.fail(p, 'a pagerduty handler needs routing_key_env (the key itself never goes in the file)')
    if (typeof t.url === 'string') {
      try {
        const u = new URL(t.url)
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`protocol ${u.protocol}`)
      } catch (e) {
        r.fail([...p, 'url'], `not an http(s) URL: ${e instanceof Error ? e.message : String(e)}`)
      }
    }
    return t as unknown as HandlerSpec
  })
}

function readAndon(r: Reader, raw: unknown): AndonSettings {
  if (raw === undefined) return {}
  if (!isTable(raw)) r.fail(['andon'], `expected a table, got ${show(raw)}`)
  const scalars: Record<string, unknown> = {}
  const sub: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(raw)) {
    if (Object.hasOwn(ANDON_FIELDS, k)) scalars[k] = v
    else if (Object.hasOwn(RULE_TABLES, k) || k === 'drift' || k === 'inhibit' || k === 'handler' || k === 'budget' || k === 'silence') sub[k] = v
    else r.fail(['andon', k], `unknown key; expected one of ${[...Object.keys(ANDON_FIELDS), ...Object.keys(RULE_TABLES), 'drift', 'inhibit', 'handler', 'budget', 'silence'].join(', ')}`)
  }
  const t = r.table(scalars, ['andon'], ANDON_FIELDS)
  const stopOn: Partial<Record<AlertLevel, boolean>> = {}
  for (const l of ALERT_LEVELS) {
    const v = t[camel(`stop_on_${l}`)]
    if (v !== undefined) stopOn[l] = v as boolean
  }
  const rules = readRules(r, sub)
  return {
    ...(Object.keys(stopOn).length ? { stopOn } : {}),
    ...(t.throttleMs === undefined ? {} : { throttleMs: t.throttleMs as number }),
    ...(t.pauseTimeoutMs === undefined ? {} : { pauseTimeoutMs: t.pauseTimeoutMs as number }),
    ...(t.onPauseTimeout === undefined ? {} : { onPauseTimeout: t.onPauseTimeout as 'resume' | 'stop' }),
    ...(t.maxHistory === undefined ? {} : { maxHistory: t.maxHistory as number }),
    ...(Object.keys(rules).length ? { rules } : {}),
    ...(sub.handler === undefined ? {} : { handlers: readHandlers(r, sub.handler) }),
    ...(sub.silence === undefined ? {} : { silences: readSilences(r, sub.silence) }),
  }
}

function tooLarge(source: string, bytes: number): EntrenarError {
  return new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: ${source}: ${bytes} bytes; a renacer.toml may have at most ${MAX_RENACER_BYTES} (1 MiB)`, {
    details: { source, bytes, max_bytes: MAX_RENACER_BYTES },
  })
}

/** Nesting depth of a parsed document (dotted keys and headers nest tables too), without recursion. */
function depthOf(doc: unknown): number {
  let max = 0
  const stack: [unknown, number][] = [[doc, 0]]
  while (stack.length > 0) {
    const [x, d] = stack.pop()!
    if (d > max) max = d
    if (d > MAX_RENACER_DEPTH) break
    if (Array.isArray(x)) for (const y of x) stack.push([y, d + 1])
    else if (isTable(x)) for (const y of Object.values(x)) stack.push([y, d + 1])
  }
  return max
}

/**
 * Parses renacer.toml text strictly: `[[assertion]]` entries (`name`, `type`, `enabled`,
 * `fail_on_violation` and the keys of each type, as renacer's `assertion_dsl`) and our `[andon]` tables.
 * Unknown keys, wrong types, duplicate names, unknown types and numbers beyond 2^53 − 1 throw
 * `ENTRENAR_INVALID_CONFIG` with `source:line:column` in the message and in `details`. `anti_pattern`
 * and `custom` assertions (placeholders that always pass in renacer) and other paiml tables are
 * reported in `warnings`, never silently passed.
 */
export function parseRenacerConfig(text: string, source = '<text>'): RenacerConfig {
  if (typeof text !== 'string') throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: renacer config must be a string, got ${typeof text}`)
  const bytes = text.length > MAX_RENACER_BYTES ? text.length : new TextEncoder().encode(text).length
  if (bytes > MAX_RENACER_BYTES) throw tooLarge(source, bytes)
  let doc: Record<string, unknown>
  try {
    // The parser's own depth limit stops deep inline arrays and tables before they recurse.
    doc = parse(text, { maxDepth: MAX_RENACER_DEPTH }) as Record<string, unknown>
  } catch (e) {
    if (e instanceof TomlError) {
      // The parser's first line names the problem; the lines after it quote the source, which may be huge.
      const line = e.message.split('\n')[0] ?? e.message
      const first = line.length > 200 ? `${line.slice(0, 200)}…` : line
      throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: ${source}:${e.line}:${e.column}: ${first}`, { cause: e, details: { source, line: e.line, column: e.column } })
    }
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: ${source}: ${cut(e instanceof Error ? e.message : String(e))}`, { cause: e })
  }
  const depth = depthOf(doc)
  if (depth > MAX_RENACER_DEPTH) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: ${source}: tables and arrays nest ${depth} deep; at most ${MAX_RENACER_DEPTH}`, { details: { source, depth, max_depth: MAX_RENACER_DEPTH } })
  }
  const r = new Reader(text, source)
  for (const k of Object.keys(doc)) {
    if (k === 'assertion' || k === 'andon') continue
    if (FOREIGN_TABLES.has(k)) r.warn([k], `table [${k}] is not used by entrenar (other paiml tools read it)`)
    else r.fail([k], 'unknown top-level key; expected [[assertion]] or [andon]')
  }
  const assertions = readAssertions(r, doc.assertion)
  const andon = readAndon(r, doc.andon)
  return { source, assertions, budgets: assertionsToBudgets(assertions), andon, warnings: r.warnings }
}

/**
 * Loads renacer.toml from a path, or parses it when given the text itself (a string with a newline,
 * an `=` or a leading `[` is text). Throws `ENTRENAR_INVALID_CONFIG` (with line and column) on bad input.
 *
 * @example
 * ```ts
 * const renacer = loadRenacerConfig('renacer.toml')
 * for (const w of renacer.warnings) console.warn(w.message)
 * const andon = createAndon({ renacer, runId, storeDir: './runs' })
 * ```
 */
export function loadRenacerConfig(pathOrText: string): RenacerConfig {
  if (typeof pathOrText !== 'string') throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: loadRenacerConfig expects a path or TOML text, got ${typeof pathOrText}`)
  if (pathOrText === '' || /[\n=]/.test(pathOrText) || pathOrText.trimStart().startsWith('[')) return parseRenacerConfig(pathOrText)
  let read: ReturnType<typeof readTextCapped>
  try {
    read = readTextCapped(pathOrText, MAX_RENACER_BYTES)
  } catch (e) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: cannot read ${pathOrText}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, details: { source: pathOrText } })
  }
  // The size is checked before the file is read whole.
  if (read.text === undefined) throw tooLarge(pathOrText, read.bytes)
  return parseRenacerConfig(read.text, pathOrText)
}
