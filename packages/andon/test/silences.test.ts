import { type Andon, type AndonConfig, createAndon, incidentToJson, parseMatcher } from '@entrenar/andon'
import type { Incident, SilenceSpec } from '@entrenar/core'
import { afterEach, describe, expect, it } from 'vitest'

const open: Andon[] = []
let clock = 0
/** An Andon on an injected clock (no timers, no real time), notifying into `seen`. */
function andon(config: AndonConfig = {}): { a: Andon; seen: Incident[] } {
  const seen: Incident[] = []
  const a = createAndon({ timers: false, runId: 'r1', now: () => clock, handlers: [(i) => void seen.push(i)], ...config })
  open.push(a)
  return { a, seen }
}
afterEach(async () => {
  clock = 0
  await Promise.all(open.splice(0).map((a) => a.close()))
})

const silence = (matchers: string[], extra: Partial<SilenceSpec> = {}): SilenceSpec => ({ matchers: matchers.map((m) => parseMatcher(m)), durationMs: 3_600_000, createdBy: 'ana', comment: 'known issue', ...extra })
/** An ERROR rule (stops by default) on loss above 5, without throttling. */
const highLoss = (extra: object = {}) => ({ threshold: [{ name: 'high_loss', metrics: ['loss'], above: 5, level: 'error' as const, throttleMs: 0, ...extra }] })

describe('a silenced alert', () => {
  it('is recorded with silencedBy, notifies no handler and does not stop the line', async () => {
    const { a, seen } = andon({ rules: highLoss() })
    await a.addSilence(silence(['rule="high_loss"'], { id: 's1' }))
    expect(a.observeValue('loss', 9, 1)).toBe('warn')
    expect(a.signal.aborted).toBe(false)
    expect(seen).toEqual([])
    expect(a.history()).toMatchObject([{ rule: 'high_loss', level: 'error', decision: 'warn', silencedBy: ['s1'], step: 1 }])
    expect(incidentToJson(a.history()[0]!)).toMatchObject({ decision: 'warn', silenced_by: ['s1'] })
    expect(a.stats()).toMatchObject({ silenced: 1, silenceRefused: 0 })
    // an alert the silence does not match stops as usual
    a.trigger({ level: 'error', rule: 'manual', message: 'by hand', timestampMs: 0 })
    expect(a.signal.aborted).toBe(true)
    expect(seen.map((i) => i.rule)).toEqual(['manual'])
    expect(seen[0]!.silencedBy).toBeUndefined()
  })

  it('lists every silence that muted it', async () => {
    const { a } = andon({ rules: highLoss() })
    await a.addSilence(silence(['rule="high_loss"'], { id: 'b' }))
    await a.addSilence(silence(['metric=~"lo.*"', 'run="r1"'], { id: 'a' }))
    await a.addSilence(silence(['metric="accuracy"'], { id: 'c' }))
    a.observeValue('loss', 9, 1)
    expect([...(a.history()[0]!.silencedBy ?? [])].sort()).toEqual(['a', 'b'])
  })

  it('does not pause a run; an act still runs its hook (a remedy, not a notification)', async () => {
    const scales: number[] = []
    const { a, seen } = andon({
      rules: { ...highLoss({ action: 'pause' }), gradientExplosion: { metrics: ['grad_norm'], maxNorm: 10, persist: 2, throttleMs: 0 } },
      onLearningRate: (s) => void scales.push(s),
    })
    await a.addSilence(silence(['rule=~"high_loss|gradient_explosion"']))
    expect(a.observeValue('loss', 9, 1)).toBe('warn')
    expect(a.paused).toBe(false)
    expect(a.observeValue('grad_norm', 100, 2)).toBe('act')
    expect(scales).toEqual([0.5])
    // the escalation (ERROR → stop) is muted as well
    a.observeValue('grad_norm', 100, 3)
    a.observeValue('grad_norm', 100, 4)
    expect(a.signal.aborted).toBe(false)
    expect(a.history().map((i) => `${i.rule}:${i.level}:${i.decision}`)).toEqual(['high_loss:error:warn', 'gradient_explosion:warning:act', 'gradient_explosion:error:warn'])
    expect(seen).toEqual([])
  })

  it('matches the run tags as labels', async () => {
    const { a, seen } = andon({ rules: highLoss({ level: 'warning' }), tags: { team: 'vision', env: 'ci' } })
    await a.addSilence(silence(['team="vision"', 'env!="prod"']))
    a.observeValue('loss', 9, 1)
    expect(seen).toEqual([])
    const other = andon({ rules: highLoss({ level: 'warning' }), tags: { team: 'audio' } })
    await other.a.addSilence(silence(['team="vision"']))
    other.a.observeValue('loss', 9, 1)
    expect(other.seen).toHaveLength(1)
    expect(() => createAndon({ tags: { team: 3 } as unknown as Record<string, string>, timers: false })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_TAGS' }))
  })

  it('applies to drift and budget events and to alerts raised by hand; reset keeps the silences', async () => {
    const { a, seen } = andon({ rules: { drift: { drift: 'error', throttleMs: 0 } } })
    await a.addSilence(silence(['rule=~"drift|budget|manual"']))
    expect(a.observe({ kind: 'drift', metric: 'loss', step: 3, detector: 'adwin', signal: 'drift', statistic: 1, timestampMs: 0 })).toBe('warn')
    expect(a.observe({ kind: 'budget', budget: 'rss', value: 2, limit: 1, step: 3, timestampMs: 0 })).toBe('warn')
    expect(a.trigger({ level: 'error', rule: 'manual', message: 'm', timestampMs: 0 })).toBe('warn')
    expect(a.signal.aborted).toBe(false)
    expect(seen).toEqual([])
    a.reset()
    expect(a.silences()).toHaveLength(1)
    expect(a.trigger({ level: 'error', rule: 'manual', message: 'm', timestampMs: 0 })).toBe('warn')
  })
})

describe('CRITICAL alerts and the NaN stop (the safety rule)', () => {
  it('a silence that matches a NaN by accident does not mute it: the line stops and handlers hear of it', async () => {
    const { a, seen } = andon()
    await a.addSilence(silence(['run="r1"'], { id: 'whole-run' }))
    await a.addSilence(silence(['metric="loss"'], { id: 'loss' }))
    expect(a.observeValue('loss', Number.NaN, 7)).toBe('stop')
    expect(a.signal.aborted).toBe(true)
    expect(seen.map((i) => i.rule)).toEqual(['non_finite'])
    expect(a.history()[0]!.silencedBy).toBeUndefined()
    expect(a.stats()).toMatchObject({ silenced: 0, silenceRefused: 1 })
  })

  it('muteCritical alone cannot be declared without naming the rule, and a regex on the rule is not enough', async () => {
    const { a } = andon()
    await expect(a.addSilence(silence(['run="r1"'], { muteCritical: true }))).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    await expect(a.addSilence(silence(['rule=~"non_finite"'], { muteCritical: true }))).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    await expect(a.addSilence(silence(['rule=~".*"', 'metric=~".*"']))).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    expect(a.silences()).toEqual([])
  })

  it('a silence that names rule="non_finite" and sets muteCritical does mute it, deliberately', async () => {
    const { a, seen } = andon()
    await a.addSilence(silence(['rule="non_finite"', 'metric="val_loss"'], { id: 'known-nan', muteCritical: true }))
    expect(a.observeValue('val_loss', Number.NaN, 7)).toBe('warn')
    expect(a.signal.aborted).toBe(false)
    expect(a.history()).toMatchObject([{ rule: 'non_finite', level: 'critical', decision: 'warn', silencedBy: ['known-nan'] }])
    // the same rule on another metric is not matched and still stops
    expect(a.observeValue('loss', Number.NaN, 8)).toBe('stop')
    expect(seen.map((i) => i.metric)).toEqual(['loss'])
  })

  it('a CRITICAL alert that does not stop (stop_on_critical off) is protected the same way', async () => {
    const { a, seen } = andon({ stopOn: { critical: false } })
    await a.addSilence(silence(['metric="loss"']))
    expect(a.observeValue('loss', Number.POSITIVE_INFINITY, 1)).toBe('warn')
    expect(seen).toHaveLength(1)
    expect(a.stats().silenceRefused).toBe(1)
  })
})

describe('time windows (injected clock)', () => {
  it('a pending silence mutes nothing, an active one mutes, an expired one mutes nothing', async () => {
    const { a, seen } = andon({ rules: highLoss({ level: 'warning' }) })
    await a.addSilence(silence(['rule="high_loss"'], { id: 'w', startsAtMs: 1000, durationMs: 1000 }))
    expect(a.silences()[0]!.state).toBe('pending')
    const episode = (t: number, step: number) => {
      clock = t
      a.observeValue('loss', 9, step)
      a.observeValue('loss', 1, step + 1) // the episode ends
    }
    episode(0, 0)
    episode(1000, 10)
    expect(a.silences()[0]!.state).toBe('active')
    episode(1999, 20)
    episode(2000, 30)
    expect(a.silences()[0]!.state).toBe('expired')
    expect(a.history().map((i) => `${i.step}:${i.silencedBy?.join(',') ?? '-'}`)).toEqual(['0:-', '10:w', '20:w', '30:-'])
    expect(seen.map((i) => i.step)).toEqual([0, 30])
  })

  it('expiring early ends the silence at once', async () => {
    const { a, seen } = andon({ rules: highLoss({ level: 'warning' }) })
    const s = await a.addSilence(silence(['rule="high_loss"']))
    a.observeValue('loss', 9, 1)
    a.observeValue('loss', 1, 2)
    clock = 500
    const e = await a.expireSilence(s.id)
    expect(e).toMatchObject({ id: s.id, state: 'expired', endsAtMs: 500, updatedAtMs: 500 })
    a.observeValue('loss', 9, 3)
    expect(seen.map((i) => i.step)).toEqual([3])
    await expect(a.expireSilence('missing')).rejects.toMatchObject({ code: 'ENTRENAR_NOT_FOUND' })
    // expiring again changes nothing
    clock = 900
    expect(await a.expireSilence(s.id)).toMatchObject({ endsAtMs: 500 })
  })
})

describe('interaction with throttling and inhibition', () => {
  it('a muted incident opens no throttle window: when the silence ends, the next episode is notified', async () => {
    const run = async (silenced: boolean) => {
      clock = 0
      const { a, seen } = andon({ rules: highLoss({ level: 'warning', throttleMs: 60_000 }) })
      if (silenced) await a.addSilence(silence(['rule="high_loss"'], { durationMs: 1000 }))
      a.observeValue('loss', 9, 1)
      a.observeValue('loss', 1, 2)
      clock = 2000
      a.observeValue('loss', 9, 3)
      return { history: a.history().map((i) => i.step), seen: seen.map((i) => i.step), throttled: a.stats().throttled }
    }
    // unsilenced: the step-3 episode falls in the 60 s window of the step-1 incident
    expect(await run(false)).toEqual({ history: [1], seen: [1], throttled: 1 })
    // silenced: step 1 is recorded muted; step 3 (after the silence) is notified, not throttled
    expect(await run(true)).toEqual({ history: [1, 3], seen: [3], throttled: 0 })
  })

  it('a throttled episode is throttled whether or not a silence matches it (it is never recorded)', async () => {
    const { a, seen } = andon({ rules: highLoss({ level: 'warning', throttleMs: 60_000 }) })
    a.observeValue('loss', 9, 1)
    a.observeValue('loss', 1, 2)
    await a.addSilence(silence(['rule="high_loss"']))
    clock = 10
    a.observeValue('loss', 9, 3)
    expect(a.history().map((i) => i.step)).toEqual([1])
    expect(seen.map((i) => i.step)).toEqual([1])
    expect(a.stats()).toMatchObject({ throttled: 1, silenced: 0 })
  })

  it('inhibition comes first: a muted NaN still inhibits the divergence it causes, which is not recorded at all', async () => {
    const { a, seen } = andon({ rules: { divergence: { metrics: ['loss'], threshold: 5, for: 1, throttleMs: 0 } } })
    await a.addSilence(silence(['rule="non_finite"'], { muteCritical: true }))
    await a.addSilence(silence(['rule="divergence"']))
    a.observeValue('loss', 1, 1)
    a.observeValue('loss', Number.NaN, 2)
    a.observeValue('loss', 50, 3)
    expect(a.history().map((i) => `${i.rule}:${i.silencedBy ? 'muted' : 'notified'}`)).toEqual(['non_finite:muted'])
    expect(a.stats()).toMatchObject({ inhibited: 1, silenced: 1 })
    expect(seen).toEqual([])
    expect(a.signal.aborted).toBe(false)
  })

  it('muted drift events dedup their step but open no throttle window', async () => {
    const { a, seen } = andon({ rules: { drift: { drift: 'warning', throttleMs: 60_000 } } })
    const s = await a.addSilence(silence(['rule="drift"']))
    const ev = (step: number) => a.observe({ kind: 'drift', metric: 'loss', step, detector: 'adwin', signal: 'drift', statistic: 1, timestampMs: clock })
    ev(1)
    ev(1)
    expect(a.stats().deduplicated).toBe(1)
    clock = 10
    await a.expireSilence(s.id)
    ev(2)
    expect(seen.map((i) => i.step)).toEqual([2])
    expect(a.history().map((i) => `${i.step}:${i.silencedBy ? 'muted' : 'notified'}`)).toEqual(['1:muted', '2:notified'])
  })
})

describe('an episode that outlives its silence', () => {
  it('fires again when the silence ends while the condition still holds (Alertmanager notifies a still-firing alert)', async () => {
    const { a, seen } = andon({ rules: highLoss() })
    await a.addSilence(silence(['rule="high_loss"'], { id: 'short', durationMs: 1000 }))
    expect(a.observeValue('loss', 9, 1)).toBe('warn')
    clock = 999
    expect(a.observeValue('loss', 9, 2)).toBe('continue')
    expect(a.stats().deduplicated).toBe(1)
    clock = 1000
    expect(a.observeValue('loss', 9, 3)).toBe('stop')
    expect(a.signal.aborted).toBe(true)
    expect(a.history().map((i) => `${i.step}:${i.decision}:${i.silencedBy?.join() ?? '-'}`)).toEqual(['1:warn:short', '3:stop:-'])
    expect(seen.map((i) => i.step)).toEqual([3])
  })

  it('fires again at once when the silence is expired early; another silence that still mutes it keeps it quiet', async () => {
    const { a, seen } = andon({ rules: highLoss() })
    await a.addSilence(silence(['rule="high_loss"'], { id: 'one' }))
    a.observeValue('loss', 9, 1)
    // an unrelated change to the silences: checked again, still muted, nothing new recorded
    await a.addSilence(silence(['metric="accuracy"'], { id: 'other' }))
    a.observeValue('loss', 9, 2)
    await a.addSilence(silence(['metric="loss"'], { id: 'two' }))
    await a.expireSilence('one')
    // 'two' still mutes the episode: it stays quiet and nothing new is recorded
    a.observeValue('loss', 9, 3)
    expect(a.history().map((i) => `${i.step}:${i.silencedBy?.join() ?? '-'}`)).toEqual(['1:one'])
    expect(a.signal.aborted).toBe(false)
    await a.expireSilence('two')
    a.observeValue('loss', 9, 4)
    expect(a.signal.aborted).toBe(true)
    expect(a.history().map((i) => `${i.step}:${i.silencedBy?.join() ?? '-'}`)).toEqual(['1:one', '4:-'])
    expect(seen.map((i) => i.step)).toEqual([4])
  })

  it('a notified episode is not re-raised by silence changes (one incident per episode)', async () => {
    const { a, seen } = andon({ rules: highLoss({ level: 'warning' }) })
    a.observeValue('loss', 9, 1)
    await a.addSilence(silence(['rule="high_loss"']))
    clock = 5000
    a.observeValue('loss', 9, 2)
    expect(seen.map((i) => i.step)).toEqual([1])
    expect(a.history()).toHaveLength(1)
  })
})
