import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Andon, type AndonConfig, createAndon, serveAndon } from '@entrenar/andon'
import { ALERT_LEVELS, type Alert, type AlertLevel, alertPolicyContract, createHttpClient, type EntrenarError, IncidentWire, isEntrenarError, levelRank } from '@entrenar/core'
import * as v from 'valibot'
import { afterEach, describe, expect, it, vi } from 'vitest'

const open: Andon[] = []
function andon(config: AndonConfig = {}): Andon {
  const a = createAndon({ timers: false, ...config })
  open.push(a)
  return a
}
afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(open.splice(0).map((a) => a.close()))
})

const manual = (level: AlertLevel, message = `${level} alert`, extra: Partial<Alert> = {}): Alert => ({ level, rule: 'manual', message, timestampMs: 1, ...extra })

describe('the Rust reference behaviours (monitor::andon)', () => {
  it('orders levels INFO < WARNING < ERROR < CRITICAL', () => {
    expect(ALERT_LEVELS.map(levelRank)).toEqual([0, 1, 2, 3])
    expect(levelRank('critical')).toBeGreaterThan(levelRank('error'))
  })

  it('ERROR and CRITICAL stop with the defaults; INFO and WARNING never stop', () => {
    for (const [level, stops] of [['info', false], ['warning', false], ['error', true], ['critical', true]] as const) {
      const a = andon()
      expect(a.trigger(manual(level))).toBe(stops ? 'stop' : 'warn')
      expect(a.signal.aborted).toBe(stops)
    }
  })

  it('stop_on_error = false: an error does not stop, a critical still does', () => {
    const a = andon({ stopOn: { error: false } })
    expect(a.trigger(manual('error'))).toBe('warn')
    expect(a.signal.aborted).toBe(false)
    expect(a.trigger(manual('critical'))).toBe('stop')
    expect(a.signal.aborted).toBe(true)
  })

  it('history is appended in order and filterable by level (alerts_by_level)', () => {
    const a = andon()
    for (const l of ['info', 'warning', 'info', 'critical'] as const) a.trigger(manual(l))
    expect(a.history().map((i) => i.level)).toEqual(['info', 'warning', 'info', 'critical'])
    expect(a.incidentsAtLeast('warning').map((i) => i.level)).toEqual(['warning', 'critical'])
  })

  it('reset clears the stop state and the history (for retries)', () => {
    const a = andon()
    const first = a.signal
    a.trigger(manual('critical'))
    a.reset()
    expect(a.signal.aborted).toBe(false)
    expect(first.aborted).toBe(true)
    expect(a.history()).toEqual([])
    expect(a.stats().incidents).toBe(0)
  })
})

describe('stopping the line', () => {
  it('aborts with ENTRENAR_STOPPED naming rule, metric and step, at that very step', () => {
    const a = andon({ runId: 'r1' })
    expect(a.observeValue('loss', 0.5, 6)).toBe('continue')
    expect(a.observeValue('loss', Number.NaN, 7)).toBe('stop')
    const reason = a.signal.reason as EntrenarError
    expect(isEntrenarError(reason, 'ENTRENAR_STOPPED')).toBe(true)
    expect(reason.message).toMatch(/^entrenar\/andon: line stopped by non_finite \(critical\) on loss at step 7: loss became NaN at step 7/)
    expect(reason.details).toMatchObject({ rule: 'non_finite', metric: 'loss', step: 7, runId: 'r1' })
  })

  it('runs onStop hooks once, in order, with the incident and reason; failures go to onError', async () => {
    const calls: string[] = []
    const errors: EntrenarError[] = []
    const a = andon({
      onStop: [
        (i) => {
          calls.push(`a:${i.rule}`)
        },
        () => {
          throw new Error('checkpoint disk full')
        },
      ],
      onError: (e) => errors.push(e),
    })
    a.onStop(async (_i, reason) => {
      calls.push(`late:${reason.code}`)
    })
    a.trigger(manual('critical'))
    a.trigger(manual('error'))
    await a.close()
    expect(calls).toEqual(['a:manual', 'late:ENTRENAR_STOPPED'])
    expect(errors).toHaveLength(1)
    expect(errors[0]!.code).toBe('ENTRENAR_SINK_FAILED')
    expect(errors[0]!.message).toMatch(/checkpoint disk full/)
  })

  it('runs the hooks again after a reset (a retry is a new run)', async () => {
    let n = 0
    const a = andon({ onStop: () => void n++ })
    a.trigger(manual('critical'))
    a.reset()
    a.trigger(manual('critical'))
    await a.close()
    expect(n).toBe(2)
  })

  it('an unsubscribed hook does not run', async () => {
    let n = 0
    const a = andon()
    const off = a.onStop(() => void n++)
    off()
    a.trigger(manual('critical'))
    await a.close()
    expect(n).toBe(0)
  })

  it('keeps evaluating after the stop (evidence keeps accumulating)', () => {
    const a = andon()
    a.observeValue('loss', Number.NaN, 1)
    a.observeValue('grad_norm', Number.POSITIVE_INFINITY, 1)
    expect(a.history().map((i) => i.metric)).toEqual(['loss', 'grad_norm'])
    expect((a.signal.reason as Error).message).toMatch(/on loss at step 1/)
  })

  it('appends incidents to <storeDir>/andon/incidents.jsonl in the IncidentWire shape', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'andon-'))
    const a = andon({ storeDir: dir, runId: 'run-9' })
    a.observeValue('loss', 1, 1)
    a.observeValue('loss', Number.POSITIVE_INFINITY, 2)
    a.trigger(manual('info', 'note', { value: -0 }))
    await a.close()
    const lines = readFileSync(join(dir, 'andon', 'incidents.jsonl'), 'utf8').trim().split('\n')
    expect(lines).toHaveLength(2)
    const first = JSON.parse(lines[0]!)
    expect(v.is(IncidentWire, first)).toBe(true)
    expect(first).toMatchObject({ schema_version: 1, rule: 'non_finite', level: 'critical', run_id: 'run-9', metric: 'loss', step: 2, value: 'Infinity', decision: 'stop' })
    expect(JSON.parse(lines[1]!).value).toBe('-0')
  })

  it('reloads the incidents already in <storeDir>/andon/incidents.jsonl: of its run, or all without a run id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'andon-'))
    const a = andon({ storeDir: dir, runId: 'run-a' })
    a.observeValue('loss', Number.NaN, 7)
    await a.close()
    const b = andon({ storeDir: dir, runId: 'run-b' })
    b.observeValue('loss', Number.POSITIVE_INFINITY, 3)
    await b.close()
    // a torn last line (a crash mid-append) and a hand edit are skipped
    writeFileSync(join(dir, 'andon', 'incidents.jsonl'), `${readFileSync(join(dir, 'andon', 'incidents.jsonl'), 'utf8')}not json\n{"level":"bogus"}\n{"level":"critical","rule":"non_f`)
    const errors: unknown[] = []
    const server = andon({ storeDir: dir, onError: (e) => errors.push(e) })
    // ...and reported, not dropped silently: three lines, the first one's code and place named
    expect(errors).toHaveLength(1)
    expect(String((errors[0] as Error).message)).toMatch(/3 unreadable line\(s\) in .*incidents\.jsonl skipped \(first: line 3, ENTRENAR_ANDON_LINE_NOT_JSON/)
    expect(server.history().map((i) => [i.runId, i.metric, i.step, i.decision])).toEqual([
      ['run-a', 'loss', 7, 'stop'],
      ['run-b', 'loss', 3, 'stop'],
    ])
    expect(Number.isNaN(server.history()[0]!.value)).toBe(true)
    expect(server.history()[1]!.value).toBe(Number.POSITIVE_INFINITY)
    // reloaded incidents are history, not new decisions: the line is not stopped again
    expect(server.signal.aborted).toBe(false)
    const resumed = andon({ storeDir: dir, runId: 'run-a' })
    expect(resumed.history().map((i) => i.step)).toEqual([7])
    const capped = andon({ storeDir: dir, maxHistory: 1 })
    expect(capped.history().map((i) => i.runId)).toEqual(['run-b'])
    expect(capped.stats().droppedHistory).toBe(1)
    await Promise.all([server.close(), resumed.close(), capped.close()])
    // nothing was appended by reloading
    expect(readFileSync(join(dir, 'andon', 'incidents.jsonl'), 'utf8').split('\n').filter((l) => l.startsWith('{"schema')).length).toBe(2)
  })

  it('reports a failing handler to onError and never throws into training', async () => {
    const errors: string[] = []
    const a = andon({
      handlers: [
        () => {
          throw new Error('sync boom')
        },
        async () => {
          throw new Error('async boom')
        },
      ],
      onError: (e) => errors.push(e.message),
    })
    expect(() => a.trigger(manual('warning'))).not.toThrow()
    await a.close()
    expect(errors).toEqual(['entrenar/andon: handler#0 failed: sync boom', 'entrenar/andon: handler#1 failed: async boom'])
    expect(a.stats().handlerErrors).toBe(2)
  })

  it('bounds the history, dropping the oldest', () => {
    const a = andon({ maxHistory: 3 })
    for (let i = 0; i < 5; i++) a.trigger(manual('info', `m${i}`))
    expect(a.history().map((i) => i.message)).toEqual(['m2', 'm3', 'm4'])
    expect(a.stats()).toMatchObject({ incidents: 5, droppedHistory: 2 })
  })

  it('rejects a bad configuration at construction with ENTRENAR_INVALID_CONFIG', () => {
    const bad: AndonConfig[] = [
      { throttleMs: -1 },
      { rules: { divergence: { factor: 0.5 } } },
      { rules: { nonFinite: { metrics: [] } } },
      { rules: { plateau: { level: 'fatal' as AlertLevel } } },
      { rules: { gradientExplosion: { lrScale: 2 } } },
      { rules: { threshold: [{ metrics: ['lr'] }] } },
      { rules: { nonFinite: { consecutive: 0 } } },
    ]
    for (const c of bad) expect(() => createAndon({ timers: false, ...c }), JSON.stringify(c)).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })
})

describe('pause and act', () => {
  it('pause closes the gate until resume; resume is recorded', async () => {
    const a = andon({ rules: { accuracyDrop: { baseline: 0.9, action: 'pause' } } })
    expect(a.paused).toBe(false)
    await a.gate()
    expect(a.observeValue('accuracy', 0.8, 10)).toBe('pause')
    expect(a.paused).toBe(true)
    let opened = false
    const g = a.gate().then(() => {
      opened = true
    })
    await Promise.resolve()
    expect(opened).toBe(false)
    expect(a.resume()).toBe(true)
    await g
    expect(opened).toBe(true)
    expect(a.resume()).toBe(false)
    expect(a.history().map((i) => `${i.rule}:${i.decision}`)).toEqual(['accuracy_drop:pause', 'resume:continue'])
  })

  it('a pause times out: resume by default, or stop', async () => {
    vi.useFakeTimers()
    const a = andon({ pauseTimeoutMs: 1000, rules: { accuracyDrop: { baseline: 0.9, action: 'pause' } } })
    a.observeValue('accuracy', 0.5, 3)
    const g = a.gate()
    vi.advanceTimersByTime(1000)
    await g
    expect(a.paused).toBe(false)
    expect(a.history().at(-1)).toMatchObject({ rule: 'pause_timeout', decision: 'warn', step: 3 })
    const b = andon({ pauseTimeoutMs: 1000, onPauseTimeout: 'stop', rules: { accuracyDrop: { baseline: 0.9, action: 'pause' } } })
    b.observeValue('accuracy', 0.5, 3)
    vi.advanceTimersByTime(1000)
    await b.gate()
    expect(b.signal.aborted).toBe(true)
  })

  it('a stop opens a closed gate (the loop then sees the aborted signal)', async () => {
    const a = andon({ rules: { accuracyDrop: { baseline: 0.9, action: 'pause' } } })
    a.observeValue('accuracy', 0.5, 3)
    const g = a.gate()
    a.observeValue('loss', Number.NaN, 3)
    await g
    expect(a.signal.aborted).toBe(true)
  })

  it('act calls onAct; without a hook it degrades to warn', () => {
    const seen: string[] = []
    const a = andon({ rules: { threshold: [{ name: 'lr_too_high', metrics: ['lr'], above: 1, action: 'act' }] }, onAct: (i) => seen.push(i.rule) })
    expect(a.observeValue('lr', 2, 1)).toBe('act')
    expect(seen).toEqual(['lr_too_high'])
    const b = andon({ rules: { threshold: [{ name: 'lr_too_high', metrics: ['lr'], above: 1, action: 'act' }] } })
    expect(b.observeValue('lr', 2, 1)).toBe('warn')
  })

  it('a decision combines to the strongest of one value', () => {
    const a = andon({ rules: { threshold: [{ name: 'big', metrics: ['loss'], above: 5 }] } })
    expect(a.observeValue('loss', Number.POSITIVE_INFINITY, 1)).toBe('stop')
    expect(a.history().map((i) => i.rule)).toEqual(['non_finite', 'big'])
  })
})

describe('drift and budget events', () => {
  const ev = (signal: 'warning' | 'drift' | 'invalid', step: number, severity?: 'low' | 'medium' | 'high') => ({
    kind: 'drift' as const,
    metric: 'loss',
    step,
    detector: 'adwin',
    signal,
    statistic: 3,
    timestampMs: step * 1000,
    ...(severity ? { severity } : {}),
  })

  it('maps detector signals to levels (warning → info, drift → warning, invalid ignored)', () => {
    const a = andon({ throttleMs: 0 })
    expect(a.observe(ev('warning', 1))).toBe('warn')
    expect(a.observe(ev('drift', 2))).toBe('warn')
    expect(a.observe(ev('invalid', 3))).toBe('continue')
    expect(a.history().map((i) => i.level)).toEqual(['info', 'warning'])
  })

  it('a calibrated detector’s incident names the detector, its budget and the standardised statistic that crossed the threshold', () => {
    const a = andon({ throttleMs: 0 })
    a.observe({ ...ev('drift', 7), detector: 'page_hinkley', statistic: 12.3141592, threshold: 11.956291619413024, falseAlarmsPerMillion: 1 })
    a.observe({ ...ev('drift', 8), detector: 'page_hinkley', statistic: 61.25, threshold: 50 })
    const [calibrated, river] = a.history()
    expect(calibrated!.message).toBe('page_hinkley (calibrated: 1 false alarm per 10⁶ values) reports drift on loss at step 7 (standardised statistic 12.31 > threshold 11.96)')
    expect(calibrated!.value).toBe(12.3141592)
    expect(river!.message).toBe('page_hinkley reports drift on loss at step 8 (statistic 61.25 > threshold 50)')
  })

  it('a high-severity drift can be mapped to a stopping level', () => {
    const a = andon({ rules: { drift: { high: 'error' } } })
    expect(a.observe(ev('drift', 5, 'high'))).toBe('stop')
    expect(a.observe({ ...ev('drift', 6, 'low'), metric: 'acc' })).toBe('warn')
  })

  it('throttles a flapping detector per metric and detector, and dedups the same step', () => {
    let now = 0
    const a = andon({ now: () => now, rules: { drift: { throttleMs: 10_000 } } })
    a.observe(ev('drift', 1))
    a.observe(ev('drift', 1))
    now = 5000
    a.observe(ev('drift', 2))
    now = 10_000
    a.observe(ev('drift', 3))
    expect(a.history().map((i) => i.step)).toEqual([1, 3])
    expect(a.stats()).toMatchObject({ deduplicated: 1, throttled: 1 })
  })

  it('budget events: fail_on_violation stops, others warn', () => {
    const a = andon({ renacer: { andon: {}, budgets: [{ kind: 'steps', name: 'max_steps', maxSteps: 10, failOnViolation: true }] } })
    expect(a.observe({ kind: 'budget', budget: 'wall_clock', value: 5, limit: 4, step: 1, timestampMs: 1 })).toBe('warn')
    expect(a.observe({ kind: 'budget', budget: 'max_steps', value: 11, limit: 10, step: 11, timestampMs: 2 })).toBe('stop')
  })
})

describe('control over HTTP (serveAndon)', () => {
  it('a person resumes a paused run from another process; status says why it stopped', async () => {
    const a = andon({ runId: 'ctl', rules: { accuracyDrop: { baseline: 0.9, action: 'pause' } } })
    const server = await serveAndon(a, { token: 't0k' })
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const client = createHttpClient(alertPolicyContract, server.url, { token: 't0k' })
      a.observeValue('accuracy', 0.5, 12)
      expect(await client.status()).toEqual({ stopped: false, paused: true })
      const gate = a.gate()
      expect(await client.resume()).toBe(true)
      await gate
      expect(a.paused).toBe(false)
      a.observeValue('loss', Number.NaN, 13)
      const s = await client.status()
      expect(s).toMatchObject({ stopped: true, paused: false, reason: { code: 'ENTRENAR_STOPPED', details: { rule: 'non_finite', metric: 'loss', step: 13 } } })
      const denied = await fetch(`${server.url}/v1/andon/resume`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"schema_version":1}' })
      expect(denied.status).toBe(401)
    } finally {
      await server.close()
    }
  })

  it('a page of another origin cannot trigger or reset, and a non-loopback interface needs a token', async () => {
    const a = andon({ runId: 'csrf' })
    const server = await serveAndon(a)
    try {
      const body = JSON.stringify({ schema_version: 1, alert: { level: 'critical', rule: 'forged', message: 'stop', run_id: 'csrf', timestamp_ms: 1 } })
      const simple = await fetch(`${server.url}/v1/andon/trigger`, { method: 'POST', headers: { 'content-type': 'text/plain', origin: 'http://evil.example' }, body })
      expect(simple.status).toBe(403)
      const plain = await fetch(`${server.url}/v1/andon/trigger`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })
      expect(plain.status).toBe(415)
      const foreign = await fetch(`${server.url}/v1/andon/trigger`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body })
      expect(foreign.status).toBe(403)
      expect(await a.history()).toEqual([])
    } finally {
      await server.close()
    }
    await expect(serveAndon(a, { host: '0.0.0.0' })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
  })
})
