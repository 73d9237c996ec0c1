import { type DetectorSignal, EntrenarError, ErrorCodes, type Severity } from '@entrenar/core'
import type { AdwinDetector, AdwinOptions, DdmDetector, DdmOptions, EddmOptions, HddmAOptions, KswinDetector, KswinOptions, PageHinkleyDetector, PageHinkleyOptions } from '@entrenar/drift'
import { closedError, configError, internalError } from './errors.js'
import { type Handle, type KindBindings, loadLibrary, type NativeKind, type NativeLibrary } from './library.js'

/** Signal bytes of the C ABI (`ENTRENAR_SIGNAL_*`), index → signal. */
export const SIGNALS: readonly DetectorSignal[] = ['stable', 'warning', 'drift', 'invalid']

/** What every native detector adds to core's `ChangeDetector`. */
export interface NativeDetector {
  /**
   * Feeds every value in order with one FFI call; answers one signal byte per value
   * (0 stable, 1 warning, 2 drift, 3 invalid; `SIGNALS[byte]` names it). The state afterwards equals
   * that after `update` on each value.
   */
  updateBatch(xs: Float64Array): Uint8Array
  /** Frees the native handle now (idempotent); any later use throws `ENTRENAR_CLOSED`. */
  close(): void
}

/**
 * Members of `@entrenar/drift`'s detectors that belong to its calibrated mode (`falseAlarmsPerMillion`),
 * which the native library does not implement: it mirrors the river-default detectors.
 */
type CalibratedMembers = 'threshold' | 'falseAlarmsPerMillion' | 'scale' | 'warmingUp'
/** Options of the calibrated mode, refused by the native factories. */
type CalibratedOptions = 'falseAlarmsPerMillion' | 'warmUp' | 'shift' | 'memory'

/** Page-Hinkley in Rust: `PageHinkleyDetector` of `@entrenar/drift` (river mode) plus batch updates. */
export interface NativePageHinkleyDetector extends Omit<PageHinkleyDetector, CalibratedMembers>, NativeDetector {}
/** ADWIN in Rust. */
export interface NativeAdwinDetector extends Omit<AdwinDetector, CalibratedMembers>, NativeDetector {}
/** KSWIN in Rust (same seeded draws as `@entrenar/drift`). */
export interface NativeKswinDetector extends Omit<KswinDetector, CalibratedMembers>, NativeDetector {}
/** DDM in Rust. */
export interface NativeDdmDetector extends DdmDetector, NativeDetector {}
/** EDDM in Rust. */
export interface NativeEddmDetector extends NativeChangeDetector {}
/** HDDM_A in Rust. */
export interface NativeHddmADetector extends NativeChangeDetector {}
/** A `ChangeDetector` backed by a native handle. */
export interface NativeChangeDetector extends NativeDetector {
  /** Detector kind, e.g. `page_hinkley`, `adwin` (the same as the TypeScript detector). */
  readonly name: string
  /** Feeds one value and returns what the detector says now (one FFI call). */
  update(x: number): DetectorSignal
  /** Feeds every value in one FFI call; writes each value's signal code (see `SIGNAL_CODES` of `@entrenar/drift`) into `signals` when given, and returns the number of `drift` signals. */
  updateMany(values: ArrayLike<number>, signals?: Uint8Array): number
  /** Restores the initial state. Throws `ENTRENAR_INTERNAL` when the library reports a failure. */
  reset(): void
  /** The detector's test statistic after the last update (meaning per detector). */
  readonly statistic: number
  /** Severity of the last non-stable signal, when the detector grades it. */
  readonly severity: Severity | undefined
  /** Finite values consumed since creation or the last reset/drift. */
  readonly samples: number
}

/** Options shared by every factory: which library to load (default: `$ENTRENAR_DRIFT_NATIVE_LIB`, else the prebuilt one). */
export interface NativeLoadOptions {
  /** Path of the shared library (`libentrenar_drift.so`) to load instead of the default; it must export the expected ABI version. */
  readonly libraryPath?: string
}

interface Held {
  readonly free: (h: Handle) => void
  readonly handle: Handle
}

// The safety net: a detector dropped without close() frees its handle when collected.
const registry = new FinalizationRegistry<Held>((held) => held.free(held.handle))

class Native implements NativeChangeDetector {
  readonly name: string
  readonly #b: KindBindings
  #h: Handle | null

  constructor(name: NativeKind, b: KindBindings, h: Handle) {
    this.name = name
    this.#b = b
    this.#h = h
    registry.register(this, { free: b.free, handle: h }, this)
  }

  #live(): Handle {
    if (this.#h === null) throw closedError(this.name)
    return this.#h
  }

  protected get(getter: string): number {
    return this.#b.getters[getter]!(this.#live())
  }

  update(x: number): DetectorSignal {
    const s = SIGNALS[this.#b.update(this.#live(), x)]
    if (s === undefined) throw internalError(`${this.name} update failed inside the library (a panic stopped at the boundary)`)
    return s
  }

  updateBatch(xs: Float64Array): Uint8Array {
    const h = this.#live()
    const values = xs instanceof Float64Array ? xs : Float64Array.from(xs as ArrayLike<number>)
    const out = new Uint8Array(values.length)
    if (values.length === 0) return out
    const status = this.#b.updateBatch(h, values, values.length, out)
    if (status !== 0) throw internalError(`${this.name} update_batch answered status ${status}`)
    return out
  }

  /** `updateMany` of `@entrenar/drift`'s detectors: one FFI crossing for the whole array; returns the drift count. */
  updateMany(values: ArrayLike<number>, signals?: Uint8Array): number {
    const out = this.updateBatch(values instanceof Float64Array ? values : Float64Array.from(values))
    let drifts = 0
    for (let i = 0; i < out.length; i++) if (out[i] === 2) drifts++
    signals?.set(out)
    return drifts
  }

  reset(): void {
    const status = this.#b.reset(this.#live())
    if (status !== 0) throw internalError(`${this.name} reset answered status ${status}`)
  }

  get statistic(): number {
    return this.#b.statistic(this.#live())
  }

  get severity(): Severity | undefined {
    return undefined
  }

  get samples(): number {
    return this.#b.samples(this.#live())
  }

  close(): void {
    if (this.#h === null) return
    registry.unregister(this)
    this.#b.free(this.#h)
    this.#h = null
  }
}

class NativePageHinkley extends Native implements NativePageHinkleyDetector {
  get direction(): 'up' | 'down' | undefined {
    const d = this.get('direction')
    return d === 1 ? 'up' : d === 2 ? 'down' : undefined
  }
  get mean(): number {
    return this.get('mean')
  }
}

class NativeAdwin extends Native implements NativeAdwinDetector {
  get width(): number {
    return this.get('width')
  }
  get mean(): number {
    return this.get('mean')
  }
  get variance(): number {
    return this.get('variance')
  }
}

class NativeKswin extends Native implements NativeKswinDetector {
  get pValue(): number {
    return this.get('p_value')
  }
}

class NativeDdm extends Native implements NativeDdmDetector {
  get errorRate(): number {
    return this.get('error_rate')
  }
}

type Field = readonly [camel: string, snake: string, kind: 'number' | 'mode' | 'boolean']

const FIELDS: Record<NativeKind, readonly Field[]> = {
  page_hinkley: [
    ['minInstances', 'min_instances', 'number'],
    ['delta', 'delta', 'number'],
    ['threshold', 'threshold', 'number'],
    ['alpha', 'alpha', 'number'],
    ['mode', 'mode', 'mode'],
  ],
  adwin: [
    ['delta', 'delta', 'number'],
    ['clock', 'clock', 'number'],
    ['maxBuckets', 'max_buckets', 'number'],
    ['minWindowLength', 'min_window_length', 'number'],
    ['gracePeriod', 'grace_period', 'number'],
    ['mode', 'mode', 'mode'],
  ],
  kswin: [
    ['alpha', 'alpha', 'number'],
    ['windowSize', 'window_size', 'number'],
    ['statSize', 'stat_size', 'number'],
    ['seed', 'seed', 'number'],
  ],
  ddm: [
    ['warmStart', 'warm_start', 'number'],
    ['warningThreshold', 'warning_threshold', 'number'],
    ['driftThreshold', 'drift_threshold', 'number'],
  ],
  eddm: [
    ['warmStart', 'warm_start', 'number'],
    ['alpha', 'alpha', 'number'],
    ['beta', 'beta', 'number'],
  ],
  hddm_a: [
    ['driftConfidence', 'drift_confidence', 'number'],
    ['warningConfidence', 'warning_confidence', 'number'],
    ['twoSided', 'two_sided', 'boolean'],
  ],
}

const LOAD_KEYS = new Set(['libraryPath'])
const MODES: Record<string, number> = { both: 0, up: 1, down: 2 }

// camelCase options (validated for shape here, for range in Rust with @entrenar/drift's messages) → the C struct.
function toStruct(kind: NativeKind, factory: string, options: unknown, defaults: Record<string, number>): Record<string, number> {
  if (options === undefined || options === null) return defaults
  if (typeof options !== 'object' || Array.isArray(options)) throw configError(`${factory} options must be an object, got ${Array.isArray(options) ? 'an array' : typeof options}`)
  const fields = FIELDS[kind]
  const known = new Set(fields.map((f) => f[0]))
  for (const key of Object.keys(options)) {
    if (!known.has(key) && !LOAD_KEYS.has(key)) throw configError(`unknown option ${JSON.stringify(key)} for ${factory}; known: ${[...known, ...LOAD_KEYS].join(', ')}`, { option: key })
  }
  const o = options as Record<string, unknown>
  const out = { ...defaults }
  for (const [camel, snake, type] of fields) {
    if (!Object.hasOwn(o, camel)) continue
    const v = o[camel]
    if (v === undefined) continue
    if (type === 'mode') {
      const m = typeof v === 'string' && Object.hasOwn(MODES, v) ? MODES[v] : undefined
      if (m === undefined) throw configError(`mode must be up, down or both, got ${String(v)}`)
      out[snake] = m
    } else if (type === 'boolean') {
      if (typeof v !== 'boolean') throw configError(`${camel} must be a boolean, got ${String(v)}`, { option: camel, value: String(v) })
      out[snake] = v ? 1 : 0
    } else {
      if (typeof v !== 'number') throw configError(`${camel} must be a number, got ${typeof v} ${String(v)}`, { option: camel, value: String(v) })
      out[snake] = v
    }
  }
  return out
}

function create<T>(kind: NativeKind, factory: string, options: unknown, Cls: new (name: NativeKind, b: KindBindings, h: Handle) => T): T {
  const libraryPath = options && typeof options === 'object' ? (options as NativeLoadOptions).libraryPath : undefined
  if (libraryPath !== undefined && typeof libraryPath !== 'string') throw configError(`libraryPath must be a string, got ${typeof libraryPath}`)
  const lib: NativeLibrary = loadLibrary(libraryPath)
  const b = lib.kinds[kind]
  const struct = toStruct(kind, factory, options, b.defaults())
  const out: [Handle | null] = [null]
  const err: [Handle | null] = [null]
  const status = b.create(struct, out, err)
  if (status !== 0 || out[0] === null) {
    let code = ErrorCodes.INTERNAL as string
    let message = `entrenar/drift-native: ${factory} failed with status ${status}`
    if (err[0] !== null) {
      code = lib.errorCode(err[0])
      message = lib.errorMessage(err[0])
      lib.errorFree(err[0])
    }
    if (code === ErrorCodes.INVALID_CONFIG) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, message)
    throw internalError(`${message} (${code})`)
  }
  return new Cls(kind, b, out[0])
}

/** Page-Hinkley (`pageHinkley` of `@entrenar/drift`), computed in Rust. */
export function pageHinkley(options: Omit<PageHinkleyOptions, CalibratedOptions> & NativeLoadOptions = {}): NativePageHinkleyDetector {
  return create('page_hinkley', 'pageHinkley', options, NativePageHinkley)
}

/** ADWIN (`adwin` of `@entrenar/drift`), computed in Rust. */
export function adwin(options: Omit<AdwinOptions, CalibratedOptions> & NativeLoadOptions = {}): NativeAdwinDetector {
  return create('adwin', 'adwin', options, NativeAdwin)
}

/** KSWIN (`kswin` of `@entrenar/drift`, same seed → same draws), computed in Rust. */
export function kswin(options: Omit<KswinOptions, CalibratedOptions> & NativeLoadOptions = {}): NativeKswinDetector {
  return create('kswin', 'kswin', options, NativeKswin)
}

/** DDM (`ddm` of `@entrenar/drift`), computed in Rust. */
export function ddm(options: DdmOptions & NativeLoadOptions = {}): NativeDdmDetector {
  return create('ddm', 'ddm', options, NativeDdm)
}

/** EDDM (`eddm` of `@entrenar/drift`), computed in Rust. */
export function eddm(options: EddmOptions & NativeLoadOptions = {}): NativeEddmDetector {
  return create('eddm', 'eddm', options, Native)
}

/** HDDM_A (`hddmA` of `@entrenar/drift`), computed in Rust. */
export function hddmA(options: HddmAOptions & NativeLoadOptions = {}): NativeHddmADetector {
  return create('hddm_a', 'hddmA', options, Native)
}
