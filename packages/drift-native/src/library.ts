import { createRequire } from 'node:module'
import { abiMismatch, unavailable } from './errors.js'
import { LIBRARY_ENV, resolveLibraryPath } from './platform.js'

/** The C ABI version this package speaks (`entrenar_abi_version()` of the library must equal it). */
export const ABI_VERSION = 1

/** Native detector kinds and their C prefix (`entrenar_<prefix>_new`, …) and getters beyond statistic/samples. */
export const KINDS = {
  page_hinkley: { handle: 'EntrenarPageHinkley', options: { min_instances: 'double', delta: 'double', threshold: 'double', alpha: 'double', mode: 'uint8_t' }, getters: { mean: 'double', direction: 'uint8_t' } },
  adwin: {
    handle: 'EntrenarAdwin',
    options: { delta: 'double', clock: 'double', max_buckets: 'double', min_window_length: 'double', grace_period: 'double', mode: 'uint8_t' },
    getters: { width: 'double', mean: 'double', variance: 'double' },
  },
  kswin: { handle: 'EntrenarKswin', options: { alpha: 'double', window_size: 'double', stat_size: 'double', seed: 'double' }, getters: { p_value: 'double' } },
  ddm: { handle: 'EntrenarDdm', options: { warm_start: 'double', warning_threshold: 'double', drift_threshold: 'double' }, getters: { error_rate: 'double' } },
  eddm: { handle: 'EntrenarEddm', options: { warm_start: 'double', alpha: 'double', beta: 'double' }, getters: {} },
  hddm_a: { handle: 'EntrenarHddmA', options: { drift_confidence: 'double', warning_confidence: 'double', two_sided: 'uint8_t' }, getters: {} },
} as const satisfies Record<string, { handle: string; options: Record<string, 'double' | 'uint8_t'>; getters: Record<string, 'double' | 'uint8_t'> }>

export type NativeKind = keyof typeof KINDS

/** An opaque handle (a koffi external pointer). */
export type Handle = object

/** The C functions of one detector kind. */
export interface KindBindings {
  defaults(): Record<string, number>
  create(options: Record<string, number>, out: [Handle | null], err: [Handle | null]): number
  free(h: Handle): void
  update(h: Handle, x: number): number
  updateBatch(h: Handle, xs: Float64Array, n: number, out: Uint8Array): number
  reset(h: Handle): number
  statistic(h: Handle): number
  samples(h: Handle): number
  getters: Record<string, (h: Handle) => number>
}

/** A loaded library: its path and the bindings of every kind. */
export interface NativeLibrary {
  /** The file the library was loaded from. */
  readonly path: string
  /** The C ABI version the library reports (`entrenar_abi_version()`); equal to `ABI_VERSION`, else loading failed. */
  readonly abiVersion: number
  /** The bound C functions of every detector kind. */
  readonly kinds: Record<NativeKind, KindBindings>
  /** The `ENTRENAR_*` code of an error handle returned by the library. */
  errorCode(err: Handle): string
  /** The message of an error handle. */
  errorMessage(err: Handle): string
  /** Frees an error handle (each one exactly once). */
  errorFree(err: Handle): void
}

// biome-ignore lint/suspicious/noExplicitAny: koffi's own typings are loose; the bindings are typed above.
type Koffi = any

let koffiModule: Koffi | undefined
function koffi(): Koffi {
  if (koffiModule) return koffiModule
  try {
    koffiModule = createRequire(import.meta.url)('koffi')
  } catch (cause) {
    throw unavailable(`the koffi package (the FFI loader) cannot load on ${process.platform}-${process.arch}: ${(cause as Error).message}; reinstall dependencies (npm ci) on this platform`, undefined, cause)
  }
  return koffiModule
}

// koffi type names are process-wide: declare each once.
let typesDeclared = false
function declareTypes(k: Koffi): void {
  if (typesDeclared) return
  k.opaque('EntrenarError')
  for (const [kind, spec] of Object.entries(KINDS)) {
    k.opaque(spec.handle)
    k.struct(`${spec.handle}Options`, { ...spec.options })
    void kind
  }
  typesDeclared = true
}

const loaded = new Map<string, NativeLibrary>()
let defaultLibrary: { env: string | undefined; library: NativeLibrary } | undefined

/**
 * Loads (once per path) the entrenar-drift shared library and checks its C ABI version. Fails with
 * `ENTRENAR_DRIFT_NATIVE_UNAVAILABLE` (missing, unloadable, wrong platform) or
 * `ENTRENAR_DRIFT_NATIVE_ABI_MISMATCH` (not this library, or another ABI version), naming the path.
 */
export function loadLibrary(libraryPath?: string): NativeLibrary {
  // The default library is resolved once per value of the environment variable (no file lookup per detector).
  if (libraryPath === undefined && defaultLibrary && defaultLibrary.env === process.env[LIBRARY_ENV]) return defaultLibrary.library
  const path = resolveLibraryPath(libraryPath)
  const cached = loaded.get(path)
  if (cached) {
    if (libraryPath === undefined) defaultLibrary = { env: process.env[LIBRARY_ENV], library: cached }
    return cached
  }
  const k = koffi()
  let lib: Koffi
  try {
    lib = k.load(path)
  } catch (cause) {
    throw unavailable(
      `cannot load ${path}: ${(cause as Error).message}; it must be libentrenar_drift built for ${process.platform}-${process.arch} (rebuild it with cargo build --release, or unset ENTRENAR_DRIFT_NATIVE_LIB to use the prebuilt one)`,
      path,
      cause,
    )
  }
  let version: number
  try {
    version = lib.func('uint32_t entrenar_abi_version(void)')()
  } catch {
    throw abiMismatch(`${path} does not export entrenar_abi_version: it is not an entrenar-drift library; point ENTRENAR_DRIFT_NATIVE_LIB at libentrenar_drift or unset it`, path)
  }
  if (version !== ABI_VERSION) {
    throw abiMismatch(
      `${path} implements C ABI version ${version}, this package needs version ${ABI_VERSION}; install the @entrenar/drift-native release built with it, or rebuild rust/drift from the same commit`,
      path,
    )
  }
  declareTypes(k)
  const kinds = {} as Record<NativeKind, KindBindings>
  try {
    for (const [kind, spec] of Object.entries(KINDS) as [NativeKind, (typeof KINDS)[NativeKind]][]) {
      const h = spec.handle
      const fn = (proto: string) => lib.func(proto)
      const getters: Record<string, (h: Handle) => number> = {}
      for (const [name, type] of Object.entries(spec.getters)) getters[name] = fn(`${type} entrenar_${kind}_${name}(${h} *h)`)
      kinds[kind] = {
        defaults: fn(`${h}Options entrenar_${kind}_default_options(void)`),
        create: fn(`int32_t entrenar_${kind}_new(const ${h}Options *options, _Out_ ${h} **out, _Out_ EntrenarError **err)`),
        free: fn(`void entrenar_${kind}_free(${h} *h)`),
        update: fn(`uint8_t entrenar_${kind}_update(${h} *h, double x)`),
        updateBatch: fn(`int32_t entrenar_${kind}_update_batch(${h} *h, const double *xs, size_t n, _Out_ uint8_t *signals_out)`),
        reset: fn(`int32_t entrenar_${kind}_reset(${h} *h)`),
        statistic: fn(`double entrenar_${kind}_statistic(${h} *h)`),
        samples: fn(`double entrenar_${kind}_samples(${h} *h)`),
        getters,
      }
    }
    const library: NativeLibrary = {
      path,
      abiVersion: version,
      kinds,
      errorCode: fn(lib, 'const char *entrenar_error_code(EntrenarError *err)'),
      errorMessage: fn(lib, 'const char *entrenar_error_message(EntrenarError *err)'),
      errorFree: fn(lib, 'void entrenar_error_free(EntrenarError *err)'),
    }
    loaded.set(path, library)
    if (libraryPath === undefined) defaultLibrary = { env: process.env[LIBRARY_ENV], library }
    return library
  } catch (cause) {
    throw abiMismatch(`${path} reports ABI version ${version} but lacks a function of it (${(cause as Error).message}); rebuild rust/drift`, path)
  }
}

function fn(lib: Koffi, proto: string) {
  return lib.func(proto)
}
