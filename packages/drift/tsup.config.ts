import { entrenarTsup } from '../../tsup.shared.mjs'

// `neutral`: the bundle must run in browsers too (the web dashboard), so a Node built-in in src/ fails the build.
export default entrenarTsup({ entry: { index: 'src/index.ts' }, platform: 'neutral' })
