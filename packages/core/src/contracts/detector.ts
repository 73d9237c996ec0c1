/**
 * What one `update` of a change detector says:
 * `stable` (nothing), `warning` (a change may be starting), `drift` (a change was detected),
 * `invalid` (the value was NaN/±Inf: reported, never folded into the statistic).
 */
export type DetectorSignal = 'stable' | 'warning' | 'drift' | 'invalid'

/** Severity bands (entrenar's z-score bands: low 3–4σ, medium 4–5σ, high > 5σ). */
export type Severity = 'low' | 'medium' | 'high'

/**
 * A streaming change detector (the spec's `AnomalyDetector`, streaming half): O(1) or amortised
 * O(log W) per `update`, no allocation per update.
 *
 * @example
 * ```ts
 * const d = pageHinkley()
 * for (const x of losses) if (d.update(x) === 'drift') console.log('changed at', d.samples)
 * ```
 */
export interface ChangeDetector {
  /** Detector kind, e.g. `page_hinkley`, `adwin`. */
  readonly name: string
  /** Feeds one value and returns what the detector says now. */
  update(x: number): DetectorSignal
  /** Restores the initial state. */
  reset(): void
  /** The detector's test statistic after the last update (meaning per detector). */
  readonly statistic: number
  /** Severity of the last non-stable signal, when the detector grades it. */
  readonly severity: Severity | undefined
  /** Finite values consumed since creation or the last reset/drift. */
  readonly samples: number
  /** The value of `statistic` above which the detector alarms, when it has one threshold (e.g. Page-Hinkley's λ or h). */
  readonly threshold?: number
  /**
   * A calibrated detector's false-alarm budget: the long-run false alarms per 10⁶ in-control values
   * its threshold was derived for (its `statistic` is then in standardised units). Undefined when the
   * threshold is in the data's units.
   */
  readonly falseAlarmsPerMillion?: number | undefined
}

/** A fitted anomaly detector over feature vectors (e.g. Isolation Forest). */
export interface AnomalyDetector {
  /** Learns the normal data. */
  fit(rows: readonly ArrayLike<number>[]): void
  /** Anomaly score of a row (higher = more anomalous). */
  score(row: ArrayLike<number>): number
  /** True when the score exceeds the fitted threshold. */
  isAnomaly(row: ArrayLike<number>): boolean
}

/** A detector event as it travels to the Andon, dashboards and the store. */
export interface DriftEvent {
  /** Tags the event as a detector signal (the other {@link AlertEvent} is a budget). */
  readonly kind: 'drift'
  /** The run whose metric drifted. */
  readonly runId?: string
  /** The metric the detector watches. */
  readonly metric: string
  /** The step of the value that triggered the signal. */
  readonly step: number
  /** The detector kind (`page_hinkley`, `adwin` …). */
  readonly detector: string
  /** `warning`, `drift`, or `invalid` (a non-finite value). */
  readonly signal: Exclude<DetectorSignal, 'stable'>
  /** The detector's statistic at that value. */
  readonly statistic: number
  /** How strong the change is, when the detector grades it. */
  readonly severity?: Severity
  /** The detector's alarm threshold of `statistic`, when it has one. */
  readonly threshold?: number
  /** The detector's false-alarm budget per 10⁶ values, when it is calibrated (`statistic` is then standardised). */
  readonly falseAlarmsPerMillion?: number
  /** When, epoch milliseconds. */
  readonly timestampMs: number
}
