import { expect, it } from 'vitest'
import * as drift from '@entrenar/drift'

// Pins the public surface: adding or removing a name is a deliberate, reviewed change.
it('exports exactly the public names', () => {
  expect(Object.keys(drift).sort()).toEqual(
    [
      'DETECTOR_KINDS',
      'DriftErrorCodes',
      'SIGNAL_CODES',
      'adwin',
      'binCounts',
      'chiSquareSurvival',
      'chiSquareTest',
      'ddm',
      'detectorFromSpec',
      'eddm',
      'evaluateAlarms',
      'evaluateDetector',
      'featureDriftSummary',
      'hddmA',
      'isolationForest',
      'kolmogorovSurvival',
      'ksExactSurvival',
      'ksTest',
      'kswin',
      'normalSurvival',
      'pageHinkley',
      'performanceDrift',
      'psi',
      'psiBand',
      'seededRandom',
      'studentTSurvival',
      'wasserstein',
      'zScoreWindow',
    ].sort(),
  )
})
