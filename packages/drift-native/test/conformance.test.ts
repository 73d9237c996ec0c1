import { asDetectorService, type ChangeDetector } from '@entrenar/core'
import { changeDetectorSuite, runConformance } from '@entrenar/core/conformance'
import { adwin, ddm, eddm, hddmA, kswin, pageHinkley } from '@entrenar/drift-native'
import { describe, it } from 'vitest'

const api = { describe, it }

// The same reasoned skips as @entrenar/drift's own run: river's docstrings show KSWIN (default α) and
// EDDM (default α, β) raising false alarms on stationary streams, and the native detectors must
// behave exactly as the TypeScript ones (the differential test proves they do).
const falseAlarms = {
  'no alarm on the stationary part before the shift': 'false alarms at the default thresholds are documented (river docstrings); the TypeScript detectors skip the same case',
}
const detectors: [string, () => ChangeDetector, 'real' | 'binary', Record<string, string>?][] = [
  ['pageHinkley', () => pageHinkley(), 'real'],
  ['adwin', () => adwin(), 'real'],
  ['kswin', () => kswin(), 'real', falseAlarms],
  ['ddm', () => ddm(), 'binary'],
  ['eddm', () => eddm(), 'binary', falseAlarms],
  ['hddmA', () => hddmA(), 'binary'],
]

for (const [name, create, domain, skip] of detectors) {
  runConformance(changeDetectorSuite({ domain }), { name: `${name} over FFI`, create: () => asDetectorService(create), ...(skip ? { skip } : {}) }, api)
}
