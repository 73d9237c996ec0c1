import * as native from '@entrenar/drift-native'
import { expect, it } from 'vitest'

// Pins the public surface: adding or removing a name is a deliberate, reviewed change.
it('exports exactly the public names', () => {
  expect(Object.keys(native).sort()).toEqual(
    ['ABI_VERSION', 'DriftNativeErrorCodes', 'LIBRARY_ENV', 'PREBUILT_PLATFORMS', 'SIGNALS', 'adwin', 'ddm', 'eddm', 'hddmA', 'kswin', 'loadDriftNative', 'pageHinkley', 'resolveLibraryPath'].sort(),
  )
})
