import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pageHinkley, zScoreWindow } from '@entrenar/drift'
import { beforeAll, describe, expect, it } from 'vitest'
import { autoMonitor, driftEventFromLine, driftEventsPath, driftEventToLine, readDriftEvents, readRunEvents } from '../src/index.js'
import { cli, tempDir } from './helpers.js'

// A run whose loss settles near 1 and jumps to 3 at step 60: Page-Hinkley (rises) and a z-score window
// both signal drift there; the default Andon turns each drift into a WARNING incident.
const JUMP = 60
const lossAt = (step: number) => (step < JUMP ? 1 + ((step * 7) % 5) / 100 : 3 + ((step * 3) % 4) / 100)

let dir: string
let live: { step: number; metric: string; detector: string; severity?: string }[]

beforeAll(async () => {
  dir = tempDir('entrenar-report-events-')
  const m = await autoMonitor({
    dir,
    runId: 'drifty',
    renacer: false,
    dashboard: false,
    lineage: false,
    report: false,
    system: false,
    detectors: { loss: [pageHinkley({ mode: 'up' }), zScoreWindow({ window: 30 })] },
  })
  for (let step = 0; step < 130; step++) m.log({ loss: lossAt(step) }, { step })
  await m.close()
  live = m.summary().driftEvents.map((d) => ({ step: d.step, metric: d.metric, detector: d.detector, ...(d.severity ? { severity: d.severity } : {}) }))
})

describe('drift events persisted by autoMonitor', () => {
  it('writes every drift event of the run to <dir>/drift/events.jsonl, one core AlertEventWire object a line', () => {
    expect(live.length).toBeGreaterThanOrEqual(2)
    expect(live.some((d) => d.detector === 'page_hinkley' && d.step >= JUMP)).toBe(true)
    expect(live.some((d) => d.detector === 'z_score' && d.step === JUMP && d.severity === 'high')).toBe(true)
    const lines = readFileSync(driftEventsPath(dir), 'utf8').trim().split('\n')
    expect(lines).toHaveLength(live.length)
    const first = JSON.parse(lines[0]!) as Record<string, unknown>
    expect(Object.keys(first).sort()).toEqual(expect.arrayContaining(['detector', 'kind', 'metric', 'run_id', 'signal', 'statistic', 'step', 'timestamp_ms']))
    expect(first).toMatchObject({ kind: 'drift', run_id: 'drifty', metric: 'loss' })
    const { events, malformed } = readDriftEvents(dir, 'drifty')
    expect(malformed).toBe(0)
    expect(events.map((d) => ({ step: d.step, metric: d.metric, detector: d.detector, ...(d.severity ? { severity: d.severity } : {}) }))).toEqual(live)
    expect(readDriftEvents(dir, 'another-run').events).toEqual([])
  })

  it('round-trips NaN and ±Inf statistics and rejects malformed objects', () => {
    for (const statistic of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 2.5]) {
      const e = { kind: 'drift', runId: 'r', metric: 'loss', step: 3, detector: 'adwin', signal: 'drift', statistic, severity: 'low', timestampMs: 5 } as const
      const back = driftEventFromLine(JSON.parse(JSON.stringify(driftEventToLine(e))) as Record<string, unknown>)
      expect(back).toEqual(e)
      expect(Object.is(back?.statistic, statistic)).toBe(true)
    }
    const ok = { kind: 'drift', metric: 'loss', step: 1, detector: 'd', signal: 'warning', statistic: 1, timestamp_ms: 0 }
    expect(driftEventFromLine(ok)).toMatchObject({ metric: 'loss', signal: 'warning' })
    for (const bad of [
      { ...ok, kind: 'budget' },
      { ...ok, metric: '' },
      { ...ok, step: 1.5 },
      { ...ok, signal: 'stable' },
      { ...ok, statistic: 'big' },
      { ...ok, severity: 'extreme' },
      { ...ok, run_id: 7 },
      { ...ok, timestamp_ms: '0' },
    ]) {
      expect(driftEventFromLine(bad)).toBeUndefined()
    }
  })
})

describe('entrenar report shows the recorded drift events and incidents (fresh store instance)', () => {
  it('--json: driftEvents and incidents with step, metric, detector/rule, severity; timeline entries', async () => {
    const r = await cli(['--json', 'report', dir, 'drifty'])
    expect(r.code).toBe(0)
    expect(r.err).toBe('')
    const rep = JSON.parse(r.out) as {
      verdict: string
      driftEvents: { step: number; metric: string; detector: string; signal: string; severity?: string; statistic: number | string }[]
      incidents: { step: number; metric: string; rule: string; level: string; decision: string }[]
      malformedLines: number
      timeline: { kind: string; step: number; source: string; metric?: string; level: string }[]
    }
    expect(rep.malformedLines).toBe(0)
    expect(rep.driftEvents.map((d) => ({ step: d.step, metric: d.metric, detector: d.detector, ...(d.severity ? { severity: d.severity } : {}) }))).toEqual(live)
    const z = rep.driftEvents.find((d) => d.detector === 'z_score')!
    expect(z).toMatchObject({ step: JUMP, metric: 'loss', signal: 'drift', severity: 'high' })
    // the default Andon turned each drift into an incident (incidents.jsonl)
    expect(rep.incidents.length).toBeGreaterThanOrEqual(1)
    expect(rep.incidents.every((i) => i.metric === 'loss' && i.step >= JUMP)).toBe(true)
    expect(rep.incidents[0]).toMatchObject({ level: expect.stringMatching(/warning|error|critical/), decision: expect.any(String), rule: expect.any(String) })
    const drifts = rep.timeline.filter((t) => t.kind === 'drift')
    expect(drifts).toHaveLength(live.length)
    expect(drifts.find((t) => t.source === 'z_score')).toMatchObject({ step: JUMP, metric: 'loss', level: 'error' })
    expect(rep.timeline.some((t) => t.kind === 'incident' && t.metric === 'loss')).toBe(true)
    expect(rep.verdict).not.toBe('healthy')
  })

  it('Markdown: a drift-event table and an incident table', async () => {
    const r = await cli(['report', dir, 'drifty'])
    expect(r.code).toBe(0)
    expect(r.out).toContain(`## Drift events (${live.length})`)
    expect(r.out).toContain('| step | metric | detector | signal | severity | level | statistic |')
    expect(r.out).toMatch(new RegExp(`\\| ${JUMP} \\| loss \\| z\\\\_score \\| drift \\| high \\| error \\| [0-9.e+]+ \\|`))
    expect(r.out).toMatch(/\| \d+ \| loss \| page\\_hinkley \| drift \| ungraded \| warning \|/)
    expect(r.out).toMatch(/## Andon incidents \(\d+\)/)
    expect(r.out).toMatch(/\| \d+ \| loss \| [a-z_\\]+ \| warning \| warn \|/)
    // the section sits before the configuration block, which stays last
    expect(r.out.indexOf('## Drift events')).toBeGreaterThan(r.out.indexOf('## Metrics'))
  })

  it('HTML: a drift change point table, an incident table, and both as marks on the plots', async () => {
    const r = await cli(['report', dir, 'drifty', '--format', 'html'])
    expect(r.code).toBe(0)
    expect(r.out).toContain(`<h2>Drift change points (${live.length})</h2>`)
    expect(r.out).toMatch(new RegExp(`<tr><td class="n">${JUMP}</td><td>loss</td><td>z_score</td><td class="sev"[^>]*>error</td>`))
    const incidents = /<h2>Andon incidents \((\d+)\)<\/h2>/.exec(r.out)
    expect(Number(incidents?.[1])).toBeGreaterThanOrEqual(1)
    expect(r.out).toMatch(/<table class="incidents"><tr><th>step<\/th>.*?<\/tr>\s*<tr><td class="n">\d+<\/td><td>loss<\/td>/s)
    // the loss plot marks the change points (dotted, labelled as drift) and the incidents (dashed)
    const loss = r.out
      .split('<figure>')
      .slice(1)
      .find((f) => />loss( \(|<)/.test(f))!
    expect(loss).toContain('<g class="marker drift">')
    expect(loss).toContain('>drift: z_score</text>')
    expect(loss).toContain('<g class="marker incident">')
  })

  it('runs lists the drift events and incidents of each run', async () => {
    const j = await cli(['--json', 'runs', dir])
    const row = (JSON.parse(j.out) as { runs: { id: string; driftEvents: number; incidents: number }[] }).runs[0]!
    expect(row).toMatchObject({ id: 'drifty', driftEvents: live.length })
    expect(row.incidents).toBeGreaterThanOrEqual(1)
    const t = await cli(['runs', dir])
    expect(t.out.split('\n')[0]).toMatch(/last step\s+drift\s+incidents$/)
    expect(t.out).toMatch(new RegExp(`drifty .*\\s${live.length}\\s+${row.incidents}\\n`))
  })

  it('--out with --json prints the counts', async () => {
    const out = join(dir, 'drifty.md')
    const r = await cli(['--json', 'report', dir, 'drifty', '--format', 'md', '--out', out])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ runId: 'drifty', driftEvents: live.length, out })
    expect(readFileSync(out, 'utf8')).toContain('## Drift events')
    const text = await cli(['report', dir, 'drifty', '--out', out])
    expect(text.out).toMatch(new RegExp(`: \\d+ findings, ${live.length} drift events, \\d+ incidents; report written to`))
  })

  it('a torn last line (crash mid-write) is skipped with a warning; the events before it still show', async () => {
    const torn = tempDir('entrenar-torn-')
    const m = await autoMonitor({ dir: torn, runId: 'torn', renacer: false, dashboard: false, lineage: false, report: false, system: false, detectors: { loss: [zScoreWindow({ window: 30 })] } })
    for (let step = 0; step < 70; step++) m.log({ loss: lossAt(step) }, { step })
    await m.close()
    appendFileSync(driftEventsPath(torn), '{"kind":"drift","run_id":"torn","metric":"lo')
    const r = await cli(['--json', 'report', torn, 'torn'])
    expect(r.code).toBe(0)
    expect(r.err).toMatch(/warning 1 unreadable line/)
    const rep = JSON.parse(r.out) as { driftEvents: { step: number }[]; malformedLines: number }
    expect(rep.malformedLines).toBe(1)
    expect(rep.driftEvents.map((d) => d.step)).toContain(JUMP)
    const md = await cli(['report', torn, 'torn'])
    expect(md.out).toContain('1 unreadable line(s) in the event logs were skipped.')
  })

  it('incidents are read by the Andon’s reader: a line over its 1 MiB limit is counted as unreadable, not held whole; silences are kept', () => {
    const d = tempDir('entrenar-incidents-')
    mkdirSync(join(d, 'andon'))
    const inc = (o: Record<string, unknown>) => `${JSON.stringify({ level: 'warning', rule: 'drift', message: 'm', run_id: 'r', timestamp_ms: 1, decision: 'warn', ...o })}\n`
    appendFileSync(join(d, 'andon', 'incidents.jsonl'), `${inc({ step: 1, silenced_by: ['quiet'] })}${inc({ step: 2, message: 'x'.repeat(2 << 20) })}${inc({ step: 3, run_id: 'other' })}`)
    const events = readRunEvents(d, 'r')
    expect(events.incidents.map((i) => [i.step, i.silencedBy])).toEqual([[1, ['quiet']]])
    expect(events.malformedLines).toBe(1)
  })

  it('driftLog: false writes no drift log, and report then shows no drift table', async () => {
    const off = tempDir('entrenar-nolog-')
    const m = await autoMonitor({ dir: off, runId: 'quiet', renacer: false, dashboard: false, lineage: false, report: false, system: false, driftLog: false, detectors: { loss: [zScoreWindow({ window: 30 })] } })
    for (let step = 0; step < 70; step++) m.log({ loss: lossAt(step) }, { step })
    await m.close()
    expect(m.summary().driftEvents.length).toBeGreaterThan(0)
    expect(existsSync(driftEventsPath(off))).toBe(false)
    const r = await cli(['report', off, 'quiet'])
    expect(r.code).toBe(0)
    expect(r.out).not.toContain('## Drift events')
  })
})

describe('built executable', () => {
  const bin = join(import.meta.dirname, '..', 'dist', 'cli.js')
  // A fresh process reads the events back: needs `npx tsup` in packages/entrenar (CI builds before testing).
  it.skipIf(!existsSync(bin) && process.env.CI !== 'true')('entrenar report in a fresh process shows the drift events', async () => {
    const { execFileSync } = await import('node:child_process')
    const out = execFileSync(process.execPath, [bin, '--json', 'report', dir, 'drifty'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
    const rep = JSON.parse(out) as { driftEvents: { step: number; detector: string; severity?: string }[]; incidents: unknown[] }
    expect(rep.driftEvents).toHaveLength(live.length)
    expect(rep.driftEvents).toContainEqual(expect.objectContaining({ step: JUMP, detector: 'z_score', severity: 'high' }))
    expect(rep.incidents.length).toBeGreaterThan(0)
  })
})

describe('renderEventsMarkdown', () => {
  it('caps each table at the limit and points to the JSON report; no section without events', async () => {
    const { renderEventsMarkdown } = await import('../src/report/events.js')
    const report = { timeline: [] } as unknown as Parameters<typeof renderEventsMarkdown>[0]
    const driftEvents = [3, 1, 2].map((step) => ({ kind: 'drift', metric: 'loss|x', step, detector: 'adwin', signal: 'drift', statistic: Number.POSITIVE_INFINITY, timestampMs: step }) as const)
    const incidents = [{ level: 'critical', rule: 'non_finite', message: 'loss is NaN', timestampMs: 0, decision: 'stop' }] as const
    const md = renderEventsMarkdown(report, { driftEvents, incidents, malformedLines: 0 }, 2)
    expect(md).toContain('## Drift events (3)')
    expect(md).toContain('| 1 | loss\\|x | adwin | drift | ungraded | - | Infinity |\n| 2 |')
    expect(md).not.toMatch(/^\| 3 \|/m)
    expect(md).toContain('… 1 more in the JSON report.')
    expect(md).toContain('| - | - | non\\_finite | critical | stop | loss is NaN |')
    expect(renderEventsMarkdown(report, { driftEvents: [], incidents: [], malformedLines: 0 })).toBe('')
  })
})
