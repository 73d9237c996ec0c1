import { EntrenarError, ErrorCodes } from '@entrenar/core'
import { sanitizeMetricName } from './format.js'

/** Options of {@link alertRules}. */
export interface AlertRulesOptions {
  /** Family-name prefix of the exporter. Default `entrenar`. */
  readonly prefix?: string
  /** Rule group name. Default `entrenar-training`. */
  readonly group?: string
  /** A run that logged nothing for this long is stalled. Default 300 s. */
  readonly stallSeconds?: number
  /** When set, alert when the p90 step time over 10 minutes exceeds it (seconds). */
  readonly maxStepSeconds?: number
}

function duration(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`
}

/**
 * Prometheus alerting rules for the exporter's families (a rule file to load with `rule_files:`),
 * the server-side counterpart of the Andon for teams that alert from Prometheus (prime-rl's stall
 * rule is the model): a run that stopped logging, a non-finite value, an Andon ERROR/CRITICAL, a
 * cardinality-guard drop and, optionally, slow steps. `promtool check rules` and `promtool test rules`
 * accept it (tested). A finished run should be removed from the exporter (`removeRun`) so it does not
 * look stalled.
 */
export function alertRules(options: AlertRulesOptions = {}): string {
  const p = sanitizeMetricName(options.prefix ?? 'entrenar')
  const stall = options.stallSeconds ?? 300
  if (!(Number.isInteger(stall) && stall > 0)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: stallSeconds ${stall} must be a positive integer`)
  const maxStep = options.maxStepSeconds
  if (maxStep !== undefined && !(maxStep > 0)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: maxStepSeconds ${maxStep} must be > 0`)
  const group = JSON.stringify(options.group ?? `${p}-training`)
  const rule = (name: string, expr: string, forDuration: string | null, severity: string, summary: string) =>
    [
      `      - alert: ${name}`,
      `        expr: ${JSON.stringify(expr)}`,
      ...(forDuration ? [`        for: ${forDuration}`] : []),
      '        labels:',
      `          severity: ${severity}`,
      '        annotations:',
      `          summary: ${JSON.stringify(summary)}`,
    ].join('\n')
  const rules = [
    rule(
      'TrainingStalled',
      `time() - ${p}_last_step_timestamp_seconds > ${stall}`,
      '1m',
      'warning',
      `Run {{ $labels.run_id }} has logged nothing for more than ${duration(stall)}`,
    ),
    rule('TrainingNonFiniteValue', `increase(${p}_non_finite_total[5m]) > 0`, null, 'critical', 'Run {{ $labels.run_id }}: {{ $labels.metric }} became {{ $labels.kind }}'),
    rule(
      'TrainingAndonStop',
      `increase(${p}_alerts_total{level=~"error|critical"}[5m]) > 0`,
      null,
      'critical',
      'Run {{ $labels.run_id }}: the Andon raised {{ $labels.level }} ({{ $labels.rule }})',
    ),
    rule('TrainingExporterDroppingSeries', `increase(${p}_exporter_series_dropped_total[10m]) > 0`, null, 'warning', 'The exporter reached maxSeries and drops points of new series'),
  ]
  if (maxStep !== undefined) {
    rules.push(
      rule(
        'TrainingSlowSteps',
        `histogram_quantile(0.9, sum by (run_id, le) (rate(${p}_step_duration_seconds_bucket[10m]))) > ${maxStep}`,
        '5m',
        'warning',
        `Run {{ $labels.run_id }}: p90 step time above ${maxStep} s`,
      ),
    )
  }
  return `groups:\n  - name: ${group}\n    rules:\n${rules.join('\n')}\n`
}
