import { entrenarTsup } from '../../tsup.shared.mjs'

export default entrenarTsup({ entry: {"index":"src/index.ts","conformance/index":"src/conformance/index.ts","node":"src/node.ts","stats/index":"src/stats/index.ts"}, platform: 'neutral' })
