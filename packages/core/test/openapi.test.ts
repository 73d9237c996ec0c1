import { readFileSync } from 'node:fs'
import * as core from '@entrenar/core'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs script without types
import { renderOpenApi } from '../../../scripts/openapi.mjs'

describe('docs/openapi.json', () => {
  it('is generated from the current schemas (run `npm run openapi` after changing a contract)', () => {
    const committed = readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8')
    expect(committed).toBe((renderOpenApi as (m: unknown) => string)(core))
  })

  it('describes every contract method with snake_case request fields', () => {
    const doc = JSON.parse((renderOpenApi as (m: unknown) => string)(core)) as { paths: Record<string, { post: { requestBody: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } } }> }
    expect(Object.keys(doc.paths)).toContain('/v1/store/query')
    const q = doc.paths['/v1/store/query']!.post.requestBody.content['application/json']!.schema
    expect(Object.keys(q.properties ?? {})).toEqual(expect.arrayContaining(['schema_version', 'from_us', 'to_us']))
  })
})
