import * as v from 'valibot'
import type { SqlResult } from '../query/types.js'
import { floatFromWire, floatToWire, WireFloat } from './numbers.js'
import { SCHEMA_VERSION } from './schemas.js'

/**
 * Wire form of {@link SqlResult}. JSON has no NaN, ±Infinity or -0: inside `rows` they travel as the
 * strings of {@link WireFloat} (`"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"`), and `column_types` tells
 * a reader which columns hold floats, so a VARCHAR `'NaN'` is never mistaken for a number.
 */
export const SqlResultWire = v.object({
  /** Version of the wire format. */
  schema_version: v.literal(SCHEMA_VERSION),
  /** Column names, in select order. */
  columns: v.array(v.string()),
  /** The engine's type of each column, when known. */
  column_types: v.optional(v.array(v.string())),
  /** Rows as arrays in column order; non-finite floats and −0 as wire floats. */
  rows: v.array(v.array(v.unknown())),
  /** True when the row cap cut the result. */
  truncated: v.optional(v.boolean()),
})
export type SqlResultWire = v.InferOutput<typeof SqlResultWire>

/** A value of a SQL row with every non-finite or negative-zero number as its wire string (nested lists and structs too). */
export function sqlValueToWire(x: unknown): unknown {
  if (typeof x === 'number') return Number.isFinite(x) && !Object.is(x, -0) ? x : floatToWire(x)
  if (Array.isArray(x)) return x.map(sqlValueToWire)
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, y] of Object.entries(x)) out[k] = sqlValueToWire(y)
    return out
  }
  return x
}

const FLOAT_TYPE = /^(DOUBLE|FLOAT|REAL|FLOAT4|FLOAT8)$/i
const LIST_TYPE = /^(.*)\[\d*\]$/

/** Decodes a wire value of a column of type `type`: floats (and lists of floats) get their NaN/±Inf/-0 back. */
export function sqlValueFromWire(x: unknown, type: string | undefined): unknown {
  if (type === undefined) return x
  if (typeof x === 'string' && FLOAT_TYPE.test(type) && v.is(WireFloat, x)) return floatFromWire(x)
  const list = LIST_TYPE.exec(type)
  if (list && Array.isArray(x)) return x.map((y) => sqlValueFromWire(y, list[1]))
  return x
}

/** The wire form of a SQL result. */
export function sqlToWire(r: SqlResult): SqlResultWire {
  return {
    schema_version: SCHEMA_VERSION,
    columns: [...r.columns],
    ...(r.columnTypes ? { column_types: [...r.columnTypes] } : {}),
    rows: r.rows.map((row) => row.map(sqlValueToWire)),
    ...(r.truncated === undefined ? {} : { truncated: r.truncated }),
  }
}

/** The SQL result of a validated wire body; inverse of {@link sqlToWire}. */
export function sqlFromWire(w: SqlResultWire): SqlResult {
  const types = w.column_types
  return {
    columns: w.columns,
    ...(types ? { columnTypes: types } : {}),
    rows: types ? w.rows.map((row) => row.map((x, i) => sqlValueFromWire(x, types[i]))) : w.rows,
    ...(w.truncated === undefined ? {} : { truncated: w.truncated }),
  }
}
