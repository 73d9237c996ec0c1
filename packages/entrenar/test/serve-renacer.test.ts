import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { cli, startServe, tempDir } from './helpers.js'

const home = process.cwd()
afterEach(() => process.chdir(home))

const handler = (path: string) => `[[andon.handler]]\ntype = "jsonl"\npath = ${JSON.stringify(path)}\n`
const trigger = (url: string) =>
  fetch(`${url}/v1/andon/trigger`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ schema_version: 1, alert: { level: 'critical', rule: 'manual', message: 'stop the line', timestamp_ms: 1 } }),
  })

describe('entrenar serve and renacer.toml', () => {
  it('prints which renacer.toml it loaded (absolute path), or that it loaded none', async () => {
    const work = tempDir()
    process.chdir(work)
    let out = ''
    const none = await startServe([tempDir()], (t) => (out += t))
    expect(await none.stop()).toBe(0)
    expect(out).toContain('andon  no renacer.toml loaded')
    writeFileSync(join(work, 'renacer.toml'), '[andon]\nthrottle_ms = 5\n')
    out = ''
    const found = await startServe([tempDir()], (t) => (out += t))
    expect(await found.stop()).toBe(0)
    expect(out).toContain(`andon  rules from ${resolve(work, 'renacer.toml')}`)
    const other = join(tempDir(), 'rules.toml')
    writeFileSync(other, '[andon]\nthrottle_ms = 5\n')
    out = ''
    const given = await startServe([tempDir(), '--config', other, '--json'], (t) => (out += t))
    expect(await given.stop()).toBe(0)
    expect(JSON.parse(out)).toMatchObject({ renacer: other })
  })

  it('a handler of a renacer.toml writes inside the store directory, and nowhere else unless the path is given on the command line', async () => {
    const store = tempDir()
    const outside = tempDir()
    const config = join(tempDir(), 'renacer.toml')
    for (const path of ['../escaped.jsonl', join(outside, 'x.jsonl'), '/tmp/../etc/x.jsonl']) {
      writeFileSync(config, handler(path))
      const r = await cli(['serve', store, '--config', config, '--port', '0'])
      expect(r.code, path).toBe(4)
      expect(r.err, path).toContain('outside the store directory')
    }
    expect(existsSync(join(store, '..', 'escaped.jsonl'))).toBe(false)
    // Inside the store (relative to it): served, and the incident is written there.
    writeFileSync(config, handler('alerts/andon.jsonl'))
    const inside = await startServe([store, '--config', config])
    try {
      expect((await trigger(inside.url)).status).toBe(200)
    } finally {
      expect(await inside.stop()).toBe(0)
    }
    expect(readFileSync(join(store, 'alerts', 'andon.jsonl'), 'utf8')).toContain('stop the line')
    // Outside, but given on the command line.
    const ops = join(outside, 'ops.jsonl')
    writeFileSync(config, handler(ops))
    const allowed = await startServe([store, '--config', config, '--allow-write', ops])
    try {
      expect((await trigger(allowed.url)).status).toBe(200)
    } finally {
      expect(await allowed.stop()).toBe(0)
    }
    expect(readFileSync(ops, 'utf8')).toContain('stop the line')
  })

  it('andon check: an 18 MB renacer.toml and a __proto__ key are invalid (exit 4), never "valid"', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'x'))
    const big = join(dir, 'big.toml')
    writeFileSync(big, `[andon]\nthrottle_ms = 5\n[ci]\nx = [${'[1], '.repeat(3_000_000)}[1]]\n`)
    const r = await cli(['andon', 'check', big])
    expect(r.code).toBe(4)
    expect(r.out).not.toContain('valid')
    expect(r.err).toContain('at most 1048576')
    const proto = join(dir, 'proto.toml')
    writeFileSync(proto, '[andon]\n__proto__ = 1\nconstructor = 2\n')
    const p = await cli(['andon', 'check', proto])
    expect(p.code).toBe(4)
    expect(p.out).not.toContain('valid')
    expect(p.err).toContain('unknown key')
  })
})
