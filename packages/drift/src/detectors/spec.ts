import type { BatchDetector } from './batch.js'
import { configError } from '../util/errors.js'
import { type AdwinOptions, adwin } from './adwin.js'
import { type DdmOptions, ddm } from './ddm.js'
import { type EddmOptions, eddm } from './eddm.js'
import { type HddmAOptions, hddmA } from './hddm-a.js'
import { type KswinOptions, kswin } from './kswin.js'
import { type PageHinkleyOptions, pageHinkley } from './page-hinkley.js'
import { type ZScoreWindowOptions, zScoreWindow } from './z-score-window.js'

/** Detector kinds, as their `name` reads (snake_case, the wire and config spelling). */
export const DETECTOR_KINDS = ['z_score', 'page_hinkley', 'adwin', 'kswin', 'ddm', 'eddm', 'hddm_a'] as const
/** One of {@link DETECTOR_KINDS}. */
export type DetectorKind = (typeof DETECTOR_KINDS)[number]

/**
 * A detector described as data (a config file, a CLI flag, a remote request): `kind` plus the
 * factory's options, e.g. `{ kind: 'page_hinkley', mode: 'up', threshold: 20 }`.
 */
export type DetectorSpec =
  | ({ readonly kind: 'z_score' } & ZScoreWindowOptions)
  | ({ readonly kind: 'page_hinkley' } & PageHinkleyOptions)
  | ({ readonly kind: 'adwin' } & AdwinOptions)
  | ({ readonly kind: 'kswin' } & KswinOptions)
  | ({ readonly kind: 'ddm' } & DdmOptions)
  | ({ readonly kind: 'eddm' } & EddmOptions)
  | ({ readonly kind: 'hddm_a' } & HddmAOptions)

/** The factory's options of a spec (`kind` is the spec's, not an option). */
function withoutKind<T extends { readonly kind: string }>(spec: T): Omit<T, 'kind'> {
  const o: Record<string, unknown> = {}
  for (const key of Object.keys(spec)) if (key !== 'kind') o[key] = (spec as Record<string, unknown>)[key]
  return o as Omit<T, 'kind'>
}

/**
 * Builds a detector from a {@link DetectorSpec}; an unknown kind or a bad option fails with
 * `ENTRENAR_INVALID_CONFIG`.
 *
 * @example
 * ```ts
 * const detectors = { loss: [detectorFromSpec({ kind: 'page_hinkley', mode: 'up' })] }
 * ```
 */
export function detectorFromSpec(spec: DetectorSpec): BatchDetector {
  switch (spec.kind) {
    case 'z_score':
      return zScoreWindow(withoutKind(spec))
    case 'page_hinkley':
      return pageHinkley(withoutKind(spec))
    case 'adwin':
      return adwin(withoutKind(spec))
    case 'kswin':
      return kswin(withoutKind(spec))
    case 'ddm':
      return ddm(withoutKind(spec))
    case 'eddm':
      return eddm(withoutKind(spec))
    case 'hddm_a':
      return hddmA(withoutKind(spec))
    default:
      throw configError(`unknown detector kind ${JSON.stringify((spec as { kind?: unknown }).kind)}; expected one of ${DETECTOR_KINDS.join(', ')}`)
  }
}
