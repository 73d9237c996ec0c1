// Generates docs/openapi.json from the contract descriptions of @entrenar/core: every exported
// `…Contract` becomes `POST /v1/<service>/<method>` with its request and response JSON Schemas.
// `node scripts/openapi.mjs` writes the file; packages/core/test/openapi.test.ts fails when it is stale.
import { writeFileSync } from 'node:fs'
import { toJsonSchema } from '@valibot/to-json-schema'

/** Builds the OpenAPI 3.1 document from a loaded @entrenar/core module. */
export function buildOpenApi(core) {
  const contracts = Object.entries(core)
    .filter(([name, value]) => name.endsWith('Contract') && value && typeof value === 'object' && typeof value.service === 'string' && value.methods)
    .sort(([a], [b]) => a.localeCompare(b))
  const paths = {}
  const schema = (s) => {
    const json = toJsonSchema(s, { errorMode: 'ignore' })
    delete json.$schema
    return json
  }
  const errorBody = { content: { 'application/json': { schema: schema(core.ErrorWire) } } }
  for (const [, contract] of contracts) {
    for (const [method, spec] of Object.entries(contract.methods).sort(([a], [b]) => a.localeCompare(b))) {
      paths[`/v1/${contract.service}/${method}`] = {
        post: {
          operationId: `${contract.service}.${method}`,
          tags: [contract.service],
          summary: spec.summary,
          requestBody: { required: true, content: { 'application/json': { schema: schema(spec.request) } } },
          responses: {
            200: { description: 'Success', content: { 'application/json': { schema: schema(spec.response) } } },
            400: { description: 'Invalid request (ENTRENAR_WIRE_INVALID, ENTRENAR_WIRE_VERSION, ENTRENAR_INVALID_*)', ...errorBody },
            401: { description: 'Missing or wrong bearer token (ENTRENAR_HTTP_UNAUTHORIZED)', ...errorBody },
            403: { description: 'Foreign Origin, or an administrative method without the admin token (ENTRENAR_HTTP_FORBIDDEN)', ...errorBody },
            404: { description: 'Unknown method or id (ENTRENAR_HTTP_NOT_FOUND, ENTRENAR_NOT_FOUND)', ...errorBody },
            413: { description: 'Body over the server cap; the read stopped there (ENTRENAR_BODY_TOO_LARGE)', ...errorBody },
            415: { description: 'Content-Type is not application/json (ENTRENAR_HTTP_MEDIA_TYPE)', ...errorBody },
            421: { description: 'Host names none of the server names: DNS-rebinding guard (ENTRENAR_HTTP_MISDIRECTED)', ...errorBody },
            501: { description: 'Not implemented by this server (ENTRENAR_UNSUPPORTED)', ...errorBody },
          },
        },
      }
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Entrenar wire protocol',
      version: String(core.SCHEMA_VERSION),
      description:
        'Every Entrenar contract over HTTP: JSON bodies with snake_case fields and a schema_version. Non-finite floats travel as "NaN", "Infinity", "-Infinity" and "-0". Generated from the valibot schemas of @entrenar/core; do not edit.',
    },
    tags: contracts.map(([, c]) => ({ name: c.service, description: c.description })),
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{}, { bearer: [] }],
    paths,
  }
}

export function renderOpenApi(core) {
  return `${JSON.stringify(buildOpenApi(core), null, 2)}\n`
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const core = await import('../packages/core/dist/index.js')
  writeFileSync(new URL('../docs/openapi.json', import.meta.url), renderOpenApi(core))
  console.log('wrote docs/openapi.json')
}
