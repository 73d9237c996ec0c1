import * as entrenar from 'entrenar'
import { expect, it } from 'vitest'

// Pins the public surface: adding or removing a name is a deliberate, reviewed change.
it('entrenar exports exactly the public names', () => {
  expect(Object.keys(entrenar).sort()).toEqual(
    [
      'DEMO_MIN_EPOCHS',
      'EXIT',
      'TinyMlp',
      'andonBacktest',
      'andonCheck',
      'autoMonitor',
      'colorEnabled',
      'dashboardCommand',
      'demoCommand',
      'generateCommand',
      'generateStore',
      'driftEventFromLine',
      'driftEventToLine',
      'driftEventsPath',
      'lineageExport',
      'lineageRegression',
      'lineageShow',
      'queryCommand',
      'queryFromFlags',
      'readDriftEvents',
      'readRunEvents',
      'renderReport',
      'reportCommand',
      'runCli',
      'runsCommand',
      'serveCommand',
      'copyStore',
      'storeCopyCommand',
      'silenceAdd',
      'silenceExpire',
      'silenceList',
      'spiral',
    ].sort(),
  )
})
