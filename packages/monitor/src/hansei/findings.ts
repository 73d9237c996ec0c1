import { type DriftEvent, type Incident, levelRank, type RunInfo } from '@entrenar/core'
import type { Finding, GradientAnalysis, HanseiReport, MetricAnalysis } from './types.js'

interface Facts {
  readonly runId: string
  readonly run: RunInfo | undefined
  readonly metrics: readonly MetricAnalysis[]
  readonly nonFinite: HanseiReport['nonFinite']
  readonly gradients: readonly GradientAnalysis[]
  readonly chance: HanseiReport['chance']
  readonly stalledGroups: HanseiReport['stalledGroups']
  readonly incidents: readonly Incident[]
  readonly driftEvents: readonly DriftEvent[]
  readonly lastGoodCheckpoint: HanseiReport['lastGoodCheckpoint']
  readonly problemStep: number | undefined
}

const n = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : String(x))

/** Findings with recommendations, most severe first (then by step). */
export function findingsOf(f: Facts): Finding[] {
  const out: Finding[] = []
  const resume = f.lastGoodCheckpoint && f.problemStep !== undefined ? ` Resume from the checkpoint at step ${f.lastGoodCheckpoint.step}${f.lastGoodCheckpoint.label ? ` (${f.lastGoodCheckpoint.label})` : ''}, the last one before step ${f.problemStep}.` : ''
  if (f.nonFinite) {
    const others = f.nonFinite.order.slice(1).map((o) => `${o.metric} at ${o.step}`)
    out.push({
      severity: 'critical',
      code: 'non_finite',
      metric: f.nonFinite.metric,
      step: f.nonFinite.step,
      message: `${f.nonFinite.metric} became ${f.nonFinite.value} at step ${f.nonFinite.step}, the first non-finite value of the run${others.length ? `; then ${others.join(', ')}` : ''}.`,
      recommendation: `Lower the learning rate (or add warm-up), clip gradients (e.g. global norm 1.0) and check the inputs and the loss for log(0) or division by zero.${resume}`,
    })
  }
  const stop = f.incidents.find((i) => i.decision === 'stop')
  if (stop) {
    out.push({
      severity: levelRank(stop.level) >= levelRank('error') ? stop.level : 'error',
      code: 'stopped',
      ...(stop.metric === undefined ? {} : { metric: stop.metric }),
      ...(stop.step === undefined ? {} : { step: stop.step }),
      message: `The Andon stopped the line${stop.step === undefined ? '' : ` at step ${stop.step}`}: ${stop.rule}: ${stop.message}`,
      recommendation: `Fix the cause named by the ${stop.rule} rule before restarting; backtest the rules on this run with \`entrenar andon backtest\` if the stop was a false alarm.`,
    })
  } else if (f.run?.status === 'stopped' || f.run?.status === 'failed') {
    out.push({
      severity: 'error',
      code: f.run.status,
      message: `The run ${f.run.status}${f.run.reason ? `: ${f.run.reason}` : ''}.`,
      recommendation: 'Read the reason above and the incident log (`<store>/andon/incidents.jsonl`).',
    })
  }
  for (const g of f.gradients) {
    if (g.explosion) {
      out.push({
        severity: 'error',
        code: 'gradient_explosion',
        metric: g.metric,
        step: g.explosion.step,
        message: `${g.metric} exploded at step ${g.explosion.step}: ${n(g.explosion.value)}, ${n(g.explosion.ratio)}× its running mean (${g.explosion.count} such steps).`,
        recommendation: 'Clip gradients by global norm, lower the learning rate or lengthen the warm-up.',
      })
    }
    if (g.vanishing) {
      out.push({
        severity: 'error',
        code: 'vanishing_gradients',
        metric: g.metric,
        step: g.vanishing.fromStep,
        message: `${g.metric} was ${g.vanishing.maxValue === 0 ? 'exactly 0' : `at most ${n(g.vanishing.maxValue)}`} from step ${g.vanishing.fromStep} to ${g.vanishing.toStep} (${g.vanishing.points} points): the parameters behind it no longer learn.`,
        recommendation: 'Check for dead units or singular weight matrices (re-initialise them), saturating activations and a learning rate decayed to zero; residual connections and normalisation keep gradients alive.',
      })
    }
  }
  for (const g of f.stalledGroups) {
    out.push({
      severity: 'error',
      code: 'stalled_components',
      message: `${g.stalled.length} of ${g.stalled.length + g.healthy.length} ${g.prefix || 'component'}s stopped learning: ${g.stalled.join(', ')} (still learning: ${g.healthy.join(', ')}).`,
      recommendation: `Inspect ${g.stalled.join(', ')}: their weights, routing share and gradients; re-initialise them or add a load-balancing loss so they receive training signal again.`,
    })
  }
  for (const c of f.chance) {
    if (!c.atChance) continue
    out.push({
      severity: 'error',
      code: 'chance_accuracy',
      metric: c.metric,
      message: `${c.metric} ended at ${n(c.final)}, chance level for ${c.classes} classes (${n(c.chance)}).`,
      recommendation: 'The model learned nothing: check that labels match inputs, that the loss is wired to the outputs and that the learning rate is not zero or huge.',
    })
  }
  for (const a of f.metrics) {
    if (a.direction === 'neutral' || a.finiteCount < 3) continue
    if (a.trend === 'degrading') {
      out.push({
        severity: 'warning',
        code: 'degrading',
        metric: a.metric,
        message: `${a.metric} got worse over the run: least-squares line ${n(a.fitted.from)} → ${n(a.fitted.to)} (Mann–Kendall z ${n(a.mannKendall.z)}, p ${n(a.mannKendall.pValue)}).`,
        recommendation: /val|test|eval/i.test(a.metric)
          ? 'A validation metric that worsens while training goes on is overfitting: stop earlier, regularise or add data.'
          : 'Lower the learning rate; check the data pipeline for a shift.',
      })
    } else if (a.trend === 'oscillating') {
      out.push({
        severity: 'warning',
        code: 'oscillating',
        metric: a.metric,
        message: `${a.metric} oscillates without a trend (mean ${n(a.mean)}, std ${n(a.std)}).`,
        recommendation: 'Lower the learning rate or raise the batch size; smooth the curve before judging it.',
      })
    }
    if (a.plateau) {
      const never = a.best !== undefined && a.first !== undefined && a.plateau.fromStep === a.first.step
      out.push({
        severity: never ? 'warning' : 'info',
        code: never ? 'no_learning' : 'plateau',
        metric: a.metric,
        step: a.plateau.fromStep,
        message: never
          ? `${a.metric} never improved on its first value ${n(a.first?.value ?? Number.NaN)} (${a.plateau.steps} steps).`
          : `${a.metric} has not improved since step ${a.plateau.fromStep} (${a.plateau.steps} steps, ${Math.round(a.plateau.fraction * 100)} % of the run).`,
        recommendation: never ? 'Check that this metric receives gradient at all (frozen parameters, a zero learning rate, a detached graph).' : 'Decay the learning rate on plateau, or stop early and keep the best checkpoint.',
      })
    }
  }
  const driftByMetric = new Map<string, DriftEvent[]>()
  for (const d of f.driftEvents) if (d.signal === 'drift') driftByMetric.set(d.metric, [...(driftByMetric.get(d.metric) ?? []), d])
  for (const [metric, ds] of driftByMetric) {
    out.push({
      severity: 'info',
      code: 'drift',
      metric,
      step: ds[0]!.step,
      message: `${ds.length} change point${ds.length === 1 ? '' : 's'} on ${metric} (${[...new Set(ds.map((d) => d.detector))].join(', ')}) at step${ds.length === 1 ? '' : 's'} ${ds
        .slice(0, 8)
        .map((d) => d.step)
        .join(', ')}${ds.length > 8 ? ', …' : ''}.`,
      recommendation: `Look at what changed at step ${ds[0]!.step} (data, schedule, a restart).`,
    })
  }
  return out.sort((a, b) => levelRank(b.severity) - levelRank(a.severity) || (a.step ?? Number.POSITIVE_INFINITY) - (b.step ?? Number.POSITIVE_INFINITY))
}
