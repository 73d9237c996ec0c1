// Every public factory of every package rejects an unknown option key with ENTRENAR_INVALID_CONFIG naming
// the key. The factories are enumerated from the packages' exports, so a new one that is not listed
// here (with how to call it) fails this test until it checks its options too.
import * as andon from '@entrenar/andon'
import * as core from '@entrenar/core'
import * as db from '@entrenar/db'
import * as dbClickhouse from '@entrenar/db-clickhouse'
import * as drift from '@entrenar/drift'
import * as graph from '@entrenar/graph'
import * as monitor from '@entrenar/monitor'
import * as serve from '@entrenar/serve'
import * as viz from '@entrenar/viz'
import { describe, expect, it } from 'vitest'
import * as entrenar from '../src/index.js'
import { cli, tempDir } from './helpers.js'

const packages: Record<string, Record<string, unknown>> = { core, monitor, andon, db, dbClickhouse, drift, graph, serve, viz, entrenar }
const BAD = 'zzNotAnOption'
const bad = { [BAD]: 1 }
const spec = { title: 't', series: [] }

/** How to call each factory with an unknown option key (in the options argument). */
const calls: Record<string, () => unknown> = {
  'core.createDefaultPolicy': () => core.createDefaultPolicy(bad as never),
  'core.createHttpClient': () => core.createHttpClient(core.metricStoreContract, 'http://127.0.0.1:1', bad as never),
  'core.createRequestGuard': () => core.createRequestGuard(bad as never),
  'core.createHttpHandler': () => core.createHttpHandler(core.metricStoreContract, core.createMemoryStore(), bad as never),
  'monitor.createMonitor': () => monitor.createMonitor(bad as never),
  'monitor.analyzeRun': () => monitor.analyzeRun(core.createMemoryStore(), 'r', bad as never),
  'andon.createAndon': () => andon.createAndon(bad as never),
  'andon.consoleHandler': () => andon.consoleHandler(bad as never),
  'andon.jsonlFileHandler': () => andon.jsonlFileHandler('/nonexistent/x.jsonl', bad as never),
  'andon.webhookHandler': () => andon.webhookHandler({ url: 'http://127.0.0.1:1', ...bad } as never),
  'andon.slackHandler': () => andon.slackHandler('http://127.0.0.1:1', bad as never),
  'andon.pagerDutyHandler': () => andon.pagerDutyHandler({ routingKey: 'k', ...bad } as never),
  'andon.openSilences': () => andon.openSilences(tempDir(), bad as never),
  'andon.serveAndon': () => andon.serveAndon(andon.createAndon(), bad as never),
  'db.openStore': () => db.openStore(tempDir(), bad as never),
  'dbClickhouse.openClickHouseStore': () => dbClickhouse.openClickHouseStore({ url: 'http://127.0.0.1:1', ...bad } as never),
  'graph.createLineage': () => graph.createLineage(bad as never),
  'serve.createServeHandler': () => serve.createServeHandler(bad as never),
  'serve.trackingHandler': () => serve.trackingHandler({ store: core.createMemoryStore(), readBody: (r: Request) => r.text(), ...bad } as never),
  'serve.startServer': () => serve.startServer(bad as never),
  'serve.createOtlpExporter': () => serve.createOtlpExporter({ url: 'http://127.0.0.1:1', ...bad } as never),
  'serve.createLatencyHistogram': () => serve.createLatencyHistogram(bad as never),
  'serve.createPrometheusExporter': () => serve.createPrometheusExporter(bad as never),
  'viz.createSeriesBuffer': () => viz.createSeriesBuffer(bad as never),
  'viz.createSmoother': () => viz.createSmoother({ kind: 'ema', weight: 0.5, ...bad } as never),
  'viz.createTerminalDashboard': () => viz.createTerminalDashboard(bad as never),
  'viz.createSvgDashboard': () => viz.createSvgDashboard(bad as never),
  'viz.serveWebDashboard': () => viz.serveWebDashboard(core.createMemoryStore(), bad as never),
  'viz.webDashboardHandler': () => viz.webDashboardHandler({ store: core.createMemoryStore(), ...bad } as never),
  'viz.renderPng': () => viz.renderPng(spec as never, bad as never),
  'viz.savePng': () => viz.savePng(`${tempDir()}/x.png`, spec as never, bad as never),
  'entrenar.autoMonitor': () => entrenar.autoMonitor({ dir: tempDir(), ...bad } as never),
  'entrenar.copyStore': () => entrenar.copyStore(core.createMemoryStore(), core.createMemoryStore(), bad as never),
  'entrenar.serveCommand': () => entrenar.serveCommand(tempDir(), bad as never, {} as never),
}

/** Factories without an options object, and why. */
const noOptions: Record<string, string> = {
  'core.createMemoryStore': 'no arguments',
  'core.createNoopSink': 'no arguments',
  'core.openRemoteDetector': '(service, seriesKey): no options',
  'viz.createStreamingStats': 'no arguments',
}

const isFactory = (pkg: string, name: string, fn: unknown): boolean => {
  if (typeof fn !== 'function') return false
  if (/^(create|open|start|serve|copy)[A-Z]/.test(name) || /Handler$/.test(name) || name === 'autoMonitor') return true
  // Detectors of @entrenar/drift: every export that builds a ChangeDetector (or an anomaly detector) from options.
  if (pkg === 'drift') {
    try {
      const d = (fn as () => unknown)()
      return typeof d === 'object' && d !== null && ('update' in d || 'fit' in d)
    } catch {
      return false
    }
  }
  return false
}

/** Functions named like factories that are not ones (helpers over values, not constructors with options). */
const notFactories = new Set<string>(['core.combineHandlers'])

describe('strict options', () => {
  const found: string[] = []
  for (const [pkg, m] of Object.entries(packages)) for (const [name, fn] of Object.entries(m)) if (isFactory(pkg, name, fn)) found.push(`${pkg}.${name}`)

  it('every public factory is listed (with how to call it, or why it has no options)', () => {
    // Detectors take their options first and are called generically; everything else needs an entry.
    const unlisted = found.filter((f) => !(f in calls) && !(f in noOptions) && !notFactories.has(f) && !f.startsWith('drift.'))
    expect(unlisted).toEqual([])
    for (const d of ['drift.pageHinkley', 'drift.adwin', 'drift.kswin', 'drift.ddm', 'drift.eddm', 'drift.hddmA', 'drift.zScoreWindow', 'drift.isolationForest']) expect(found).toContain(d)
  })

  for (const f of found.filter((x) => !(x in noOptions) && !notFactories.has(x))) {
    it(`${f} rejects an unknown option key, naming it`, async () => {
      const pkg = f.slice(0, f.indexOf('.'))
      const name = f.slice(f.indexOf('.') + 1)
      const call = calls[f] ?? (() => (packages[pkg]![name] as (o: unknown) => unknown)(bad))
      let thrown: unknown
      try {
        await call()
      } catch (e) {
        thrown = e
      }
      expect(thrown, `${f} accepted { ${BAD} }`).toBeInstanceOf(core.EntrenarError)
      expect((thrown as core.EntrenarError).code).toBe('ENTRENAR_INVALID_CONFIG')
      expect((thrown as Error).message).toContain(`unknown option \`${BAD}\``)
    })
  }
})

describe('suggestions', () => {
  it('createAndon({ config, incidents, alertPolicy }) names `config` and suggests `renacer`', () => {
    expect(() => andon.createAndon({ config: {}, incidents: [], alertPolicy: {} } as never)).toThrow(
      /entrenar\/andon: createAndon: unknown option `config` \(did you mean `renacer`\?\)/,
    )
    expect(() => andon.createAndon({ incidents: 'x' } as never)).toThrow(/unknown option `incidents` \(did you mean `storeDir`\?\)/)
    expect(() => andon.createAndon({ alertPolicy: {} } as never)).toThrow(/unknown option `alertPolicy` \(did you mean `rules`\?\)/)
  })

  it('createMonitor({ stor }) suggests `store`', async () => {
    const s = core.createMemoryStore()
    await expect(monitor.createMonitor({ stor: s } as never)).rejects.toMatchObject({
      code: 'ENTRENAR_INVALID_CONFIG',
      message: expect.stringMatching(/entrenar\/monitor: createMonitor: unknown option `stor` \(did you mean `store`\?\)/),
      details: expect.objectContaining({ key: 'stor', suggestion: 'store' }),
    })
  })

  it('typos by transposition and case are caught; unrelated names get no suggestion', () => {
    expect(() => drift.pageHinkley({ treshold: 3 } as never)).toThrow(/did you mean `threshold`\?/)
    expect(() => drift.adwin({ DELTA: 0.1 } as never)).toThrow(/did you mean `delta`\?/)
    expect(() => drift.adwin({ banana: 1 } as never)).toThrow(/unknown option `banana`; known: /)
    expect(core.closestName('stroe', ['store', 'sinks'])).toBe('store')
    expect(core.editDistance('renacre', 'renacer')).toBe(1)
  })

  it('options that are not objects are refused', () => {
    expect(() => drift.adwin(42 as never)).toThrow(/options must be an object, got number/)
    expect(() => andon.createAndon(null as never)).toThrow(/options must be an object, got null/)
  })
})

describe('CLI flags', () => {
  it('an unknown flag of any command is a usage error (exit 2) that names it and suggests the nearest', async () => {
    const dir = tempDir()
    const cases: [string[], RegExp][] = [
      [['serve', dir, '--no-dashbaord'], /unknown option '--no-dashbaord'[\s\S]*Did you mean --no-dashboard\?/],
      [['runs', dir, '--jsn'], /unknown option '--jsn'[\s\S]*Did you mean --json\?/],
      [['query', dir, '--metrc', 'loss'], /unknown option '--metrc'[\s\S]*Did you mean --metric\?/],
      [['dashboard', dir, '--onse'], /unknown option '--onse'[\s\S]*Did you mean --once\?/],
    ]
    for (const [args, message] of cases) {
      const r = await cli(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.err).toMatch(message)
    }
  })
})
