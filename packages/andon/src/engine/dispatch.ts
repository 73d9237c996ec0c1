import { EntrenarError, ErrorCodes, type Incident } from '@entrenar/core'
import type { AlertHandler, AlertHandlerFn } from '../types.js'

/** Wraps a plain function as an {@link AlertHandler}. */
export function toHandler(h: AlertHandler | AlertHandlerFn, i: number): AlertHandler {
  return typeof h === 'function' ? { name: h.name || `handler#${i}`, handle: h } : h
}

/**
 * Hands every incident to every handler without ever blocking or throwing into the training loop:
 * synchronous failures and rejected promises go to `onError`; `close()` waits for what is in flight.
 * The `evidence` handlers (the store's incidents.jsonl) also receive muted (silenced) incidents; the
 * others, which notify people, do not.
 */
export class Dispatcher {
  readonly #handlers: readonly AlertHandler[]
  readonly #evidence: ReadonlySet<AlertHandler>
  readonly #pending = new Set<Promise<void>>()
  readonly #onError: (e: EntrenarError) => void
  errors = 0

  constructor(handlers: readonly AlertHandler[], onError: (e: EntrenarError) => void, evidence: readonly AlertHandler[] = []) {
    this.#handlers = [...handlers, ...evidence]
    this.#evidence = new Set(evidence)
    this.#onError = onError
  }

  /** Delivers an incident; a `muted` one reaches the evidence handlers only. */
  emit(incident: Incident, muted = false): void {
    for (const h of this.#handlers) {
      if (muted && !this.#evidence.has(h)) continue
      try {
        const r = h.handle(incident)
        if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
          const p: Promise<void> = (r as Promise<void>).then(
            () => undefined,
            (e: unknown) => this.#fail(h.name, e),
          )
          this.#pending.add(p)
          void p.finally(() => this.#pending.delete(p))
        }
      } catch (e) {
        this.#fail(h.name, e)
      }
    }
  }

  /** Reports a failure of a handler or hook. */
  fail(what: string, e: unknown): void {
    this.#fail(what, e)
  }

  #fail(name: string, e: unknown): void {
    this.errors++
    const err = new EntrenarError(ErrorCodes.SINK_FAILED, `entrenar/andon: ${name} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
    try {
      this.#onError(err)
    } catch {
      // The error handler itself failed: nothing left to tell; never throw into training.
    }
  }

  /** Waits for in-flight deliveries, then closes every handler. */
  async close(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending])
    for (const h of this.#handlers) {
      try {
        await h.close?.()
      } catch (e) {
        this.#fail(h.name, e)
      }
    }
  }
}
