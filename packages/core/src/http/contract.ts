import type * as v from 'valibot'
import { AckWire, ack, EmptyWire, emptyWire } from '../wire/schemas.js'

/** Any async method. */
type AsyncMethod = (...args: never[]) => Promise<unknown>

/** Names of the async methods of `T` (optional ones included). */
export type MethodsOf<T> = { [K in keyof T]-?: NonNullable<T[K]> extends AsyncMethod ? K : never }[keyof T] & string

type Args<T, K extends keyof T> = NonNullable<T[K]> extends (...args: infer A) => Promise<unknown> ? A : never
type Result<T, K extends keyof T> = NonNullable<T[K]> extends (...args: never[]) => Promise<infer R> ? R : never

/** What a transport knows about one call besides its body. */
export interface CallContext {
  /** Aborted when the caller goes away (the HTTP client disconnected). */
  readonly signal?: AbortSignal
}

/**
 * How one method travels over the wire: its request/response schemas (valibot; used for runtime
 * validation on both sides and for the generated OpenAPI document) and the mappers between
 * call-site arguments (camelCase, typed arrays) and wire bodies (snake_case, JSON arrays).
 * Codec and transport are separate: an FFI transport can reuse the codecs unchanged.
 */
export interface MethodSpec<A extends readonly unknown[], R, Req = unknown, Res = unknown> {
  /** One line for the OpenAPI document. */
  readonly summary: string
  /** Valibot schema of the request body (strict: unknown keys are a coded 400). */
  readonly request: v.GenericSchema<unknown, Req>
  /** Valibot schema of the response body. */
  readonly response: v.GenericSchema<unknown, Res>
  /** The wire body of a call with these arguments (client side). */
  encodeRequest(...args: A): Req
  /** Call-site arguments from the wire body; `context` carries what the transport knows (its abort signal). */
  decodeRequest(wire: Req, context?: CallContext): A
  /** The wire body of a result (server side). */
  encodeResponse(result: R): Res
  /** The result from a validated wire body (client side). */
  decodeResponse(wire: Res): R
  /** The abort signal among the call-site arguments, if any: a client aborts its request with it. */
  signalOf?(...args: A): AbortSignal | undefined
}

/**
 * One description per contract drives the HTTP client, the HTTP handler and the OpenAPI document.
 * A method `m` of service `s` is served at `POST /v1/<s>/<m>`.
 */
export interface Contract<T> {
  /** Service name in the URL, e.g. `store`. */
  readonly service: string
  /** One line for the OpenAPI document. */
  readonly description: string
  /** The wire description of every method of `T`, by name; each is `POST /v1/<service>/<method>`. */
  readonly methods: { readonly [K in MethodsOf<T>]: MethodSpec<Args<T, K>, Result<T, K>, never, never> }
}

/** Builds a {@link MethodSpec} with the wire types inferred from its schemas. */
export function method<A extends readonly unknown[], R, TReq extends v.GenericSchema, TRes extends v.GenericSchema>(spec: {
  summary: string
  request: TReq
  response: TRes
  encodeRequest(...args: A): v.InferOutput<TReq>
  decodeRequest(wire: v.InferOutput<TReq>, context?: CallContext): A
  encodeResponse(result: R): v.InferOutput<TRes>
  decodeResponse(wire: v.InferOutput<TRes>): R
  signalOf?(...args: A): AbortSignal | undefined
}): MethodSpec<A, R, never, never> {
  return spec as unknown as MethodSpec<A, R, never, never>
}

/** A method without arguments that answers an acknowledgement (flush, close, reset, …). */
export function commandMethod(summary: string): MethodSpec<[], void, never, never> {
  return method<[], void, typeof EmptyWire, typeof AckWire>({
    summary,
    request: EmptyWire,
    response: AckWire,
    encodeRequest: emptyWire,
    decodeRequest: () => [],
    encodeResponse: ack,
    decodeResponse: () => undefined,
  })
}

/** The spec of a method, loosely typed for generic transports. */
export type AnyMethodSpec = MethodSpec<unknown[], unknown, unknown, unknown>

/** Iterates a contract's methods with loose types (for transports and generators). */
export function contractMethods<T>(contract: Contract<T>): [string, AnyMethodSpec][] {
  return Object.entries(contract.methods) as [string, AnyMethodSpec][]
}
