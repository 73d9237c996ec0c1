import { EntrenarError, ErrorCodes, isEntrenarError } from '@entrenar/core'
import type { TerminalStream } from '@entrenar/viz'

/** Exit codes of the `entrenar` CLI (stable; documented in the README). */
export const EXIT = {
  /** Success. */
  OK: 0,
  /** The command ran and found a failure: a run's report verdict is `failed` (with `--strict`), a backtest would stop, a check failed. */
  FAILURE: 1,
  /** Bad usage: unknown command or option, malformed flag value. */
  USAGE: 2,
  /** An unknown run, model or file. */
  NOT_FOUND: 3,
  /** Invalid or corrupt input data or configuration. */
  INVALID: 4,
  /** An optional capability is missing (e.g. DuckDB for `query` SQL). */
  UNSUPPORTED: 5,
  /** Interrupted (SIGINT). */
  INTERRUPTED: 130,
} as const

/** Where a command writes. The CLI passes process streams; tests pass buffers. */
export interface Io {
  /** Writes to standard output. */
  out(text: string): void
  /** Writes to standard error. */
  err(text: string): void
  /** Colour allowed (a TTY without `NO_COLOR`, or `FORCE_COLOR`). */
  readonly color: boolean
  /** stderr is a terminal: progress bars are drawn. */
  readonly interactive: boolean
  /** stdout is a terminal: live dashboards are drawn. */
  readonly stdoutTty: boolean
  /** `--json`: machine-readable output on stdout only. */
  readonly json: boolean
  /** The environment the command reads (`ENTRENAR_DIR`, `ENTRENAR_TOKEN` …). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Aborts on SIGINT/SIGTERM for long-running commands (serve, dashboard). */
  readonly signal: AbortSignal
  /** Where live dashboards draw (default `process.stdout`). */
  readonly terminal?: TerminalStream
}

/** Colour decision of the CLI: https://no-color.org (any non-empty `NO_COLOR` disables), `FORCE_COLOR` forces. */
export function colorEnabled(env: Readonly<Record<string, string | undefined>>, tty: boolean, flag?: boolean): boolean {
  if (flag === false) return false
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true
  return tty && env.TERM !== 'dumb'
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const

/** Wraps text in an ANSI colour when the io allows colour. */
export function paint(io: Pick<Io, 'color'>, color: keyof typeof CODES, text: string): string {
  return io.color ? `\x1b[${CODES[color]}m${text}\x1b[0m` : text
}

/** An `onError` for libraries that carry on after a problem (a skipped lineage segment): a warning on stderr. */
export function warnOn(io: Pick<Io, 'color' | 'err'>): (e: EntrenarError) => void {
  return (e) => io.err(`${paint(io, 'yellow', 'warning')} ${e.message} [${e.code}]\n`)
}

/** Colour of an alert level or a verdict. */
export function levelColor(level: string): keyof typeof CODES {
  return level === 'critical' || level === 'error' || level === 'failed' ? 'red' : level === 'warning' || level === 'degraded' ? 'yellow' : level === 'healthy' ? 'green' : 'blue'
}

/** Maps an error to an exit code and a one-line message on stderr (JSON on stdout with `--json`). */
export function failWith(io: Io, e: unknown): number {
  const err = isEntrenarError(e) ? e : (fromSystemError(e) ?? new EntrenarError(ErrorCodes.INTERNAL, `entrenar: ${e instanceof Error ? e.message : String(e)}`, { cause: e }))
  const code = exitCodeOf(err)
  if (io.json) io.out(`${JSON.stringify({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } })}\n`)
  io.err(`${paint(io, 'red', 'error')} ${err.message} [${err.code}]\n`)
  return code
}

/**
 * A coded error for a Node file-system error (a report `--out` into a missing directory, a PNG path
 * that is a directory): a missing path is `ENTRENAR_NOT_FOUND` (exit 3), a path that cannot be written
 * is `ENTRENAR_IO` (exit 1). Other errors are left alone.
 */
function fromSystemError(e: unknown): EntrenarError | undefined {
  if (!(e instanceof Error)) return undefined
  const sys = (e as { code?: unknown }).code
  const path = (e as { path?: unknown }).path
  const details = { syscall: (e as { syscall?: unknown }).syscall, ...(typeof path === 'string' ? { path } : {}), errno: sys }
  if (sys === 'ENOENT' || sys === 'ENOTDIR') return new EntrenarError(ErrorCodes.NOT_FOUND, `entrenar: ${e.message}`, { cause: e, details })
  if (sys === 'EACCES' || sys === 'EPERM' || sys === 'EISDIR' || sys === 'EROFS' || sys === 'ENOSPC' || sys === 'EEXIST') return new EntrenarError('ENTRENAR_IO', `entrenar: ${e.message}`, { cause: e, details })
  return undefined
}

/** Exit code of an error code. */
export function exitCodeOf(e: EntrenarError): number {
  switch (e.code) {
    case ErrorCodes.NOT_FOUND:
      return EXIT.NOT_FOUND
    case ErrorCodes.UNSUPPORTED:
      return EXIT.UNSUPPORTED
    case ErrorCodes.INVALID_CONFIG:
    case ErrorCodes.INVALID_QUERY:
    case ErrorCodes.INVALID_RUN_ID:
    case ErrorCodes.DB_CORRUPT:
    case ErrorCodes.WIRE_INVALID:
    case ErrorCodes.SQL_FORBIDDEN:
      return EXIT.INVALID
    case 'ENTRENAR_USAGE':
      return EXIT.USAGE
    case 'ENTRENAR_INTERRUPTED':
      return EXIT.INTERRUPTED
    default:
      return EXIT.FAILURE
  }
}

/** A usage error (exit 2). */
export function usage(message: string): EntrenarError {
  return new EntrenarError('ENTRENAR_USAGE', `entrenar: ${message}`)
}

/**
 * A progress bar on stderr, drawn only when stderr is a terminal (nothing in pipes, CI logs or
 * `--json`); redraws at most every 100 ms.
 */
export function progress(io: Io, label: string, total: number): { tick(n?: number): void; done(): void } {
  let done = 0
  let last = 0
  const draw = (force: boolean) => {
    if (!io.interactive || io.json) return
    const now = Date.now()
    if (!force && now - last < 100) return
    last = now
    const width = 30
    const f = total > 0 ? Math.min(1, done / total) : 0
    const bar = '█'.repeat(Math.round(f * width)).padEnd(width, '░')
    io.err(`\r\x1b[2K${label} ${bar} ${done}/${total}`)
  }
  return {
    tick(n = 1) {
      done += n
      draw(done >= total)
    },
    done() {
      if (io.interactive && !io.json) io.err('\r\x1b[2K')
    },
  }
}

/** A plain text table: first column left-aligned, the rest right-aligned unless `left` names them. */
export function table(head: readonly string[], rows: readonly (readonly string[])[], left: readonly number[] = [0]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (left.includes(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd()
  return `${[line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n')}\n`
}

/** Short number formatting: NaN and ±Inf spelled out. */
export function num(x: number | undefined): string {
  if (x === undefined) return '-'
  if (!Number.isFinite(x)) return String(x)
  const a = Math.abs(x)
  if (a === 0) return '0'
  return a < 1e-3 || a >= 1e6 ? x.toExponential(3) : Number(x.toPrecision(5)).toString()
}

/** JSON with NaN/±Inf as strings (the core wire convention). */
export function toJson(x: unknown): string {
  return `${JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v instanceof Float64Array ? Array.from(v) : v))}\n`
}
