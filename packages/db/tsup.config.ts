import { entrenarTsup } from '../../tsup.shared.mjs'

// encode-worker is loaded with `new Worker(new URL('./encode-worker.js', import.meta.url))`.
export default entrenarTsup({ entry: { index: 'src/index.ts', 'encode-worker': 'src/segment/encode-worker.ts' } })
