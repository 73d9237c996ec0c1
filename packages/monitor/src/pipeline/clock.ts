/**
 * The row clock of the monitor: wall-clock microseconds, read from the source at most once every
 * `every` calls of {@link RowClock.now}; the calls in between repeat the last reading.
 *
 * Why: on virtualised hosts a clock read is a real system call (`clock_gettime` without a fast vDSO
 * path): ~50–60 ns for `Date.now()`, `performance.now()` and `process.hrtime.bigint()` alike, more
 * than the statistics of four values. Reading once per N calls spreads that cost; the trade-off is
 * precision: a row's timestamp is the reading of the last refresh, so it lags its true time by at most
 * the duration of the N − 1 calls before it (never more: the reading is refreshed on every N-th call,
 * and whenever the event loop turns, see {@link RowClock.invalidate}). A timestamp is therefore never
 * in the future, and readings only move forward (a source that steps back, e.g. an NTP correction of
 * `Date.now()`, repeats the last reading until it catches up), so timestamps are non-decreasing.
 */
export interface RowClock {
  /** Microseconds since the Unix epoch for the row(s) of one call. */
  now(): number
  /**
   * {@link RowClock.now} written into `out[i]` instead of returned: a double returned by a call the JIT
   * did not inline is boxed, a heap number per call; stored into a typed array, it never is.
   */
  stamp(out: Float64Array, i: number): void
  /** Forces a fresh reading at the next {@link RowClock.now} (the loop yielded: time has passed). */
  invalidate(): void
}

/**
 * The default source: `Date.now()` in microseconds. Measured beside `performance.timeOrigin +
 * performance.now()` and `process.hrtime.bigint()` (bench/log.bench.mjs) it is the cheapest of the three
 * (all are one clock system call here) and it is the wall clock the `timestampUs` column promises; the
 * monotonic sources drift from it over long runs and stop during a suspend. Its millisecond resolution
 * is the price; {@link createRowClock} keeps its readings non-decreasing across an NTP step back.
 */
export function defaultClockUs(): number {
  return Date.now() * 1000
}

class StrideClock implements RowClock {
  readonly #source: () => number
  readonly #every: number
  #left = 0
  /** The last reading, in a typed array so that storing it does not box a heap number per read. */
  readonly #last = new Float64Array([Number.NaN])

  constructor(source: () => number, every: number) {
    this.#source = source
    this.#every = every
  }

  now(): number {
    if (--this.#left <= 0) this.#read()
    return this.#last[0]!
  }

  stamp(out: Float64Array, i: number): void {
    if (--this.#left <= 0) this.#read()
    out[i] = this.#last[0]!
  }

  /** A fresh reading from the source; the next `every − 1` calls repeat it. */
  #read(): void {
    this.#left = this.#every
    const last = this.#last
    const t = this.#source()
    // Non-decreasing: a reading behind the last one repeats the last.
    if (!(t <= last[0]!)) last[0] = t
  }

  invalidate(): void {
    this.#left = 0
  }
}

/** A {@link RowClock} over `source` that reads it once every `every` calls (1 = every call). */
export function createRowClock(source: () => number, every: number): RowClock {
  return new StrideClock(source, every)
}
