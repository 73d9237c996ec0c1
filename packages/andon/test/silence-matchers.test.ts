import { formatMatcher, parseDuration, parseMatcher, SILENCE_RETENTION_MS, silenceState } from '@entrenar/andon'
import type { Alert, SilenceSpec } from '@entrenar/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileMatcher } from '../src/silence/matcher.js'
import { SilenceRegistry } from '../src/silence/registry.js'

const code = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (e) {
    return (e as { code?: string }).code
  }
  return undefined
}

describe('matchers (Alertmanager semantics)', () => {
  it('parses the four operators, quoted and bare values, and prints them back', () => {
    expect(parseMatcher('rule="divergence"')).toEqual({ name: 'rule', op: '=', value: 'divergence' })
    expect(parseMatcher(' metric =~ "val_.*" ')).toEqual({ name: 'metric', op: '=~', value: 'val_.*' })
    expect(parseMatcher('run!=r1')).toEqual({ name: 'run', op: '!=', value: 'r1' })
    expect(parseMatcher('level!~"info|warning"')).toEqual({ name: 'level', op: '!~', value: 'info|warning' })
    expect(parseMatcher('comment="say \\"hi\\""')).toEqual({ name: 'comment', op: '=', value: 'say "hi"' })
    expect(parseMatcher('metric=')).toEqual({ name: 'metric', op: '=', value: '' })
    for (const m of ['rule="a b"', 'metric=~"x\\\\.y"', 'run!~"r[0-9]+"']) expect(parseMatcher(formatMatcher(parseMatcher(m)))).toEqual(parseMatcher(m))
  })

  it('anchors regexes at both ends, as Alertmanager does', () => {
    const m = compileMatcher({ name: 'rule', op: '=~', value: 'div' })
    expect(m.test('div')).toBe(true)
    expect(m.test('divergence')).toBe(false)
    expect(m.test('xdiv')).toBe(false)
    expect(compileMatcher({ name: 'rule', op: '=~', value: 'div.*' }).test('divergence')).toBe(true)
    // An alternation stays inside the anchors: `a|b` matches a or b, not "contains a".
    const alt = compileMatcher({ name: 'metric', op: '=~', value: 'loss|val_loss' })
    expect(['loss', 'val_loss', 'train_loss', 'loss2'].map((x) => alt.test(x))).toEqual([true, true, false, false])
    const not = compileMatcher({ name: 'metric', op: '!~', value: 'val_.*' })
    expect(['val_loss', 'loss', ''].map((x) => not.test(x))).toEqual([false, true, true])
  })

  it('rejects patterns that would escape the anchors, invalid regexes, names and operators with a coded error', () => {
    expect(code(() => compileMatcher({ name: 'rule', op: '=~', value: 'a)|(b' }))).toBe('ENTRENAR_INVALID_CONFIG')
    expect(code(() => compileMatcher({ name: 'rule', op: '=~', value: '(' }))).toBe('ENTRENAR_INVALID_CONFIG')
    expect(code(() => compileMatcher({ name: 'rule', op: '!~', value: '[z-a]' }))).toBe('ENTRENAR_INVALID_CONFIG')
    expect(code(() => compileMatcher({ name: '1rule', op: '=', value: 'x' }))).toBe('ENTRENAR_INVALID_CONFIG')
    expect(code(() => compileMatcher({ name: 'rule', op: '==' as never, value: 'x' }))).toBe('ENTRENAR_INVALID_CONFIG')
    expect(code(() => compileMatcher({ name: 'rule', op: '=', value: 3 as never }))).toBe('ENTRENAR_INVALID_CONFIG')
    expect(code(() => parseMatcher('rule'))).toBe('ENTRENAR_INVALID_CONFIG')
    expect(code(() => parseMatcher('rule="open'))).toBe('ENTRENAR_INVALID_CONFIG')
    expect(code(() => parseMatcher('rule=a"b'))).toBe('ENTRENAR_INVALID_CONFIG')
    expect(code(() => parseMatcher('rule=~"("'))).toBe('ENTRENAR_INVALID_CONFIG')
    expect(() => parseMatcher('rule=~"("', 'matchers[2]')).toThrow(/matchers\[2\].*not a valid regular expression/)
  })
})

describe('matcher properties (seeded)', () => {
  const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/)
  const escapeRegex = (x: string) => x.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')
  const seed = Number(process.env.FC_SEED ?? 20261126)

  it('formatMatcher and parseMatcher round-trip any value', () => {
    fc.assert(
      fc.property(name, fc.constantFrom('=' as const, '!=' as const), fc.string({ unit: 'binary', maxLength: 30 }), (n, op, value) => {
        expect(parseMatcher(formatMatcher({ name: n, op, value }))).toEqual({ name: n, op, value })
      }),
      { numRuns: 300, seed },
    )
  })

  it('an escaped literal regex matches exactly that string (anchoring), and !~ is its negation', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (lit, probe) => {
        const re = compileMatcher({ name: 'metric', op: '=~', value: escapeRegex(lit) })
        const not = compileMatcher({ name: 'metric', op: '!~', value: escapeRegex(lit) })
        for (const v of [lit, probe, `x${lit}`, `${lit}x`]) {
          expect(re.test(v)).toBe(v === lit)
          expect(not.test(v)).toBe(v !== lit)
        }
      }),
      { numRuns: 300, seed },
    )
  })
})

describe('parseDuration (Prometheus durations)', () => {
  it('reads units from the largest down', () => {
    expect(parseDuration('90s')).toBe(90_000)
    expect(parseDuration('1h30m')).toBe(5_400_000)
    expect(parseDuration('2d')).toBe(172_800_000)
    expect(parseDuration('1w1d1h1m1s1ms')).toBe(604_800_000 + 86_400_000 + 3_600_000 + 60_000 + 1000 + 1)
    expect(parseDuration('250ms')).toBe(250)
  })

  it('rejects anything else with a coded error', () => {
    for (const bad of ['', '0s', '1', 'h', '1.5h', '30m1h', '1h1h', ' 1h', '1h ', '-1h', '1x', '9999999999y']) expect(code(() => parseDuration(bad))).toBe('ENTRENAR_INVALID_CONFIG')
  })
})

describe('the silence registry (injected clock)', () => {
  let now = 1_000_000
  let n = 0
  const registry = () => {
    now = 1_000_000
    n = 0
    return new SilenceRegistry(
      () => now,
      SILENCE_RETENTION_MS,
      () => `gen-${++n}`,
    )
  }
  const spec = (extra: Partial<SilenceSpec> = {}): SilenceSpec => ({ matchers: [{ name: 'rule', op: '=', value: 'divergence' }], durationMs: 1000, createdBy: 'ana', comment: 'known spike', ...extra })
  const alert = (extra: Partial<Alert> = {}): Alert => ({ level: 'error', rule: 'divergence', message: 'm', metric: 'loss', runId: 'r1', timestampMs: now, ...extra })

  it('moves through pending, active and expired on the clock', () => {
    const r = registry()
    const s = r.put(r.build(spec({ startsAtMs: now + 100, durationMs: 1000 }), 'add'))
    expect(s).toMatchObject({ id: 'gen-1', state: 'pending', startsAtMs: 1_000_100, endsAtMs: 1_001_100, updatedAtMs: 1_000_000, muteCritical: false })
    expect(r.mute(alert(), {}).ids).toEqual([])
    now = 1_000_100
    expect(r.list()[0]!.state).toBe('active')
    expect(r.mute(alert(), {}).ids).toEqual(['gen-1'])
    now = 1_001_099
    expect(r.mute(alert(), {}).ids).toEqual(['gen-1'])
    now = 1_001_100
    expect(r.list()[0]!.state).toBe('expired')
    expect(r.mute(alert(), {}).ids).toEqual([])
    expect([silenceState(s, 0), silenceState(s, 1_000_100), silenceState(s, 1_001_100)]).toEqual(['pending', 'active', 'expired'])
  })

  it('expires early: an active silence ends now, a pending one never starts, an expired one is left as it is', () => {
    const r = registry()
    r.put(r.build(spec({ id: 'a' }), 'add'))
    r.put(r.build(spec({ id: 'p', startsAtMs: now + 500 }), 'add'))
    now += 10
    const a = r.expire('a')
    expect(a).toMatchObject({ changed: true, silence: { startsAtMs: 1_000_000, endsAtMs: 1_000_010, updatedAtMs: 1_000_010, state: 'expired' } })
    const p = r.expire('p')
    expect(p.silence).toMatchObject({ startsAtMs: 1_000_010, endsAtMs: 1_000_010, state: 'expired' })
    now += 10
    expect(r.expire('a')).toMatchObject({ changed: false, silence: { endsAtMs: 1_000_010 } })
    expect(r.mute(alert(), {}).ids).toEqual([])
    expect(code(() => r.expire('nope'))).toBe('ENTRENAR_NOT_FOUND')
  })

  it('validates specs as Alertmanager does', () => {
    const r = registry()
    const bad = (extra: Partial<SilenceSpec>) => code(() => r.build(spec(extra), 'add'))
    expect(bad({ matchers: [] })).toBe('ENTRENAR_INVALID_CONFIG')
    // every matcher matches the empty string: it would silence every alert
    expect(bad({ matchers: [{ name: 'rule', op: '=~', value: '.*' }] })).toBe('ENTRENAR_INVALID_CONFIG')
    expect(bad({ matchers: [{ name: 'metric', op: '!=', value: 'loss' }, { name: 'team', op: '=', value: '' }] })).toBe('ENTRENAR_INVALID_CONFIG')
    expect(bad({ createdBy: ' ' })).toBe('ENTRENAR_INVALID_CONFIG')
    expect(bad({ comment: '' })).toBe('ENTRENAR_INVALID_CONFIG')
    expect(bad({ endsAtMs: now + 10 })).toBe('ENTRENAR_INVALID_CONFIG') // both endsAtMs and durationMs
    expect(bad({ durationMs: undefined })).toBe('ENTRENAR_INVALID_CONFIG') // neither
    expect(bad({ durationMs: 0 })).toBe('ENTRENAR_INVALID_CONFIG')
    expect(bad({ durationMs: undefined, endsAtMs: now - 1 })).toBe('ENTRENAR_INVALID_CONFIG') // in the past
    expect(bad({ durationMs: Number.NaN })).toBe('ENTRENAR_INVALID_CONFIG')
    expect(bad({ id: 'has space' })).toBe('ENTRENAR_INVALID_CONFIG')
    expect(bad({ id: '' })).toBe('ENTRENAR_INVALID_CONFIG')
    // muteCritical must name the rule by equality: a regex or a broad matcher is not enough
    expect(bad({ muteCritical: true, matchers: [{ name: 'rule', op: '=~', value: 'non_finite' }] })).toBe('ENTRENAR_INVALID_CONFIG')
    expect(bad({ muteCritical: true, matchers: [{ name: 'run', op: '=', value: 'r1' }] })).toBe('ENTRENAR_INVALID_CONFIG')
    expect(code(() => r.build(null as unknown as SilenceSpec, 'add'))).toBe('ENTRENAR_INVALID_CONFIG')
    // A start in the past is moved to now (Alertmanager); a declared one keeps it.
    expect(r.build(spec({ startsAtMs: now - 500 }), 'add').silence.startsAtMs).toBe(now)
    expect(r.build(spec({ startsAtMs: now - 500 }), 'declare').silence.startsAtMs).toBe(now - 500)
    // A declared silence without a start that already ended is expired on arrival, not an error.
    const old = r.put(r.build(spec({ id: 'old', durationMs: undefined, endsAtMs: now - 5 }), 'declare'))
    expect(old).toMatchObject({ startsAtMs: now - 5, endsAtMs: now - 5, state: 'expired' })
  })

  it('replaces a live silence by id, refuses to revive an expired or a declared one', () => {
    const r = registry()
    r.put(r.build(spec({ id: 'x' }), 'add'))
    const again = r.put(r.build(spec({ id: 'x', comment: 'longer', durationMs: 5000 }), 'add'))
    expect(again).toMatchObject({ id: 'x', comment: 'longer', endsAtMs: now + 5000 })
    expect(r.list()).toHaveLength(1)
    r.expire('x')
    expect(code(() => r.put(r.build(spec({ id: 'x' }), 'add')))).toBe('ENTRENAR_INVALID_CONFIG')
    r.put(r.build(spec({ id: 'cfg' }), 'declare'))
    expect(code(() => r.put(r.build(spec({ id: 'cfg' }), 'add')))).toBe('ENTRENAR_INVALID_CONFIG')
  })

  it('matches every label; a missing label is the empty string; tags are labels too', () => {
    const r = registry()
    r.put(r.build(spec({ id: 'm', matchers: [{ name: 'metric', op: '=~', value: 'val_.*' }, { name: 'run', op: '!=', value: 'r2' }] }), 'add'))
    r.put(r.build(spec({ id: 't', matchers: [{ name: 'team', op: '=', value: 'vision' }, { name: 'level', op: '!~', value: 'critical' }] }), 'add'))
    r.put(r.build(spec({ id: 'nometric', matchers: [{ name: 'rule', op: '=', value: 'stall' }, { name: 'metric', op: '=', value: '' }] }), 'add'))
    expect(r.mute(alert({ metric: 'val_loss' }), {}).ids).toEqual(['m'])
    expect(r.mute(alert({ metric: 'val_loss', runId: 'r2' }), {}).ids).toEqual([])
    expect(r.mute(alert({ metric: 'loss' }), { team: 'vision' }).ids).toEqual(['t'])
    expect(r.mute(alert({ metric: 'loss' }), { team: 'audio' }).ids).toEqual([])
    // an inherited property is not a tag
    expect(r.mute(alert({ metric: 'loss' }), Object.create({ team: 'vision' }) as Record<string, string>).ids).toEqual([])
    expect(r.mute(alert({ rule: 'stall', metric: undefined }), {}).ids).toEqual(['nometric'])
    expect(r.mute(alert({ rule: 'stall', metric: 'loss' }), {}).ids).toEqual([])
  })

  it('mutes a CRITICAL alert only with muteCritical and a rule= matcher naming its rule; others are refused', () => {
    const r = registry()
    r.put(r.build(spec({ id: 'broad', matchers: [{ name: 'run', op: '=', value: 'r1' }] }), 'add'))
    const nan = alert({ level: 'critical', rule: 'non_finite' })
    expect(r.mute(nan, {})).toEqual({ ids: [], refused: ['broad'], untilMs: Number.POSITIVE_INFINITY })
    expect(r.mute(alert(), {})).toEqual({ ids: ['broad'], refused: [], untilMs: now + 1000 })
    r.put(r.build(spec({ id: 'nan', matchers: [{ name: 'rule', op: '=', value: 'non_finite' }], muteCritical: true }), 'add'))
    expect(r.mute(nan, {})).toEqual({ ids: ['nan'], refused: ['broad'], untilMs: now + 1000 })
  })

  it('merges stored records: newer wins, an early expiry wins a tie, declared ones are never overwritten', () => {
    const r = registry()
    const base = { id: 's', matchers: [{ name: 'rule', op: '=' as const, value: 'x' }], startsAtMs: 0, endsAtMs: 2_000_000, createdBy: 'a', comment: 'c', muteCritical: false, updatedAtMs: 10 }
    expect(r.merge(base)).toBe(true)
    expect(r.merge({ ...base, endsAtMs: 1_000_000, updatedAtMs: 20 })).toBe(true)
    expect(r.merge(base)).toBe(false) // older
    expect(r.merge({ ...base, endsAtMs: 3_000_000, updatedAtMs: 20 })).toBe(false) // tie, ends later
    expect(r.merge({ ...base, endsAtMs: 999_000, updatedAtMs: 20 })).toBe(true) // tie, ends earlier
    expect(r.list()[0]).toMatchObject({ endsAtMs: 999_000, state: 'expired' })
    r.put(r.build(spec({ id: 'cfg' }), 'declare'))
    expect(r.merge({ ...base, id: 'cfg', updatedAtMs: 99 })).toBe(false)
  })

  it('forgets expired silences after the retention', () => {
    const r = new SilenceRegistry(
      () => now,
      1000,
      () => 'g',
    )
    now = 0
    r.put(r.build(spec({ id: 'a', durationMs: 100 }), 'add'))
    now = 1100
    expect(r.list().map((s) => s.id)).toEqual(['a'])
    now = 1101
    expect(r.list()).toEqual([])
    expect(r.size).toBe(0)
  })
})
