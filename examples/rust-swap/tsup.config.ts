import { entrenarTsup } from '../../tsup.shared.mjs'

export default entrenarTsup({ entry: { main: 'src/main.ts' } })
