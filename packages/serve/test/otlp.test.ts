import { createServer, type Server } from 'node:http'
import { batchFromRows, type RecordRow } from '@entrenar/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOtlpExporter } from '../src/index.js'

// A minimal OTLP/HTTP receiver on 127.0.0.1 that decodes the JSON it gets (ExportMetricsServiceRequest).
interface KeyValue {
  key: string
  value: { stringValue?: string }
}
interface Point {
  attributes?: KeyValue[]
  asDouble?: number
  asInt?: number | string
  count?: number | string
  sum?: number
  bucketCounts?: (number | string)[]
  explicitBounds?: number[]
}
interface Metric {
  name: string
  unit?: string
  gauge?: { dataPoints: Point[] }
  sum?: { dataPoints: Point[]; isMonotonic?: boolean; aggregationTemporality?: number }
  histogram?: { dataPoints: Point[] }
}
interface Request {
  resourceMetrics: { resource?: { attributes?: KeyValue[] }; scopeMetrics: { metrics: Metric[] }[] }[]
}

const attrs = (p: Point) => Object.fromEntries((p.attributes ?? []).map((a) => [a.key, a.value.stringValue]))
const value = (p: Point) => p.asDouble ?? Number(p.asInt)

describe('createOtlpExporter against a local OTLP/HTTP receiver', () => {
  let server: Server
  let base = ''
  const received: Request[] = []
  let status = 200
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        if (req.url === '/v1/metrics' && req.headers['content-type']?.includes('json')) received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Request)
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end('{}')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  const row = (metric: string, step: number, v: number, extra: Partial<RecordRow> = {}): Omit<RecordRow, 'runId'> => ({
    metric,
    value: v,
    step,
    timestampUs: 1_700_000_000_000_000 + step * 100_000,
    epoch: null,
    batch: null,
    tags: null,
    ...extra,
  })

  it('pushes gauges, monotonic counters and the step histogram with their attributes', async () => {
    const otlp = await createOtlpExporter({ url: base, labels: { job_name: 'otlp-test' }, serviceName: 'trainer', intervalMs: 60_000 })
    expect(otlp.url).toBe(`${base}/v1/metrics`)
    await otlp.write(batchFromRows('otlp-run', [row('loss', 1, 0.9), row('accuracy', 1, 0.5), row('loss', 2, 0.8, { tags: { split: 'val' } }), row('loss', 3, 0.7)]))
    otlp.observeIncident({ level: 'warning', rule: 'divergence', message: 'x', runId: 'otlp-run', timestampMs: 1 })
    await otlp.flush()
    await otlp.close()
    expect(received.length).toBeGreaterThan(0)
    const last = received.at(-1)!
    const resource = Object.fromEntries((last.resourceMetrics[0]!.resource?.attributes ?? []).map((a) => [a.key, a.value.stringValue]))
    expect(resource['service.name']).toBe('trainer')
    const metrics = new Map(last.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)).map((m) => [m.name, m]))
    const loss = metrics.get('entrenar_loss')!.gauge!.dataPoints
    const plain = loss.find((p) => attrs(p).split === undefined)!
    expect(value(plain)).toBe(0.7)
    expect(attrs(plain)).toEqual({ job_name: 'otlp-test', run_id: 'otlp-run' })
    expect(value(loss.find((p) => attrs(p).split === 'val')!)).toBe(0.8)
    const steps = metrics.get('entrenar_steps')!.sum!
    expect(steps.isMonotonic).toBe(true)
    expect(value(steps.dataPoints[0]!)).toBe(3)
    const alerts = metrics.get('entrenar_alerts')!.sum!.dataPoints[0]!
    expect(attrs(alerts)).toMatchObject({ level: 'warning', rule: 'divergence' })
    const hist = metrics.get('entrenar_step_duration_seconds')!
    expect(hist.unit).toBe('s')
    const hp = hist.histogram!.dataPoints[0]!
    expect(Number(hp.count)).toBe(2)
    expect(hp.sum).toBeCloseTo(0.2, 12)
    expect(hp.explicitBounds?.slice(0, 3)).toEqual([0.001, 0.002, 0.005])
    expect(metrics.get('entrenar_last_step_timestamp_seconds')!.unit).toBe('s')
  })

  it('never sends NaN or Inf as a number (OTLP/JSON would read null as 0): a gap plus the non-finite counter', async () => {
    received.length = 0
    const otlp = await createOtlpExporter({ url: base, intervalMs: 60_000 })
    await otlp.write(batchFromRows('otlp-nan', [row('loss', 1, 0.5), row('loss', 2, Number.NaN), row('accuracy', 2, Number.POSITIVE_INFINITY), row('lr', 2, 0.1)]))
    await otlp.flush()
    await otlp.close()
    const metrics = new Map(received.at(-1)!.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)).map((m) => [m.name, m]))
    expect(metrics.get('entrenar_loss')?.gauge?.dataPoints ?? []).toEqual([])
    expect(metrics.get('entrenar_accuracy')?.gauge?.dataPoints ?? []).toEqual([])
    expect(value(metrics.get('entrenar_lr')!.gauge!.dataPoints[0]!)).toBe(0.1)
    const nonFinite = metrics.get('entrenar_non_finite')!.sum!.dataPoints
    expect(nonFinite.map((p) => [attrs(p).metric, attrs(p).kind, value(p)]).sort()).toEqual([
      ['accuracy', 'inf', 1],
      ['loss', 'nan', 1],
    ])
    expect(JSON.stringify(received)).not.toContain('null')
  })

  it('reports a refused push through flush (coded) and onError', async () => {
    status = 400
    const errors: unknown[] = []
    const otlp = await createOtlpExporter({ url: `${base}/v1/metrics`, intervalMs: 60_000, onError: (e) => errors.push(e) })
    await otlp.write(batchFromRows('otlp-bad', [row('loss', 1, 1)]))
    await expect(otlp.flush()).rejects.toMatchObject({ code: 'ENTRENAR_SINK_FAILED' })
    expect(errors.length).toBeGreaterThan(0)
    status = 200
    await otlp.close()
  })

  it('rejects a bad url or interval with coded errors', async () => {
    await expect(createOtlpExporter({ url: 'ftp://x' })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    await expect(createOtlpExporter({ url: 'not a url' })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    await expect(createOtlpExporter({ url: base, intervalMs: 100, timeoutMs: 1000 })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
  })
})
