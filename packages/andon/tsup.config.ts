import { entrenarTsup } from '../../tsup.shared.mjs'

export default entrenarTsup({ entry: {"index":"src/index.ts","node":"src/node.ts"} })
