import type { AlertLevel, Decision, DriftEvent, Incident, RunInfo } from '@entrenar/core'

/** Whether smaller or larger values of a metric are better; `neutral` for learning rates, norms, throughput. */
export type MetricDirection = 'lower' | 'higher' | 'neutral'

/**
 * The trend of a metric over the run. `improving` / `degrading` for metrics with a direction,
 * `increasing` / `decreasing` for neutral ones; `stable` (no significant monotone trend, small swings; a
 * constant series is stable); `oscillating` (no monotone trend but swings larger than `oscillationCv` of its level).
 */
export type Trend = 'improving' | 'degrading' | 'increasing' | 'decreasing' | 'stable' | 'oscillating'

/** A value at a step. */
export interface StepValue {
  readonly step: number
  readonly value: number
}

/** What Hansei found about one metric, from its stored, step-ordered history. */
export interface MetricAnalysis {
  readonly metric: string
  readonly direction: MetricDirection
  /** Rows, finite ones, and NaN / +Inf / −Inf counts. */
  readonly count: number
  readonly finiteCount: number
  readonly nanCount: number
  readonly posInfCount: number
  readonly negInfCount: number
  /** The first and the last stored point (by step), whatever its value. */
  readonly first: StepValue | undefined
  readonly last: StepValue | undefined
  /** Over finite values. */
  readonly min: number
  readonly max: number
  readonly mean: number
  readonly std: number
  /** Best finite value (lowest or highest by direction; the last one for neutral metrics). */
  readonly best: StepValue | undefined
  /** Least-squares slope of value over step (finite points). */
  readonly slope: number
  /** The least-squares line at the first and the last finite step. */
  readonly fitted: { readonly from: number; readonly to: number }
  /** Mann–Kendall test over the finite values in step order. */
  readonly mannKendall: { readonly s: number; readonly z: number; readonly pValue: number; readonly tau: number; readonly n: number }
  readonly trend: Trend
  /** The metric stopped improving at `fromStep` (only metrics with a direction). */
  readonly plateau?: { readonly fromStep: number; readonly toStep: number; readonly steps: number; readonly fraction: number }
  /** First non-finite point. */
  readonly firstNonFinite?: StepValue
}

/** Gradient findings of one gradient-norm metric. */
export interface GradientAnalysis {
  readonly metric: string
  /** First value above `explosionFactor` × its running mean (EMA) or above `maxGradientNorm`. */
  readonly explosion?: { readonly step: number; readonly value: number; readonly ratio: number; readonly count: number }
  /** First run of at least `vanishingFor` consecutive values below `vanishingBelow`. */
  readonly vanishing?: { readonly fromStep: number; readonly toStep: number; readonly points: number; readonly maxValue: number }
}

/** One entry of the incident timeline. */
export interface TimelineEntry {
  readonly kind: 'incident' | 'drift' | 'non_finite' | 'checkpoint' | 'gradient_explosion'
  readonly step: number | undefined
  readonly level: AlertLevel
  /** Rule, detector, or `hansei`. */
  readonly source: string
  readonly metric?: string
  readonly message: string
  readonly timestampMs?: number
  /** What the Andon decided (`kind: 'incident'` only). */
  readonly decision?: Decision
}

/** A problem found, with what to do about it. */
export interface Finding {
  readonly severity: AlertLevel
  /** Stable code, e.g. `non_finite`, `gradient_explosion`, `vanishing_gradients`, `chance_accuracy`, `plateau`. */
  readonly code: string
  readonly message: string
  readonly recommendation: string
  readonly metric?: string
  readonly step?: number
}

/** A checkpoint saved during the run. */
export interface Checkpoint {
  readonly step: number
  /** Path or name, when known. */
  readonly label?: string
}

/** The Hansei post-mortem of one run. */
export interface HanseiReport {
  readonly schemaVersion: 1
  readonly runId: string
  readonly run: RunInfo | undefined
  readonly generatedAtMs: number
  /** `failed`: an error or critical finding; `degraded`: a warning; `healthy`: neither. */
  readonly verdict: 'healthy' | 'degraded' | 'failed'
  readonly points: number
  /** Wall time of the run (end − start of the run metadata), when it ended. */
  readonly durationMs: number | undefined
  readonly steps: { readonly first: number; readonly last: number } | undefined
  readonly metrics: readonly MetricAnalysis[]
  /** The first non-finite point of the run and the metric that went first; every metric that went, in order. */
  readonly nonFinite?: { readonly step: number; readonly metric: string; readonly value: number; readonly order: readonly { readonly metric: string; readonly step: number }[] }
  readonly gradients: readonly GradientAnalysis[]
  /** Accuracy metrics compared with chance (1 / classes), when the class count is known. */
  readonly chance: readonly { readonly metric: string; readonly classes: number; readonly chance: number; readonly final: number; readonly atChance: boolean }[]
  /** Metric groups (`<group>/<metric>`) some of whose members stopped learning while others did not. */
  readonly stalledGroups: readonly { readonly prefix: string; readonly stalled: readonly string[]; readonly healthy: readonly string[] }[]
  /** Incidents, drift events, the first non-finite point and checkpoints, by step. */
  readonly timeline: readonly TimelineEntry[]
  /** The last checkpoint before the first problem (or the last one when there was none). */
  readonly lastGoodCheckpoint?: Checkpoint & { readonly problemStep?: number }
  /** Findings, most severe first. */
  readonly findings: readonly Finding[]
  /** Distinct recommendations, most severe first. */
  readonly recommendations: readonly string[]
}

/** Options of `analyzeRun`. */
export interface AnalyzeOptions {
  /** Only these metrics (default: every metric of the run). */
  readonly metrics?: readonly string[]
  /** Andon incidents of the run (e.g. `monitor.summary().incidents` or `incidents.jsonl`). */
  readonly incidents?: readonly Incident[]
  /** Detector events of the run (e.g. `monitor.summary().driftEvents`). */
  readonly driftEvents?: readonly DriftEvent[]
  /** Checkpoints saved during the run; default: the steps of the `checkpointMetric` rows. */
  readonly checkpoints?: readonly Checkpoint[]
  /** Metric whose rows mark saved checkpoints. Default `checkpoint`. */
  readonly checkpointMetric?: string
  /** Direction per metric (default: inferred from the name, e.g. `*loss*` lower, `*acc*` higher). */
  readonly directions?: Readonly<Record<string, MetricDirection>>
  /** Class count for the chance-level check (default: `num_classes` / `classes` / `n_classes` of the run config). */
  readonly classes?: number
  /** Gradient-norm metrics (default: names containing `grad` and `norm`). */
  readonly gradientMetrics?: readonly string[]
  /** Significance level of the Mann–Kendall test. Default 0.05. */
  readonly alpha?: number
  /** A trend must move the fitted line by at least this fraction of the metric's level. Default 0.01. */
  readonly minRelativeChange?: number
  /** Coefficient of variation above which a trendless series is `oscillating`. Default 0.1. */
  readonly oscillationCv?: number
  /** Relative improvement that resets the plateau clock. Default 0.01 (1 % of the best). */
  readonly plateauMinDelta?: number
  /** Fraction of the run's steps without improvement that is a plateau. Default 0.25. */
  readonly plateauFraction?: number
  /** Gradient explosion: value above this multiple of its running mean (EMA α = 0.1). Default 10. */
  readonly explosionFactor?: number
  /** Gradient explosion: absolute bound. Default none. */
  readonly maxGradientNorm?: number
  /** Vanishing gradients: below this value … Default 1e-7. */
  readonly vanishingBelow?: number
  /** … for this many consecutive points. Default 10. */
  readonly vanishingFor?: number
  /** Clock for `generatedAtMs`. Default `Date.now`. */
  readonly now?: () => number
}
