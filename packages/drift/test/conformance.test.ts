import { asDetectorService, type ChangeDetector, createHttpClient, createHttpHandler, detectorServiceContract } from '@entrenar/core'
import { changeDetectorSuite, runConformance } from '@entrenar/core/conformance'
import { type RunningServer, serveHandler } from '@entrenar/core/node'
import { adwin, ddm, eddm, hddmA, kswin, pageHinkley, zScoreWindow } from '@entrenar/drift'
import { describe, it } from 'vitest'

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
]

const servers = new WeakMap<object, RunningServer>()
for (const [name, create, domain, skip] of detectors) {
  runConformance(changeDetectorSuite({ domain }), { name: `${name} in-process`, create: () => asDetectorService(create), ...(skip ? { skip } : {}) }, api)
  runConformance(
    changeDetectorSuite({ domain }),
    {
      name: `${name} over HTTP`,
      create: async () => {
        const server = await serveHandler(createHttpHandler(detectorServiceContract, asDetectorService(create)))
        const client = createHttpClient(detectorServiceContract, server.url)
        servers.set(client, server)
        return client
      },
      destroy: async (c) => servers.get(c)?.close(),
      ...(skip ? { skip } : {}),
    },
    api,
  )
}
