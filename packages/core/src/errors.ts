/**
 * Stable error codes. A code never changes meaning once released; messages may.
 * Codes are grouped by package: `ENTRENAR_<AREA>_<WHAT>`.
 */
export const ErrorCodes = {
  /** A metric name is empty, too long, or contains control characters. */
  INVALID_METRIC_NAME: 'ENTRENAR_INVALID_METRIC_NAME',
  /** A logged value is not a number (non-finite numbers are valid data). */
  INVALID_VALUE: 'ENTRENAR_INVALID_VALUE',
  /** Tags are not a flat object of string values. */
  INVALID_TAGS: 'ENTRENAR_INVALID_TAGS',
  /** A step, epoch or batch is not an integer in range. */
  INVALID_STEP: 'ENTRENAR_INVALID_STEP',
  /** A run id is empty, too long, or contains characters that cannot be stored safely. */
  INVALID_RUN_ID: 'ENTRENAR_INVALID_RUN_ID',
  /** A query object is malformed. */
  INVALID_QUERY: 'ENTRENAR_INVALID_QUERY',
  /** A configuration object is malformed (fails fast at construction). */
  INVALID_CONFIG: 'ENTRENAR_INVALID_CONFIG',
  /** A wire message failed schema validation. */
  WIRE_INVALID: 'ENTRENAR_WIRE_INVALID',
  /** A wire message carries a schema_version this side does not understand. */
  WIRE_VERSION: 'ENTRENAR_WIRE_VERSION',
  /** A remote call failed at the transport level (connection refused, timeout, non-JSON answer). */
  HTTP_TRANSPORT: 'ENTRENAR_HTTP_TRANSPORT',
  /** The remote service does not know the requested method. */
  HTTP_NOT_FOUND: 'ENTRENAR_HTTP_NOT_FOUND',
  /** A bearer token was missing or wrong. */
  HTTP_UNAUTHORIZED: 'ENTRENAR_HTTP_UNAUTHORIZED',
  /** The request may not do this here: a foreign `Origin`, or an administrative method without the admin token (HTTP 403). */
  HTTP_FORBIDDEN: 'ENTRENAR_HTTP_FORBIDDEN',
  /** The `Host` header names none of the server's names: DNS rebinding guard (HTTP 421). */
  HTTP_MISDIRECTED: 'ENTRENAR_HTTP_MISDIRECTED',
  /** A state-changing request without an accepted `Content-Type` (HTTP 415). */
  HTTP_MEDIA_TYPE: 'ENTRENAR_HTTP_MEDIA_TYPE',
  /** A request body exceeds the server's cap; the read stopped there (HTTP 413). */
  BODY_TOO_LARGE: 'ENTRENAR_BODY_TOO_LARGE',
  /** The implementation does not support the operation (e.g. `sql` without DuckDB). */
  UNSUPPORTED: 'ENTRENAR_UNSUPPORTED',
  /** The object was used after `close()`. */
  CLOSED: 'ENTRENAR_CLOSED',
  /** A sink or exporter failed; reported to `onError`, never thrown into the training loop. */
  SINK_FAILED: 'ENTRENAR_SINK_FAILED',
  /** The line was stopped: a non-finite value or an Andon rule. */
  STOPPED: 'ENTRENAR_STOPPED',
  /** A non-finite value was observed on a metric that must stay finite. */
  NON_FINITE: 'ENTRENAR_NON_FINITE',
  /** Stored data failed an integrity check (CRC, footer). */
  DB_CORRUPT: 'ENTRENAR_DB_CORRUPT',
  /** An unknown id was referenced (run, model, series). */
  NOT_FOUND: 'ENTRENAR_NOT_FOUND',
  /** A SQL text is not exactly one read-only `SELECT` / `WITH … SELECT` statement, or reaches outside the store. */
  SQL_FORBIDDEN: 'ENTRENAR_SQL_FORBIDDEN',
  /** SQL is switched off on this server (`entrenar serve` offers it only with `--sql`). */
  SQL_DISABLED: 'ENTRENAR_SQL_DISABLED',
  /** A SQL statement ran longer than its timeout and was interrupted. */
  SQL_TIMEOUT: 'ENTRENAR_SQL_TIMEOUT',
  /** A SQL statement was interrupted because its caller went away (an aborted signal, a closed HTTP connection). */
  SQL_CANCELLED: 'ENTRENAR_SQL_CANCELLED',
  /** An internal invariant was broken: a bug in Entrenar. */
  INTERNAL: 'ENTRENAR_INTERNAL',
} as const

/** A code from {@link ErrorCodes}, or a package-specific `ENTRENAR_*` code. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes] | `ENTRENAR_${string}`

/**
 * The one error class of Entrenar. `code` is stable and machine-readable; `message` starts with
 * the package (`entrenar/db: …`) and gives the numbers; `cause` keeps the underlying error.
 *
 * @example
 * ```ts
 * try { await store.sql('select 1') } catch (e) {
 *   if (isEntrenarError(e, 'ENTRENAR_UNSUPPORTED')) console.log(e.message)
 * }
 * ```
 */
export class EntrenarError extends Error {
  /** Stable string code, e.g. `ENTRENAR_DB_CORRUPT`. */
  readonly code: ErrorCode
  /** Optional structured details (numbers, ids); carried over the wire. */
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'EntrenarError'
    this.code = code
    this.details = options?.details
  }
}

/** True when `e` is an {@link EntrenarError}, optionally with the given code. */
export function isEntrenarError(e: unknown, code?: ErrorCode): e is EntrenarError {
  return e instanceof EntrenarError && (code === undefined || e.code === code)
}

/** Wraps any thrown value as an {@link EntrenarError} (kept as is when it already is one). */
export function toEntrenarError(e: unknown, code: ErrorCode, prefix: string): EntrenarError {
  if (e instanceof EntrenarError) return e
  const message = e instanceof Error ? e.message : String(e)
  return new EntrenarError(code, `${prefix}: ${message}`, { cause: e })
}
