import { EntrenarError, ErrorCodes } from '@entrenar/core'
import { createLatencyHistogram, type LatencyHistogram } from '../prometheus/histogram.js'
import { SRM_THRESHOLD, type SrmResult, srmCheck } from './srm.js'

/** Options of {@link abSplit}. */
export interface AbSplitOptions {
  /** Share of units sent to arm `b` (the treatment), in (0, 1). The spec's default traffic split is 0.1. */
  readonly split: number
  /** Seed of the assignment: a new seed reshuffles every unit (use one per experiment). Default 0. */
  readonly seed?: number
  /** Experiment name, used as a label of the latency histogram. Default `ab`. */
  readonly name?: string
  /** SRM p-value threshold. Default 0.001 (Kohavi et al. 2020, ch. 21). */
  readonly srmThreshold?: number
}

/** A deterministic A/B assignment of request (or user) ids with its realised split. */
export interface AbSplit {
  /** Designed share of units sent to arm `b`, in (0, 1). */
  readonly split: number
  /** Seed of the assignment. */
  readonly seed: number
  /** The arm of an id (pure: the same id and seed always give the same arm). */
  arm(id: string): 'a' | 'b'
  /** The arm of an id, counted in the realised split (count each unit once). */
  assign(id: string): 'a' | 'b'
  /** Units assigned per arm so far. */
  counts(): {
    /** Units assigned to arm `a`. */
    readonly a: number
    /** Units assigned to arm `b`. */
    readonly b: number
  }
  /** SRM check of the realised split against the designed one. */
  srm(): SrmResult
  /** Inference latency per arm (label `arm`, plus `experiment`); register it with an exporter to scrape it. */
  readonly latency: LatencyHistogram
  /** Records one request's latency in seconds for an arm. */
  observeLatency(arm: 'a' | 'b', seconds: number): void
}

/**
 * 32-bit FNV-1a over the UTF-16 code units (realizar's `ABTest::select` hashes with FNV-1a) followed
 * by MurmurHash3's fmix32 finaliser, so ids that differ in one character spread uniformly.
 */
export function hashId(id: string, seed: number): number {
  let h = 0x811c9dc5 ^ Math.imul(seed | 0, 0x9e3779b1)
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * Deterministic assignment of ids to arms for a serving-side A/B test (e.g. 10% of traffic to a
 * new model): `hash(id, seed) / 2³² < split` goes to `b`. The realised split is checked for a
 * sample ratio mismatch (Kohavi et al. 2020, ch. 21), the first guard of a trustworthy experiment.
 *
 * @example
 * ```ts
 * const ab = abSplit({ split: 0.1, seed: 7, name: 'model-v2' })
 * const model = ab.assign(requestId) === 'b' ? v2 : v1
 * if (ab.srm().mismatch) alert('traffic split is broken')
 * ```
 */
export function abSplit(options: AbSplitOptions): AbSplit {
  const { split } = options
  if (typeof split !== 'number' || !(split > 0 && split < 1)) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: split ${String(split)} must lie in (0, 1)`)
  }
  const seed = options.seed ?? 0
  if (!Number.isInteger(seed)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: seed ${seed} must be an integer`)
  const threshold = Math.floor(split * 2 ** 32)
  const latency = createLatencyHistogram({ name: 'entrenar_ab_inference_latency_seconds', help: 'Inference latency per A/B arm, seconds', labels: { experiment: options.name ?? 'ab' } })
  let na = 0
  let nb = 0
  const arm = (id: string): 'a' | 'b' => {
    if (typeof id !== 'string') throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/serve: an A/B unit id must be a string, got ${typeof id}`)
    return hashId(id, seed) < threshold ? 'b' : 'a'
  }
  return {
    split,
    seed,
    arm,
    assign(id) {
      const x = arm(id)
      if (x === 'b') nb++
      else na++
      return x
    },
    counts: () => ({ a: na, b: nb }),
    srm: () => srmCheck([na, nb], [1 - split, split], options.srmThreshold ?? SRM_THRESHOLD),
    latency,
    observeLatency: (x, seconds) => latency.observe(seconds, { arm: x }),
  }
}
