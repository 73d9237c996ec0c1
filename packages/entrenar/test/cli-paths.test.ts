import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLineage } from '@entrenar/graph'
import { beforeAll, describe, expect, it } from 'vitest'
import { autoMonitor, type CliContext, runCli } from '../src/index.js'
import { cli, fakeTerminal, tempDir } from './helpers.js'

// Two runs: `alpha` (30 steps of loss and accuracy, val_loss tagged split=val every 10 steps) and `beta`,
// whose loss turns NaN at step 5 and is stopped by the default Andon.
let dir: string

beforeAll(async () => {
  dir = tempDir('entrenar-paths-')
  const common = { dir, renacer: false, dashboard: false, report: false, system: false } as const
  const a = await autoMonitor({ ...common, runId: 'alpha', name: 'alpha run' })
  const val = { split: 'val' }
  for (let step = 0; step < 30; step++) {
    a.log({ loss: 1 / (1 + step), accuracy: step / 30 }, { step })
    if (step % 10 === 9) a.log({ val_loss: 2 / (1 + step) }, { step, tags: val })
  }
  await a.close()
  const b = await autoMonitor({ ...common, runId: 'beta' })
  for (let step = 0; step < 20 && !b.signal.aborted; step++) b.log({ loss: step === 5 ? Number.NaN : 1 }, { step })
  await b.close()
})

/** runCli with captured output and explicit terminal flags and signal. */
async function run(argv: string[], opts: Omit<CliContext, 'out' | 'err'> = {}) {
  let out = ''
  let err = ''
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env: opts.env ?? { NO_COLOR: '1' }, ...opts })
  return { code, out, err }
}

const aborted = () => AbortSignal.abort()

describe('runs', () => {
  it('prints the stop reason of a stopped run and "no runs" for an empty store', async () => {
    const r = await cli(['runs', dir])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/alpha\s+alpha run\s+finished/)
    expect(r.out).toMatch(/beta\s+stopped/)
    expect(r.out).toMatch(/^beta: .*NaN/m)
    const empty = tempDir()
    const e = await cli(['runs', empty])
    expect(e).toMatchObject({ code: 0, out: `no runs in ${empty}\n` })
  })
})

describe('query: typed flags', () => {
  it('says on stderr why nothing matched: the misspelt run or metric, and what the store has', async () => {
    const typo = await cli(['query', dir, '--metric', 'los'])
    expect(typo.code).toBe(0)
    expect(typo.out).toMatch(/^run\s+metric\s+x\s+value\n/)
    expect(typo.err).toBe('no points match this query: no metric "los" (metrics: accuracy, loss, val_loss)\n')
    const run = await cli(['query', dir, '--run', 'gamma', '--metric', 'loss'])
    expect(run.err).toBe('no points match this query: no run "gamma" (runs: alpha, beta)\n')
    const steps = await cli(['query', dir, '--run', 'alpha', '--metric', 'loss', '--steps', '500:600'])
    expect(steps.err).toBe('no points match this query (its step, time or tag filters leave nothing)\n')
    // JSON stays a document on stdout, with nothing on stderr; a query that matches says nothing.
    const json = await cli(['--json', 'query', dir, '--metric', 'los'])
    expect(JSON.parse(json.out)).toMatchObject({ series: [] })
    expect(json.err).toBe('')
    expect((await cli(['query', dir, '--run', 'alpha', '--metric', 'loss'])).err).toBe('')
  })

  it('truncates the text table at --limit and says how many rows are left', async () => {
    const r = await cli(['query', dir, '--run', 'alpha', '--metric', 'loss', '--limit', '5'])
    expect(r.code).toBe(0)
    expect(r.out.trim().split('\n')).toHaveLength(2 + 5 + 1)
    expect(r.out).toContain('… 25 more rows')
    expect(r.out.split('\n')[0]).toMatch(/^run\s+metric\s+x\s+value/)
  })

  it('shows NaN as data', async () => {
    const r = await cli(['query', dir, '--run', 'beta', '--metric', 'loss', '--steps', '5:5'])
    expect(r.out).toMatch(/beta\s+loss\s+5\s+NaN/)
    const j = JSON.parse((await cli(['--json', 'query', dir, '--run', 'beta', '--metric', 'loss', '--steps', '5:5'])).out) as { series: { value: unknown[] }[] }
    expect(j.series[0]!.value).toEqual(['NaN'])
  })

  it('filters by tag, step range and time; buckets by step and time', async () => {
    const q = async (...args: string[]) => {
      const r = await cli(['--json', 'query', dir, ...args])
      expect(r.code).toBe(0)
      return (JSON.parse(r.out) as { series: { runId: string; metric: string; x: number[]; value: number[] }[] }).series
    }
    const tagged = await q('--tag', 'split=val')
    expect(tagged.map((s) => [s.runId, s.metric, s.x])).toEqual([['alpha', 'val_loss', [9, 19, 29]]])
    expect((await q('--run', 'alpha', '--metric', 'loss', '--steps', '25:'))[0]!.x).toEqual([25, 26, 27, 28, 29])
    expect((await q('--run', 'alpha', '--metric', 'loss', '--steps', ':2'))[0]!.x).toEqual([0, 1, 2])
    expect((await q('--run', 'alpha', '--metric', 'loss', '--from', '2000-01-01T00:00:00Z'))[0]!.x).toHaveLength(30)
    expect(await q('--run', 'alpha', '--metric', 'loss', '--to', '0')).toEqual([])
    const steps = (await q('--run', 'alpha', '--metric', 'loss', '--bucket', 'step:10', '--agg', 'count'))[0]!
    expect(steps.x).toEqual([0, 10, 20])
    expect(steps.value).toEqual([10, 10, 10])
    const hour = (await q('--run', 'alpha', '--metric', 'accuracy', '--bucket', 'time:1h', '--agg', 'max'))[0]!
    expect(hour.value.reduce((a, b) => Math.max(a, b))).toBeCloseTo(29 / 30, 12)
  })

  it('rejects malformed flag values with exit 2 and a coded JSON error', async () => {
    for (const args of [
      ['--limit', '0'],
      ['--limit', 'many'],
      ['--tag', 'split'],
      ['--tag', '=val'],
      ['--from', 'yesterday-ish'],
      ['--to', 'soon'],
      ['--bucket', 'step:0'],
      ['--bucket', 'points:'],
      ['--steps', '1:2:3'],
    ]) {
      const r = await cli(['--json', 'query', dir, ...args])
      expect(r.code, args.join(' ')).toBe(2)
      expect(JSON.parse(r.out).error.code, args.join(' ')).toBe('ENTRENAR_USAGE')
      expect(r.err).toMatch(/^error entrenar: .*\[ENTRENAR_USAGE\]\n$/)
    }
  })
})

describe('query: SQL', () => {
  it('prints a table and CSV; bad SQL exits 4 with ENTRENAR_INVALID_QUERY', async () => {
    const sql = `SELECT run_id, count(*) AS n FROM metrics WHERE metric = 'loss' GROUP BY run_id ORDER BY run_id`
    const t = await cli(['query', dir, sql])
    if (t.code === 5) {
      // DuckDB missing: the documented answer, with the install hint on stderr
      expect(t.err).toMatch(/DuckDB/)
      return
    }
    expect(t.code).toBe(0)
    expect(t.out).toMatch(/run_id\s+n\n/)
    expect(t.out).toMatch(/alpha\s+30/)
    const c = await cli(['query', dir, sql, '--csv'])
    expect(c.out).toBe('run_id,n\nalpha,30\nbeta,6\n')
    const bad = await cli(['--json', 'query', dir, 'SELEC nonsense'])
    expect(bad.code).toBe(4)
    expect(JSON.parse(bad.out).error.code).toBe('ENTRENAR_INVALID_QUERY')
    expect((await cli(['query', dir, '  '])).code).toBe(4)
  })
})

describe('report: bad input and output paths', () => {
  it('rejects --classes that is not an integer ≥ 2 and unknown formats (exit 2)', async () => {
    for (const c of ['abc', '1', '2.5']) {
      const r = await cli(['--json', 'report', dir, 'alpha', '--classes', c])
      expect(r.code).toBe(2)
      expect(JSON.parse(r.out).error.message).toContain('--classes')
    }
    expect((await cli(['report', dir, 'alpha', '--format', 'pdf'])).code).toBe(2)
    const ok = await cli(['--json', 'report', dir, 'alpha', '--classes', '2'])
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.out).chance).toEqual([expect.objectContaining({ metric: 'accuracy', classes: 2 })])
  })

  it('a missing store exits 3; an --out in a missing directory exits 3, into a directory exits 1 (ENTRENAR_IO)', async () => {
    const gone = await cli(['--json', 'report', join(dir, 'nope'), 'alpha'])
    expect(gone.code).toBe(3)
    expect(JSON.parse(gone.out).error.code).toBe('ENTRENAR_NOT_FOUND')
    const missing = await cli(['--json', 'report', dir, 'alpha', '--out', join(dir, 'no', 'such', 'r.md')])
    expect(missing.code).toBe(3)
    expect(JSON.parse(missing.out).error).toMatchObject({ code: 'ENTRENAR_NOT_FOUND', details: { errno: 'ENOENT' } })
    const isDir = join(dir, 'a-directory')
    mkdirSync(isDir)
    const d = await cli(['--json', 'report', dir, 'alpha', '--out', isDir])
    expect(d.code).toBe(1)
    expect(JSON.parse(d.out).error).toMatchObject({ code: 'ENTRENAR_IO', details: { errno: 'EISDIR' } })
  })

  it('HTML goes to stdout without --out; --json alone means JSON', async () => {
    const h = await cli(['report', dir, 'beta', '--format', 'html'])
    expect(h.code).toBe(0)
    expect(h.out).toMatch(/^<!doctype html>/)
    const j = await cli(['--json', 'report', dir, 'beta'])
    expect(JSON.parse(j.out)).toMatchObject({ runId: 'beta', verdict: 'failed', nonFinite: { step: 5, metric: 'loss', value: 'NaN' } })
  })
})

describe('andon check and backtest', () => {
  it('lists budgets of every kind and rule tables; warnings go to stderr with line:column and exit 1', async () => {
    const toml = join(dir, 'full.toml')
    writeFileSync(
      toml,
      [
        '[[assertion]]\nname = "step_time"\ntype = "critical_path"\nmax_duration_ms = 250\n',
        '[[assertion]]\nname = "mem"\ntype = "memory_usage"\nmax_bytes = 1000000\nfail_on_violation = false\n',
        '[[assertion]]\nname = "steps"\ntype = "span_count"\nmax_spans = 500\n',
        '[andon.non_finite]\nmetrics = ["loss"]\n',
        '[otlp]\nendpoint = "http://collector:4317"\n',
      ].join('\n'),
    )
    const r = await cli(['andon', 'check', toml])
    expect(r.code).toBe(1)
    expect(r.out).toContain(`valid ${toml}: 3 budgets, 1 rule tables`)
    expect(r.out).toMatch(/step_time\s+step_duration\s+250 ms\s+stop/)
    expect(r.out).toMatch(/mem\s+memory\s+1000000 B \(allocations\)\s+warn/)
    expect(r.out).toMatch(/steps\s+steps\s+500 steps\s+stop/)
    expect(r.out).toContain('  nonFinite: {"metrics":["loss"]}')
    expect(r.err).toMatch(new RegExp(`warning ${toml.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+ .*otlp`))
    const j = await cli(['--json', 'andon', 'check', toml])
    expect(j.code).toBe(1)
    expect(JSON.parse(j.out)).toMatchObject({ valid: true, warnings: [expect.objectContaining({ message: expect.stringContaining('otlp') })] })
    const clean = join(dir, 'clean.toml')
    writeFileSync(clean, '[andon.non_finite]\nmetrics = ["loss"]\n')
    const c = await cli(['andon', 'check', clean])
    expect(c).toMatchObject({ code: 0, err: '' })
  })

  it('backtest prints the rules that would fire and the stops; a progress bar only on a terminal', async () => {
    const empty = join(dir, 'empty.toml')
    writeFileSync(empty, '')
    const r = await run(['andon', 'backtest', dir, '--config', empty], { stderrTty: true })
    expect(r.code).toBe(0)
    expect(r.out).toContain(`backtest of 2 runs with ${empty}`)
    expect(r.out).toMatch(/non_finite\s+1\s+0\s+1\s+1\s+5/)
    expect(r.out).toMatch(/^stop beta at step 5: non_finite: /m)
    expect(r.err).toContain('\r\x1b[2Kbacktest ')
    expect(r.err).toContain('2/2')
    const quiet = await run(['--json', 'andon', 'backtest', dir, '--config', empty], { stderrTty: true })
    expect(quiet.err).toBe('')
    const none = await run(['andon', 'backtest', dir, '--config', empty, '--run', 'alpha'])
    expect(none.out).toContain('no rule would have fired')
    expect(none.err).toBe('')
  })
})

describe('lineage: text output', () => {
  it('shows a model with its health events and says when there is no regression', async () => {
    const s = await cli(['lineage', 'show', dir, 'beta'])
    expect(s.code).toBe(0)
    expect(s.out).toMatch(/^model\s+version\s+run\s+loss/)
    expect(s.out).toMatch(/critical non_finite: .*\(step 5\)/)
    expect((await cli(['lineage', 'show', dir, 'gamma'])).code).toBe(3)
    const g = await createLineage({ dir })
    await g.derive({ parent: 'alpha', child: 'beta', changeType: 'hyperparams', description: 'lr × 10' })
    await g.close()
    const reg = await cli(['lineage', 'regression', dir, 'beta', '--metric', 'loss', '--lower-is-better'])
    expect(reg.code).toBe(1)
    expect(reg.out).toMatch(/^regression of loss at beta: .* → NaN \(hyperparams: lr × 10\) from alpha\nbaseline alpha = /)
    const none = await cli(['lineage', 'regression', dir, 'alpha', '--metric', 'loss', '--lower-is-better'])
    expect(none).toMatchObject({ code: 0, out: 'alpha: no regression of loss in its ancestry\n' })
    expect((await cli(['lineage', 'regression', dir, 'alpha'])).code).toBe(2)
  })
})

describe('long-running commands stop on abort', () => {
  it('dashboard --web and serve print where they listen; a bad port exits 2', async () => {
    const w = await run(['dashboard', dir, '--web', '--port', '0'], { signal: aborted() })
    expect(w.code).toBe(0)
    expect(w.out).toMatch(/^web dashboard at http:\/\/127\.0\.0\.1:\d+\/? \(Ctrl-C to stop\)\n$/)
    const s = await run(['serve', tempDir(), '--port', '0'], { signal: aborted() })
    expect(s.code).toBe(0)
    expect(s.out).toMatch(/entrenar serving .* at http:\/\/127\.0\.0\.1:\d+\n\s+push\s+POST .*\/v1\/ingest/)
    for (const argv of [
      ['dashboard', dir, '--web', '--port', '70000'],
      ['serve', tempDir(), '--port', '-1'],
      ['serve', tempDir(), '--port', 'http'],
    ]) {
      const r = await run(['--json', ...argv], { signal: aborted() })
      expect(r.code, argv.join(' ')).toBe(2)
      expect(JSON.parse(r.out).error.message).toMatch(/is not a TCP port/)
    }
  })

  it('the terminal dashboard is live on a TTY until aborted', async () => {
    const terminal = fakeTerminal()
    const r = await run(['dashboard', dir, '--run', 'alpha', '--ascii'], { stdoutTty: true, signal: aborted(), terminal })
    expect(r.code).toBe(0)
    expect(r.out).toBe('')
    expect(terminal.text).toContain('loss')
    expect(terminal.text).toContain('alpha')
  })
})

describe('event logs with unreadable lines', () => {
  it('counts malformed incident lines, keeps the good ones, and warns once on stderr', async () => {
    const copy = join(dir, 'andon', 'incidents.jsonl')
    const before = readFileSync(copy, 'utf8')
    appendFileSync(copy, '{"level":"apocalyptic","rule":"x","message":"m","run_id":"beta"}\n[1,2]\nnot json\n{"level":"info","rule":"x","message":"m","run_id":"beta","decision":"shrug"}\n')
    try {
      const r = await cli(['--json', 'report', dir, 'beta'])
      expect(r.code).toBe(0)
      const rep = JSON.parse(r.out) as { malformedLines: number; incidents: { rule: string; step: number }[] }
      expect(rep.malformedLines).toBe(4)
      expect(rep.incidents).toContainEqual(expect.objectContaining({ rule: 'non_finite', step: 5 }))
      expect(r.err).toMatch(/^warning 4 unreadable line\(s\) in .*incidents\.jsonl skipped\n$/)
    } finally {
      writeFileSync(copy, before)
    }
  })

  it('counts the drift events of each run as the log streams by; a huge, torn or hostile line is skipped, counted and named', async () => {
    const path = join(dir, 'drift', 'events.jsonl')
    mkdirSync(join(dir, 'drift'), { recursive: true })
    let before: string | undefined
    try {
      before = readFileSync(path, 'utf8')
    } catch {
      before = undefined
    }
    const ev = (runId: string, step: number, detector = 'page_hinkley') => JSON.stringify({ kind: 'drift', run_id: runId, metric: 'loss', step, detector, signal: 'drift', statistic: 'NaN', timestamp_ms: 1 })
    // alpha: two good events (one CRLF) and one 2 MiB event over the reader's line limit; beta: one good,
    // one torn at the end; hostile lines in between.
    appendFileSync(path, `${ev('alpha', 1)}\r\n${ev('alpha', 2, 'x'.repeat(2 << 20))}\n{"__proto__":{"polluted":1},${ev('beta', 3).slice(1)}\n[1]\n"__proto__"\n${ev('alpha', 4)}\n{"kind":"drift","run_id":"beta"`)
    try {
      const r = await cli(['--json', 'runs', dir])
      expect(r.code).toBe(0)
      const rows = (JSON.parse(r.out) as { runs: { id: string; driftEvents: number }[] }).runs
      expect(Object.fromEntries(rows.map((x) => [x.id, x.driftEvents]))).toEqual({ alpha: 2, beta: 1 })
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
      expect(r.err).toBe(`warning 4 unreadable line(s) in ${path} skipped (first: line 2, ENTRENAR_JSONL_LINE_TOO_LONG)\n`)
      const rep = await cli(['--json', 'report', dir, 'alpha'])
      expect(rep.code).toBe(0)
      const report = JSON.parse(rep.out) as { malformedLines: number; driftEvents: { step: number; detector: string }[] }
      expect(report.driftEvents.map((e) => e.step)).toEqual([1, 4])
      expect(report.malformedLines).toBe(4)
    } finally {
      if (before === undefined) writeFileSync(path, '')
      else writeFileSync(path, before)
    }
  })
})
