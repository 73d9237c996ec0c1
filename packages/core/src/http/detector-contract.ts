import * as v from 'valibot'
import type { ChangeDetector, DetectorSignal, Severity } from '../contracts/detector.js'
import { EntrenarError, ErrorCodes } from '../errors.js'
import { floatsFromWire, floatsToWire, floatFromWire, floatToWire, WireFloat } from '../wire/numbers.js'
import { AckWire, ack, SCHEMA_VERSION } from '../wire/schemas.js'
import { type Contract, method } from './contract.js'

/** What a detector reports about one series, as of its last update. */
export interface DetectorState {
  /** Detector kind, e.g. `adwin`. */
  readonly name: string
  /** The detector's statistic after the last value. */
  readonly statistic: number
  /** Severity of the last non-stable signal, when graded. */
  readonly severity: Severity | undefined
  /** Finite values consumed since creation or the last reset/drift. */
  readonly samples: number
}

/** The answer to one batched update: one signal, statistic and severity per value, then the state. */
export interface DetectorBatchResult {
  /** The signal after each value, in order. */
  readonly signals: readonly DetectorSignal[]
  /** `statistic` after each value (NaN/±Inf travel as data). */
  readonly statistics: Float64Array
  /** The severity after each value. */
  readonly severities: readonly (Severity | undefined)[]
  /** State after the last value. */
  readonly state: DetectorState
}

/**
 * A change-detection service keeping one detector per series key (e.g. `<run>/<metric>`): the remote
 * form of {@link ChangeDetector}, and what the `ChangeDetector` conformance suite drives.
 * `asDetectorService(create)` serves in-process detectors; `createHttpClient(detectorServiceContract, url)`
 * talks to a remote one (a Rust server speaking the same wire drops in).
 *
 * Updates are batched (`values[]`) because a round trip costs ~100 µs while an in-process update costs
 * ~20 ns: a remote detector cannot answer a synchronous `update(x)` on the training loop's hot path.
 */
export interface DetectorService {
  /** Feeds values to a series (created on first use) in order; answers one signal per value. */
  update(seriesKey: string, values: ArrayLike<number>): Promise<DetectorBatchResult>
  /** The series' state (a fresh detector's state for an unknown key). */
  state(seriesKey: string): Promise<DetectorState>
  /** Restores the series' initial state. */
  reset(seriesKey: string): Promise<void>
  /** Forgets a series; true when it existed. */
  remove(seriesKey: string): Promise<boolean>
}

/** Options of {@link asDetectorService}. */
export interface DetectorServiceOptions {
  /** Most series kept at once; a new series beyond it is refused with `ENTRENAR_BUSY`. Default 10 000. */
  readonly maxSeries?: number
}

function stateOf(d: ChangeDetector): DetectorState {
  return { name: d.name, statistic: d.statistic, severity: d.severity, samples: d.samples }
}

/**
 * Serves in-process detectors as a {@link DetectorService}: `create(seriesKey)` makes the detector of
 * a new series. Each batch runs synchronously, so the values of one call are never interleaved with
 * another call's.
 *
 * @example
 * ```ts
 * const service = asDetectorService(() => adwin())
 * const handler = createHttpHandler(detectorServiceContract, service)
 * ```
 */
export function asDetectorService(create: (seriesKey: string) => ChangeDetector, options: DetectorServiceOptions = {}): DetectorService {
  const maxSeries = options.maxSeries ?? 10_000
  const series = new Map<string, ChangeDetector>()
  const get = (key: string): ChangeDetector => {
    let d = series.get(key)
    if (!d) {
      if (series.size >= maxSeries) throw new EntrenarError('ENTRENAR_BUSY', `entrenar/core: detector service holds ${series.size} series, the limit is ${maxSeries}`, { details: { maxSeries } })
      d = create(key)
      series.set(key, d)
    }
    return d
  }
  return {
    async update(key, values) {
      const d = get(key)
      const signals: DetectorSignal[] = new Array(values.length)
      const statistics = new Float64Array(values.length)
      const severities: (Severity | undefined)[] = new Array(values.length)
      for (let i = 0; i < values.length; i++) {
        signals[i] = d.update(values[i]!)
        statistics[i] = d.statistic
        severities[i] = d.severity
      }
      return { signals, statistics, severities, state: stateOf(d) }
    },
    async state(key) {
      return stateOf(series.get(key) ?? create(key))
    },
    async reset(key) {
      series.get(key)?.reset()
    },
    async remove(key) {
      return series.delete(key)
    },
  }
}

/** A remote series seen through a `ChangeDetector`-like face whose `update` is asynchronous. */
export interface RemoteDetector {
  /** The key of the series this detector instance serves on the remote service. */
  readonly seriesKey: string
  /** Name, statistic, severity and samples as of the last answer. */
  readonly name: string
  /** Statistic as of the last answer. */
  readonly statistic: number
  /** Severity as of the last answer. */
  readonly severity: Severity | undefined
  /** Samples as of the last answer. */
  readonly samples: number
  /** Feeds one value (one round trip). */
  update(x: number): Promise<DetectorSignal>
  /** Preferred: one round trip for many values. */
  updateMany(values: ArrayLike<number>): Promise<DetectorBatchResult>
  /** Restores the remote detector's initial state. */
  reset(): Promise<void>
}

/**
 * Exposes one series of a {@link DetectorService} (often remote) with the shape of a `ChangeDetector`.
 * `update` must be asynchronous (and is best batched through `updateMany`) because the detector lives
 * across a network; calls are queued so the series sees values in call order even when not awaited.
 */
export async function openRemoteDetector(service: DetectorService, seriesKey: string): Promise<RemoteDetector> {
  let state = await service.state(seriesKey)
  let queue: Promise<unknown> = Promise.resolve()
  const serial = <R>(fn: () => Promise<R>): Promise<R> => {
    const next = queue.then(fn, fn)
    queue = next.catch(() => undefined)
    return next
  }
  const updateMany = (values: ArrayLike<number>) =>
    serial(async () => {
      const r = await service.update(seriesKey, values)
      state = r.state
      return r
    })
  return {
    seriesKey,
    get name() {
      return state.name
    },
    get statistic() {
      return state.statistic
    },
    get severity() {
      return state.severity
    },
    get samples() {
      return state.samples
    },
    updateMany,
    update: async (x) => (await updateMany([x])).signals[0]!,
    reset: () =>
      serial(async () => {
        await service.reset(seriesKey)
        state = await service.state(seriesKey)
      }),
  }
}

const version = v.literal(SCHEMA_VERSION)
const SeriesKey = v.pipe(v.string(), v.minLength(1), v.maxLength(512))
const SignalWire = v.picklist(['stable', 'warning', 'drift', 'invalid'] as const)
const SeverityWire = v.nullable(v.picklist(['low', 'medium', 'high'] as const))
const StateWire = v.object({ name: v.string(), statistic: WireFloat, severity: SeverityWire, samples: v.pipe(v.number(), v.safeInteger(), v.minValue(0)) })
type StateWire = v.InferOutput<typeof StateWire>
const KeyWire = v.object({ schema_version: version, series_key: SeriesKey })
const UpdateWire = v.object({ schema_version: version, series_key: SeriesKey, values: v.array(WireFloat) })
const UpdateAnswerWire = v.object({ schema_version: version, signals: v.array(SignalWire), statistics: v.array(WireFloat), severities: v.array(SeverityWire), state: StateWire })
const StateAnswerWire = v.object({ schema_version: version, state: StateWire })
const RemoveAnswerWire = v.object({ schema_version: version, removed: v.boolean() })

const stateToWire = (s: DetectorState): StateWire => ({ name: s.name, statistic: floatToWire(s.statistic), severity: s.severity ?? null, samples: s.samples })
const stateFromWire = (w: StateWire): DetectorState => ({ name: w.name, statistic: floatFromWire(w.statistic), severity: w.severity ?? undefined, samples: w.samples })

/** Wire description of {@link DetectorService}: service `detector`, e.g. `POST /v1/detector/update`. */
export const detectorServiceContract: Contract<DetectorService> = {
  service: 'detector',
  description: 'Streaming change detection, one detector per series key kept on the server',
  methods: {
    update: method<[string, ArrayLike<number>], DetectorBatchResult, typeof UpdateWire, typeof UpdateAnswerWire>({
      summary: 'Feed values to a series; one signal per value (NaN/Inf answer invalid)',
      request: UpdateWire,
      response: UpdateAnswerWire,
      encodeRequest: (key, values) => ({ schema_version: SCHEMA_VERSION, series_key: key, values: floatsToWire(values) }),
      decodeRequest: (w) => [w.series_key, floatsFromWire(w.values)],
      encodeResponse: (r) => ({
        schema_version: SCHEMA_VERSION,
        signals: [...r.signals],
        statistics: floatsToWire(r.statistics),
        severities: r.severities.map((s) => s ?? null),
        state: stateToWire(r.state),
      }),
      decodeResponse: (w) => {
        if (w.statistics.length !== w.signals.length || w.severities.length !== w.signals.length) {
          throw new EntrenarError(ErrorCodes.WIRE_INVALID, `entrenar/core: detector.update answered ${w.signals.length} signals, ${w.statistics.length} statistics, ${w.severities.length} severities`)
        }
        return { signals: w.signals, statistics: floatsFromWire(w.statistics), severities: w.severities.map((s) => s ?? undefined), state: stateFromWire(w.state) }
      },
    }),
    state: method<[string], DetectorState, typeof KeyWire, typeof StateAnswerWire>({
      summary: "A series' detector name, statistic, severity and sample count",
      request: KeyWire,
      response: StateAnswerWire,
      encodeRequest: (key) => ({ schema_version: SCHEMA_VERSION, series_key: key }),
      decodeRequest: (w) => [w.series_key],
      encodeResponse: (s) => ({ schema_version: SCHEMA_VERSION, state: stateToWire(s) }),
      decodeResponse: (w) => stateFromWire(w.state),
    }),
    reset: method<[string], void, typeof KeyWire, typeof AckWire>({
      summary: "Restore a series' initial state",
      request: KeyWire,
      response: AckWire,
      encodeRequest: (key) => ({ schema_version: SCHEMA_VERSION, series_key: key }),
      decodeRequest: (w) => [w.series_key],
      encodeResponse: ack,
      decodeResponse: () => undefined,
    }),
    remove: method<[string], boolean, typeof KeyWire, typeof RemoveAnswerWire>({
      summary: 'Forget a series',
      request: KeyWire,
      response: RemoveAnswerWire,
      encodeRequest: (key) => ({ schema_version: SCHEMA_VERSION, series_key: key }),
      decodeRequest: (w) => [w.series_key],
      encodeResponse: (removed) => ({ schema_version: SCHEMA_VERSION, removed }),
      decodeResponse: (w) => w.removed,
    }),
  },
}
