import { EntrenarError, ErrorCodes, errorResponse, isEntrenarError, type MetricStore, sqlToWire } from '@entrenar/core'

/** An error in trueno-db's shape (`{ error }`), with our code beside it and the status our codes map to. */
function truenoError(code: string, message: string): Response {
  const status = errorResponse(code as `ENTRENAR_${string}`, message).status
  return Response.json({ error: message, code }, { status, headers: { 'x-entrenar-code': code } })
}

/** The answer when SQL is off: the same for `/v1/store/sql` and `/query`. */
export function sqlDisabled(path: string): Response {
  const message = 'entrenar/serve: SQL is off on this server; start it with `entrenar serve --sql` (or `startServer({ sql: true })`)'
  return path === '/query' ? truenoError(ErrorCodes.SQL_DISABLED, message) : errorResponse(ErrorCodes.SQL_DISABLED, message)
}

/**
 * trueno-db's read-only query route, `POST /query {"sql": "…"}` → `{ columns, rows, row_count }`, answered
 * by the same read-only `store.sql()` as `/v1/store/sql` (one SELECT, the store's files only, timeout,
 * row cap). Beside trueno's fields: `column_types`, `truncated`, and NaN/±Infinity/-0 as the strings
 * `"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"` in float columns (JSON has no such numbers; trueno-db
 * writes null). Errors are `{ error, code }`.
 */
export async function answerTruenoQuery(store: MetricStore, request: Request, body: string): Promise<Response> {
  if (request.method !== 'POST') return truenoError(ErrorCodes.WIRE_INVALID, 'entrenar/serve: /query: use POST')
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return truenoError(ErrorCodes.WIRE_INVALID, 'entrenar/serve: /query: body is not JSON')
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json) || typeof (json as { sql?: unknown }).sql !== 'string') {
    return truenoError(ErrorCodes.WIRE_INVALID, 'entrenar/serve: /query: body must be {"sql": "<one SELECT statement>"}')
  }
  const extra = Object.keys(json).filter((k) => k !== 'sql')
  if (extra.length > 0) return truenoError(ErrorCodes.WIRE_INVALID, `entrenar/serve: /query: unknown key ${JSON.stringify(extra[0]!.slice(0, 40))}; the body is {"sql": "…"}`)
  if (!store.sql) return truenoError(ErrorCodes.UNSUPPORTED, 'entrenar/serve: this store has no SQL')
  try {
    const r = sqlToWire(await store.sql((json as { sql: string }).sql, { signal: request.signal }))
    return Response.json({ columns: r.columns, column_types: r.column_types ?? [], rows: r.rows, row_count: r.rows.length, truncated: r.truncated ?? false })
  } catch (e) {
    if (isEntrenarError(e)) return truenoError(e.code, e.message)
    const err = new EntrenarError(ErrorCodes.INTERNAL, `entrenar/serve: /query failed: ${e instanceof Error ? e.message : String(e)}`)
    return truenoError(err.code, err.message)
  }
}
