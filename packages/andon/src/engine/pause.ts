const OPEN: Promise<void> = Promise.resolve()

/**
 * The pause gate behind `gate()`: open (a resolved promise, no allocation) until a rule pauses the run;
 * then one shared promise resolves on `resume()` (CLI, HTTP) or when the timeout runs out. The timeout
 * timer is deliberately *not* unref'd: a paused run waits for its person, it does not exit.
 */
export class PauseGate {
  #promise: Promise<void> | undefined
  #resolve: (() => void) | undefined
  #timer: ReturnType<typeof setTimeout> | undefined

  get paused(): boolean {
    return this.#promise !== undefined
  }

  /** Closes the gate (no-op when already closed); `onTimeout` runs if nobody resumes in `timeoutMs`. */
  pause(timeoutMs: number, onTimeout: () => void): void {
    if (this.#promise) return
    this.#promise = new Promise<void>((r) => {
      this.#resolve = r
    })
    if (Number.isFinite(timeoutMs)) this.#timer = setTimeout(onTimeout, timeoutMs)
  }

  /** Opens the gate; true when it was closed. */
  resume(): boolean {
    if (!this.#promise) return false
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    const r = this.#resolve
    this.#promise = undefined
    this.#resolve = undefined
    r?.()
    return true
  }

  wait(): Promise<void> {
    return this.#promise ?? OPEN
  }
}
