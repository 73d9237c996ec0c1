import { EntrenarError, ErrorCodes } from '@entrenar/core'

/** Error codes specific to `@entrenar/drift` (stable; see core `ErrorCodes` for the shared ones). */
export const DriftErrorCodes = {
  /** A batch test got too few finite values to compute its statistic (e.g. an empty sample). */
  INSUFFICIENT_DATA: 'ENTRENAR_DRIFT_INSUFFICIENT_DATA',
  /** A fitted model (Isolation Forest) was used before `fit`. */
  NOT_FITTED: 'ENTRENAR_DRIFT_NOT_FITTED',
} as const

/** Configuration fails fast at construction with `ENTRENAR_INVALID_CONFIG`. */
export function configError(what: string, details?: Record<string, unknown>): EntrenarError {
  return new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/drift: ${what}`, details ? { details } : undefined)
}

/** Checks a numeric option: finite and within [lo, hi] (inclusive unless `open`). */
export function checkNumber(name: string, value: number, lo: number, hi: number, options: { integer?: boolean; openLo?: boolean; openHi?: boolean } = {}): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (options.openLo ? value > lo : value >= lo) &&
    (options.openHi ? value < hi : value <= hi) &&
    (!options.integer || Number.isInteger(value))
  if (!ok) {
    const range = `${options.openLo ? '(' : '['}${lo}, ${hi}${options.openHi ? ')' : ']'}`
    throw configError(`${name} must be ${options.integer ? 'an integer' : 'a number'} in ${range}, got ${String(value)}`, { option: name, value: String(value) })
  }
  return value
}

/** A batch test needs at least `min` finite values in `what`. */
export function insufficient(what: string, got: number, min: number): EntrenarError {
  return new EntrenarError(DriftErrorCodes.INSUFFICIENT_DATA, `entrenar/drift: ${what} has ${got} finite values, needs at least ${min}`, { details: { got, min } })
}
