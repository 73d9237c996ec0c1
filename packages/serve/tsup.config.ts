import { entrenarTsup } from '../../tsup.shared.mjs'

// @opentelemetry/resources arrives with the optional peer @opentelemetry/sdk-metrics; keep it external.
export default entrenarTsup({ entry: { index: 'src/index.ts' }, external: ['@opentelemetry/resources'] })
