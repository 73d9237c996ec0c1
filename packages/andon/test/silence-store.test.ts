import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Andon, type AndonConfig, createAndon, incidentsPath, openSilences, parseMatcher, serveAndon, silencesPath } from '@entrenar/andon'
import { alertPolicyContract, createHttpClient, type EntrenarError, type Incident, type SilenceSpec, silenceContract } from '@entrenar/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createAndonWithTick } from '../src/andon.js'

const open: { close(): Promise<void> }[] = []
let clock = 1_000_000
function andon(config: AndonConfig = {}): { a: Andon; seen: Incident[]; errors: EntrenarError[] } {
  const seen: Incident[] = []
  const errors: EntrenarError[] = []
  const a = createAndon({ timers: false, runId: 'r1', now: () => clock, handlers: [(i) => void seen.push(i)], onError: (e) => void errors.push(e), ...config })
  open.push(a)
  return { a, seen, errors }
}
afterEach(async () => {
  clock = 1_000_000
  await Promise.all(open.splice(0).map((a) => a.close()))
})
const dir = () => mkdtempSync(join(tmpdir(), 'andon-silences-'))
const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
const silence = (matchers: string[], extra: Partial<SilenceSpec> = {}): SilenceSpec => ({ matchers: matchers.map((m) => parseMatcher(m)), durationMs: 3_600_000, createdBy: 'ana', comment: 'known issue', ...extra })
const warnRule = { threshold: [{ name: 'high_loss', metrics: ['loss'], above: 5, level: 'warning' as const, throttleMs: 0 }] }

describe('persistence beside the incidents (<store>/andon/silences.jsonl)', () => {
  it('appends one line per creation and early expiry, and survives a restart', async () => {
    const store = dir()
    const first = andon({ storeDir: store })
    await first.a.addSilence(silence(['rule="high_loss"'], { id: 'keep' }))
    await first.a.addSilence(silence(['metric="accuracy"'], { id: 'gone' }))
    clock += 10
    await first.a.expireSilence('gone')
    await first.a.close()
    const rows = lines(silencesPath(store))
    expect(rows.map((r) => `${r.id}@${r.updated_at_ms}`)).toEqual(['keep@1000000', 'gone@1000000', 'gone@1000010'])
    expect(rows[0]).toEqual({
      schema_version: 1,
      id: 'keep',
      matchers: [{ name: 'rule', op: '=', value: 'high_loss' }],
      starts_at_ms: 1_000_000,
      ends_at_ms: 4_600_000,
      created_by: 'ana',
      comment: 'known issue',
      mute_critical: false,
      updated_at_ms: 1_000_000,
    })
    // restart: a new Andon on the same store sees both, with their states
    const second = andon({ storeDir: store, rules: warnRule })
    expect(second.a.silences().map((s) => `${s.id}:${s.state}`)).toEqual(['gone:expired', 'keep:active'])
    second.a.observeValue('loss', 9, 1)
    expect(second.seen).toEqual([])
    expect(second.a.history()[0]!.silencedBy).toEqual(['keep'])
    expect(second.errors).toEqual([])
  })

  it('writes muted incidents to incidents.jsonl (the evidence) but to no notifying handler', async () => {
    const store = dir()
    const { a } = andon({ storeDir: store, rules: { threshold: [{ name: 'high_loss', metrics: ['loss'], above: 5, level: 'error', throttleMs: 0 }] } })
    await a.addSilence(silence(['rule="high_loss"'], { id: 's' }))
    a.observeValue('loss', 9, 4)
    await a.close()
    expect(lines(incidentsPath(store))).toMatchObject([{ rule: 'high_loss', decision: 'warn', silenced_by: ['s'], step: 4 }])
  })

  it('a silence added offline (the CLI, another process) takes effect in a running Andon at its next alert', async () => {
    const store = dir()
    const { a, seen } = andon({ storeDir: store, rules: warnRule })
    const cli = openSilences(store, { now: () => clock })
    open.push(cli)
    const s = await cli.add(silence(['rule="high_loss"']))
    expect(s.state).toBe('active')
    a.observeValue('loss', 9, 1)
    a.observeValue('loss', 1, 2)
    expect(seen).toEqual([])
    clock += 5
    await cli.expire(s.id)
    a.observeValue('loss', 9, 3)
    expect(seen.map((i) => i.step)).toEqual([3])
    // and the other way round: the CLI lists what the running Andon added
    await a.addSilence(silence(['metric="val_loss"'], { id: 'from-run' }))
    expect((await cli.list()).map((x) => `${x.id}:${x.state}`)).toEqual([`${s.id}:expired`, 'from-run:active'])
  })

  it('a muted episode sees an expiry made by another process at the next watchdog tick, and fires again', async () => {
    const store = dir()
    const seen: Incident[] = []
    const a = createAndonWithTick({ storeDir: store, runId: 'r1', now: () => clock, timers: false, handlers: [(i) => void seen.push(i)], rules: { ...warnRule, stall: false } })
    open.push(a)
    const s = await a.addSilence(silence(['rule="high_loss"']))
    a.observeValue('loss', 9, 1)
    const cli = openSilences(store, { now: () => clock })
    open.push(cli)
    clock += 1
    await cli.expire(s.id)
    a.observeValue('loss', 9, 2) // not yet seen: the episode stays quiet until the watchdog reads the file
    expect(seen).toEqual([])
    a.tick()
    a.observeValue('loss', 9, 3)
    expect(seen.map((i) => i.step)).toEqual([3])
  })

  it('skips damaged lines with a coded report (file:line), waits for a line still being written', async () => {
    const store = dir()
    const good = andon({ storeDir: store })
    await good.a.addSilence(silence(['rule="high_loss"'], { id: 'ok' }))
    await good.a.close()
    const path = silencesPath(store)
    appendFileSync(path, 'not json\n{"schema_version":2,"id":"future"}\n')
    appendFileSync(path, `${JSON.stringify({ schema_version: 1, id: 'bad-re', matchers: [{ name: 'rule', op: '=~', value: '(' }], starts_at_ms: 0, ends_at_ms: 9e6, created_by: 'x', comment: 'y', mute_critical: false, updated_at_ms: 1 })}\n`)
    const torn = JSON.stringify({ schema_version: 1, id: 'late', matchers: [{ name: 'metric', op: '=', value: 'loss' }], starts_at_ms: 0, ends_at_ms: 9e6, created_by: 'x', comment: 'y', mute_critical: false, updated_at_ms: 1 })
    appendFileSync(path, torn.slice(0, 20))
    const { a, errors } = andon({ storeDir: store })
    expect(a.silences().map((s) => s.id)).toEqual(['ok'])
    expect(errors.map((e) => e.code)).toEqual(['ENTRENAR_DB_CORRUPT', 'ENTRENAR_DB_CORRUPT', 'ENTRENAR_DB_CORRUPT'])
    expect(errors.map((e) => e.message.match(/silences\.jsonl:(\d+):/)?.[1])).toEqual(['2', '3', '4'])
    appendFileSync(path, `${torn.slice(20)}\n`)
    expect(a.silences().map((s) => s.id)).toEqual(['late', 'ok'])
    expect(errors).toHaveLength(3)
  })

  it('a declared silence (configuration) is not persisted; expiring it lasts for this process only', async () => {
    const store = dir()
    const { a } = andon({ storeDir: store, silences: [silence(['rule="plateau"'], { id: 'cfg' })] })
    expect(a.silences().map((s) => `${s.id}:${s.state}`)).toEqual(['cfg:active'])
    await expect(a.addSilence(silence(['rule="x"'], { id: 'cfg' }))).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    expect(await a.expireSilence('cfg')).toMatchObject({ state: 'expired' })
    await a.close()
    expect(() => readFileSync(silencesPath(store))).toThrow()
  })

  it('a file that cannot be written rejects the add with a coded error; the silence holds in this process', async () => {
    const store = dir()
    writeFileSync(join(store, 'andon'), 'a file where a directory should be')
    const { a } = andon({ storeDir: store, rules: warnRule })
    await expect(a.addSilence(silence(['rule="high_loss"'], { id: 's' }))).rejects.toMatchObject({ code: 'ENTRENAR_SINK_FAILED' })
    a.observeValue('loss', 9, 1)
    expect(a.history()[0]!.silencedBy).toEqual(['s'])
  })

  it('openSilences rejects a missing directory name and bad retention', () => {
    expect(() => openSilences('')).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
    expect(() => openSilences(dir(), { retentionMs: -1 })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })
})

describe('silences over HTTP (serveAndon: /v1/silences/add|list|expire)', () => {
  it('adds, lists and expires; errors keep their codes; history carries silencedBy', async () => {
    const { a, seen } = andon({ rules: warnRule })
    const server = await serveAndon(a, { token: 'tok' })
    try {
      const silences = createHttpClient(silenceContract, server.url, { token: 'tok' })
      const added = await silences.add(silence(['rule="high_loss"', 'run=~"r[0-9]+"'], { id: 'remote' }))
      expect(added).toMatchObject({ id: 'remote', state: 'active', createdBy: 'ana', muteCritical: false, startsAtMs: 1_000_000, endsAtMs: 4_600_000 })
      expect(await silences.list()).toEqual([added])
      a.observeValue('loss', 9, 1)
      expect(seen).toEqual([])
      const history = await createHttpClient(alertPolicyContract, server.url, { token: 'tok' }).history()
      expect(history[0]).toMatchObject({ rule: 'high_loss', silencedBy: ['remote'] })
      clock += 1
      expect(await silences.expire('remote')).toMatchObject({ state: 'expired', endsAtMs: 1_000_001 })
      await expect(silences.expire('nope')).rejects.toMatchObject({ code: 'ENTRENAR_NOT_FOUND' })
      await expect(silences.add({ ...silence([]), matchers: [{ name: 'rule', op: '=~', value: '(' }] })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
      await expect(createHttpClient(silenceContract, server.url).list()).rejects.toMatchObject({ code: 'ENTRENAR_HTTP_UNAUTHORIZED' })
    } finally {
      await server.close()
    }
  })
})
