import { batchFromRows, createMemoryStore, type Incident, type MetricStore, type RunInfo } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { analyzeRun, hanseiCharts, leastSquares, mannKendall, renderHanseiHtml, renderHanseiJson, renderHanseiMarkdown } from '../src/index.js'

/** A deterministic PRNG (mulberry32) so noisy series are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Gen = (step: number) => number

async function storeWith(runId: string, series: Record<string, Gen>, steps: number, run: Partial<RunInfo> = {}): Promise<MetricStore> {
  const store = createMemoryStore()
  await store.putRun({ id: runId, status: 'finished', startTimeMs: 0, ...run })
  const rows = []
  for (let step = 0; step < steps; step++) {
    let k = 0
    for (const [metric, f] of Object.entries(series)) rows.push({ metric, value: f(step), step, timestampUs: step * 1000 + k++, epoch: null, batch: null, tags: null })
  }
  await store.write(batchFromRows(runId, rows))
  await store.flush()
  return store
}

describe('statistics', () => {
  it('Mann–Kendall matches the textbook values for a monotone series and ties', () => {
    const up = mannKendall([1, 2, 3, 4, 5])
    expect(up.s).toBe(10)
    // Var(S) = 5·4·15/18 = 16.67, z = 9/4.082 = 2.2045, p = 0.0275 (pyMannKendall original_test gives the same).
    expect(up.z).toBeCloseTo(2.2045, 3)
    expect(up.pValue).toBeCloseTo(0.0275, 3)
    expect(up.tau).toBe(1)
    const flat = mannKendall([3, 3, 3, 3, 3, 3])
    expect(flat.s).toBe(0)
    expect(flat.pValue).toBe(1)
    const ties = mannKendall([1, 1, 2, 2, 3])
    expect(ties.s).toBe(8)
    // tie-corrected Var(S) = (5·4·15 − 2·(2·1·9))/18 = 14.67
    expect(ties.z).toBeCloseTo(7 / Math.sqrt(14.666666), 4)
  })
  it('least squares recovers a line', () => {
    const x = [0, 1, 2, 3, 4]
    const fit = leastSquares(
      x,
      x.map((v) => 2 - 0.5 * v),
    )
    expect(fit.slope).toBeCloseTo(-0.5, 12)
    expect(fit.intercept).toBeCloseTo(2, 12)
  })
})

describe('analyzeRun trends', () => {
  it('uses the real first and last values and classifies improving, degrading, stable and oscillating', async () => {
    const r = rng(1)
    const store = await storeWith(
      'r1',
      {
        loss: (s) => 2 * Math.exp(-s / 60) + 0.05 * r(),
        accuracy: (s) => 0.3 + 0.6 * (1 - Math.exp(-s / 60)),
        val_loss: (s) => 0.5 + s / 400,
        constant_loss: () => 0.7,
        noisy_loss: (s) => 1 + (s % 2 === 0 ? 0.4 : -0.4) * (0.5 + r()),
        learning_rate: (s) => 0.1 * 0.99 ** s,
      },
      200,
    )
    const rep = await analyzeRun(store, 'r1', { now: () => 5 })
    const by = Object.fromEntries(rep.metrics.map((m) => [m.metric, m]))
    expect(by.loss!.first!.step).toBe(0)
    expect(by.loss!.first!.value).toBeGreaterThan(2)
    expect(by.loss!.last!.step).toBe(199)
    expect(by.loss!.last!.value).toBeLessThan(0.2)
    expect(by.loss!.trend).toBe('improving')
    expect(by.accuracy!.trend).toBe('improving')
    expect(by.val_loss!.trend).toBe('degrading')
    // The Rust reference calls a constant series degrading; it is stable.
    expect(by.constant_loss!.trend).toBe('stable')
    expect(by.noisy_loss!.trend).toBe('oscillating')
    expect(by.learning_rate!.trend).toBe('decreasing')
    expect(rep.findings.some((f) => f.code === 'degrading' && f.metric === 'val_loss')).toBe(true)
    expect(rep.findings.some((f) => f.code === 'oscillating' && f.metric === 'noisy_loss')).toBe(true)
    expect(rep.generatedAtMs).toBe(5)
    expect(rep.steps).toEqual({ first: 0, last: 199 })
    expect(rep.points).toBe(1200)
    expect(rep.durationMs).toBeUndefined()
  })

  it('finds a plateau and a metric that never improved', async () => {
    const store = await storeWith('p', { loss: (s) => (s < 50 ? 2 - s / 50 : 1), frozen_loss: () => 1.386 }, 200)
    const rep = await analyzeRun(store, 'p')
    const loss = rep.metrics.find((m) => m.metric === 'loss')!
    expect(loss.plateau?.fromStep).toBe(50)
    expect(rep.findings.find((f) => f.metric === 'loss')?.code).toBe('plateau')
    // constant: stable and never improved
    expect(rep.findings.find((f) => f.metric === 'frozen_loss')?.code).toBe('no_learning')
  })
})

describe('analyzeRun failures', () => {
  it('names the first non-finite step and the metric that went first, with the last good checkpoint', async () => {
    const store = await storeWith(
      'nan',
      {
        loss: (s) => (s >= 61 ? Number.NaN : 1 / (1 + s)),
        gradient_norm: (s) => (s >= 60 ? Number.POSITIVE_INFINITY : s >= 55 ? 50 * 2 ** (s - 55) : 1),
        checkpoint: (s) => s,
      },
      80,
    )
    // Only every 20th checkpoint row exists in a real run; here the option list wins over the stored metric.
    const rep = await analyzeRun(store, 'nan', { checkpoints: [{ step: 20, label: 'ckpt-20.bin' }, { step: 40, label: 'ckpt-40.bin' }, { step: 60, label: 'ckpt-60.bin' }] })
    expect(rep.nonFinite).toMatchObject({ step: 60, metric: 'gradient_norm', value: Number.POSITIVE_INFINITY })
    expect(rep.nonFinite!.order).toEqual([
      { metric: 'gradient_norm', step: 60 },
      { metric: 'loss', step: 61 },
    ])
    expect(rep.findings[0]!.code).toBe('non_finite')
    expect(rep.findings[0]!.severity).toBe('critical')
    const g = rep.gradients.find((x) => x.metric === 'gradient_norm')!
    expect(g.explosion?.step).toBe(55)
    // The problem starts at the explosion (step 55): the last good checkpoint is the one at 40.
    expect(rep.lastGoodCheckpoint).toMatchObject({ step: 40, label: 'ckpt-40.bin', problemStep: 55 })
    expect(rep.verdict).toBe('failed')
    const loss = rep.metrics.find((m) => m.metric === 'loss')!
    expect(loss.nanCount).toBe(19)
    expect(loss.last!.value).toBeNaN()
    expect(rep.metrics.some((m) => m.metric === 'checkpoint')).toBe(false)
  })

  it('reads checkpoints from the checkpoint metric', async () => {
    const store = await storeWith('ck', { loss: (s) => (s === 30 ? Number.NaN : 1) }, 40)
    await store.write(batchFromRows('ck', [10, 25, 35].map((step) => ({ metric: 'checkpoint', value: step, step, timestampUs: step * 1000 + 9, epoch: null, batch: null, tags: null }))))
    const rep = await analyzeRun(store, 'ck')
    expect(rep.lastGoodCheckpoint?.step).toBe(25)
    expect(rep.timeline.filter((t) => t.kind === 'checkpoint')).toHaveLength(3)
  })

  it('detects vanishing gradients, chance-level accuracy and experts that stopped learning', async () => {
    const store = await storeWith(
      'moe',
      {
        accuracy: (s) => 0.33 + (s % 3) * 0.01,
        'expert_0/loss': (s) => 1.4 * Math.exp(-s / 40),
        'expert_1/loss': (s) => 1.3 * Math.exp(-s / 50),
        'expert_2/loss': () => 1.386,
        'expert_3/loss': () => 1.386,
        'expert_0/grad_norm': () => 0.5,
        'expert_1/grad_norm': () => 0.4,
        'expert_2/grad_norm': (s) => (s < 5 ? 0.5 : 0),
        'expert_3/grad_norm': (s) => (s < 8 ? 0.5 : 1e-12),
        // a second family: one of three heads stopped learning
        'head.0/loss': (s) => 1 / (1 + s),
        'head.1/loss': () => 0.9,
        'head.2/loss': (s) => 2 / (2 + s),
      },
      150,
      { config: { num_classes: 3 } },
    )
    const rep = await analyzeRun(store, 'moe')
    expect(rep.chance).toEqual([expect.objectContaining({ metric: 'accuracy', classes: 3, atChance: true })])
    expect(rep.gradients.find((g) => g.metric === 'expert_2/grad_norm')?.vanishing).toMatchObject({ fromStep: 5, toStep: 149 })
    expect(rep.gradients.find((g) => g.metric === 'expert_3/grad_norm')?.vanishing?.fromStep).toBe(8)
    expect(rep.gradients.find((g) => g.metric === 'expert_0/grad_norm')?.vanishing).toBeUndefined()
    expect(rep.stalledGroups).toEqual([
      { prefix: 'expert', stalled: ['expert_2', 'expert_3'], healthy: ['expert_0', 'expert_1'] },
      { prefix: 'head', stalled: ['head.1'], healthy: ['head.0', 'head.2'] },
    ])
    const stalled = rep.findings.find((f) => f.code === 'stalled_components')!
    expect(stalled.message).toContain('2 of 4 experts stopped learning: expert_2, expert_3')
    expect(rep.findings.some((f) => f.code === 'chance_accuracy')).toBe(true)
  })

  it('puts incidents and drift events on the timeline, most severe findings first', async () => {
    const store = await storeWith('inc', { loss: (s) => 1 / (1 + s) }, 50, { status: 'stopped', reason: 'divergence' })
    const incidents: Incident[] = [
      { level: 'warning', rule: 'accuracy_drop', message: 'val_accuracy dropped 6 %', metric: 'val_accuracy', step: 10, timestampMs: 1, decision: 'warn' },
      { level: 'error', rule: 'divergence', message: 'loss 12 is 10× the best', metric: 'loss', step: 30, timestampMs: 2, decision: 'stop' },
      { level: 'error', rule: 'stall', message: 'no log() for 60 s', timestampMs: 3, decision: 'stop' },
    ]
    const rep = await analyzeRun(store, 'inc', {
      incidents,
      driftEvents: [{ kind: 'drift', metric: 'loss', step: 20, detector: 'page_hinkley', signal: 'drift', statistic: 3.2, timestampMs: 1 }],
    })
    expect(rep.timeline.map((t) => [t.kind, t.step])).toEqual([
      ['incident', 10],
      ['drift', 20],
      ['incident', 30],
      ['incident', undefined],
    ])
    expect(rep.findings[0]!.code).toBe('stopped')
    expect(rep.findings[0]!.step).toBe(30)
    expect(rep.findings.some((f) => f.code === 'drift' && f.step === 20)).toBe(true)
    const sev = rep.findings.map((f) => f.severity)
    const rank = { critical: 3, error: 2, warning: 1, info: 0 }
    expect(sev.map((s) => rank[s])).toEqual([...sev.map((s) => rank[s])].sort((a, b) => b - a))
  })

  it('a calibrated detector’s drift reads with its threshold and false-alarm budget on the timeline', async () => {
    const store = await storeWith('cal', { loss: (s) => 1 / (1 + s) }, 30)
    const rep = await analyzeRun(store, 'cal', {
      driftEvents: [
        { kind: 'drift', metric: 'loss', step: 20, detector: 'page_hinkley', signal: 'drift', statistic: 12.5, threshold: 11.96, falseAlarmsPerMillion: 1, timestampMs: 1 },
        { kind: 'drift', metric: 'loss', step: 25, detector: 'ddm', signal: 'warning', statistic: 2.5, threshold: 3, timestampMs: 2 },
      ],
    })
    const messages = rep.timeline.filter((t) => t.kind === 'drift').map((t) => t.message)
    expect(messages[0]).toContain('(statistic 12.5 > 11.96, budget 1 false alarms per 10⁶ values)')
    // A warning did not cross the drift threshold: no "> threshold" for it.
    expect(messages[1]).toContain('(statistic 2.5)')
  })

  it('a clean run is healthy; unknown runs and bad options are coded errors', async () => {
    const store = await storeWith('ok', { loss: (s) => 1 / (1 + s), accuracy: (s) => 1 - 1 / (2 + s) }, 30, { startTimeMs: 1000, endTimeMs: 61_000 })
    const rep = await analyzeRun(store, 'ok', { plateauFraction: 0.9 })
    expect(rep.verdict).toBe('healthy')
    expect(rep.durationMs).toBe(60_000)
    expect(renderHanseiMarkdown(rep)).toContain('60.00 s')
    expect(rep.findings).toEqual([])
    await expect(analyzeRun(store, 'missing')).rejects.toMatchObject({ code: 'ENTRENAR_NOT_FOUND' })
    await expect(analyzeRun(store, 'ok', { alpha: 2 })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    await expect(analyzeRun(store, 'ok', { classes: 1 })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
  })
})

describe('renderers', () => {
  it('Markdown, JSON (NaN kept as a string) and HTML (escaped, with injected charts)', async () => {
    const store = await storeWith('<r&1>', { loss: (s) => (s === 12 ? Number.NaN : 1 / (1 + s)), '<script>': (s) => s }, 20, { name: '<b>x</b>' })
    const rep = await analyzeRun(store, '<r&1>')
    const md = renderHanseiMarkdown(rep)
    expect(md).toContain('# Hansei report: \\<r&1\\>')
    expect(md).toContain('loss became NaN at step 12')
    const json = JSON.parse(renderHanseiJson(rep)) as { nonFinite: { value: unknown }; metrics: { metric: string; last: { value: unknown } }[] }
    expect(json.nonFinite.value).toBe('NaN')
    const charts = await hanseiCharts(store, rep, { points: 10 })
    expect(charts[0]!.title).toMatch(/^loss/)
    expect(charts[0]!.markers.some((m) => m.x === 12)).toBe(true)
    let calls = 0
    const html = renderHanseiHtml(rep, {
      charts,
      renderChart: (c) => {
        calls++
        return `<svg data-n="${c.series[0]!.x.length}"></svg>`
      },
    })
    expect(calls).toBe(charts.length)
    expect(html).not.toContain('<script>')
    expect(html).toContain('&#60;script&#62;')
    expect(html).toContain('&#60;b&#62;x&#60;/b&#62;')
    expect(renderHanseiHtml(rep)).not.toContain('<svg')
  })

  it('shows a recommendation\'s `code` spans as code, and keeps hostile text inert', async () => {
    const store = await storeWith('r', { loss: (s) => 1 / (1 + s) }, 20)
    const rep = await analyzeRun(store, 'r')
    // A stop's recommendation names a command in a code span and carries the rule's name, which a config sets.
    const withCode = {
      ...rep,
      recommendations: ['Fix the cause named by the <b>*x*</b> rule; backtest with `entrenar andon backtest` if it was a false alarm.', 'odd ` tick', 'empty `` span', 'span `<img src=x>` inert'],
    }
    const md = renderHanseiMarkdown(withCode)
    // Before, the backticks were escaped (\`entrenar andon backtest\`) and the command showed as plain text.
    expect(md).toContain('1. Fix the cause named by the \\<b\\>\\*x\\*\\</b\\> rule; backtest with `entrenar andon backtest` if it was a false alarm.')
    expect(md).toContain('2. odd \\` tick')
    expect(md).toContain('3. empty \\`\\` span')
    expect(md).toContain('4. span `<img src=x>` inert')
    const html = renderHanseiHtml(withCode)
    expect(html).toContain('backtest with <code>entrenar andon backtest</code> if')
    expect(html).toContain('<li>span <code>&#60;img src=x&#62;</code> inert</li>')
    expect(html).toContain('<li>odd ` tick</li>')
    expect(html).not.toContain('<img')
    expect(html).not.toContain('<b>')
  })
})
