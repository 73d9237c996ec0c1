import { isEntrenarError, type SilenceSpec } from '@entrenar/core'
import { parseDuration } from '../silence/duration.js'
import { parseMatcher } from '../silence/matcher.js'
import { SilenceRegistry } from '../silence/registry.js'
import type { Field, Path, Reader } from './renacer.js'

const STR: Field = { t: 'str' }
const FIELDS: Record<string, Field> = {
  id: STR,
  matchers: { t: 'strs' },
  starts_at: { t: 'datetime' },
  ends_at: { t: 'datetime' },
  duration: STR,
  created_by: STR,
  comment: STR,
  mute_critical: { t: 'bool' },
}
/** Spec fields named by validation errors → their renacer.toml keys. */
const KEY: Record<string, string> = {
  id: 'id',
  matchers: 'matchers',
  startsAtMs: 'starts_at',
  endsAtMs: 'ends_at',
  durationMs: 'duration',
  createdBy: 'created_by',
  comment: 'comment',
  muteCritical: 'mute_critical',
}

/**
 * Reads `[[andon.silence]]` entries: `matchers` as amtool writes them (`'rule="plateau"'`), `starts_at`
 * (default: when the Andon starts) and one of `ends_at` (offset date-times) or `duration` (`"2h"`),
 * `comment` (required), `created_by` (default: the file), `mute_critical`, `id` (default `renacer-<n>`).
 * Every check of a run-time silence applies, reported at the key's line and column.
 */
export function readSilences(r: Reader, raw: unknown): SilenceSpec[] {
  if (!Array.isArray(raw)) r.fail(['andon', 'silence'], 'must be an array of tables ([[andon.silence]])')
  // Time-independent checks only: the window is placed on the Andon's clock when it starts.
  const check = new SilenceRegistry(() => 0, 0, () => 'check')
  const ids = new Map<string, number>()
  return raw.map((x, i): SilenceSpec => {
    const p: Path = ['andon', 'silence', i]
    const t = r.table(x, p, FIELDS)
    if (t.matchers === undefined) r.fail(p, 'a silence needs matchers, e.g. matchers = [\'rule="plateau"\']')
    if (t.comment === undefined) r.fail(p, 'a silence needs a comment (why it is there), as Alertmanager requires')
    const matchers = (t.matchers as string[]).map((m, j) => {
      try {
        return parseMatcher(m, `matchers[${j}]`)
      } catch (e) {
        return r.fail([...p, 'matchers', j], isEntrenarError(e) ? e.message.replace(/^entrenar\/andon: /, '') : String(e))
      }
    })
    let durationMs: number | undefined
    if (t.duration !== undefined) {
      try {
        durationMs = parseDuration(t.duration as string)
      } catch (e) {
        r.fail([...p, 'duration'], isEntrenarError(e) ? e.message.replace(/^entrenar\/andon: /, '') : String(e))
      }
    }
    const id = (t.id as string | undefined) ?? `renacer-${i + 1}`
    const prev = ids.get(id)
    if (prev !== undefined) r.fail([...p, 'id'], `duplicate silence id ${JSON.stringify(id)} (first at andon.silence[${prev}])`)
    ids.set(id, i)
    const spec: SilenceSpec = {
      id,
      matchers,
      ...(t.startsAt === undefined ? {} : { startsAtMs: t.startsAt as number }),
      ...(t.endsAt === undefined ? {} : { endsAtMs: t.endsAt as number }),
      ...(durationMs === undefined ? {} : { durationMs }),
      createdBy: (t.createdBy as string | undefined) ?? r.source,
      comment: t.comment as string,
      ...(t.muteCritical === undefined ? {} : { muteCritical: t.muteCritical as boolean }),
    }
    try {
      check.build(spec, 'declare')
    } catch (e) {
      const field = isEntrenarError(e) && typeof e.details?.field === 'string' ? e.details.field : ''
      const key = Object.hasOwn(KEY, field) ? KEY[field] : undefined
      r.fail(key === undefined ? p : [...p, key], isEntrenarError(e) ? e.message.replace(/^entrenar\/andon: /, '') : String(e))
    }
    return spec
  })
}
