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
  /** The training step. */
  readonly step: number
  /** The value at that step (NaN and ±Inf kept). */
  readonly value: number
}

/** What Hansei found about one metric, from its stored, step-ordered history. */
export interface MetricAnalysis {
  /** The metric name. */
  readonly metric: string
  /** Whether lower or higher is better (given in `directions`, else inferred from the name). */
  readonly direction: MetricDirection
  /** Rows stored for the metric, every value included. */
  readonly count: number
  /** Rows with a finite value. */
  readonly finiteCount: number
  /** Rows whose value is NaN. */
  readonly nanCount: number
  /** Rows whose value is +Inf. */
  readonly posInfCount: number
  /** Rows whose value is −Inf. */
  readonly negInfCount: number
  /** The first and the last stored point (by step), whatever its value. */
  readonly first: StepValue | undefined
  /** The last stored point (by step), whatever its value; undefined without rows. */
  readonly last: StepValue | undefined
  /** Smallest finite value (NaN without finite values). */
  readonly min: number
  /** Largest finite value (NaN without finite values). */
  readonly max: number
  /** Mean of the finite values. */
  readonly mean: number
  /** Standard deviation of the finite values. */
  readonly std: number
  /** Best finite value (lowest or highest by direction; the last one for neutral metrics). */
  readonly best: StepValue | undefined
  /** Least-squares slope of value over step (finite points). */
  readonly slope: number
  /** The least-squares line at the first and the last finite step. */
  readonly fitted: {
    /** The line's value at the first finite step. */
    readonly from: number
    /** The line's value at the last finite step. */
    readonly to: number
  }
  /** Mann–Kendall test over the finite values in step order. */
  readonly mannKendall: {
    /** Kendall's S: concordant minus discordant pairs. */
    readonly s: number
    /** The continuity-corrected normal score of S (tie-corrected variance). */
    readonly z: number
    /** Two-sided p-value of `z`. */
    readonly pValue: number
    /** Kendall's τ = S / (n(n−1)/2), in [−1, 1]. */
    readonly tau: number
    /** Values tested (long series are first reduced to 1500 block means). */
    readonly n: number
  }
  /** The trend, from the Mann–Kendall test, the fitted line and the spread (see {@link Trend}). */
  readonly trend: Trend
  /** The metric stopped improving at `fromStep` (only metrics with a direction). */
  readonly plateau?: {
    /** Step of the last improvement (by more than `plateauMinDelta`). */
    readonly fromStep: number
    /** Last step of the series. */
    readonly toStep: number
    /** `toStep − fromStep`. */
    readonly steps: number
    /** Those steps as a fraction of the series' step span (at least `plateauFraction`). */
    readonly fraction: number
  }
  /** First non-finite point. */
  readonly firstNonFinite?: StepValue
}

/** Gradient findings of one gradient-norm metric. */
export interface GradientAnalysis {
  /** The gradient-norm metric analysed. */
  readonly metric: string
  /** First value above `explosionFactor` × its running mean (EMA) or above `maxGradientNorm`. */
  readonly explosion?: {
    /** Step of the first exploding value. */
    readonly step: number
    /** That value. */
    readonly value: number
    /** Its absolute value divided by the running mean (EMA) before it; 0 when above `maxGradientNorm` without a mean yet. */
    readonly ratio: number
    /** Exploding values over the whole run. */
    readonly count: number
  }
  /** First run of at least `vanishingFor` consecutive values below `vanishingBelow`. */
  readonly vanishing?: {
    /** First step of the run of small values. */
    readonly fromStep: number
    /** Last step of it. */
    readonly toStep: number
    /** Values in it. */
    readonly points: number
    /** The largest value in it (below `vanishingBelow`). */
    readonly maxValue: number
  }
}

/** One entry of the incident timeline. */
export interface TimelineEntry {
  /** What happened: an Andon incident, a drift event, the first non-finite value, a checkpoint, a gradient explosion. */
  readonly kind: 'incident' | 'drift' | 'non_finite' | 'checkpoint' | 'gradient_explosion'
  /** Step at which it happened; undefined for an incident without one (a stall). */
  readonly step: number | undefined
  /** Severity. */
  readonly level: AlertLevel
  /** Rule, detector, or `hansei`. */
  readonly source: string
  /** The metric concerned. */
  readonly metric?: string
  /** What happened, in words. */
  readonly message: string
  /** When it happened, epoch milliseconds, when known. */
  readonly timestampMs?: number
  /** What the Andon decided (`kind: 'incident'` only). */
  readonly decision?: Decision
}

/** A problem found, with what to do about it. */
export interface Finding {
  /** How bad: `error`/`critical` make the verdict `failed`, `warning` makes it `degraded`. */
  readonly severity: AlertLevel
  /** Stable code, e.g. `non_finite`, `gradient_explosion`, `vanishing_gradients`, `chance_accuracy`, `plateau`. */
  readonly code: string
  /** What was found, with the numbers. */
  readonly message: string
  /** What to do about it (lower the learning rate, clip gradients, …). */
  readonly recommendation: string
  /** The metric concerned. */
  readonly metric?: string
  /** The step concerned. */
  readonly step?: number
}

/** A checkpoint saved during the run. */
export interface Checkpoint {
  /** Step at which the checkpoint was saved. */
  readonly step: number
  /** Path or name, when known. */
  readonly label?: string
}

/** The Hansei post-mortem of one run. */
export interface HanseiReport {
  /** Version of this JSON shape (`renderHanseiJson`). */
  readonly schemaVersion: 1
  /** The run analysed. */
  readonly runId: string
  /** The run's metadata from the store (name, config, status, stop reason), when stored. */
  readonly run: RunInfo | undefined
  /** When the report was made, epoch milliseconds. */
  readonly generatedAtMs: number
  /** `failed`: an error or critical finding; `degraded`: a warning; `healthy`: neither. */
  readonly verdict: 'healthy' | 'degraded' | 'failed'
  /** Points analysed, over every metric. */
  readonly points: number
  /** Wall time of the run (end − start of the run metadata), when it ended. */
  readonly durationMs: number | undefined
  /** First and last step with a point; undefined for a run without points. */
  readonly steps:
    | {
        /** Smallest step. */
        readonly first: number
        /** Largest step. */
        readonly last: number
      }
    | undefined
  /** One analysis per metric, by metric name. */
  readonly metrics: readonly MetricAnalysis[]
  /** The first non-finite point of the run and the metric that went first; every metric that went, in order. */
  readonly nonFinite?: {
    /** Step of the first non-finite value of the run. */
    readonly step: number
    /** The metric that went first. */
    readonly metric: string
    /** Its value there: NaN, +Inf or −Inf. */
    readonly value: number
    /** Every metric that went non-finite, with its first non-finite step, earliest first. */
    readonly order: readonly {
      /** The metric. */
      readonly metric: string
      /** Its first non-finite step. */
      readonly step: number
    }[]
  }
  /** One analysis per gradient-norm metric. */
  readonly gradients: readonly GradientAnalysis[]
  /** Accuracy metrics compared with chance (1 / classes), when the class count is known. */
  readonly chance: readonly {
    /** The accuracy metric. */
    readonly metric: string
    /** Number of classes. */
    readonly classes: number
    /** Chance level, 1 / classes. */
    readonly chance: number
    /** Mean of the finite values in the last tenth of the series. */
    readonly final: number
    /** True when `final` ≤ chance + max(0.02, 0.1 × chance). */
    readonly atChance: boolean
  }[]
  /** Metric groups (`<group>/<metric>`) some of whose members stopped learning while others did not. */
  readonly stalledGroups: readonly {
    /** The group, e.g. `expert` for `expert/0` … `expert/7`. */
    readonly prefix: string
    /** Members that stopped learning. */
    readonly stalled: readonly string[]
    /** Members that kept learning. */
    readonly healthy: readonly string[]
  }[]
  /** Incidents, drift events, the first non-finite point and checkpoints, by step. */
  readonly timeline: readonly TimelineEntry[]
  /** The last checkpoint before the first problem (or the last one when there was none). */
  readonly lastGoodCheckpoint?: Checkpoint & {
    /** Step of the first problem it precedes. */
    readonly problemStep?: number
  }
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
