/**
 * @entrenar/drift-native: the detectors of @entrenar/drift compiled from Rust (rust/drift), loaded
 * through their C ABI with koffi. Node only (native code); the factories match @entrenar/drift's.
 *
 * @example
 * ```ts
 * import { pageHinkley } from '@entrenar/drift-native'
 *
 * const losses = Float64Array.from({ length: 1000 }, (_, i) => (i < 500 ? 1 : 3) + Math.sin(i))
 * const ph = pageHinkley({ mode: 'up', threshold: 20 })
 * const drifts = ph.updateMany(losses) // one FFI call for the whole array
 * console.log(drifts, ph.statistic)
 * ph.close() // frees the native handle
 * ```
 *
 * @module @entrenar/drift-native
 */
export {
  adwin,
  ddm,
  eddm,
  hddmA,
  kswin,
  type NativeAdwinDetector,
  type NativeChangeDetector,
  type NativeDdmDetector,
  type NativeDetector,
  type NativeEddmDetector,
  type NativeHddmADetector,
  type NativeKswinDetector,
  type NativeLoadOptions,
  type NativePageHinkleyDetector,
  pageHinkley,
  SIGNALS,
} from './detectors.js'
export { DriftNativeErrorCodes } from './errors.js'
export { ABI_VERSION, loadLibrary as loadDriftNative, type NativeLibrary } from './library.js'
export { LIBRARY_ENV, PREBUILT_PLATFORMS, resolveLibraryPath } from './platform.js'
