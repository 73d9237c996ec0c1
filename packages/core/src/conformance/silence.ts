import type { SilenceService, SilenceSpec } from '../contracts/silence.js'
import { ErrorCodes } from '../errors.js'
import { check, type ConformanceCase, type ConformanceSuite, rejectsWith } from './harness.js'

const HOUR = 3_600_000
/** A spec muting one rule for an hour; ids carry the case prefix so a shared remote server keeps cases apart. */
const spec = (id: string, extra: Partial<SilenceSpec> = {}): SilenceSpec => ({
  id,
  matchers: [
    { name: 'rule', op: '=', value: 'plateau' },
    { name: 'metric', op: '=~', value: 'val_.*' },
  ],
  durationMs: HOUR,
  createdBy: 'conformance',
  comment: 'expected plateau',
  ...extra,
})

const cases: ConformanceCase<SilenceService>[] = [
  {
    name: 'add answers the stored silence, active from now, and list shows it',
    async run(s, { id }) {
      const before = Date.now()
      const a = await s.add(spec(`${id}-a`))
      check(a.id === `${id}-a` && a.state === 'active' && a.createdBy === 'conformance' && a.comment === 'expected plateau' && a.muteCritical === false, `silence ${JSON.stringify(a)}`)
      check(a.matchers.length === 2 && a.matchers[1]!.op === '=~' && a.matchers[1]!.value === 'val_.*', 'matchers round-trip')
      check(a.startsAtMs >= before - 1000 && a.endsAtMs - a.startsAtMs === HOUR, `window ${a.startsAtMs}..${a.endsAtMs}`)
      const mine = (await s.list()).filter((x) => x.id.startsWith(id))
      check(mine.length === 1 && mine[0]!.id === a.id && mine[0]!.state === 'active', `list ${JSON.stringify(mine)}`)
    },
  },
  {
    name: 'a silence without an id gets a fresh one; one starting later is pending',
    async run(s, { id }) {
      const { id: _, ...noId } = spec(id)
      const a = await s.add(noId)
      const b = await s.add(noId)
      check(a.id.length > 0 && b.id.length > 0 && a.id !== b.id, `ids ${a.id} ${b.id}`)
      const p = await s.add(spec(`${id}-p`, { startsAtMs: Date.now() + HOUR }))
      check(p.state === 'pending', `state ${p.state}`)
      await s.expire(a.id)
      await s.expire(b.id)
    },
  },
  {
    name: 'expire ends an active silence now and a pending one before it starts; again is a no-op',
    async run(s, { id }) {
      await s.add(spec(`${id}-a`))
      await s.add(spec(`${id}-p`, { startsAtMs: Date.now() + HOUR }))
      const a = await s.expire(`${id}-a`)
      check(a.state === 'expired' && a.endsAtMs <= Date.now(), `expired ${JSON.stringify(a)}`)
      const p = await s.expire(`${id}-p`)
      check(p.state === 'expired' && p.startsAtMs === p.endsAtMs, `pending expired ${JSON.stringify(p)}`)
      const again = await s.expire(`${id}-a`)
      check(again.state === 'expired' && again.endsAtMs === a.endsAtMs, 'expiring again changes nothing')
      const listed = (await s.list()).filter((x) => x.id.startsWith(id)).map((x) => x.state)
      check(listed.length === 2 && listed.every((x) => x === 'expired'), `list states ${listed.join()}`)
    },
  },
  {
    name: 'adding an existing id replaces that silence',
    async run(s, { id }) {
      await s.add(spec(`${id}-r`))
      const r = await s.add(spec(`${id}-r`, { comment: 'longer', durationMs: 2 * HOUR }))
      check(r.comment === 'longer' && r.endsAtMs - r.startsAtMs === 2 * HOUR, `replaced ${JSON.stringify(r)}`)
      const mine = (await s.list()).filter((x) => x.id.startsWith(id))
      check(mine.length === 1 && mine[0]!.comment === 'longer', `list ${JSON.stringify(mine)}`)
    },
  },
  {
    name: 'an unknown id answers ENTRENAR_NOT_FOUND',
    async run(s, { id }) {
      await rejectsWith(s.expire(`${id}-missing`), ErrorCodes.NOT_FOUND, 'expire of an unknown id')
    },
  },
  {
    name: 'bad silences answer ENTRENAR_INVALID_CONFIG and are not stored',
    async run(s, { id }) {
      const bad: [string, Partial<SilenceSpec>][] = [
        ['an invalid regex', { matchers: [{ name: 'rule', op: '=~', value: '(' }] }],
        ['a regex escaping its anchors', { matchers: [{ name: 'rule', op: '=~', value: 'a)|(b' }] }],
        ['no matcher', { matchers: [] }],
        ['only matchers that match the empty string', { matchers: [{ name: 'rule', op: '=~', value: '.*' }] }],
        ['an invalid label name', { matchers: [{ name: 'no-dash', op: '=', value: 'x' }] }],
        ['no comment', { comment: '' }],
        ['no creator', { createdBy: '' }],
        ['both an end and a duration', { endsAtMs: Date.now() + HOUR }],
        ['an end in the past', { durationMs: undefined, endsAtMs: Date.now() - HOUR }],
        ['muteCritical without a rule= matcher', { muteCritical: true, matchers: [{ name: 'rule', op: '=~', value: 'non_finite' }] }],
      ]
      for (const [what, extra] of bad) await rejectsWith(s.add({ ...spec(`${id}-bad`), ...extra } as SilenceSpec), ErrorCodes.INVALID_CONFIG, what)
      check((await s.list()).every((x) => !x.id.startsWith(id)), 'nothing stored')
    },
  },
]

/**
 * The `SilenceService` conformance suite (Alertmanager's silence semantics): add, list, expire, replace
 * by id, states, and the validation errors. Run it in process (`asSilenceService(andon)`) and over HTTP
 * (`createHttpClient(silenceContract, url)`). Uses the service's own clock, with hour-long margins.
 */
export const silenceServiceSuite: ConformanceSuite<SilenceService> = { contract: 'SilenceService', cases }
