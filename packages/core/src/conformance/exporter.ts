import { batchFromRows, type RecordRow } from '../batch.js'
import type { ExportedSample, MetricsExporter } from '../contracts/exporter.js'
import { ErrorCodes } from '../errors.js'
import { check, type ConformanceCase, type ConformanceSuite, rejectsWith } from './harness.js'

const T0 = 1_700_000_000_000_000 // µs

type Row = Omit<RecordRow, 'runId'>
function row(metric: string, step: number, value: number): Row {
  return { metric, step, value, timestampUs: T0 + step * 1000, epoch: null, batch: null, tags: null }
}

/** Gauge samples of one run whose name mentions the metric (exporters prefix and sanitise names). */
function gaugesOf(samples: readonly ExportedSample[], runId: string, metric: string): ExportedSample[] {
  return samples.filter((s) => s.type === 'gauge' && s.name.includes(metric) && Object.values(s.labels).includes(runId))
}

const cases: ConformanceCase<MetricsExporter>[] = [
  {
    name: 'a fresh exporter renders both formats; OpenMetrics ends with one # EOF',
    async run(e) {
      check(typeof e.render('prometheus') === 'string', 'prometheus render is a string')
      const om = e.render('openmetrics')
      check(om.endsWith('# EOF\n') && om.indexOf('# EOF') === om.lastIndexOf('# EOF'), `openmetrics ends with one "# EOF": ${JSON.stringify(om.slice(-40))}`)
    },
  },
  {
    name: 'the last value written per run and metric is collected and rendered',
    async run(e, { id }) {
      await e.write(batchFromRows(id, [row('loss', 1, 0.75), row('loss', 2, 0.5)]))
      await e.flush()
      const g = gaugesOf(e.collect(), id, 'loss')
      check(g.length === 1, `one loss gauge for run ${id}, got ${g.length}`)
      check(g[0]!.value === 0.5, `loss gauge is the last value 0.5, got ${g[0]!.value}`)
      check(e.render('prometheus').includes(id), 'the run id appears in the rendered text')
    },
  },
  {
    name: 'NaN and ±Inf are data: collected as they are and rendered as NaN, +Inf, -Inf',
    async run(e, { id }) {
      await e.write(batchFromRows(id, [row('nan_metric', 1, Number.NaN), row('pinf_metric', 1, Number.POSITIVE_INFINITY), row('ninf_metric', 1, Number.NEGATIVE_INFINITY)]))
      const samples = e.collect()
      check(Number.isNaN(gaugesOf(samples, id, 'nan_metric')[0]?.value), 'NaN gauge')
      check(gaugesOf(samples, id, 'pinf_metric')[0]?.value === Number.POSITIVE_INFINITY, '+Inf gauge')
      check(gaugesOf(samples, id, 'ninf_metric')[0]?.value === Number.NEGATIVE_INFINITY, '-Inf gauge')
      const text = e.render('prometheus')
      for (const token of [' NaN\n', ' +Inf\n', ' -Inf\n']) check(text.includes(token), `rendered text contains ${JSON.stringify(token)}`)
    },
  },
  {
    name: 'output is stable: the same samples in the same order whatever the write order',
    async run(e, { id }) {
      await e.write(batchFromRows(`${id}-b`, [row('zeta', 1, 1), row('alpha', 1, 2)]))
      await e.write(batchFromRows(`${id}-a`, [row('alpha', 1, 3), row('zeta', 1, 4)]))
      const first = e.render('prometheus')
      check(first === e.render('prometheus'), 'rendering twice gives the same text')
      const key = (s: ExportedSample) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`
      const samples = e.collect()
      check(JSON.stringify(samples.map(key)) === JSON.stringify(e.collect().map(key)), 'collect twice gives the same order')
      // Families (a histogram's _bucket/_sum/_count samples are one family) come in name order, each contiguous.
      const family = (s: ExportedSample) => (s.type === 'histogram' ? s.name.replace(/_(bucket|sum|count)$/, '') : s.name)
      const names = samples.filter((s) => Object.values(s.labels).some((v) => v.startsWith(id))).map(family)
      check(
        names.every((n, i) => i === 0 || names[i - 1]! <= n),
        `families come in name order: ${[...new Set(names)].join(', ')}`,
      )
    },
  },
  {
    name: 'a malformed batch is rejected with a coded error and earlier values stay',
    async run(e, { id }) {
      await e.write(batchFromRows(id, [row('loss', 1, 1)]))
      const bad = { ...batchFromRows(id, [row('loss', 2, 2)]), step: new Float64Array([0.5]) }
      let code: string | undefined
      try {
        await e.write(bad)
      } catch (err) {
        code = (err as { code?: string }).code
      }
      check(typeof code === 'string' && code.startsWith('ENTRENAR_'), `a fractional step is rejected with a coded error, got ${code}`)
      check(gaugesOf(e.collect(), id, 'loss')[0]?.value === 1, 'the earlier value stays')
    },
  },
  {
    name: 'close is idempotent and write after close rejects with ENTRENAR_CLOSED',
    async run(e, { id }) {
      await e.write(batchFromRows(id, [row('loss', 1, 1)]))
      await e.close()
      await e.close()
      await rejectsWith(() => e.write(batchFromRows(id, [row('loss', 2, 1)])), ErrorCodes.CLOSED, 'write after close')
    },
  },
]

/** The `MetricsExporter` suite: last values, non-finite values, stable order, bad batches, close. */
export const metricsExporterSuite: ConformanceSuite<MetricsExporter> = { contract: 'MetricsExporter', cases }
