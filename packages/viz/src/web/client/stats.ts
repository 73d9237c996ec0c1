import { aggregate } from '@entrenar/core'
import { adwin } from '@entrenar/drift'
import { MetricsCollector } from '@entrenar/monitor/collector'
import { type Buckets, isExact, rowsOf } from './buckets.js'

/**
 * Statistics the page computes itself (with core's `aggregate`, the same reference semantics as the
 * stores: Welford mean/std over finite values, numpy-linear percentiles, min/max over non-NaN so
 * ±Inf shows). `min`/`max`/`nan` are exact at any zoom (minmax-last keeps every bucket's extremes
 * and NaN count); `mean`/`std`/`p50` are exact when every bucket holds one row (`exact`), else they
 * summarise the buckets' last values (so do the ADWIN change points).
 */
export interface PageStats {
  readonly rows: number
  readonly buckets: number
  readonly exact: boolean
  readonly nan: number
  readonly posInf: number
  readonly negInf: number
  readonly min: number
  readonly max: number
  readonly last: number
  readonly mean: number
  readonly std: number
  readonly p50: number
  /** p99 from @entrenar/monitor's collector (DDSketch, relative error ≤ 1%), run in the page over the values held. */
  readonly p99: number
  /** Steps where ADWIN (run in the page over the values held) signalled a change. */
  readonly changes: readonly number[]
}

/**
 * Steps at which ADWIN (Bifet & Gavaldà 2007, "Learning from time-changing data with adaptive
 * windowing"; @entrenar/drift, defaults as river: δ 0.002, clock 32) signals drift over `values`.
 * Non-finite values are fed too: the detector reports them as `invalid` and skips them.
 */
export function changePoints(x: ArrayLike<number>, values: ArrayLike<number>): number[] {
  const d = adwin()
  const out: number[] = []
  for (let i = 0; i < values.length; i++) if (d.update(values[i]!) === 'drift') out.push(x[i]!)
  return out
}

/** p99 of `values` through the monitor's collector (Welford + DDSketch of Masson et al., VLDB 2019), as the training process computes it. */
export function collectorP99(values: ArrayLike<number>): number {
  const c = new MetricsCollector()
  const id = c.metricId('v')
  for (let i = 0; i < values.length; i++) c.recordId(id, values[i]!)
  return c.stats('v')?.p99 ?? Number.NaN
}

/** Statistics of one series held by the page. */
export function pageStats(b: Buckets): PageStats {
  let nan = 0
  let posInf = 0
  let negInf = 0
  for (let i = 0; i < b.x.length; i++) {
    nan += b.nan[i]!
    if (b.max[i] === Number.POSITIVE_INFINITY) posInf++
    if (b.min[i] === Number.NEGATIVE_INFINITY) negInf++
  }
  const n = b.value.length
  return {
    rows: rowsOf(b),
    buckets: n,
    exact: isExact(b),
    nan,
    posInf,
    negInf,
    min: aggregate('min', b.min),
    max: aggregate('max', b.max),
    last: n > 0 ? b.value[n - 1]! : Number.NaN,
    mean: aggregate('mean', b.value),
    std: aggregate('std', b.value),
    p50: aggregate('p50', b.value),
    p99: collectorP99(b.value),
    changes: changePoints(b.x, b.value),
  }
}
