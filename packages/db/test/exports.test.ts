import { expect, it } from 'vitest'
import * as db from '../src/index.js'

it('pins the public names of @entrenar/db', () => {
  expect(Object.keys(db).sort()).toEqual(['DUCKDB_INSTALL_HINT', 'RUN_CATALOG', 'decodeRunId', 'encodeRunId', 'openStore'])
})
