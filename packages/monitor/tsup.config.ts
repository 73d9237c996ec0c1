import { entrenarTsup } from '../../tsup.shared.mjs'

export default entrenarTsup({ entry: { index: "src/index.ts", system: "src/system.ts", collector: "src/collector.ts" } })
