import type { DetectorSignal } from '../contracts/detector.js'
import type { DetectorBatchResult, DetectorService, DetectorState } from '../http/detector-contract.js'
import { check, type ConformanceCase, type ConformanceSuite } from './harness.js'

/** Options of {@link changeDetectorSuite}. */
export interface ChangeDetectorSuiteOptions {
  /** `real` (any finite number, default) or `binary` (0/1 error indicators, as DDM/EDDM/HDDM take). */
  readonly domain?: 'real' | 'binary'
  /** Whether the detector must catch the suite's large abrupt shift. Default true. */
  readonly detectsShift?: boolean
}

const SIGNALS: readonly DetectorSignal[] = ['stable', 'warning', 'drift', 'invalid']

// mulberry32: a tiny seeded generator so every implementation sees the same streams.
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Stationary part then a large abrupt shift at index 1000 (river's docstring stream shape). */
function shiftStream(domain: 'real' | 'binary', seed: number, n = 2000): number[] {
  const r = rng(seed)
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    if (domain === 'binary') out.push(r() < (i < 1000 ? 0.1 : 0.9) ? 1 : 0)
    else out.push(i < 1000 ? Math.floor(r() * 2) : 4 + Math.floor(r() * 4))
  }
  return out
}

const sameState = (a: DetectorState, b: DetectorState, what: string): void => {
  check(a.name === b.name && Object.is(a.statistic, b.statistic) && a.severity === b.severity && a.samples === b.samples, `${what}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`)
}

const sameRun = (a: DetectorBatchResult, b: DetectorBatchResult, what: string): void => {
  check(a.signals.length === b.signals.length, `${what}: ${a.signals.length} vs ${b.signals.length} signals`)
  for (let i = 0; i < a.signals.length; i++) {
    check(a.signals[i] === b.signals[i], `${what}: signal ${i} is ${a.signals[i]} vs ${b.signals[i]}`)
    check(Object.is(a.statistics[i], b.statistics[i]), `${what}: statistic ${i} is ${a.statistics[i]} vs ${b.statistics[i]}`)
    check(a.severities[i] === b.severities[i], `${what}: severity ${i} is ${a.severities[i]} vs ${b.severities[i]}`)
  }
  sameState(a.state, b.state, `${what}: final state`)
}

/**
 * The `ChangeDetector` conformance suite, run through a {@link DetectorService} so the same cases
 * check an in-process detector (`asDetectorService(() => adwin())`) and a remote one over HTTP.
 * Every case uses its own series keys (`ctx.id`), so one shared remote service can run them all.
 */
export function changeDetectorSuite(options: ChangeDetectorSuiteOptions = {}): ConformanceSuite<DetectorService> {
  const domain = options.domain ?? 'real'
  const stream = shiftStream(domain, 7)
  const stationary = stream.slice(0, 1000)
  const cases: ConformanceCase<DetectorService>[] = [
    {
      name: 'a fresh series has no samples and no severity',
      async run(s, { id }) {
        const st = await s.state(id)
        check(typeof st.name === 'string' && st.name.length > 0, `name ${JSON.stringify(st.name)}`)
        check(st.samples === 0, `samples ${st.samples}`)
        check(st.severity === undefined, `severity ${st.severity}`)
      },
    },
    {
      name: 'update answers one known signal, statistic and severity per value',
      async run(s, { id }) {
        const r = await s.update(id, stream.slice(0, 300))
        check(r.signals.length === 300 && r.statistics.length === 300 && r.severities.length === 300, `lengths ${r.signals.length}/${r.statistics.length}/${r.severities.length}`)
        check(
          r.signals.every((x) => SIGNALS.includes(x)),
          'every signal is stable, warning, drift or invalid',
        )
        check(r.state.samples >= 0 && r.state.samples <= 300 && Number.isInteger(r.state.samples), `samples ${r.state.samples}`)
      },
    },
    {
      name: 'an empty update answers nothing and changes nothing',
      async run(s, { id }) {
        await s.update(id, stationary.slice(0, 50))
        const before = await s.state(id)
        const r = await s.update(id, [])
        check(r.signals.length === 0 && r.statistics.length === 0, 'no signals')
        sameState(r.state, before, 'state after an empty update')
      },
    },
    {
      name: 'samples counts the finite values fed so far (before any drift)',
      async run(s, { id }) {
        const r = await s.update(id, stationary.slice(0, 20))
        check(!r.signals.includes('drift'), 'no drift in 20 stationary values')
        check(r.state.samples === 20, `samples ${r.state.samples}, expected 20`)
        const r2 = await s.update(id, [Number.NaN])
        check(r2.state.samples === 20, `samples after NaN ${r2.state.samples}, expected 20`)
      },
    },
    {
      name: 'the same values give the same signals and statistics (determinism)',
      async run(s, { id }) {
        const a = await s.update(`${id}-a`, stream)
        const b = await s.update(`${id}-b`, stream)
        sameRun(a, b, 'two series fed the same stream')
      },
    },
    {
      name: 'feeding in several batches equals feeding at once',
      async run(s, { id }) {
        const whole = await s.update(`${id}-whole`, stream)
        const parts: DetectorBatchResult[] = []
        for (let i = 0; i < stream.length; i += 333) parts.push(await s.update(`${id}-parts`, stream.slice(i, i + 333)))
        const joined: DetectorBatchResult = {
          signals: parts.flatMap((p) => [...p.signals]),
          statistics: Float64Array.from(parts.flatMap((p) => Array.from(p.statistics))),
          severities: parts.flatMap((p) => [...p.severities]),
          state: parts[parts.length - 1]!.state,
        }
        sameRun(joined, whole, 'batched vs whole')
      },
    },
    {
      name: 'reset restores the initial state',
      async run(s, { id }) {
        const fresh = await s.state(`${id}-fresh`)
        await s.update(id, stream)
        await s.reset(id)
        sameState(await s.state(id), fresh, 'state after reset')
        const again = await s.update(id, stream)
        const first = await s.update(`${id}-fresh`, stream)
        sameRun(again, first, 'after reset vs fresh')
      },
    },
    {
      name: 'NaN and ±Inf answer invalid and leave the state untouched',
      async run(s, { id }) {
        const clean = await s.update(`${id}-clean`, stream)
        const dirty: number[] = []
        const bad = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]
        stream.forEach((x, i) => {
          if (i % 97 === 5) dirty.push(bad[i % 3]!)
          dirty.push(x)
        })
        const r = await s.update(`${id}-dirty`, dirty)
        let k = 0
        for (let i = 0; i < dirty.length; i++) {
          const x = dirty[i]!
          if (!Number.isFinite(x)) {
            check(r.signals[i] === 'invalid', `value ${x} at ${i} answered ${r.signals[i]}`)
            continue
          }
          check(r.signals[i] === clean.signals[k], `finite value ${k}: ${r.signals[i]} with non-finite values around, ${clean.signals[k]} without`)
          check(Object.is(r.statistics[i], clean.statistics[k]), `finite value ${k}: statistic ${r.statistics[i]} vs ${clean.statistics[k]}`)
          k++
        }
        sameState(r.state, clean.state, 'final state')
      },
    },
    {
      name: 'a constant stream raises no alarm',
      async run(s, { id }) {
        const constants = domain === 'binary' ? [0, 1] : [0, 0.25, -3.5, 1e6]
        for (const c of constants) {
          const r = await s.update(`${id}-${c}`, new Array(3000).fill(c))
          const alarm = r.signals.findIndex((x) => x !== 'stable')
          check(alarm < 0, `constant ${c}: ${r.signals[alarm]} at index ${alarm}`)
        }
      },
    },
    {
      name: 'series are independent',
      async run(s, { id }) {
        const alone = await s.update(`${id}-alone`, stationary)
        await s.update(`${id}-other`, stream)
        await s.update(`${id}-other`, [Number.NaN, 1e9])
        const st = await s.state(`${id}-alone`)
        sameState(st, alone.state, 'untouched series')
      },
    },
    {
      name: 'remove forgets a series',
      async run(s, { id }) {
        await s.update(id, stationary.slice(0, 40))
        check((await s.remove(id)) === true, 'remove answers true for a known series')
        check((await s.state(id)).samples === 0, 'a removed series starts afresh')
        check((await s.remove(`${id}-never`)) === false, 'remove answers false for an unknown series')
      },
    },
  ]
  cases.push({
    name: 'no alarm on the stationary part before the shift',
    async run(s, { id }) {
      const r = await s.update(id, stationary)
      const first = r.signals.indexOf('drift')
      check(first < 0, `drift at ${first} in a stationary stream`)
    },
  })
  if (options.detectsShift ?? true) {
    cases.push({
      name: 'a large abrupt shift is detected within 300 values',
      async run(s, { id }) {
        const r = await s.update(id, stream)
        let hit = -1
        for (let i = 1000; i <= 1300 && hit < 0; i++) if (r.signals[i] === 'drift') hit = i
        check(hit >= 0, `no drift in [1000, 1300]; drifts at ${r.signals.flatMap((x, i) => (x === 'drift' ? [i] : [])).slice(0, 10).join(', ') || 'none'}`)
      },
    })
  }
  return { contract: `ChangeDetector (${domain})`, cases }
}
