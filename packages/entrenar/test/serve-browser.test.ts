import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServe, tempDir } from './helpers.js'

// Debian's Chromium with the headless flags of CONVENTIONS.md; `evil.test` resolves to loopback, as
// a DNS-rebinding name does once it has switched. Chromium's own Local Network Access checks are
// off: other browsers have none, and the server must hold without them.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--host-resolver-rules=MAP evil.test 127.0.0.1',
  '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights',
]

/** What a page of another origin tries: every write route, as "simple" requests that need no preflight, and one JSON request that does. */
function attackPage(target: string, dir: string): string {
  const attempts = {
    '/v1/andon/trigger': { schema_version: 1, alert: { level: 'critical', rule: 'forged', message: 'stop the line', run_id: 'forged', timestamp_ms: 1 } },
    '/v1/ingest': { schema_version: 1, run_id: 'forged', points: [{ metric: 'loss', value: 1, step: 1 }] },
    '/v1/store/putRun': { schema_version: 1, run: { schema_version: 1, id: 'forged', name: 'forged', start_time_ms: 1, status: 'running', config: {}, tags: {} } },
    '/v1/silences/add': { schema_version: 1, spec: { matchers: [{ label: 'rule', value: 'nan', op: '=' }], duration_ms: 3600000, comment: 'forged' } },
    '/v1/store/sql': { schema_version: 1, sql: `COPY (SELECT 'pwned') TO '${join(dir, 'browser-csrf.txt')}'` },
    '/v1/andon/reset': { schema_version: 1 },
    '/v1/store/close': { schema_version: 1 },
  }
  return `<!doctype html><meta charset="utf-8"><title>loading</title><script>
const target = ${JSON.stringify(target)}
const attempts = ${JSON.stringify(attempts)}
const seen = []
;(async () => {
  for (const [path, body] of Object.entries(attempts)) {
    // text/plain, no preflight: the request reaches the server; the page cannot read the answer.
    await fetch(target + path, { mode: 'no-cors', method: 'POST', body: JSON.stringify(body) }).then((r) => seen.push([path, 'no-cors', r.type]), (e) => seen.push([path, 'no-cors', String(e)]))
    // JSON needs a preflight, which the server refuses.
    await fetch(target + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => seen.push([path, 'cors', r.status]), (e) => seen.push([path, 'cors', 'blocked']))
  }
  document.body.textContent = JSON.stringify(seen)
  document.title = 'done'
})()
</script><body></body>`
}

describe.skipIf(!existsSync(CHROMIUM) && process.env.CI !== 'true')('entrenar serve against pages of other origins in Chromium', () => {
  let context: BrowserContext
  let profile: string
  let dir: string
  let serve: { url: string; stop(): Promise<number> }
  let evil: Server
  let evilPort = 0
  beforeAll(async () => {
    dir = tempDir('entrenar-serve-browser-')
    serve = await startServe([dir])
    evil = createServer((_req, res) => {
      const port = new URL(serve.url).port
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(attackPage(`http://127.0.0.1:${port}`, dir))
    })
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r))
    evilPort = (evil.address() as { port: number }).port
    profile = await mkdtemp(join(tmpdir(), 'entrenar-serve-chromium-'))
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS })
  })
  afterAll(async () => {
    await context?.close()
    await rm(profile, { recursive: true, force: true })
    await new Promise<void>((r) => evil.close(() => r()))
    await serve.stop()
  })

  const post = (path: string, body: unknown) => fetch(`${serve.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  async function unchanged(): Promise<void> {
    expect(existsSync(join(dir, 'andon', 'incidents.jsonl'))).toBe(false)
    expect(existsSync(join(dir, 'browser-csrf.txt'))).toBe(false)
    expect(await (await post('/v1/silences/list', { schema_version: 1 })).json()).toMatchObject({ silences: [] })
    expect(((await (await post('/v1/store/runs', { schema_version: 1 })).json()) as { runs: unknown[] }).runs).toEqual([])
    expect(await (await post('/v1/andon/status', { schema_version: 1 })).json()).toMatchObject({ stopped: false })
    expect(await (await post('/v1/andon/history', { schema_version: 1 })).json()).toMatchObject({ incidents: [] })
    expect(await (await fetch(`${serve.url}/healthz`)).json()).toMatchObject({ status: 'ok' })
  }

  it('a page of another origin changes nothing with no-cors POSTs, and its JSON requests die at the preflight', async () => {
    const page = await context.newPage()
    await page.goto(`http://127.0.0.1:${evilPort}/`)
    await page.waitForFunction(() => document.title === 'done')
    const seen = JSON.parse((await page.textContent('body')) ?? '[]') as [string, string, unknown][]
    expect(seen).toHaveLength(14)
    // No answer was readable: opaque for no-cors, a network error for the refused preflight.
    for (const [path, mode, result] of seen) expect(result, `${path} ${mode}`).toBe(mode === 'no-cors' ? 'opaque' : 'blocked')
    await page.close()
    await unchanged()
  })

  it('a DNS-rebinding page (its own name now pointing at loopback) is refused by the Host check', async () => {
    const port = new URL(serve.url).port
    const origin = `http://evil.test:${port}`
    const page = await context.newPage()
    // The page was fetched from the attacker's server while evil.test still pointed there; now the
    // name resolves to 127.0.0.1, so its same-origin requests reach serve.
    await page.route(`${origin}/`, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: attackPage(origin, dir) }))
    await page.goto(`${origin}/`)
    await page.waitForFunction(() => document.title === 'done')
    const seen = JSON.parse((await page.textContent('body')) ?? '[]') as [string, string, unknown][]
    expect(seen).toHaveLength(14)
    // Same origin: the page reads the answers, and each is the 421 of the Host check.
    for (const [path, mode, result] of seen) expect(result, `${path} ${mode}`).toBe(mode === 'no-cors' ? 'basic' : 421)
    // And it cannot read the dashboard or the API either.
    const read = await page.evaluate(async () => (await fetch('/api/overview')).status)
    expect(read).toBe(421)
    await page.close()
    await unchanged()
  })
})
