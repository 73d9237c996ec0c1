import { entrenarTsup } from '../../tsup.shared.mjs'

// Node only: the package loads a shared library through koffi.
export default entrenarTsup({ entry: { index: 'src/index.ts' }, platform: 'node', external: ['koffi'] })
