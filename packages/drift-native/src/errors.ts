import { EntrenarError, ErrorCodes } from '@entrenar/core'

/** Error codes of `@entrenar/drift-native` (stable). */
export const DriftNativeErrorCodes = {
  /** The shared library is missing, cannot be loaded, or no prebuilt library exists for this platform. */
  UNAVAILABLE: 'ENTRENAR_DRIFT_NATIVE_UNAVAILABLE',
  /** The library loaded but is not an entrenar-drift library of the C ABI version this package speaks. */
  ABI_MISMATCH: 'ENTRENAR_DRIFT_NATIVE_ABI_MISMATCH',
} as const

export function configError(what: string, details?: Record<string, unknown>): EntrenarError {
  return new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/drift: ${what}`, details ? { details } : undefined)
}

export function unavailable(message: string, path: string | undefined, cause?: unknown): EntrenarError {
  return new EntrenarError(DriftNativeErrorCodes.UNAVAILABLE, `entrenar/drift-native: ${message}`, { details: { path }, ...(cause === undefined ? {} : { cause }) })
}

export function abiMismatch(message: string, path: string): EntrenarError {
  return new EntrenarError(DriftNativeErrorCodes.ABI_MISMATCH, `entrenar/drift-native: ${message}`, { details: { path } })
}

export function closedError(name: string): EntrenarError {
  return new EntrenarError(ErrorCodes.CLOSED, `entrenar/drift-native: ${name} detector used after close()`)
}

export function internalError(what: string): EntrenarError {
  return new EntrenarError(ErrorCodes.INTERNAL, `entrenar/drift-native: ${what}`)
}
