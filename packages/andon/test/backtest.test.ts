import { backtest, parseMatcher, parseRenacerConfig } from '@entrenar/andon'
import { batchFromRows, createMemoryStore, type MetricStore, type RecordRow, type SilenceSpec } from '@entrenar/core'
import { describe, expect, it } from 'vitest'

const T0 = 1_700_000_000_000_000 // µs
type Row = Omit<RecordRow, 'runId'>
const row = (metric: string, step: number, value: number, tUs = T0 + step * 1_000_000): Row => ({ metric, step, value, timestampUs: tUs, epoch: null, batch: null, tags: null })

async function fixture(): Promise<MetricStore> {
  const store = createMemoryStore()
  const healthy: Row[] = []
  const nan: Row[] = []
  const diverge: Row[] = []
  for (let s = 0; s < 100; s++) {
    healthy.push(row('loss', s, 2 / (1 + s)), row('accuracy', s, Math.min(0.95, 0.3 + s / 100)))
    nan.push(row('loss', s, s === 60 ? Number.NaN : s > 60 ? Number.POSITIVE_INFINITY : 2 / (1 + s)))
    // Diverges from step 40 (10× the best for 3+ steps); a 20-minute gap before step 80.
    diverge.push(row('loss', s, s >= 40 && s < 50 ? 5 : 1 / (1 + s), T0 + s * 1_000_000 + (s >= 80 ? 20 * 60_000_000 : 0)))
  }
  // Written out of order: the replay orders by timestamp then step.
  await store.write(batchFromRows('healthy', healthy.reverse()))
  await store.write(batchFromRows('nan', nan))
  await store.write(batchFromRows('diverge', diverge))
  await store.flush()
  for (const [i, id] of ['healthy', 'nan', 'diverge'].entries()) await store.putRun({ id, status: 'finished', startTimeMs: i })
  return store
}

describe('backtest', () => {
  it('reports when and how often each rule would have fired, per run and per rule', async () => {
    const store = await fixture()
    const r = await backtest({}, store)
    expect(r.runs.map((x) => `${x.runId}:${x.points}`)).toEqual(['healthy:200', 'nan:100', 'diverge:100'])
    const [healthy, nan, diverge] = r.runs
    expect(healthy!.firings).toEqual([])
    expect(healthy!.stop).toBeUndefined()
    expect(nan!.stop).toMatchObject({ step: 60, rule: 'non_finite' })
    // +Inf after the NaN: one episode (dedup), divergence inhibited
    expect(nan!.firings.map((f) => f.rule)).toEqual(['non_finite'])
    expect(diverge!.stop).toMatchObject({ step: 42, rule: 'divergence' })
    // The 20-minute gap comes after the stop: a stopped run does not stall.
    expect(diverge!.firings.map((f) => `${f.rule}@${f.step}`)).toEqual(['divergence@42'])
    expect(r.byRule.non_finite).toEqual({ firings: 1, runs: 1, stops: 1, firstStep: 60, silenced: 0 })
    expect(r.byRule.divergence).toEqual({ firings: 1, runs: 1, stops: 1, firstStep: 42, silenced: 0 })
    expect(r.byRule.stall).toBeUndefined()
    const noDiv = await backtest({ divergence: false }, store, { runs: ['diverge'] })
    expect(noDiv.runs[0]!.firings.map((f) => `${f.rule}@${f.step}`)).toEqual(['stall@79'])
    expect(noDiv.byRule.stall).toEqual({ firings: 1, runs: 1, stops: 0, firstStep: 79, silenced: 0 })
  })

  it('tunes thresholds: a looser rule set fires less; selected runs and metrics only', async () => {
    const store = await fixture()
    const strict = await backtest({ divergence: { factor: 3, minSamples: 5 }, stall: false }, store, { runs: ['diverge'] })
    const loose = await backtest({ divergence: { factor: 1000 }, stall: false }, store, { runs: ['diverge'] })
    expect(strict.byRule.divergence?.firings).toBe(1)
    expect(loose.byRule.divergence).toBeUndefined()
    const onlyAcc = await backtest({}, store, { runs: ['nan'], metrics: ['accuracy'] })
    expect(onlyAcc.runs[0]!.points).toBe(0)
  })

  it('replays renacer budgets (span_count) and throttles on the stored clock', async () => {
    const store = await fixture()
    const toml = (throttle: number) =>
      `[[assertion]]\nname = "steps"\ntype = "span_count"\nmax_spans = 50\nfail_on_violation = false\n[andon]\nthrottle_ms = ${throttle}\n[andon.divergence]\nenabled = false\n[[andon.threshold]]\nname = "low_loss"\nmetrics = ["loss"]\nbelow = 0.5\n`
    const r = await backtest({ renacer: parseRenacerConfig(toml(60_000)), rules: { stall: false } }, store, { runs: ['diverge'] })
    const f = r.runs[0]!.firings
    expect(f.filter((x) => x.rule === 'budget').map((x) => x.step)).toEqual([50])
    // low_loss holds from step 2 (t = 2 s), breaks for steps 40–49 and holds again at step 50 (t = 50 s):
    // 48 s of stored time after the first incident, inside a 60 s throttle, outside a 30 s one.
    expect(f.filter((x) => x.rule === 'low_loss').map((x) => x.step)).toEqual([2])
    const r30 = await backtest({ renacer: parseRenacerConfig(toml(30_000)), rules: { stall: false } }, store, { runs: ['diverge'] })
    expect(r30.runs[0]!.firings.filter((x) => x.rule === 'low_loss').map((x) => x.step)).toEqual([2, 50])
  })

  it('replays a wall-time budget on the stored clock', async () => {
    const store = await fixture()
    const r = await backtest({ stall: false, divergence: false, budgets: [{ kind: 'wall_time', name: 'ten_minutes', maxMs: 600_000, failOnViolation: true }] }, store)
    // only the run with the 20-minute gap (before step 80) exceeds ten minutes
    expect(r.runs.map((x) => x.stop?.step)).toEqual([undefined, 60, 80])
    expect(r.runs[2]!.stop).toMatchObject({ rule: 'budget', message: expect.stringMatching(/ten_minutes/) })
  })

  it('replays silences on the stored clock: muted firings are listed with silencedBy and never make the stop', async () => {
    const store = await fixture()
    const t0 = T0 / 1000
    const sil = (id: string, matchers: string[], extra: Partial<SilenceSpec> = {}): SilenceSpec => ({ id, matchers: matchers.map((m) => parseMatcher(m)), createdBy: 'ana', comment: 'c', durationMs: 5000, ...extra })
    const r = await backtest({ stall: false }, store, {
      runs: ['diverge', 'nan'],
      silences: [
        // covers steps 40–44 of the stored clock (one step per second)
        sil('spike', ['rule="divergence"'], { startsAtMs: t0 + 40_000 }),
        // a broad silence over the NaN run: a CRITICAL stop is never muted by accident
        sil('nan-run', ['run="nan"'], { durationMs: 3_600_000 }),
      ],
    })
    const [diverge, nan] = r.runs
    // muted at step 42; the episode outlives the silence (steps 40–49 diverge) and fires again at step 45
    expect(diverge!.firings).toMatchObject([
      { rule: 'divergence', step: 42, decision: 'warn', silencedBy: ['spike'] },
      { rule: 'divergence', step: 45, decision: 'stop' },
    ])
    expect(diverge!.firings[1]!.silencedBy).toBeUndefined()
    expect(diverge!.stop).toMatchObject({ step: 45, rule: 'divergence' })
    expect(r.byRule.divergence).toEqual({ firings: 2, runs: 1, stops: 1, firstStep: 42, silenced: 1 })
    expect(nan!.stop).toMatchObject({ step: 60, rule: 'non_finite' })
    expect(nan!.firings[0]!.silencedBy).toBeUndefined()
    // the same silence two seconds later misses the firing at step 42
    const late = await backtest({ stall: false }, store, { runs: ['diverge'], silences: [sil('late', ['rule="divergence"'], { startsAtMs: t0 + 43_000 })] })
    expect(late.runs[0]!.stop).toMatchObject({ step: 42 })
    // a silence without a start covers the run from its first row (as a renacer.toml one covers a run from its start)
    const fromStart = await backtest({ stall: false }, store, { runs: ['diverge'], silences: [sil('first-minute', ['rule="divergence"'], { durationMs: 60_000 })] })
    expect(fromStart.runs[0]!.firings.map((f) => f.silencedBy)).toEqual([['first-minute']])
    expect(fromStart.runs[0]!.stop).toBeUndefined()
    // run tags are labels
    const tagged = await backtest({ stall: false }, store, { runs: ['diverge'], tags: { team: 'nlp' }, silences: [sil('team', ['team="nlp"', 'rule="divergence"'], { durationMs: 3_600_000 })] })
    expect(tagged.byRule.divergence?.silenced).toBe(1)
  })

  it('rejects bad run lists with a coded error', async () => {
    await expect(backtest({}, createMemoryStore(), { runs: [3 as unknown as string] })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
  })
})
