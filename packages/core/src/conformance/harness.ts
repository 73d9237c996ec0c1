import { isEntrenarError } from '../errors.js'

/** One conformance case: a named check run against a fresh implementation. */
export interface ConformanceCase<T> {
  /** The case name, shown as the test name. */
  readonly name: string
  /** Runs the case against an implementation; rejects with a {@link ConformanceError} (or the implementation's error) on failure. */
  run(impl: T, ctx: CaseContext): Promise<void>
}

/** Per-case context: a unique prefix so cases never see each other's data on a shared remote server. */
export interface CaseContext {
  /** Unique per case: use it for run ids, model ids, series keys. */
  readonly id: string
}

/** A conformance suite for one contract. */
export interface ConformanceSuite<T> {
  /** The contract the suite checks, e.g. `MetricStore`. */
  readonly contract: string
  /** Its cases. */
  readonly cases: readonly ConformanceCase<T>[]
}

/** The test-runner functions a suite needs (vitest, node:test and jest all fit). */
export interface TestApi {
  /** The runner's `describe`: groups the cases of a suite. */
  describe(name: string, fn: () => void): void
  /** The runner's `it`/`test`: registers one case. */
  it(name: string, fn: () => Promise<void>, timeoutMs?: number): void
}

/** How an implementation takes part in a suite. */
export interface ConformanceOptions<T> {
  /** Shown in the test names, e.g. `memory store over HTTP`. */
  readonly name: string
  /** A fresh implementation per case (or the same remote one). */
  create(): T | Promise<T>
  /** Releases what `create` made. */
  destroy?(impl: T): void | Promise<void>
  /** Cases this implementation skips, each with the reason. */
  readonly skip?: Readonly<Record<string, string>>
}

let counter = 0

/** Registers every case of `suite` with the test runner. */
export function runConformance<T>(suite: ConformanceSuite<T>, options: ConformanceOptions<T>, api: TestApi): void {
  api.describe(`${suite.contract} conformance: ${options.name}`, () => {
    for (const c of suite.cases) {
      if (options.skip?.[c.name]) continue
      api.it(c.name, async () => {
        const impl = await options.create()
        const id = `conf-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`
        try {
          await c.run(impl, { id })
        } finally {
          await options.destroy?.(impl)
        }
      })
    }
  })
}

/** A failed conformance check. */
export class ConformanceError extends Error {
  /** Always `ConformanceError`. */
  override name = 'ConformanceError'
}

/** Throws a {@link ConformanceError} with `message` unless `cond` is truthy. */
export function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new ConformanceError(message)
}

/** Same float bits as far as JS can tell: NaN equals NaN, -0 differs from 0. */
export function sameFloats(actual: ArrayLike<number> | undefined, expected: readonly number[], what: string): void {
  check(actual !== undefined, `${what}: missing`)
  const got = Array.from(actual)
  check(got.length === expected.length && got.every((x, i) => Object.is(x, expected[i])), `${what}: expected [${expected.join(', ')}], got [${got.join(', ')}]`)
}

/** Checks that `actual` equals `expected` within a relative tolerance `tol` (absolute below 1; `Object.is` for NaN and ±Inf); throws a {@link ConformanceError} naming `what` otherwise. */
export function close(actual: number | undefined, expected: number, what: string, tol = 1e-9): void {
  check(actual !== undefined && (Object.is(actual, expected) || Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected))), `${what}: expected ${expected}, got ${actual}`)
}

/** Checks that the promise (or the function's promise) rejects with an `EntrenarError` of this code; throws a {@link ConformanceError} naming `what` otherwise. */
export async function rejectsWith(p: Promise<unknown> | (() => Promise<unknown>), code: string, what: string): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (e) {
    check(isEntrenarError(e), `${what}: expected EntrenarError ${code}, got ${String(e)}`)
    check(e.code === code, `${what}: expected ${code}, got ${e.code} (${e.message})`)
    return
  }
  throw new ConformanceError(`${what}: expected a rejection with ${code}`)
}
