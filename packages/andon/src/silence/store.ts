import { type Alert, EntrenarError, ErrorCodes, SCHEMA_VERSION, SILENCE_MATCH_OPS, type Silence, type SilenceService, type SilenceSpec, silenceToWire } from '@entrenar/core'
import { type LineAppender, openAppender, readLinesFrom, silencesPath } from '../node/io.js'
import { type MuteResult, SILENCE_RETENTION_MS, SilenceRegistry } from './registry.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Options of {@link openSilences}. */
export interface SilenceStoreOptions {
  /** Clock in epoch ms (default `Date.now`); inject one in tests. */
  readonly now?: () => number
  /** Expired silences are forgotten this long after they end (default 120 h, Alertmanager's retention). */
  readonly retentionMs?: number
  /** Where damaged lines of silences.jsonl and refresh failures go (default: dropped). */
  readonly onError?: (error: EntrenarError) => void
  /** fsync each append (default true). */
  readonly fsync?: boolean
}

/** The silences of a store directory, without a running Andon (what `entrenar andon silence` uses offline). */
export interface SilenceStore extends SilenceService {
  /** Waits for pending appends and closes the file. */
  close(): Promise<void>
}

type Stored = Omit<Silence, 'state'>

const isStr = (x: unknown): x is string => typeof x === 'string'
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x)

/** One line of silences.jsonl (the core `SilenceWire` without `state`), checked field by field. */
function fromLine(line: string): Stored {
  const w = JSON.parse(line) as Record<string, unknown> | null
  if (typeof w !== 'object' || w === null || Array.isArray(w)) throw new Error('not a JSON object')
  if (w.schema_version !== SCHEMA_VERSION) throw new Error(`schema_version ${String(w.schema_version)} is not ${SCHEMA_VERSION}`)
  const { id, matchers, starts_at_ms, ends_at_ms, created_by, comment, mute_critical, updated_at_ms } = w
  if (!isStr(id) || !isStr(created_by) || !isStr(comment)) throw new Error('id, created_by and comment must be strings')
  if (!isNum(starts_at_ms) || !isNum(ends_at_ms) || !isNum(updated_at_ms)) throw new Error('starts_at_ms, ends_at_ms and updated_at_ms must be finite numbers')
  if (typeof mute_critical !== 'boolean') throw new Error('mute_critical must be true or false')
  if (!Array.isArray(matchers) || matchers.length === 0) throw new Error('matchers must be a non-empty array')
  const ms = matchers.map((m: unknown) => {
    const x = m as Record<string, unknown> | null
    if (typeof x !== 'object' || x === null || !isStr(x.name) || !isStr(x.value) || !SILENCE_MATCH_OPS.includes(x.op as never)) throw new Error('a matcher must be { name, op, value }')
    return { name: x.name, op: x.op as Silence['matchers'][number]['op'], value: x.value }
  })
  return { id, matchers: ms, startsAtMs: starts_at_ms, endsAtMs: ends_at_ms, createdBy: created_by, comment, muteCritical: mute_critical, updatedAtMs: updated_at_ms }
}

function newId(): string {
  return globalThis.crypto.randomUUID()
}

/**
 * Silences with optional persistence in `<dir>/andon/silences.jsonl`: append-only JSON lines (one per
 * creation or early expiry, fsync'd), merged by id on load (newer wins; an early expiry wins a tie).
 * The file is re-read from where it was left before every match and listing, so a silence another
 * process (the CLI) appended takes effect in a running Andon at its next alert.
 */
export class Silences {
  readonly registry: SilenceRegistry
  readonly #path: string | undefined
  readonly #onError: (e: EntrenarError) => void
  readonly #fsync: boolean
  #appender: LineAppender | undefined
  #offset = 0
  #line = 0

  constructor(dir: string | undefined, options: SilenceStoreOptions) {
    const retention = options.retentionMs ?? SILENCE_RETENTION_MS
    if (typeof retention !== 'number' || !(retention >= 0)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: silence retentionMs must be a number >= 0, got ${String(retention)}`)
    this.registry = new SilenceRegistry(options.now ?? Date.now, retention, newId)
    this.#path = dir === undefined ? undefined : silencesPath(dir)
    this.#onError = options.onError ?? (() => {})
    this.#fsync = options.fsync ?? true
    this.refresh()
  }

  /** Reads what was appended to the file since the last read. Never throws: failures go to `onError`. */
  refresh(): void {
    const path = this.#path
    if (path === undefined) return
    let read: { readonly lines: string[]; readonly offset: number }
    try {
      read = readLinesFrom(path, this.#offset)
    } catch (e) {
      this.#report(new EntrenarError(ErrorCodes.SINK_FAILED, `entrenar/andon: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e }))
      return
    }
    if (read.offset < this.#offset || (read.offset === 0 && this.#offset > 0)) this.#line = 0
    this.#offset = read.offset
    for (const line of read.lines) {
      this.#line++
      if (line.trim() === '') continue
      try {
        this.registry.merge(fromLine(line))
      } catch (e) {
        this.#report(
          new EntrenarError(ErrorCodes.DB_CORRUPT, `entrenar/andon: ${path}:${this.#line}: skipped a damaged silence record: ${e instanceof Error ? e.message : String(e)}`, {
            cause: e,
            details: { path, line: this.#line },
          }),
        )
      }
    }
  }

  /** Registers silences from configuration (renacer.toml, `createAndon({ silences })`): not persisted, not replaceable at run time. */
  declare(specs: readonly SilenceSpec[]): void {
    for (const s of specs) this.registry.put(this.registry.build(s, 'declare'))
  }

  async add(spec: SilenceSpec): Promise<Silence> {
    this.refresh()
    const silence = this.registry.put(this.registry.build(spec, 'add'))
    await this.#append(silence)
    return silence
  }

  async expire(id: string): Promise<Silence> {
    this.refresh()
    const r = this.registry.expire(id)
    if (r.changed && !r.declared) await this.#append(r.silence)
    return r.silence
  }

  list(): Silence[] {
    this.refresh()
    return this.registry.list()
  }

  mute(alert: Alert, tags: Readonly<Record<string, string>>): MuteResult {
    this.refresh()
    return this.registry.mute(alert, tags)
  }

  async close(): Promise<void> {
    await this.#appender?.close()
    this.#appender = undefined
  }

  async #append(s: Silence): Promise<void> {
    if (this.#path === undefined) return
    this.#appender ??= openAppender(this.#path, { fsync: this.#fsync })
    try {
      await this.#appender.append(JSON.stringify({ schema_version: SCHEMA_VERSION, ...silenceToWire(s, false) }))
    } catch (e) {
      throw new EntrenarError(ErrorCodes.SINK_FAILED, `entrenar/andon: silence ${s.id} is in effect in this process but was not saved to ${this.#path}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
        details: { id: s.id, path: this.#path },
      })
    }
  }

  #report(e: EntrenarError): void {
    try {
      this.#onError(e)
    } catch {
      // The error handler failed; the mute path never throws into training.
    }
  }
}

/**
 * Opens the silences of a store directory (`<dir>/andon/silences.jsonl`) without a running Andon: what
 * `entrenar andon silence add|list|expire --store <dir>` uses when no run serves its Andon. A running
 * Andon on the same store picks the changes up at its next alert.
 *
 * @example
 * ```ts
 * const silences = openSilences('./runs')
 * await silences.add({ matchers: [parseMatcher('rule="plateau"')], durationMs: parseDuration('2h'), createdBy: 'ana', comment: 'LR warm-up' })
 * await silences.close()
 * ```
 */
export function openSilences(storeDir: string, options: SilenceStoreOptions = {}): SilenceStore {
  checkOptions('entrenar/andon: openSilences', options, OPEN_SILENCES_OPTIONS)
  if (typeof storeDir !== 'string' || storeDir.length === 0) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, 'entrenar/andon: openSilences needs a store directory')
  const s = new Silences(storeDir, options)
  return {
    add: (spec) => s.add(spec),
    list: async () => s.list(),
    expire: (id) => s.expire(id),
    close: () => s.close(),
  }
}

/** The option names openSilences accepts (unknown ones are errors). */
const OPEN_SILENCES_OPTIONS = optionKeys<NonNullable<Parameters<typeof openSilences>[1]>>({ now: true, retentionMs: true, onError: true, fsync: true })
