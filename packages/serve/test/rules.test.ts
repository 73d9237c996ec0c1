import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { alertRules } from '../src/index.js'

function promtool(args: string[], cwd: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8' })
  if (r.error) throw new Error(`promtool (Debian package prometheus) is needed: ${r.error.message}`)
  return { status: r.status, out: r.stdout + r.stderr }
}

describe('alertRules', () => {
  it('is accepted by promtool check rules and fires as promtool test rules expects', () => {
    const dir = mkdtempSync(join(tmpdir(), 'entrenar-rules-'))
    try {
      writeFileSync(join(dir, 'rules.yml'), alertRules({ stallSeconds: 300, maxStepSeconds: 2 }))
      const check = promtool(['check', 'rules', 'rules.yml'], dir)
      expect(check.out).toContain('SUCCESS: 5 rules found')
      expect(check.status).toBe(0)
      // Prometheus' own rule engine on synthetic series (time starts at 0 s, one sample per minute).
      writeFileSync(
        join(dir, 'test.yml'),
        `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'entrenar_last_step_timestamp_seconds{run_id="alive"}'
        values: '0+60x20'
      - series: 'entrenar_last_step_timestamp_seconds{run_id="stuck"}'
        values: '0 60 120 120 120 120 120 120 120 120 120 120'
      - series: 'entrenar_non_finite_total{run_id="alive",metric="loss",kind="nan"}'
        values: '0 0 0 1 1 1'
      - series: 'entrenar_alerts_total{run_id="alive",level="critical",rule="non_finite"}'
        values: '0 0 0 1 1 1'
      - series: 'entrenar_alerts_total{run_id="alive",level="warning",rule="divergence"}'
        values: '0 1 2 3 4 5'
    alert_rule_test:
      - eval_time: 4m
        alertname: TrainingStalled
        exp_alerts: []
      - eval_time: 10m
        alertname: TrainingStalled
        exp_alerts:
          - exp_labels: { severity: warning, run_id: stuck }
            exp_annotations: { summary: 'Run stuck has logged nothing for more than 5m' }
      - eval_time: 4m
        alertname: TrainingNonFiniteValue
        exp_alerts:
          - exp_labels: { severity: critical, run_id: alive, metric: loss, kind: nan }
            exp_annotations: { summary: 'Run alive: loss became nan' }
      - eval_time: 4m
        alertname: TrainingAndonStop
        exp_alerts:
          - exp_labels: { severity: critical, run_id: alive, level: critical, rule: non_finite }
            exp_annotations: { summary: 'Run alive: the Andon raised critical (non_finite)' }
`,
      )
      const test = promtool(['test', 'rules', 'test.yml'], dir)
      expect(test.out).toContain('SUCCESS')
      expect(test.status).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('rejects a bad threshold', () => {
    expect(() => alertRules({ stallSeconds: 0 })).toThrow(/stallSeconds/)
    expect(() => alertRules({ maxStepSeconds: -1 })).toThrow(/maxStepSeconds/)
  })
})
