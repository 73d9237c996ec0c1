import { type AlertLevel, EntrenarError, ErrorCodes, levelRank, type MetricStore, type RunInfo } from '@entrenar/core'
import { findingsOf } from './findings.js'
import { analyzeGradient, analyzeMetric, inferDirection, isGradientMetric, type MetricTuning } from './metric.js'
import type { AnalyzeOptions, Checkpoint, GradientAnalysis, HanseiReport, MetricAnalysis, TimelineEntry } from './types.js'
import { checkOptions, optionKeys } from '@entrenar/core'

function positive(name: string, v: number | undefined, fallback: number, max = Number.POSITIVE_INFINITY): number {
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !(v > 0) || v > max) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/monitor: hansei option ${name} must be a number in (0, ${max}], got ${String(v)}`)
  return v
}

function classesOf(run: RunInfo | undefined, given: number | undefined): number | undefined {
  if (given !== undefined) {
    if (!Number.isInteger(given) || given < 2) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/monitor: hansei option classes must be an integer ≥ 2, got ${String(given)}`)
    return given
  }
  const c = run?.config
  for (const k of ['num_classes', 'classes', 'n_classes', 'numClasses']) {
    const v = c?.[k]
    if (typeof v === 'number' && Number.isInteger(v) && v >= 2) return v
  }
  return undefined
}

/**
 * Hansei (反省, "reflection"): the post-mortem of a run, computed from its stored, step-ordered
 * history (`store.query({ runs: [runId] })`), not from summaries. Per metric: the real first and last
 * values, a least-squares slope and a Mann–Kendall test → improving / degrading / stable / oscillating
 * (a constant series is stable); the first non-finite step and which metric went first; gradient
 * explosion and vanishing; accuracy at chance level; plateaus; metric groups some of whose members
 * stopped learning; the Andon and drift timeline; the last good checkpoint; findings and
 * recommendations ordered by severity. Unknown runs reject with `ENTRENAR_NOT_FOUND`.
 *
 * @example
 * ```ts
 * const report = await analyzeRun(store, 'run-1', { incidents: monitor.summary().incidents })
 * console.log(renderHanseiMarkdown(report))
 * ```
 */
export async function analyzeRun(store: Pick<MetricStore, 'query' | 'runs'>, runId: string, options: AnalyzeOptions = {}): Promise<HanseiReport> {
  checkOptions('entrenar/monitor: analyzeRun', options, ANALYZE_RUN_OPTIONS)
  if (typeof runId !== 'string' || runId.length === 0) throw new EntrenarError(ErrorCodes.INVALID_RUN_ID, `entrenar/monitor: hansei needs a run id, got ${JSON.stringify(runId)}`)
  const tuning: MetricTuning = {
    alpha: positive('alpha', options.alpha, 0.05, 1),
    minRelativeChange: positive('minRelativeChange', options.minRelativeChange, 0.01),
    oscillationCv: positive('oscillationCv', options.oscillationCv, 0.1),
    plateauMinDelta: positive('plateauMinDelta', options.plateauMinDelta, 0.01),
    plateauFraction: positive('plateauFraction', options.plateauFraction, 0.25, 1),
  }
  const grad = {
    factor: positive('explosionFactor', options.explosionFactor, 10),
    maxNorm: positive('maxGradientNorm', options.maxGradientNorm, Number.POSITIVE_INFINITY),
    below: positive('vanishingBelow', options.vanishingBelow, 1e-7),
    for: Math.ceil(positive('vanishingFor', options.vanishingFor, 10)),
  }
  const [runs, result] = await Promise.all([store.runs(), store.query({ runs: [runId], ...(options.metrics ? { metrics: options.metrics } : {}) })])
  const run = runs.find((r) => r.id === runId)
  if (run === undefined && result.series.length === 0) {
    throw new EntrenarError(ErrorCodes.NOT_FOUND, `entrenar/monitor: run ${JSON.stringify(runId)} is not in the store (${runs.length} runs there)`, { details: { runId } })
  }
  const checkpointMetric = options.checkpointMetric ?? 'checkpoint'
  const gradientNames = new Set(options.gradientMetrics ?? result.series.map((s) => s.metric).filter(isGradientMetric))
  const metrics: MetricAnalysis[] = []
  const gradients: GradientAnalysis[] = []
  const fromStore: Checkpoint[] = []
  let points = 0
  let firstStep = Number.POSITIVE_INFINITY
  let lastStep = Number.NEGATIVE_INFINITY
  const wentNonFinite: { metric: string; step: number; ts: number; value: number }[] = []
  for (const s of result.series) {
    const n = s.x.length
    points += n
    if (n) {
      firstStep = Math.min(firstStep, s.x[0]!)
      lastStep = Math.max(lastStep, s.x[n - 1]!)
    }
    if (s.metric === checkpointMetric) {
      for (let i = 0; i < n; i++) fromStore.push({ step: s.x[i]!, label: `${checkpointMetric} ${s.value[i]}` })
      continue
    }
    const a = analyzeMetric(s.metric, s.x, s.value, options.directions?.[s.metric] ?? inferDirection(s.metric), tuning)
    metrics.push(a)
    if (a.firstNonFinite) {
      const i = s.x.indexOf(a.firstNonFinite.step)
      wentNonFinite.push({ metric: s.metric, step: a.firstNonFinite.step, ts: s.timestampUs?.[i] ?? 0, value: a.firstNonFinite.value })
    }
    if (gradientNames.has(s.metric)) gradients.push(analyzeGradient(s.metric, s.x, s.value, grad))
  }
  // Which metric went first: the earliest step, then the earliest wall-clock time within that step.
  wentNonFinite.sort((a, b) => a.step - b.step || a.ts - b.ts)
  const first = wentNonFinite[0]
  const nonFinite = first ? { step: first.step, metric: first.metric, value: first.value, order: wentNonFinite.map((w) => ({ metric: w.metric, step: w.step })) } : undefined

  const classes = classesOf(run, options.classes)
  const chance: HanseiReport['chance'][number][] = []
  if (classes !== undefined) {
    for (const a of metrics) {
      if (a.direction !== 'higher' || !/acc/i.test(a.metric) || a.finiteCount === 0) continue
      const s = result.series.find((x) => x.metric === a.metric)!
      const final = tailMean(s.value)
      const p = 1 / classes
      chance.push({ metric: a.metric, classes, chance: p, final, atChance: final <= p + Math.max(0.02, 0.1 * p) })
    }
  }

  const stalledGroups = groupsOf(metrics, gradients)
  const timeline = timelineOf(options, nonFinite, gradients, options.checkpoints ?? fromStore)
  const problemStep = firstProblemStep(options, nonFinite, gradients)
  const checkpoints = [...(options.checkpoints ?? fromStore)].sort((a, b) => a.step - b.step)
  const good = checkpoints.filter((c) => problemStep === undefined || c.step < problemStep).at(-1)
  const lastGoodCheckpoint = good ? { ...good, ...(problemStep === undefined ? {} : { problemStep }) } : undefined

  const partial = { runId, run, metrics, nonFinite, gradients, chance, stalledGroups, incidents: options.incidents ?? [], driftEvents: options.driftEvents ?? [], lastGoodCheckpoint, problemStep }
  const findings = findingsOf(partial)
  const recommendations = [...new Set(findings.map((f) => f.recommendation).filter((r) => r.length > 0))]
  const worst = findings.reduce((w, f) => Math.max(w, levelRank(f.severity)), -1)
  return {
    schemaVersion: 1,
    runId,
    run,
    generatedAtMs: (options.now ?? Date.now)(),
    verdict: worst >= levelRank('error') ? 'failed' : worst === levelRank('warning') ? 'degraded' : 'healthy',
    points,
    durationMs: run?.endTimeMs === undefined ? undefined : run.endTimeMs - run.startTimeMs,
    steps: points ? { first: firstStep, last: lastStep } : undefined,
    metrics,
    ...(nonFinite ? { nonFinite } : {}),
    gradients,
    chance,
    stalledGroups,
    timeline,
    ...(lastGoodCheckpoint ? { lastGoodCheckpoint } : {}),
    findings,
    recommendations,
  }
}

/** Mean of the finite values of the last tenth of a series (at least one point). */
function tailMean(values: Float64Array): number {
  const k = Math.max(1, Math.ceil(values.length / 10))
  let sum = 0
  let n = 0
  for (let i = values.length - k; i < values.length; i++) {
    if (Number.isFinite(values[i]!)) {
      sum += values[i]!
      n++
    }
  }
  return n ? sum / n : Number.NaN
}

/** What the metrics of one group member (`expert_2/…`) say. */
interface MemberFacts {
  suffixes: Set<string>
  hasGrad: boolean
  vanished: boolean
  directed: number
  improving: number
}

/**
 * Groups metrics named `<member>/<metric>` or `<member>.<metric>` (experts, layers, heads) and names
 * the members that stopped learning while their siblings did not (e.g. two dead experts of four in a
 * mixture of experts). A member with a gradient-norm metric is stalled when its gradient vanished;
 * one without is stalled when none of its directed metrics (losses, accuracies) improved.
 */
function groupsOf(metrics: readonly MetricAnalysis[], gradients: readonly GradientAnalysis[]): HanseiReport['stalledGroups'] {
  const vanished = new Set(gradients.filter((g) => g.vanishing).map((g) => g.metric))
  const gradNames = new Set(gradients.map((g) => g.metric))
  const members = new Map<string, MemberFacts>()
  for (const a of metrics) {
    const m = /^(.+)[/.]([^/.]+)$/.exec(a.metric)
    if (!m) continue
    const member = m[1] as string
    const e = members.get(member) ?? { suffixes: new Set<string>(), hasGrad: false, vanished: false, directed: 0, improving: 0 }
    e.suffixes.add(m[2] as string)
    if (gradNames.has(a.metric)) {
      e.hasGrad = true
      e.vanished ||= vanished.has(a.metric)
    } else if (a.direction !== 'neutral') {
      e.directed++
      if (a.trend === 'improving') e.improving++
    }
    members.set(member, e)
  }
  // Members form families by name without the trailing index (`expert_0`…`expert_3`, `layer.1`…);
  // siblings share a metric name, and a family needs two members to compare.
  const families = new Map<string, [string, MemberFacts][]>()
  for (const entry of members) {
    const family = commonPrefix([entry[0]])
    families.set(family, [...(families.get(family) ?? []), entry])
  }
  const isStalled = (e: MemberFacts) => (e.hasGrad ? e.vanished : e.directed > 0 && e.improving === 0)
  const out: { prefix: string; stalled: string[]; healthy: string[] }[] = []
  for (const [prefix, list] of families) {
    const shared = list.filter(([name, e]) => list.some(([other, o]) => other !== name && [...e.suffixes].some((x) => o.suffixes.has(x))))
    if (shared.length < 2) continue
    const stalled = shared.filter(([, e]) => isStalled(e)).map(([n]) => n)
    const healthy = shared.filter(([, e]) => !isStalled(e)).map(([n]) => n)
    if (stalled.length && healthy.length) out.push({ prefix, stalled: stalled.sort(), healthy: healthy.sort() })
  }
  return out.sort((a, b) => (a.prefix < b.prefix ? -1 : 1))
}

function commonPrefix(names: readonly string[]): string {
  if (names.length === 0) return ''
  let p = names[0]!
  for (const n of names) while (!n.startsWith(p)) p = p.slice(0, -1)
  return p.replace(/[\d_\-.]+$/, '') || p
}

function firstProblemStep(o: AnalyzeOptions, nonFinite: HanseiReport['nonFinite'], gradients: readonly GradientAnalysis[]): number | undefined {
  const steps: number[] = []
  if (nonFinite) steps.push(nonFinite.step)
  for (const g of gradients) if (g.explosion) steps.push(g.explosion.step)
  for (const i of o.incidents ?? []) if (i.step !== undefined && (i.decision === 'stop' || levelRank(i.level) >= levelRank('error'))) steps.push(i.step)
  return steps.length ? Math.min(...steps) : undefined
}

const DRIFT_LEVEL: Record<string, AlertLevel> = { warning: 'info', drift: 'warning', invalid: 'error' }

function timelineOf(o: AnalyzeOptions, nonFinite: HanseiReport['nonFinite'], gradients: readonly GradientAnalysis[], checkpoints: readonly Checkpoint[]): TimelineEntry[] {
  const t: TimelineEntry[] = []
  for (const i of o.incidents ?? []) {
    t.push({
      kind: 'incident',
      step: i.step,
      level: i.level,
      source: i.rule,
      ...(i.metric === undefined ? {} : { metric: i.metric }),
      message: `${i.message} → ${i.decision}`,
      timestampMs: i.timestampMs,
      decision: i.decision,
    })
  }
  for (const d of o.driftEvents ?? []) {
    t.push({
      kind: 'drift',
      step: d.step,
      level: d.severity === 'high' && d.signal === 'drift' ? 'error' : (DRIFT_LEVEL[d.signal] ?? 'info'),
      source: d.detector,
      metric: d.metric,
      message: `${d.detector} signalled ${d.signal} on ${d.metric} (statistic ${fmt(d.statistic)}${d.threshold === undefined || d.signal !== 'drift' ? '' : ` > ${fmt(d.threshold)}`}${d.falseAlarmsPerMillion === undefined ? '' : `, budget ${d.falseAlarmsPerMillion} false alarms per 10⁶ values`}${d.severity ? `, ${d.severity}` : ''})`,
      timestampMs: d.timestampMs,
    })
  }
  if (nonFinite) t.push({ kind: 'non_finite', step: nonFinite.step, level: 'critical', source: 'hansei', metric: nonFinite.metric, message: `${nonFinite.metric} became ${nonFinite.value} (first non-finite value of the run)` })
  for (const g of gradients) {
    if (g.explosion) t.push({ kind: 'gradient_explosion', step: g.explosion.step, level: 'error', source: 'hansei', metric: g.metric, message: `${g.metric} ${fmt(g.explosion.value)} is ${fmt(g.explosion.ratio)}× its running mean` })
  }
  for (const c of checkpoints) t.push({ kind: 'checkpoint', step: c.step, level: 'info', source: 'checkpoint', message: `checkpoint saved${c.label ? ` (${c.label})` : ''}` })
  // By step; entries without a step (stall incidents) go last, by time.
  return t.sort((a, b) => (a.step ?? Number.POSITIVE_INFINITY) - (b.step ?? Number.POSITIVE_INFINITY) || (a.timestampMs ?? 0) - (b.timestampMs ?? 0))
}

/** Short number formatting shared by the renderers. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x)
  const a = Math.abs(x)
  if (a === 0) return '0'
  return a < 1e-3 || a >= 1e5 ? x.toExponential(2) : Number(x.toPrecision(4)).toString()
}

/** The option names analyzeRun accepts (unknown ones are errors). */
const ANALYZE_RUN_OPTIONS = optionKeys<NonNullable<Parameters<typeof analyzeRun>[2]>>({ metrics: true, incidents: true, driftEvents: true, checkpoints: true, checkpointMetric: true, directions: true, classes: true, gradientMetrics: true, alpha: true, minRelativeChange: true, oscillationCv: true, plateauMinDelta: true, plateauFraction: true, explosionFactor: true, maxGradientNorm: true, vanishingBelow: true, vanishingFor: true, now: true })
