import { ALERT_LEVELS, CHANGE_TYPES, type Derivation, EntrenarError, type HealthEvent, type ModelNode } from '@entrenar/core'

/** Longest accepted model id, run id, version or config hash (characters). */
export const MAX_ID_LENGTH = 1024

const invalid = (message: string) => new EntrenarError('ENTRENAR_LINEAGE_INVALID', `entrenar/graph: ${message}`)

function checkId(x: unknown, what: string): string {
  if (typeof x !== 'string' || x.length === 0 || x.length > MAX_ID_LENGTH) {
    throw invalid(`${what} must be a string of 1 to ${MAX_ID_LENGTH} characters, got ${typeof x === 'string' ? `${x.length} characters` : typeof x}`)
  }
  return x
}

function checkOptionalString(x: unknown, what: string): void {
  if (x !== undefined && typeof x !== 'string') throw invalid(`${what} must be a string, got ${typeof x}`)
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false
  const proto = Object.getPrototypeOf(x)
  return proto === Object.prototype || proto === null
}

/** Config values must survive JSON exactly: finite numbers, strings, booleans, null, arrays, plain objects. */
function checkJson(x: unknown, path: string, depth: number): void {
  if (depth > 64) throw invalid(`config is nested deeper than 64 levels at ${path}`)
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw invalid(`config ${path} is ${x}: config values must be JSON (finite numbers); put measurements in metrics`)
    if (Object.is(x, -0)) throw invalid(`config ${path} is -0, which JSON cannot keep`)
    return
  }
  if (Array.isArray(x)) {
    x.forEach((y, i) => {
      checkJson(y, `${path}[${i}]`, depth + 1)
    })
    return
  }
  if (isPlainObject(x)) {
    for (const [k, y] of Object.entries(x)) checkJson(y, `${path}.${k}`, depth + 1)
    return
  }
  throw invalid(`config ${path} is a ${typeof x}, not a JSON value`)
}

/** Throws `ENTRENAR_LINEAGE_INVALID` unless `m` is a well-formed model. */
export function checkModel(m: unknown): asserts m is ModelNode {
  if (!isPlainObject(m)) throw invalid('a model must be an object')
  checkId(m.id, 'model id')
  // ±8.64e15 ms is the range of an ECMAScript Date (exports print ISO times).
  if (typeof m.createdAtMs !== 'number' || !(Math.abs(m.createdAtMs) <= 8.64e15)) throw invalid(`model ${m.id}: createdAtMs must be a number within ±8.64e15 ms, got ${String(m.createdAtMs)}`)
  if (!isPlainObject(m.metrics)) throw invalid(`model ${m.id}: metrics must be an object of numbers`)
  for (const [k, x] of Object.entries(m.metrics)) {
    if (k.length === 0 || k.length > 256) throw invalid(`model ${m.id}: metric names must have 1 to 256 characters, got ${k.length}`)
    if (typeof x !== 'number') throw invalid(`model ${m.id}: metric ${k} is a ${typeof x}, not a number`)
  }
  for (const f of ['version', 'configHash', 'runId'] as const) {
    checkOptionalString(m[f], `model ${m.id}: ${f}`)
    if (typeof m[f] === 'string') checkId(m[f], `model ${m.id}: ${f}`)
  }
  if (m.tags !== undefined) {
    if (!isPlainObject(m.tags)) throw invalid(`model ${m.id}: tags must be an object of strings`)
    for (const [k, x] of Object.entries(m.tags)) if (typeof x !== 'string') throw invalid(`model ${m.id}: tag ${k} is a ${typeof x}, not a string`)
  }
  if (m.config !== undefined) {
    if (!isPlainObject(m.config)) throw invalid(`model ${m.id}: config must be a plain object`)
    checkJson(m.config, 'config', 0)
  }
}

/** Throws `ENTRENAR_LINEAGE_INVALID` unless `d` is a well-formed derivation (ids are checked for existence later). */
export function checkDerivation(d: unknown): asserts d is Derivation {
  if (!isPlainObject(d)) throw invalid('a derivation must be an object')
  checkId(d.parent, 'derivation parent')
  checkId(d.child, 'derivation child')
  if (!CHANGE_TYPES.includes(d.changeType as never)) throw invalid(`derivation ${d.parent} → ${d.child}: changeType ${String(d.changeType)} is not one of ${CHANGE_TYPES.join(', ')}`)
  checkOptionalString(d.description, `derivation ${d.parent} → ${d.child}: description`)
}

/** Throws `ENTRENAR_LINEAGE_INVALID` unless `e` is a well-formed health event attached to a model or a run. */
export function checkHealthEvent(e: unknown): asserts e is HealthEvent {
  if (!isPlainObject(e)) throw invalid('a health event must be an object')
  if (e.kind !== 'incident' && e.kind !== 'drift') throw invalid(`health event kind must be incident or drift, got ${String(e.kind)}`)
  if (e.modelId === undefined && e.runId === undefined) throw invalid('a health event needs a modelId or a runId')
  if (e.modelId !== undefined) checkId(e.modelId, 'health event modelId')
  if (e.runId !== undefined) checkId(e.runId, 'health event runId')
  if (!ALERT_LEVELS.includes(e.level as never)) throw invalid(`health event level must be one of ${ALERT_LEVELS.join(', ')}, got ${String(e.level)}`)
  if (typeof e.rule !== 'string' || typeof e.message !== 'string') throw invalid('health event rule and message must be strings')
  checkOptionalString(e.metric, 'health event metric')
  checkOptionalString(e.decision, 'health event decision')
  if (e.step !== undefined && typeof e.step !== 'number') throw invalid('health event step must be a number')
  if (e.value !== undefined && typeof e.value !== 'number') throw invalid('health event value must be a number')
  if (typeof e.timestampMs !== 'number' || !Number.isFinite(e.timestampMs)) throw invalid(`health event timestampMs must be a finite number, got ${String(e.timestampMs)}`)
}
