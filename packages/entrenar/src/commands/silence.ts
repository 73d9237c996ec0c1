import { formatMatcher, openSilences, parseDuration, parseMatcher } from '@entrenar/andon'
import { createHttpClient, EntrenarError, isEntrenarError, type Silence, type SilenceService, type SilenceSpec, silenceContract } from '@entrenar/core'
import { EXIT, type Io, paint, table, toJson, usage } from '../io.js'

/** Where silences live: a store directory (offline; a running Andon re-reads the file) or a served Andon. */
export interface SilenceTarget {
  /** Store directory (default `$ENTRENAR_DIR` or `./runs`). */
  readonly store?: string
  /** Base URL of `entrenar serve` (or any server mounting `silenceContract`); wins over `store`. */
  readonly url?: string
  /** Bearer token for `url` (default `$ENTRENAR_TOKEN`). */
  readonly token?: string
}

/** Flags of `entrenar andon silence add`. */
export interface SilenceAddFlags extends SilenceTarget {
  /** `--duration <d>`: length from the start, e.g. `90m`, `2h`, `1d`. */
  readonly duration?: string
  /** `--start <iso>`: start date-time. Default now. */
  readonly start?: string
  /** `--end <iso>`: end date-time (instead of `duration`). */
  readonly end?: string
  /** `--comment <text>`: why the silence exists (required). */
  readonly comment?: string
  /** `--author <name>`: who created it. Default `$USER`. */
  readonly author?: string
  /** `--id <id>`: the silence id (default a random UUID); an existing unexpired silence with it is replaced. */
  readonly id?: string
  /** `--mute-critical`: the silence may mute CRITICAL alerts (the NaN stop); needs a `rule=<name>` matcher. */
  readonly muteCritical?: boolean
}

/** Opens the silence service of a target and always releases it. */
async function withSilences<T>(target: SilenceTarget, io: Io, f: (s: SilenceService) => Promise<T>): Promise<T> {
  if (target.url !== undefined) {
    const token = target.token ?? io.env.ENTRENAR_TOKEN
    return f(createHttpClient(silenceContract, target.url, token ? { token } : {}))
  }
  const store = openSilences(target.store ?? io.env.ENTRENAR_DIR ?? './runs')
  try {
    return await f(store)
  } finally {
    await store.close()
  }
}

/** An ISO-8601 date-time flag as epoch ms; a malformed one is a usage error. */
function instant(flag: string, text: string): number {
  const ms = Date.parse(text)
  if (!Number.isFinite(ms)) throw usage(`${flag} ${JSON.stringify(text)} is not a date-time; write e.g. 2026-11-26T18:00:00Z`)
  return ms
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** A silence in the wire's snake_case with readable times, for `--json`. */
function silenceJson(s: Silence): Record<string, unknown> {
  return {
    id: s.id,
    state: s.state,
    matchers: s.matchers.map(formatMatcher),
    starts_at: iso(s.startsAtMs),
    ends_at: iso(s.endsAtMs),
    created_by: s.createdBy,
    comment: s.comment,
    mute_critical: s.muteCritical,
  }
}

function printOne(io: Io, verb: string, s: Silence): void {
  if (io.json) io.out(toJson(silenceJson(s)))
  else io.out(`${paint(io, 'yellow', verb)} ${s.id} (${s.state}) ${s.matchers.map(formatMatcher).join(' ')} until ${iso(s.endsAtMs)}\n`)
}

/**
 * `entrenar andon silence add <matcher>… (--duration 2h | --end <iso>) --comment …`: mutes matching
 * alerts (amtool's matcher syntax: `rule=divergence`, `metric=~"val_.*"`, `run!=baseline`).
 */
export async function silenceAdd(matchers: readonly string[], flags: SilenceAddFlags, io: Io): Promise<number> {
  if (matchers.length === 0) throw usage('silence add needs at least one matcher, e.g. rule=divergence')
  if ((flags.duration === undefined) === (flags.end === undefined)) throw usage('silence add needs exactly one of --duration and --end')
  if (!flags.comment) throw usage('silence add needs --comment: say why the alerts are muted')
  const spec: SilenceSpec = {
    matchers: matchers.map((m, i) => parseMatcher(m, `matcher ${i + 1}`)),
    createdBy: flags.author ?? io.env.USER ?? 'entrenar',
    comment: flags.comment,
    ...(flags.id ? { id: flags.id } : {}),
    ...(flags.start ? { startsAtMs: instant('--start', flags.start) } : {}),
    ...(flags.end ? { endsAtMs: instant('--end', flags.end) } : {}),
    ...(flags.duration ? { durationMs: parseDuration(flags.duration) } : {}),
    ...(flags.muteCritical ? { muteCritical: true } : {}),
  }
  const s = await withSilences(flags, io, (svc) => svc.add(spec))
  printOne(io, 'silenced', s)
  return EXIT.OK
}

/** `entrenar andon silence list [--expired]`: pending and active silences (and expired ones with `--expired`). */
export async function silenceList(flags: SilenceTarget & { readonly expired?: boolean }, io: Io): Promise<number> {
  const all = await withSilences(flags, io, (svc) => svc.list())
  const shown = flags.expired ? all : all.filter((s) => s.state !== 'expired')
  if (io.json) io.out(toJson({ silences: shown.map(silenceJson) }))
  else if (shown.length === 0) io.out(flags.expired ? 'no silences\n' : 'no pending or active silences (--expired shows ended ones)\n')
  else io.out(table(['id', 'state', 'matchers', 'starts', 'ends', 'created by', 'comment'], shown.map((s) => [s.id, s.state, s.matchers.map(formatMatcher).join(' '), iso(s.startsAtMs), iso(s.endsAtMs), s.createdBy, s.comment])))
  return EXIT.OK
}

/** `entrenar andon silence expire <id>…`: ends silences now; an unknown id exits 3 after the others are expired. */
export async function silenceExpire(ids: readonly string[], flags: SilenceTarget, io: Io): Promise<number> {
  if (ids.length === 0) throw usage('silence expire needs at least one silence id (see `entrenar andon silence list`)')
  const done = await withSilences(flags, io, async (svc) => {
    const out: Silence[] = []
    let missing: unknown
    for (const id of ids) {
      try {
        out.push(await svc.expire(id))
      } catch (e) {
        missing ??= e
      }
    }
    return { out, missing }
  })
  const m = done.missing
  if (m !== undefined) {
    // One JSON document on stdout: the error, naming what was expired before it.
    if (!io.json) for (const s of done.out) printOne(io, 'expired', s)
    if (!isEntrenarError(m)) throw m
    throw new EntrenarError(m.code, m.message, { cause: m, details: { expired: done.out.map((s) => s.id) } })
  }
  if (io.json) io.out(toJson({ expired: done.out.map(silenceJson) }))
  else for (const s of done.out) printOne(io, 'expired', s)
  return EXIT.OK
}
