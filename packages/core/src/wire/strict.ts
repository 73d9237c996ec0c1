/**
 * Unknown keys in a JSON body: valibot's `object` drops keys it does not know, so a misspelt field
 * (`"form"` for `"from"`) would be ignored. The HTTP handler walks the request schema over the parsed
 * JSON and refuses the first key an object schema does not declare (`loose_object` and records allow any).
 */
import type * as v from 'valibot'
import { is } from 'valibot'

/** An undeclared key: where (`query.tags` → `["query", "tags"]`), the key, and the keys allowed there. */
export interface UnknownKey {
  /** Where the object with the key sits in the message (keys and array indices). */
  readonly path: readonly (string | number)[]
  /** The key that is not part of the schema. */
  readonly key: string
  /** The keys the schema allows there (for a "did you mean" hint). */
  readonly known: readonly string[]
}

type AnySchema = v.GenericSchema & {
  readonly type: string
  readonly entries?: Record<string, AnySchema>
  readonly wrapped?: AnySchema
  readonly item?: AnySchema
  readonly items?: readonly AnySchema[]
  readonly value?: AnySchema
  readonly options?: readonly AnySchema[]
  readonly getter?: (input: unknown) => AnySchema
}

const WRAPPERS = new Set(['optional', 'exact_optional', 'nullable', 'nullish', 'undefinedable', 'non_optional', 'non_nullable', 'non_nullish'])
const CONTAINERS = new Set(['object', 'array', 'tuple', 'record', 'union', 'variant', 'lazy'])

/** Whether a schema can contain an object with declared keys (memoised: primitive arrays are skipped whole). */
const deep = new WeakMap<object, boolean>()
function hasObjects(s: AnySchema, seen = new Set<object>()): boolean {
  const known = deep.get(s)
  if (known !== undefined) return known
  if (seen.has(s)) return true
  seen.add(s)
  let r = false
  if (s.type === 'object' || s.type === 'lazy') r = true
  else if (WRAPPERS.has(s.type)) r = hasObjects(s.wrapped!, seen)
  else if (s.type === 'array') r = hasObjects(s.item!, seen)
  else if (s.type === 'record') r = hasObjects(s.value!, seen)
  else if (s.type === 'tuple') r = s.items!.some((i) => hasObjects(i, seen))
  else if (s.type === 'union' || s.type === 'variant') r = s.options!.some((o) => hasObjects(o, seen))
  deep.set(s, r)
  return r
}

const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)

/** The first key of `value` that an object schema inside `schema` does not declare; `value` already passed `schema`. */
export function findUnknownKey(schema: v.GenericSchema, value: unknown, path: (string | number)[] = []): UnknownKey | undefined {
  const s = schema as AnySchema
  if (!CONTAINERS.has(s.type) && !WRAPPERS.has(s.type)) return undefined
  if (!hasObjects(s)) return undefined
  if (WRAPPERS.has(s.type)) return value === undefined || value === null ? undefined : findUnknownKey(s.wrapped!, value, path)
  switch (s.type) {
    case 'object': {
      if (!isPlainObject(value)) return undefined
      const entries = s.entries!
      for (const key of Object.keys(value)) if (!Object.hasOwn(entries, key)) return { path, key, known: Object.keys(entries) }
      for (const [key, sub] of Object.entries(entries)) {
        if (!Object.hasOwn(value, key)) continue
        const r = findUnknownKey(sub, value[key], [...path, key])
        if (r) return r
      }
      return undefined
    }
    case 'array': {
      if (!Array.isArray(value)) return undefined
      for (let i = 0; i < value.length; i++) {
        const r = findUnknownKey(s.item!, value[i], [...path, i])
        if (r) return r
      }
      return undefined
    }
    case 'tuple': {
      if (!Array.isArray(value)) return undefined
      for (let i = 0; i < s.items!.length; i++) {
        const r = findUnknownKey(s.items![i]!, value[i], [...path, i])
        if (r) return r
      }
      return undefined
    }
    case 'record': {
      if (!isPlainObject(value)) return undefined
      for (const [k, x] of Object.entries(value)) {
        const r = findUnknownKey(s.value!, x, [...path, k])
        if (r) return r
      }
      return undefined
    }
    case 'union':
    case 'variant': {
      const option = s.options!.find((o) => is(o, value))
      return option ? findUnknownKey(option, value, path) : undefined
    }
    case 'lazy':
      return findUnknownKey(s.getter!(value), value, path)
  }
  return undefined
}
