import { EntrenarError, ErrorCodes, SILENCE_MATCH_OPS, type SilenceMatcher, type SilenceMatchOp } from '@entrenar/core'

/** Prometheus label names: a letter or underscore, then letters, digits and underscores. */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
/** `name op value` as amtool and Alertmanager's `ParseMatcher` write it; the longest operator wins (`=~` before `=`). */
const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s

/** A matcher ready to test label values. */
export interface CompiledMatcher extends SilenceMatcher {
  test(labelValue: string): boolean
}

function invalid(where: string, message: string): never {
  throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: ${where}: ${message}`, { details: { field: where } })
}

/**
 * Compiles a matcher. Regexes are anchored as Alertmanager anchors them (`^(?:value)$`: `=~"div"` does not
 * match `divergence`), after the pattern is checked on its own, so `a)|(b` cannot escape the anchors.
 * Patterns are JavaScript regexes without flags, so RE2-style escapes of punctuation (`\-`, `\/`) work as in
 * Alertmanager. Bad names, operators or patterns throw
 * `ENTRENAR_INVALID_CONFIG` naming `where`.
 */
export function compileMatcher(m: SilenceMatcher, where = 'matcher'): CompiledMatcher {
  if (typeof m !== 'object' || m === null) invalid(where, `expected { name, op, value }, got ${String(m)}`)
  const { name, op, value } = m
  if (typeof name !== 'string' || !LABEL_NAME.test(name)) invalid(where, `label name ${JSON.stringify(name)} is not a valid label name ([A-Za-z_][A-Za-z0-9_]*)`)
  if (!SILENCE_MATCH_OPS.includes(op)) invalid(where, `operator ${JSON.stringify(op)} is not one of ${SILENCE_MATCH_OPS.join(' ')}`)
  if (typeof value !== 'string') invalid(where, `value of ${name} must be a string, got ${typeof value}`)
  const base = { name, op, value }
  if (op === '=') return { ...base, test: (v) => v === value }
  if (op === '!=') return { ...base, test: (v) => v !== value }
  let re: RegExp
  try {
    new RegExp(value)
    re = new RegExp(`^(?:${value})$`)
  } catch (e) {
    invalid(where, `${name}${op}${JSON.stringify(value)} is not a valid regular expression: ${e instanceof Error ? e.message : String(e)}`)
  }
  return op === '=~' ? { ...base, test: (v) => re.test(v) } : { ...base, test: (v) => !re.test(v) }
}

/**
 * Parses a matcher written as amtool writes it: `rule="divergence"`, `metric=~"val_.*"`, `run!=r1`
 * (double-quoted values take JSON escapes; unquoted ones are taken as written, trimmed).
 *
 * @example
 * ```ts
 * parseMatcher('metric =~ "val_.*"') // { name: 'metric', op: '=~', value: 'val_.*' }
 * ```
 */
export function parseMatcher(text: string, where = 'matcher'): SilenceMatcher {
  if (typeof text !== 'string') invalid(where, `expected a string like rule="divergence", got ${typeof text}`)
  const m = MATCHER.exec(text)
  if (m === null) invalid(where, `${JSON.stringify(text)} is not a matcher: write name=value, name!=value, name=~regex or name!~regex`)
  let value = m[3]!
  if (value.startsWith('"')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(value)
    } catch {
      invalid(where, `${JSON.stringify(text)}: the quoted value is not closed or has a bad escape`)
    }
    value = parsed as string
  } else if (value.includes('"')) {
    invalid(where, `${JSON.stringify(text)}: quote the whole value ("…") or none of it`)
  }
  const matcher = { name: m[1]!, op: m[2] as SilenceMatchOp, value }
  compileMatcher(matcher, where)
  return matcher
}

/** A matcher as amtool prints it: `name op "value"` (value JSON-quoted). */
export function formatMatcher(m: SilenceMatcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`
}
