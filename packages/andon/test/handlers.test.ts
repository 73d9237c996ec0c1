import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { consoleHandler, createAndon, jsonlFileHandler, PAGERDUTY_EVENTS_URL, pagerDutyHandler, pagerDutyPayload, slackHandler, slackPayload, webhookHandler } from '@entrenar/andon'
import type { Incident } from '@entrenar/core'
import { afterEach, describe, expect, it, vi } from 'vitest'

const incident = (extra: Partial<Incident> = {}): Incident => ({
  level: 'critical',
  rule: 'non_finite',
  message: 'loss became NaN at step 7',
  runId: 'run-1',
  metric: 'loss',
  step: 7,
  value: Number.NaN,
  timestampMs: Date.UTC(2026, 0, 2, 3, 4, 5),
  decision: 'stop',
  ...extra,
})

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('console handler', () => {
  const sink = (isTTY: boolean) => {
    const out: string[] = []
    return { out, stream: { write: (t: string) => void out.push(t), isTTY } }
  }

  it('prints entrenar’s "<emoji> [LEVEL] rule: message" line, coloured on a TTY', () => {
    vi.stubEnv('NO_COLOR', '')
    const s = sink(true)
    consoleHandler({ stream: s.stream }).handle(incident())
    expect(s.out[0]).toBe('\x1b[1;37;41m🛑 [CRITICAL] non_finite: loss became NaN at step 7 → stop\x1b[0m\n')
  })

  it('honours NO_COLOR, non-TTY streams and minLevel', () => {
    vi.stubEnv('NO_COLOR', '1')
    const s = sink(true)
    const h = consoleHandler({ stream: s.stream, minLevel: 'warning' })
    h.handle(incident({ level: 'info', decision: 'warn' }))
    h.handle(incident({ level: 'warning', decision: 'warn', message: 'm' }))
    expect(s.out).toEqual(['⚠️ [WARNING] non_finite: m\n'])
    vi.stubEnv('NO_COLOR', '')
    const t = sink(false)
    consoleHandler({ stream: t.stream }).handle(incident())
    expect(t.out[0]).not.toContain('\x1b[')
  })
})

describe('JSON-lines file handler', () => {
  it('appends one line per incident, in order, NaN kept as "NaN"', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'andon-jsonl-')), 'deep', 'alerts.jsonl')
    const h = jsonlFileHandler(path, { minLevel: 'warning' })
    await Promise.all([h.handle(incident({ step: 1 })), h.handle(incident({ step: 2, level: 'info' })), h.handle(incident({ step: 3 }))])
    await h.close?.()
    const rows = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; value: string })
    expect(rows.map((r) => r.step)).toEqual([1, 3])
    expect(rows[0]!.value).toBe('NaN')
  })
})

describe('payloads', () => {
  it('Slack: text with level and rule, a coloured attachment with the fields', () => {
    const p = slackPayload(incident())
    expect(p.text).toBe('🛑 *[CRITICAL] non_finite*: loss became NaN at step 7')
    expect(p.attachments[0]!.color).toBe('#8B0000')
    expect(p.attachments[0]!.fields.map((f) => `${f.title}=${f.value}`)).toEqual(['decision=stop', 'run=run-1', 'metric=loss', 'step=7', 'value=NaN'])
    expect(p.attachments[0]!.ts).toBe(Date.UTC(2026, 0, 2, 3, 4, 5) / 1000)
  })

  it('PagerDuty Events v2: routing key, trigger, dedup key, payload fields, summary ≤ 1024', () => {
    const p = pagerDutyPayload(incident(), { routingKey: 'R0UT1NG' }) as { payload: Record<string, unknown> } & Record<string, unknown>
    expect(p).toMatchObject({ routing_key: 'R0UT1NG', event_action: 'trigger', dedup_key: 'entrenar:run-1:non_finite:loss' })
    expect(p.payload).toMatchObject({ severity: 'critical', source: 'run-1', timestamp: '2026-01-02T03:04:05.000Z', component: 'loss', group: 'run-1', class: 'non_finite' })
    const long = pagerDutyPayload(incident({ message: 'x'.repeat(5000) }), { routingKey: 'k' }) as { payload: { summary: string } }
    expect(long.payload.summary.length).toBe(1024)
    expect(PAGERDUTY_EVENTS_URL).toBe('https://events.pagerduty.com/v2/enqueue')
  })
})

describe('webhook handler against a local server', () => {
  async function server(answer: (n: number, body: unknown, req: IncomingMessage) => { status: number; delayMs?: number }) {
    const bodies: unknown[] = []
    let n = 0
    const srv: Server = createServer((req, res) => {
      let data = ''
      req.on('data', (c) => {
        data += c
      })
      req.on('end', () => {
        const body = JSON.parse(data) as unknown
        const a = answer(n++, body, req)
        if (a.status < 400) bodies.push(body)
        const t = setTimeout(() => {
          res.writeHead(a.status).end('{}')
        }, a.delayMs ?? 0)
        res.on('close', () => clearTimeout(t))
      })
    })
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hook`
    return {
      url,
      bodies,
      attempts: () => n,
      close: () =>
        new Promise<void>((r) => {
          srv.closeAllConnections()
          srv.close(() => r())
        }),
    }
  }

  it('POSTs JSON and retries 5xx with backoff until it succeeds', async () => {
    const s = await server((n) => ({ status: n < 2 ? 503 : 200 }))
    try {
      const h = webhookHandler({ url: s.url, backoffMs: 5, headers: { 'x-token': 't' } })
      await h.handle(incident())
      await h.close?.()
      expect(s.attempts()).toBe(3)
      expect(s.bodies).toEqual([expect.objectContaining({ schema_version: 1, rule: 'non_finite', value: 'NaN', decision: 'stop' })])
    } finally {
      await s.close()
    }
  })

  it('gives up after the retries, does not retry a 4xx, and times out a slow server', async () => {
    const s = await server((n) => (n === 0 ? { status: 400 } : { status: 200, delayMs: 2000 }))
    try {
      const h = webhookHandler({ url: s.url, retries: 1, backoffMs: 1 })
      const e1 = (await (h.handle(incident()) as Promise<void>).catch((e: unknown) => e)) as { code: string; message: string }
      expect(e1.code).toBe('ENTRENAR_SINK_FAILED')
      expect(e1.message).toMatch(/after 1 attempt \(HTTP 400\)/)
      expect(s.attempts()).toBe(1)
      const slow = webhookHandler({ url: s.url, retries: 1, backoffMs: 1, timeoutMs: 50 })
      const e2 = (await (slow.handle(incident()) as Promise<void>).catch((e: unknown) => e)) as { message: string }
      expect(e2.message).toMatch(/after 2 attempts.*(Timeout|abort)/i)
    } finally {
      await s.close()
    }
  })

  it('never blocks training: observeValue returns while the server hangs; failures reach onError; order is kept', async () => {
    const s = await server((n) => ({ status: 200, delayMs: n === 0 ? 150 : 0 }))
    try {
      const errors: string[] = []
      const a = createAndon({ timers: false, throttleMs: 0, handlers: [webhookHandler({ url: s.url })], onError: (e) => errors.push(e.message) })
      expect(a.observeValue('loss', Number.NaN, 1)).toBe('stop')
      expect(a.observeValue('grad_norm', Number.NaN, 2)).toBe('stop')
      expect(s.bodies).toHaveLength(0) // nothing delivered yet: the loop did not wait
      await a.close()
      expect((s.bodies as { step: number }[]).map((b) => b.step)).toEqual([1, 2])
      const b = createAndon({ timers: false, handlers: [webhookHandler({ url: 'http://127.0.0.1:1/x', retries: 0 })], onError: (e) => errors.push(e.message) })
      b.trigger({ level: 'info', rule: 'manual', message: 'x', timestampMs: 1 })
      await b.close()
      expect(errors).toEqual([expect.stringMatching(/webhook 127.0.0.1:1: delivery failed after 1 attempt \(/)])
    } finally {
      await s.close()
    }
  })

  it('drops beyond maxQueue and says so', async () => {
    const s = await server(() => ({ status: 200, delayMs: 30 }))
    try {
      const h = webhookHandler({ url: s.url, maxQueue: 1 })
      const first = h.handle(incident())
      await expect(h.handle(incident())).rejects.toMatchObject({ message: expect.stringMatching(/queue of 1 full/) })
      await first
      await h.close?.()
    } finally {
      await s.close()
    }
  })

  it('Slack and PagerDuty handlers post their payloads; PagerDuty pages CRITICAL only by default', async () => {
    const s = await server(() => ({ status: 202 }))
    try {
      const slack = slackHandler(s.url)
      const pd = pagerDutyHandler({ routingKey: 'key', url: s.url })
      await slack.handle(incident())
      await slack.handle(incident({ level: 'info' })) // below slack's default minLevel
      await pd.handle(incident({ level: 'error' }))
      await pd.handle(incident())
      await Promise.all([slack.close?.(), pd.close?.()])
      expect(s.bodies).toEqual([expect.objectContaining({ text: expect.stringContaining('[CRITICAL]') }), expect.objectContaining({ routing_key: 'key', event_action: 'trigger' })])
    } finally {
      await s.close()
    }
  })

  it('renacer.toml handlers read their secrets from the environment', async () => {
    const s = await server(() => ({ status: 200 }))
    try {
      vi.stubEnv('ANDON_TEST_HOOK', s.url)
      const a = createAndon({ timers: false, renacer: { budgets: [], andon: { handlers: [{ type: 'webhook', urlEnv: 'ANDON_TEST_HOOK' }] } } })
      a.trigger({ level: 'warning', rule: 'manual', message: 'hello', timestampMs: 1 })
      await a.close()
      expect(s.bodies).toEqual([expect.objectContaining({ message: 'hello' })])
      expect(() => createAndon({ timers: false, renacer: { budgets: [], andon: { handlers: [{ type: 'pagerduty', routingKeyEnv: 'ANDON_UNSET_VAR_XYZ' }] } } })).toThrow(/ANDON_UNSET_VAR_XYZ, which is not set/)
    } finally {
      await s.close()
    }
  })
})
