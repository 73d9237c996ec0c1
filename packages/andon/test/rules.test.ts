import { type Andon, type AndonConfig, createAndon, type RuleSet } from '@entrenar/andon'
import { afterEach, describe, expect, it, vi } from 'vitest'

const open: Andon[] = []
// Only the rules under test: every other default rule off, throttling off.
const OFF: RuleSet = { nonFinite: false, divergence: false, accuracyDrop: false, plateau: false, stall: false, gradientExplosion: false, vanishingGradients: false, drift: false }
function only(rules: RuleSet, config: AndonConfig = {}): Andon {
  const a = createAndon({ timers: false, throttleMs: 0, ...config, rules: { ...OFF, ...rules } })
  open.push(a)
  return a
}
afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(open.splice(0).map((a) => a.close()))
})
const feed = (a: Andon, metric: string, values: readonly number[], step0 = 0) => values.map((x, i) => a.observeValue(metric, x, step0 + i))

describe('non-finite', () => {
  it('fires on NaN, +Inf and -Inf at the same step, never on huge finite values or -0', () => {
    const a = only({ nonFinite: {} })
    expect(feed(a, 'loss', [1e308, -0, Number.MIN_VALUE, -1e308])).toEqual(['continue', 'continue', 'continue', 'continue'])
    for (const x of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const b = only({ nonFinite: {} })
      expect(b.observeValue('loss', x, 4)).toBe('stop')
    }
  })

  it('with consecutive = M fires only after M non-finite values in a row', () => {
    const a = only({ nonFinite: { consecutive: 3 } })
    expect(feed(a, 'loss', [Number.NaN, Number.NaN, 1, Number.NaN, Number.NaN])).toEqual(['continue', 'continue', 'continue', 'continue', 'continue'])
    expect(a.observeValue('loss', Number.NaN, 5)).toBe('stop')
    expect(a.history()[0]!.message).toMatch(/3 consecutive/)
  })

  it('watches only its metrics; "*" watches every metric', () => {
    const a = only({ nonFinite: { metrics: ['loss'] } })
    expect(a.observeValue('accuracy', Number.NaN, 1)).toBe('continue')
    const b = only({ nonFinite: { metrics: ['*'], level: 'warning' } })
    expect(b.observeValue('anything', Number.NaN, 1)).toBe('warn')
  })
})

describe('divergence', () => {
  it('absolute threshold (Lightning divergence_threshold) fires as soon as it is crossed; equal passes', () => {
    const a = only({ divergence: { threshold: 10 } })
    expect(feed(a, 'loss', [5, 10])).toEqual(['continue', 'continue'])
    expect(a.observeValue('loss', 10.0001, 2)).toBe('stop')
    expect(a.history()[0]!.message).toMatch(/above the threshold 10/)
  })

  it('k× the best after min_samples, for N evaluations', () => {
    const a = only({ divergence: { factor: 4, minSamples: 3, for: 2 } })
    expect(feed(a, 'loss', [2, 1, 0.5])).toEqual(['continue', 'continue', 'continue'])
    expect(a.observeValue('loss', 2.01, 3)).toBe('continue') // > 4 × 0.5, first evaluation
    expect(a.observeValue('loss', 1.9, 4)).toBe('continue') // back below: `for` restarts
    expect(a.observeValue('loss', 2.5, 5)).toBe('continue')
    expect(a.observeValue('loss', 2.5, 6)).toBe('stop')
    expect(a.history()[0]!.message).toMatch(/4× the best 0\.5/)
  })

  it('does not apply the factor before min_samples finite values; NaN never becomes the best', () => {
    const a = only({ divergence: { factor: 2, minSamples: 2 } })
    expect(feed(a, 'loss', [Number.NaN, 1, 100])).toEqual(['continue', 'continue', 'continue'])
    expect(a.observeValue('loss', 201, 3)).toBe('stop')
  })

  it('mode max (a reward) diverges downward; negative bests keep a symmetric margin', () => {
    const a = only({ divergence: { factor: 1.5, mode: 'max', minSamples: 1, metrics: ['reward'] } }) // bound 10 − 0.5·10 = 5
    feed(a, 'reward', [10])
    expect(a.observeValue('reward', 0.5, 1)).toBe('stop')
    const b = only({ divergence: { factor: 2, minSamples: 1, metrics: ['elbo'] } })
    feed(b, 'elbo', [-10])
    expect(b.observeValue('elbo', -0.5, 1)).toBe('continue')
    expect(b.observeValue('elbo', 0.5, 2)).toBe('stop')
  })

  it('is inhibited by a non-finite value on the same run (Alertmanager inhibition)', () => {
    const a = only({ nonFinite: { level: 'warning' }, divergence: { threshold: 10 }, inhibit: [{ source: 'non_finite', targets: ['divergence'], windowSteps: 2 }] })
    expect(a.observeValue('loss', Number.POSITIVE_INFINITY, 1)).toBe('warn')
    expect(a.observeValue('loss', 1e9, 2)).toBe('continue')
    expect(a.observeValue('loss', 1e9, 3)).toBe('continue')
    expect(a.stats().inhibited).toBe(3) // the +Inf itself at step 1, then steps 2 and 3
    expect(a.observeValue('loss', 1e9, 4)).toBe('stop')
    expect(a.history().map((i) => i.rule)).toEqual(['non_finite', 'divergence'])
  })

  it('metric-scoped inhibition leaves other metrics alone', () => {
    const a = only({
      nonFinite: { level: 'warning', metrics: ['grad_norm', 'loss'] },
      divergence: { threshold: 10 },
      inhibit: [{ source: 'non_finite', targets: ['divergence'], scope: 'metric', windowSteps: 5 }],
    })
    a.observeValue('grad_norm', Number.NaN, 1)
    expect(a.observeValue('loss', 50, 1)).toBe('stop')
  })
})

describe('accuracy drop', () => {
  it('fires below the best so far by more than 5 % (relative), as WARNING', () => {
    const a = only({ accuracyDrop: {} })
    expect(feed(a, 'accuracy', [0.5, 0.8, 0.761])).toEqual(['continue', 'continue', 'continue'])
    expect(a.observeValue('accuracy', 0.759, 3)).toBe('warn')
    expect(a.history()[0]).toMatchObject({ level: 'warning', rule: 'accuracy_drop' })
    expect(a.history()[0]!.message).toMatch(/dropped 5\.125 %.*best so far 0\.8/)
  })

  it('against a fixed baseline in absolute units', () => {
    const a = only({ accuracyDrop: { baseline: 0.9, maxDrop: 0.1, relative: false } })
    expect(a.observeValue('accuracy', 0.8, 0)).toBe('continue')
    expect(a.observeValue('accuracy', 0.79, 1)).toBe('warn')
  })

  it('one incident per episode: recovers, then can fire again', () => {
    const a = only({ accuracyDrop: { baseline: 1 } })
    feed(a, 'accuracy', [0.5, 0.5, 0.5, 0.99, 0.5])
    expect(a.history().map((i) => i.step)).toEqual([0, 4])
    expect(a.stats().deduplicated).toBe(2)
  })
})

describe('plateau', () => {
  it('fires after patience steps without min_delta improvement, once per plateau', () => {
    const a = only({ plateau: { patienceSteps: 3, minDelta: 0.1 } })
    feed(a, 'loss', [1, 0.95, 0.92, 0.91]) // improvements < 0.1 do not count
    expect(a.history()).toHaveLength(1)
    expect(a.history()[0]).toMatchObject({ step: 3, level: 'info' })
    feed(a, 'loss', [0.9, 0.9], 4)
    expect(a.history()).toHaveLength(1)
    feed(a, 'loss', [0.5, 0.5, 0.5, 0.5], 6) // improved at step 6, plateau again at step 9
    expect(a.history().map((i) => i.step)).toEqual([3, 9])
  })

  it('mode max waits for increases', () => {
    const a = only({ plateau: { patienceSteps: 2, mode: 'max', metrics: ['acc'] } })
    feed(a, 'acc', [0.1, 0.2, 0.3, 0.3, 0.3])
    expect(a.history().map((i) => i.step)).toEqual([4])
  })
})

describe('gradient explosion and vanishing gradients', () => {
  it('acts first (learning rate × 0.5), then stops when it persists', () => {
    const scales: number[] = []
    const a = only({ gradientExplosion: { factor: 5, minSamples: 3, persist: 2 } }, { onLearningRate: (s) => scales.push(s) })
    feed(a, 'grad_norm', [1, 1, 1])
    expect(a.observeValue('grad_norm', 10, 3)).toBe('act')
    expect(scales).toEqual([0.5])
    expect(a.observeValue('grad_norm', 10, 4)).toBe('continue')
    expect(a.observeValue('grad_norm', 10, 5)).toBe('stop')
    expect(a.history().map((i) => `${i.level}:${i.decision}`)).toEqual(['warning:act', 'error:stop'])
  })

  it('recovers when the learning-rate cut works (no stop), and the EMA ignores exploding values', () => {
    const a = only({ gradientExplosion: { factor: 5, minSamples: 3, persist: 2 } }, { onLearningRate: () => {} })
    feed(a, 'grad_norm', [1, 1, 1, 10, 1, 1, 4.9])
    expect(a.history().map((i) => i.decision)).toEqual(['act'])
    expect(a.signal.aborted).toBe(false)
  })

  it('max_norm fires without warm-up', () => {
    const a = only({ gradientExplosion: { maxNorm: 100 } }, { onLearningRate: () => {} })
    expect(a.observeValue('grad_norm', 101, 0)).toBe('act')
  })

  it('vanishing: below 1e-7 for 10 evaluations → WARNING; NaN breaks the run of values', () => {
    const a = only({ vanishingGradients: {} })
    feed(a, 'grad_norm', Array(9).fill(1e-8))
    a.observeValue('grad_norm', Number.NaN, 9)
    feed(a, 'grad_norm', Array(9).fill(0), 10)
    expect(a.history()).toHaveLength(0)
    expect(a.observeValue('grad_norm', 0, 19)).toBe('warn')
  })
})

describe('threshold', () => {
  it('fires above or below, NaN crosses neither', () => {
    const a = only({ threshold: [{ name: 'lr_range', metrics: ['lr'], above: 1, below: 1e-6, level: 'error' }] })
    expect(feed(a, 'lr', [0.5, Number.NaN, 1])).toEqual(['continue', 'continue', 'continue'])
    expect(a.observeValue('lr', 1e-7, 3)).toBe('stop')
    expect(a.history()[0]!.rule).toBe('lr_range')
  })
})

describe('stall (watchdog timer)', () => {
  it('fires after timeout without log(), only once armed, never while paused or stopped', async () => {
    vi.useFakeTimers()
    const a = createAndon({ throttleMs: 0, rules: { ...OFF, stall: { timeoutMs: 4000, level: 'error' }, accuracyDrop: { baseline: 1, action: 'pause' } } })
    open.push(a)
    vi.advanceTimersByTime(20_000)
    expect(a.history()).toHaveLength(0) // not armed before the first log()
    a.observeValue('loss', 1, 1)
    vi.advanceTimersByTime(3000)
    a.observeValue('loss', 1, 2)
    vi.advanceTimersByTime(3000)
    expect(a.history()).toHaveLength(0)
    a.observeValue('accuracy', 0.1, 3) // pauses
    vi.advanceTimersByTime(20_000)
    expect(a.history().map((i) => i.rule)).toEqual(['accuracy_drop'])
    a.resume()
    vi.advanceTimersByTime(6000)
    const stall = a.history().find((i) => i.rule === 'stall')
    expect(stall).toMatchObject({ level: 'error', decision: 'stop', step: 3 })
    expect(stall!.message).toMatch(/no log\(\) for [45] s after step 3/)
    vi.advanceTimersByTime(60_000)
    expect(a.history().filter((i) => i.rule === 'stall')).toHaveLength(1)
  })

  it('the watchdog timer is unref’d (does not keep the process alive)', () => {
    const spy = vi.spyOn(globalThis, 'setInterval')
    const a = createAndon({ rules: { stall: { timeoutMs: 1000 } } })
    open.push(a)
    const timer = spy.mock.results.at(-1)?.value as NodeJS.Timeout
    spy.mockRestore()
    expect(timer.hasRef()).toBe(false)
  })
})

describe('budgets', () => {
  it('span_count → steps: fires when the step count exceeds max_spans; equal passes', () => {
    const a = only({ budgets: [{ kind: 'steps', name: 'max_steps', maxSteps: 3, failOnViolation: true }] })
    expect(feed(a, 'loss', [1, 1, 1])).toEqual(['continue', 'continue', 'continue'])
    expect(a.observeValue('acc', 1, 2)).toBe('continue') // same step, no new count
    expect(a.observeValue('loss', 1, 3)).toBe('stop')
    expect(a.history()[0]).toMatchObject({ rule: 'budget', metric: 'steps', level: 'error', value: 4 })
  })

  it('critical_path → step duration (fail_on_violation false warns)', () => {
    let t = 0
    const spy = vi.spyOn(performance, 'now').mockImplementation(() => t)
    try {
      const a = only({ budgets: [{ kind: 'step_duration', name: 'step_latency', maxMs: 100, failOnViolation: false }] })
      a.observeValue('loss', 1, 0)
      t = 100
      expect(a.observeValue('loss', 1, 1)).toBe('continue')
      t = 250
      expect(a.observeValue('loss', 1, 2)).toBe('warn')
      expect(a.history()[0]).toMatchObject({ metric: 'step_duration_ms', step: 1, value: 150, level: 'warning' })
    } finally {
      spy.mockRestore()
    }
  })

  it('memory_usage → RSS or heap, sampled by the watchdog', () => {
    vi.useFakeTimers()
    let rss = 100
    const a = createAndon({
      rules: { ...OFF },
      renacer: { andon: {}, budgets: [{ kind: 'memory', name: 'rss_budget', maxBytes: 1000, trackingMode: 'rss', failOnViolation: true }] },
      probes: { rssBytes: () => rss, heapUsedBytes: () => 0 },
    })
    open.push(a)
    a.observeValue('loss', 1, 7)
    vi.advanceTimersByTime(2000)
    expect(a.signal.aborted).toBe(false)
    rss = 2000
    vi.advanceTimersByTime(1000)
    expect(a.signal.aborted).toBe(true)
    expect(a.history()[0]).toMatchObject({ metric: 'process_rss_bytes', value: 2000, step: 7 })
  })
})

describe('watchdog failures', () => {
  it('a throwing memory probe goes to onError, never out of the timer', () => {
    vi.useFakeTimers()
    const errors: string[] = []
    const a = createAndon({
      rules: { ...OFF },
      renacer: { andon: {}, budgets: [{ kind: 'memory', name: 'heap', maxBytes: 10, trackingMode: 'allocations', failOnViolation: true }] },
      probes: {
        rssBytes: () => 0,
        heapUsedBytes: () => {
          throw new Error('probe broke')
        },
      },
      onError: (e) => errors.push(e.message),
    })
    open.push(a)
    expect(() => vi.advanceTimersByTime(1000)).not.toThrow()
    expect(errors).toEqual(['entrenar/andon: watchdog failed: probe broke'])
  })
})

describe('wall-time budget', () => {
  it('fires when the time since the first log() exceeds max_ms, checked by the watchdog', () => {
    vi.useFakeTimers()
    const a = createAndon({ rules: { ...OFF, budgets: [{ kind: 'wall_time', name: 'run_time', maxMs: 5000, failOnViolation: true }] } })
    open.push(a)
    vi.advanceTimersByTime(10_000) // not started before the first log()
    expect(a.signal.aborted).toBe(false)
    a.observeValue('loss', 1, 0)
    vi.advanceTimersByTime(4000)
    a.observeValue('loss', 1, 1)
    expect(a.signal.aborted).toBe(false)
    vi.advanceTimersByTime(2000)
    expect(a.signal.aborted).toBe(true)
    expect(a.history()[0]).toMatchObject({ rule: 'budget', metric: 'wall_time_ms', step: 1, level: 'error' })
    expect(a.history()[0]!.message).toMatch(/budget run_time exceeded at step 1: wall_time_ms \d+ ms > 5000 ms/)
  })
})
