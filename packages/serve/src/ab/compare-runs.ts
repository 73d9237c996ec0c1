import { type Aggregate, EntrenarError, ErrorCodes, type MetricStore } from '@entrenar/core'
import { type AbTestOptions, type AbTestResult, abTest } from './ab-test.js'

/** Options of {@link compareRuns}. */
export interface CompareRunsOptions extends Pick<AbTestOptions, 'alpha' | 'power' | 'direction' | 'srmThreshold'> {
  /** How a run becomes one number. Default `last` (the final value). */
  readonly aggregate?: Aggregate
  /** Only rows with `lo <= step <= hi`. */
  readonly steps?: readonly [number, number]
  /** Only rows whose tags contain these (e.g. `{ split: 'val' }`). */
  readonly tags?: Readonly<Record<string, string>>
}

/** {@link AbTestResult} plus the value each run contributed. */
export interface CompareRunsResult extends AbTestResult {
  /** Per run of each arm: its aggregated value (NaN and ±Inf kept as they are). */
  readonly values: {
    /** The runs of arm `a`. */
    readonly a: readonly {
      /** The run. */
      runId: string
      /** Its aggregated value of the metric. */
      value: number
    }[]
    /** The runs of arm `b`, as `a`. */
    readonly b: readonly {
      /** The run. */
      runId: string
      /** Its aggregated value of the metric. */
      value: number
    }[]
  }
  /** Runs that have no row of the metric. */
  readonly missing: readonly string[]
}

/**
 * Compares two groups of runs (e.g. seeds of a baseline and of a change) on one metric: each run
 * is reduced to one number by the store (`aggregate`, default the last value), then Welch's t-test
 * compares the groups (see {@link abTest}). Runs whose value is NaN or ±Inf are counted, not hidden.
 *
 * @example
 * ```ts
 * const r = await compareRuns(store, ['base-s1', 'base-s2', 'base-s3'], ['lr2x-s1', 'lr2x-s2', 'lr2x-s3'], 'val_loss')
 * if (r.significant) console.log(`${r.winner} wins by ${r.difference} (95% CI ${r.ci})`)
 * ```
 */
export async function compareRuns(store: MetricStore, runsA: readonly string[], runsB: readonly string[], metric: string, options: CompareRunsOptions = {}): Promise<CompareRunsResult> {
  const overlap = runsA.filter((r) => runsB.includes(r))
  if (overlap.length > 0) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: runs ${overlap.join(', ')} are in both arms`)
  if (runsA.length === 0 || runsB.length === 0) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: each arm needs runs, got ${runsA.length} and ${runsB.length}`)
  const result = await store.query({
    runs: [...runsA, ...runsB],
    metrics: [metric],
    aggregate: options.aggregate ?? 'last',
    ...(options.steps ? { steps: options.steps } : {}),
    ...(options.tags ? { tags: options.tags } : {}),
  })
  const byRun = new Map<string, number>()
  for (const s of result.series) if (s.metric === metric && s.value.length > 0) byRun.set(s.runId, s.value[0]!)
  const missing = [...runsA, ...runsB].filter((r) => !byRun.has(r))
  const pick = (runs: readonly string[]) => runs.filter((r) => byRun.has(r)).map((runId) => ({ runId, value: byRun.get(runId)! }))
  const a = pick(runsA)
  const b = pick(runsB)
  const test = abTest({
    a: a.map((x) => x.value),
    b: b.map((x) => x.value),
    metric,
    ...(options.alpha !== undefined ? { alpha: options.alpha } : {}),
    ...(options.power !== undefined ? { power: options.power } : {}),
    ...(options.direction ? { direction: options.direction } : {}),
    ...(options.srmThreshold !== undefined ? { srmThreshold: options.srmThreshold } : {}),
    expectedShareB: runsB.length / (runsA.length + runsB.length),
  })
  return { ...test, values: { a, b }, missing }
}
