import { entrenarTsup } from '../../tsup.shared.mjs'

// `series` is the browser-safe entry (no Node built-ins): the shared series preparation.
export default entrenarTsup({ entry: { index: 'src/index.ts', series: 'src/series.ts' } })
