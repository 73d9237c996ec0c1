import { fileURLToPath } from 'node:url'
import { createAndon, loadRenacerConfig, parseRenacerConfig } from '@entrenar/andon'
import { isEntrenarError } from '@entrenar/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

const ROOT_TOML = fileURLToPath(new URL('../../../renacer.toml', import.meta.url))

/** Expects `text` to be rejected with ENTRENAR_INVALID_CONFIG at `line:column`, the message matching `re`. */
function rejects(text: string, line: number, column: number, re: RegExp) {
  try {
    parseRenacerConfig(text, 'r.toml')
  } catch (e) {
    expect(isEntrenarError(e, 'ENTRENAR_INVALID_CONFIG'), String(e)).toBe(true)
    const err = e as { message: string; details: Record<string, unknown> }
    expect(err.message).toMatch(re)
    expect({ line: err.details.line, column: err.details.column }, err.message).toEqual({ line, column })
    expect(err.message.startsWith(`entrenar/andon: r.toml:${line}:${column}: `)).toBe(true)
    return
  }
  throw new Error(`accepted: ${text}`)
}

describe('renacer.toml: the [[assertion]] format', () => {
  it('reads every assertion type with renacer defaults (enabled, fail_on_violation true; tracking_mode allocations)', () => {
    const c = parseRenacerConfig(`
[[assertion]]
name = "lat"
type = "critical_path"
max_duration_ms = 1500

[[assertion]]
name = "spans"
type = "span_count"
max_spans = 10000
fail_on_violation = false

[[assertion]]
name = "mem"
type = "memory_usage"
max_bytes = 1073741824

[[assertion]]
name = "off"
type = "critical_path"
max_duration_ms = 500
enabled = false

[[assertion]]
name = "god"
type = "anti_pattern"
pattern = "GodProcess"
threshold = 0.8

[[assertion]]
name = "expr"
type = "custom"
expression = "syscalls < 10"
`)
    expect(c.assertions.map((a) => `${a.name}:${a.type}:${a.enabled}:${a.failOnViolation}`)).toEqual([
      'lat:critical_path:true:true',
      'spans:span_count:true:false',
      'mem:memory_usage:true:true',
      'off:critical_path:false:true',
      'god:anti_pattern:true:true',
      'expr:custom:true:true',
    ])
    expect(c.budgets).toEqual([
      { kind: 'step_duration', name: 'lat', maxMs: 1500, failOnViolation: true },
      { kind: 'steps', name: 'spans', maxSteps: 10000, failOnViolation: false },
      { kind: 'memory', name: 'mem', maxBytes: 1073741824, trackingMode: 'allocations', failOnViolation: true },
    ])
    // anti_pattern and custom are never silently passed
    expect(c.warnings.map((w) => `${w.source}:${w.line}:${w.column}: ${w.message}`)).toEqual([
      expect.stringMatching(/^<text>:24:1: assertion\[4\]: assertion "god" of type anti_pattern is not supported/),
      expect.stringMatching(/^<text>:30:1: assertion\[5\]: assertion "expr" of type custom is not supported/),
    ])
  })

  it('reports tables of other paiml tools as warnings, and ignores span patterns with a warning', () => {
    const c = parseRenacerConfig('[otlp]\nenabled = true\n\n[[assertion]]\nname = "a"\ntype = "critical_path"\nmax_duration_ms = 5\ntrace_name_pattern = "train.*"\n')
    expect(c.warnings.map((w) => `${w.line}:${w.column}`)).toEqual(['1:1', '8:1'])
  })

  it('the repository renacer.toml loads, with budgets and andon rules, and builds an Andon', async () => {
    const c = loadRenacerConfig(ROOT_TOML)
    expect(c.source).toBe(ROOT_TOML)
    expect(c.warnings).toEqual([])
    expect(c.budgets.map((b) => b.kind).sort()).toEqual(['memory', 'step_duration', 'steps'])
    expect(c.andon.rules?.divergence).toMatchObject({ metrics: ['loss'], factor: 10, for: 3 })
    expect(c.andon.handlers).toEqual([{ type: 'console', minLevel: 'warning' }])
    const andon = createAndon({ renacer: c, runId: 'x', timers: false })
    expect(andon.observeValue('loss', Number.NaN, 3)).toBe('stop')
    await andon.close()
  })

  it('accepts text as well as a path, and reports unreadable paths', () => {
    expect(loadRenacerConfig('[andon]\nthrottle_ms = 5\n').andon.throttleMs).toBe(5)
    expect(loadRenacerConfig('').assertions).toEqual([])
    expect(() => loadRenacerConfig('/no/such/renacer.toml')).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG', message: expect.stringMatching(/cannot read \/no\/such\/renacer.toml/) }))
  })
})

describe('renacer.toml: [andon] tables', () => {
  it('maps snake_case keys to the rule set; enabled = false disables a default rule', () => {
    const c = parseRenacerConfig(`
[andon]
stop_on_error = false
[andon.plateau]
enabled = false
[andon.non_finite]
consecutive = 3
keep_firing_for = 2
metrics = ["loss"]
[[andon.threshold]]
name = "lr_high"
metrics = ["learning_rate"]
above = 1.0
action = "pause"
[andon.drift]
warning = "ignore"
[[andon.handler]]
type = "webhook"
url = "http://127.0.0.1:9/hook"
retries = 2
`)
    expect(c.andon.stopOn).toEqual({ error: false })
    expect(c.andon.rules).toMatchObject({ plateau: false, nonFinite: { consecutive: 3, keepFiringFor: 2, metrics: ['loss'] }, threshold: [{ name: 'lr_high', above: 1, action: 'pause' }], drift: { warning: null } })
    expect(c.andon.handlers).toEqual([{ type: 'webhook', url: 'http://127.0.0.1:9/hook', retries: 2 }])
  })

  it('[[andon.budget]] declares a wall-time budget (fail_on_violation defaults to true)', () => {
    const c = parseRenacerConfig('[[andon.budget]]\nname = "run_time"\nmax_wall_time_ms = 3600000\n')
    expect(c.andon.rules?.budgets).toEqual([{ kind: 'wall_time', name: 'run_time', maxMs: 3600000, failOnViolation: true }])
    rejects('[[andon.budget]]\nname = "x"\n', 1, 1, /needs name and max_wall_time_ms/)
    rejects('[[andon.budget]]\nname = "x"\nmax_wall_time_ms = 5\nmax_steps = 3\n', 4, 1, /max_steps: unknown key/)
  })

  it('array tables give several rules of one kind', () => {
    const c = parseRenacerConfig('[[andon.divergence]]\nmetrics = ["loss"]\nthreshold = 5.0\n[[andon.divergence]]\nmetrics = ["val_loss"]\nfactor = 3.0\n')
    expect(c.andon.rules?.divergence).toHaveLength(2)
  })
})

describe('renacer.toml: a hostile corpus', () => {
  it('TOML syntax errors carry smol-toml’s line and column', () => {
    rejects('[[assertion]]\nname = "a\n', 2, 10, /Invalid TOML document/)
    rejects('a = 1\na = 2\n', 2, 1, /Invalid TOML/)
  })

  it('numbers beyond 2^53 − 1 are rejected, never rounded', () => {
    rejects('[[assertion]]\nname = "m"\ntype = "memory_usage"\nmax_bytes = 9007199254740993\n', 4, 13, /cannot be represented losslessly/)
    rejects('[[assertion]]\nname = "m"\ntype = "memory_usage"\nmax_bytes = 1e300\n', 4, 1, /max_bytes: expected an integer >= 1 \(at most 2\^53 - 1\), got 1e\+300/)
    rejects('[[assertion]]\nname = "m"\ntype = "critical_path"\nmax_duration_ms = inf\n', 4, 1, /got Infinity/)
    rejects('[[assertion]]\nname = "m"\ntype = "critical_path"\nmax_duration_ms = nan\n', 4, 1, /got NaN/)
  })

  it('wrong types', () => {
    rejects('[[assertion]]\nname = "a"\ntype = "critical_path"\nmax_duration_ms = "1500"\n', 4, 1, /expected an integer >= 1.*got "1500"/)
    rejects('[[assertion]]\nname = "a"\ntype = "critical_path"\nmax_duration_ms = 1.5\n', 4, 1, /got 1.5/)
    rejects('[[assertion]]\nname = "a"\ntype = "critical_path"\nmax_duration_ms = -3\n', 4, 1, /got -3/)
    rejects('[[assertion]]\nname = "a"\ntype = "critical_path"\nmax_duration_ms = 5\nenabled = "yes"\n', 5, 1, /enabled: expected true or false/)
    rejects('[[assertion]]\nname = 42\ntype = "custom"\nexpression = "x"\n', 2, 1, /name: expected a non-empty string, got 42/)
    rejects('[[assertion]]\nname = "a"\ntype = "span_count"\nmax_spans = 1979-05-27\n', 4, 1, /got date 1979-05-27/)
    rejects('assertion = 3\n', 1, 1, /must be an array of tables/)
    rejects('[andon.non_finite]\nmetrics = ["loss", 3]\n', 2, 1, /metrics\[1\]: expected a non-empty string, got 3/)
    rejects('[andon]\nthrottle_ms = -1\n', 2, 1, /throttle_ms: must be >= 0/)
    rejects('[andon.divergence]\nfactor = 1.0\n', 2, 1, /factor: must be > 1/)
    rejects('[andon.gradient_explosion]\nlr_scale = 1.5\n', 2, 1, /lr_scale: must be <= 0.999999/)
    rejects('[andon.non_finite]\nlevel = "fatal"\n', 2, 1, /level: expected one of "info", "warning", "error", "critical"/)
  })

  it('duplicate names, unknown types and missing keys', () => {
    rejects('[[assertion]]\nname = "a"\ntype = "span_count"\nmax_spans = 5\n\n[[assertion]]\nname = "a"\ntype = "span_count"\nmax_spans = 6\n', 7, 1, /duplicate assertion name "a" \(first at assertion\[0\]\)/)
    rejects('[[assertion]]\nname = "a"\ntype = "latency"\n', 3, 1, /unknown assertion type "latency"/)
    rejects('[[assertion]]\nname = "a"\n', 1, 1, /assertion\[0\]\.type: required/)
    rejects('[[assertion]]\ntype = "span_count"\nmax_spans = 1\n', 1, 1, /name is required/)
    rejects('[[assertion]]\nname = "a"\ntype = "memory_usage"\n', 1, 1, /memory_usage requires max_bytes/)
    rejects('[[assertion]]\nname = "a"\ntype = "memory_usage"\nmax_bytes = 5\ntracking_mode = "heap"\n', 5, 1, /expected one of "rss", "allocations"/)
    // trueno-db writes "PCIeBottleneck": a strict parse rejects it, as renacer's serde would
    rejects('[[assertion]]\nname = "a"\ntype = "anti_pattern"\npattern = "PCIeBottleneck"\nthreshold = 0.5\n', 4, 1, /expected one of "GodProcess", "TightLoop", "PcieBottleneck"/)
    rejects('[[assertion]]\nname = "a"\ntype = "anti_pattern"\npattern = "TightLoop"\nthreshold = 1.5\n', 5, 1, /must be <= 1/)
  })

  it('unknown keys and tables, at their line and column', () => {
    rejects('[[assertion]]\nname = "a"\ntype = "span_count"\nmax_spans = 5\n  max_span = 6\n', 5, 3, /assertion\[0\]\.max_span: unknown key/)
    rejects('[[assertion]]\nname = "a"\ntype = "critical_path"\nmax_duration_ms = 5\nmax_bytes = 7\n', 5, 1, /max_bytes: unknown key/)
    rejects('[andon]\nstop_on_panic = true\n', 2, 1, /andon\.stop_on_panic: unknown key/)
    rejects('[andon.nan]\nlevel = "error"\n', 1, 1, /andon\.nan: unknown key/)
    rejects('[andon.divergence]\nthreshhold = 3.0\n', 2, 1, /andon\.divergence\.threshhold: unknown key/)
    rejects('[[andon.threshold]]\nname = "x"\nmetrics = ["a"]\nabove = 1.0\n[[andon.threshold]]\nname = "y"\nmetrics = ["a"]\nabove = 1.0\nbogus = 1\n', 9, 1, /andon\.threshold\[1\]\.bogus: unknown key/)
    rejects('[monitor]\nx = 1\n', 1, 1, /monitor: unknown top-level key/)
    rejects('title = "x"\n', 1, 1, /title: unknown top-level key/)
  })

  it('rule-specific constraints', () => {
    rejects('[andon.stall]\ntimeout_ms = 0\n', 2, 1, /timeout_ms: expected an integer >= 1/)
    rejects('[andon.stall]\nfor = 3\n', 2, 1, /stall has no for/)
    rejects('[[andon.stall]]\ntimeout_ms = 5\n', 1, 1, /must be a table, not an array/)
    rejects('[andon.threshold]\nmetrics = ["a"]\nabove = 1.0\n', 1, 1, /array of tables/)
    rejects('[[andon.threshold]]\nmetrics = ["a"]\n', 1, 1, /needs metrics and above or below/)
    rejects('[[andon.threshold]]\nname = "Bad Name"\nmetrics = ["a"]\nabove = 1.0\n', 2, 1, /snake_case/)
    rejects('[[andon.handler]]\ntype = "slack"\n', 1, 1, /exactly one of url, url_env/)
    rejects('[[andon.handler]]\ntype = "webhook"\nurl = "file:///etc/passwd"\n', 3, 1, /not an http\(s\) URL/)
    rejects('[[andon.handler]]\ntype = "pagerduty"\n', 1, 1, /routing_key_env/)
    rejects('[[andon.handler]]\ntype = "console"\npath = "x"\n', 3, 1, /not a key of a console handler/)
    rejects('[[assertion]]\nname = "a"\ntype = "critical_path"\nmax_duration_ms = 5\ntrace_name_pattern = "(["\n', 5, 1, /not a valid regular expression/)
  })

  it('a multi-line string does not confuse the locator', () => {
    rejects('[[assertion]]\nname = "a"\ntype = "custom"\nexpression = """\n[andon]\nbogus = 1\n"""\nextra = 1\n', 8, 1, /extra: unknown key/)
  })

  it('non-string input is a coded error', () => {
    expect(() => parseRenacerConfig(42 as unknown as string)).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })
})

describe('renacer.toml: property', () => {
  const token = fc.constantFrom(
    '[[assertion]]',
    '[andon]',
    '[andon.divergence]',
    '[[andon.threshold]]',
    'name = "a"',
    'type = "span_count"',
    'type = "memory_usage"',
    'max_spans = 5',
    'max_bytes = 1e400',
    'factor = 0.5',
    'metrics = ["loss"]',
    'level = "error"',
    'enabled = false',
    'x = [1, "a"]',
    'expression = """',
    '"""',
    '= =',
    '\u0000',
    'for = 3',
    'above = nan',
    'tracking_mode = "rss"',
    '[[andon.silence]]',
    `matchers = ['rule="a"', 'metric=~"(x"']`,
    `matchers = ['run!="r"']`,
    'duration = "1h"',
    'comment = "c"',
    'ends_at = 2026-01-01T00:00:00Z',
    'starts_at = 2026-01-01',
    'mute_critical = true',
  )
  it('any text either loads or fails with ENTRENAR_INVALID_CONFIG and a 1-based position; never another error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(token, { maxLength: 12 }).map((t) => t.join('\n')), fc.string({ maxLength: 200 })), (text) => {
        try {
          const c = parseRenacerConfig(text, 'p.toml')
          for (const w of c.warnings) expect(w.line).toBeGreaterThanOrEqual(1)
        } catch (e) {
          expect(isEntrenarError(e, 'ENTRENAR_INVALID_CONFIG'), String(e)).toBe(true)
          const d = (e as { details?: { line?: number; column?: number } }).details
          if (d?.line !== undefined) {
            expect(d.line).toBeGreaterThanOrEqual(1)
            expect(d.line).toBeLessThanOrEqual(text.split('\n').length + 1)
            expect(d.column).toBeGreaterThanOrEqual(1)
          }
        }
      }),
      // Seeded: CI replays the same texts; FC_SEED=<n> explores others locally.
      { numRuns: 500, seed: Number(process.env.FC_SEED ?? 20261126) },
    )
  })
})

describe('renacer.toml: [[andon.silence]]', () => {
  const head = '[andon]\nthrottle_ms = 0\n'
  it('reads silences: amtool matchers, offset date-times or a duration, defaults for id and created_by', () => {
    const c = parseRenacerConfig(
      `${head}
[[andon.silence]]
matchers = ['rule="plateau"', 'metric =~ "val_.*"']
duration = "2h"
comment = "warm-up plateaus are expected"

[[andon.silence]]
id = "nan-known"
matchers = ['rule="non_finite"', 'run="exp-7"']
starts_at = 2026-01-31T18:00:00Z
ends_at = 2026-02-01T06:00:00+01:00
created_by = "ana"
comment = "fp16 overflow, fixed in exp-8"
mute_critical = true
`,
      'r.toml',
    )
    expect(c.andon.silences).toEqual([
      {
        id: 'renacer-1',
        matchers: [
          { name: 'rule', op: '=', value: 'plateau' },
          { name: 'metric', op: '=~', value: 'val_.*' },
        ],
        durationMs: 7_200_000,
        createdBy: 'r.toml',
        comment: 'warm-up plateaus are expected',
      },
      {
        id: 'nan-known',
        matchers: [
          { name: 'rule', op: '=', value: 'non_finite' },
          { name: 'run', op: '=', value: 'exp-7' },
        ],
        startsAtMs: Date.UTC(2026, 0, 31, 18),
        endsAtMs: Date.UTC(2026, 1, 1, 5),
        createdBy: 'ana',
        comment: 'fp16 overflow, fixed in exp-8',
        muteCritical: true,
      },
    ])
  })

  it('declares them in the Andon: a duration counts from when the Andon starts; a past window is expired, not an error', () => {
    const c = parseRenacerConfig(`${head}[[andon.silence]]\nmatchers = ['rule="plateau"']\nduration = "1h"\ncomment = "c"\n[[andon.silence]]\nid = "old"\nmatchers = ['rule="divergence"']\nends_at = 2026-05-31T00:00:00Z\ncomment = "c"\n[[andon.silence]]\nid = "ancient"\nmatchers = ['rule="divergence"']\nends_at = 2020-01-01T00:00:00Z\ncomment = "c"\n`)
    const t0 = Date.UTC(2026, 5, 1)
    const a = createAndon({ renacer: c, timers: false, now: () => t0 })
    expect(a.silences().map((s) => `${s.id}:${s.state}:${s.endsAtMs - t0}`)).toEqual(['old:expired:-86400000', 'renacer-1:active:3600000'])
    // one that ended before the retention (120 h) is forgotten at once
    void a.close()
  })

  it('rejects bad silences at their line and column', () => {
    const s = (body: string) => `${head}[[andon.silence]]\n${body}`
    rejects(s(`matchers = ['rule=~"("']\nduration = "1h"\ncomment = "c"\n`), 4, 1, /matchers\[0\]: .*not a valid regular expression/)
    rejects(s(`matchers = ['rule']\nduration = "1h"\ncomment = "c"\n`), 4, 1, /is not a matcher/)
    rejects(s(`matchers = ['rule="a"']\nduration = "1h"\n`), 3, 1, /needs a comment/)
    rejects(s(`duration = "1h"\ncomment = "c"\n`), 3, 1, /needs matchers/)
    rejects(s(`matchers = ['rule="a"']\nduration = "soon"\ncomment = "c"\n`), 5, 1, /duration "soon"/)
    rejects(s(`matchers = ['rule="a"']\nends_at = 2026-01-01T00:00:00\ncomment = "c"\n`), 5, 1, /offset date-time/)
    rejects(s(`matchers = ['rule="a"']\nends_at = "tomorrow"\ncomment = "c"\n`), 5, 1, /offset date-time/)
    rejects(s(`matchers = ['rule="a"']\nends_at = 2026-01-01T00:00:00Z\nduration = "1h"\ncomment = "c"\n`), 5, 1, /exactly one of endsAtMs and durationMs/)
    rejects(s(`matchers = ['rule="a"']\nstarts_at = 2026-01-02T00:00:00Z\nends_at = 2026-01-01T00:00:00Z\ncomment = "c"\n`), 6, 1, /not after its start/)
    rejects(s(`matchers = ['run="r1"']\nduration = "1h"\ncomment = "c"\nmute_critical = true\n`), 7, 1, /muteCritical needs a rule=/)
    rejects(s(`matchers = ['metric!="loss"']\nduration = "1h"\ncomment = "c"\n`), 4, 1, /must not match the empty string/)
    rejects(s(`matchers = ['rule="a"']\nduration = "1h"\ncomment = "c"\nsilence_all = true\n`), 7, 1, /unknown key/)
    rejects(s(`matchers = []\nduration = "1h"\ncomment = "c"\n`), 4, 1, /non-empty array/)
    rejects(s(`id = "a b"\nmatchers = ['rule="a"']\nduration = "1h"\ncomment = "c"\n`), 4, 1, /id "a b"/)
    rejects(`${s(`id = "x"\nmatchers = ['rule="a"']\nduration = "1h"\ncomment = "c"\n`)}[[andon.silence]]\nid = "x"\nmatchers = ['rule="b"']\nduration = "1h"\ncomment = "c"\n`, 9, 1, /duplicate silence id "x"/)
    rejects(`${head}[andon.silence]\nmatchers = ['rule="a"']\n`, 3, 1, /array of tables/)
  })
})
