import { asDetectorService, type ChangeDetector, createHttpClient, createHttpHandler, type DetectorSignal, detectorServiceContract, openRemoteDetector } from '@entrenar/core'
import { changeDetectorSuite, runConformance } from '@entrenar/core/conformance'
import { type RunningServer, serveHandler } from '@entrenar/core/node'
import { describe, expect, it } from 'vitest'

const api = { describe, it }

// A minimal two-sided CUSUM (Page 1954) so core can check its own suite without @entrenar/drift.
function cusum(k = 0.5, h = 8, warmup = 30): ChangeDetector {
  let n = 0
  let mean = 0
  let hi = 0
  let lo = 0
  let drifted = false
  let statistic = 0
  return {
    name: 'test_cusum',
    get statistic() {
      return statistic
    },
    severity: undefined,
    get samples() {
      return n
    },
    update(x: number): DetectorSignal {
      if (!Number.isFinite(x)) return 'invalid'
      if (drifted) {
        n = 0
        mean = 0
        hi = 0
        lo = 0
        drifted = false
      }
      n++
      if (n <= warmup) {
        mean += (x - mean) / n
        return 'stable'
      }
      hi = Math.max(0, hi + x - mean - k)
      lo = Math.max(0, lo + mean - x - k)
      statistic = Math.max(hi, lo)
      if (statistic > h) {
        drifted = true
        return 'drift'
      }
      return 'stable'
    },
    reset() {
      n = 0
      mean = 0
      hi = 0
      lo = 0
      drifted = false
      statistic = 0
    },
  }
}

runConformance(changeDetectorSuite(), { name: 'test CUSUM in-process', create: () => asDetectorService(() => cusum()) }, api)

const servers = new WeakMap<object, RunningServer>()
runConformance(
  changeDetectorSuite(),
  {
    name: 'test CUSUM over HTTP',
    create: async () => {
      const server = await serveHandler(createHttpHandler(detectorServiceContract, asDetectorService(() => cusum())))
      const client = createHttpClient(detectorServiceContract, server.url)
      servers.set(client, server)
      return client
    },
    destroy: async (c) => servers.get(c)?.close(),
  },
  api,
)

// Any server that speaks the detector protocol (a Rust service): ENTRENAR_CONFORMANCE_DETECTOR_URL=http://…
const remote = process.env.ENTRENAR_CONFORMANCE_DETECTOR_URL
if (remote) {
  const domain = process.env.ENTRENAR_CONFORMANCE_DETECTOR_DOMAIN === 'binary' ? 'binary' : 'real'
  runConformance(changeDetectorSuite({ domain }), { name: `remote ${remote}`, create: () => createHttpClient(detectorServiceContract, remote) }, api)
}

describe('detector service', () => {
  it('refuses series beyond maxSeries with ENTRENAR_BUSY', async () => {
    const s = asDetectorService(() => cusum(), { maxSeries: 2 })
    await s.update('a', [1])
    await s.update('b', [1])
    await expect(s.update('c', [1])).rejects.toMatchObject({ code: 'ENTRENAR_BUSY' })
  })

  it('openRemoteDetector keeps call order without awaits and mirrors the state', async () => {
    const server = await serveHandler(createHttpHandler(detectorServiceContract, asDetectorService(() => cusum())))
    try {
      const d = await openRemoteDetector(createHttpClient(detectorServiceContract, server.url), 'run/loss')
      expect(d.name).toBe('test_cusum')
      const pending = Array.from({ length: 40 }, (_, i) => d.update(i < 35 ? 0 : 50))
      const signals = await Promise.all(pending)
      expect(signals.indexOf('drift')).toBe(35)
      // The test CUSUM restarts after its drift at 35: values 36..39 are the new series.
      expect(d.samples).toBe(4)
      expect(await d.update(Number.NaN)).toBe('invalid')
      await d.reset()
      expect(d.samples).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('a NaN statistic survives the wire', async () => {
    const nanStat: ChangeDetector = { name: 'nan', statistic: Number.NaN, severity: 'high', samples: 0, update: () => 'warning', reset: () => undefined }
    const server = await serveHandler(createHttpHandler(detectorServiceContract, asDetectorService(() => nanStat)))
    try {
      const r = await createHttpClient(detectorServiceContract, server.url).update('k', [1, 2])
      expect(r.signals).toEqual(['warning', 'warning'])
      expect(Number.isNaN(r.statistics[0])).toBe(true)
      expect(r.severities).toEqual(['high', 'high'])
    } finally {
      await server.close()
    }
  })
})
