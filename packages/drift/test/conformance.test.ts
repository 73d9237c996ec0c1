import { asDetectorService, type ChangeDetector, createHttpClient, createHttpHandler, type DetectorService, detectorServiceContract } from '@entrenar/core'
import { changeDetectorSuite, runConformance } from '@entrenar/core/conformance'
import { type RunningServer, serveHandler } from '@entrenar/core/node'
import { adwin, ddm, eddm, hddmA, kswin, pageHinkley, zScoreWindow } from '@entrenar/drift'
import { afterAll, describe, it } from 'vitest'

const api = { describe, it }

// Documented behaviour, not bugs: river's own docstrings show KSWIN (default α) and EDDM (default α, β)
// raising false alarms on stationary streams; the benchmark measures their rates.
const falseAlarms = {
  'no alarm on the stationary part before the shift': 'false alarms at the default thresholds are documented (river docstrings); rates are in the benchmark',
}
const detectors: [string, () => ChangeDetector, 'real' | 'binary', Record<string, string>?][] = [
  ['zScoreWindow', () => zScoreWindow(), 'real'],
  ['pageHinkley', () => pageHinkley(), 'real'],
  ['adwin', () => adwin(), 'real'],
  ['kswin', () => kswin(), 'real', falseAlarms],
  ['ddm', () => ddm(), 'binary'],
  ['eddm', () => eddm(), 'binary', falseAlarms],
  ['hddmA', () => hddmA(), 'binary'],
  ['pageHinkley calibrated', () => pageHinkley({ falseAlarmsPerMillion: 1 }), 'real'],
  ['adwin calibrated', () => adwin({ falseAlarmsPerMillion: 1 }), 'real'],
  ['kswin calibrated', () => kswin({ falseAlarmsPerMillion: 1 }), 'real'],
  ['hddmA calibrated', () => hddmA({ falseAlarmsPerMillion: 1 }), 'binary'],
]

// One server per detector kind, shared by its cases: each case uses its own series keys, as a shared
// remote service would be used.
const servers: RunningServer[] = []
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()))
})
for (const [name, create, domain, skip] of detectors) {
  runConformance(changeDetectorSuite({ domain }), { name: `${name} in-process`, create: () => asDetectorService(create), ...(skip ? { skip } : {}) }, api)
  let client: Promise<DetectorService> | undefined
  runConformance(
    changeDetectorSuite({ domain }),
    {
      name: `${name} over HTTP`,
      create: () => {
        client ??= serveHandler(createHttpHandler(detectorServiceContract, asDetectorService(create))).then((server) => {
          servers.push(server)
          return createHttpClient(detectorServiceContract, server.url)
        })
        return client
      },
      ...(skip ? { skip } : {}),
    },
    api,
  )
}
