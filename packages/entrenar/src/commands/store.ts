import { existsSync, realpathSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { EntrenarError, ErrorCodes, type MetricStore } from '@entrenar/core'
import { openStore } from '@entrenar/db'
import { EXIT, type Io, toJson, usage } from '../io.js'
import { openExistingStore, openStoreUrl } from '../node/store.js'
import { type CopyProgress, type CopySummary, copyStore } from '../store-copy.js'

/** Flags of `entrenar store copy`. */
export interface StoreCopyFlags {
  /** `--run <id>`, repeatable: copy only these runs (default every run of the source). */
  readonly run?: readonly string[]
  /** `--merge`: add to a destination that holds other data instead of refusing it (`ENTRENAR_STORE_NOT_EMPTY`). */
  readonly merge?: boolean
  /** `--batch-rows <n>`: rows per write to the destination (a positive integer as typed; default 100,000). */
  readonly batchRows?: string
}

const isUrl = (s: string) => /^clickhouse(\+https)?:\/\//i.test(s)
/** A store location for messages: a URL without its password. */
const shown = (s: string) => s.replace(/\/\/([^@/:]*):[^@/]*@/, '//$1:…@')

/** Where a store is, normalised so that the same store named twice is recognised. */
function identity(loc: string): string {
  if (isUrl(loc)) {
    let u: URL
    try {
      u = new URL(loc.replace(/^clickhouse(\+https)?:/i, 'http:'))
    } catch {
      return loc // not a URL: opening it reports the coded error
    }
    return `clickhouse://${u.hostname.toLowerCase()}:${u.port || '8123'}${u.pathname.replace(/\/+$/, '') || '/entrenar'}`
  }
  const p = resolve(loc)
  return existsSync(p) ? realpathSync(p) : p
}

async function openSource(loc: string): Promise<MetricStore & { close(): Promise<void> }> {
  return isUrl(loc) ? openStoreUrl(loc) : openExistingStore(loc)
}

async function openDestination(loc: string): Promise<MetricStore & { close(): Promise<void> }> {
  if (isUrl(loc)) return openStoreUrl(loc)
  if (existsSync(loc) && !statSync(loc).isDirectory()) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${PREFIX}: destination ${loc} is not a directory`)
  return openStore(loc, { onCorrupt: (e) => process.stderr.write(`warning: ${e.message}\n`) })
}

const PREFIX = 'entrenar store copy'
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 })

/**
 * `entrenar store copy <from> <to>`: every run of a store (a Parquet directory or `clickhouse://…`) into
 * another, exactly; see {@link copyStore}. Progress on stderr (at most once a second; redrawn on a terminal),
 * the summary on stdout (JSON with `--json`). Ctrl-C stops between two batches with exit 130; the same
 * command finishes the copy.
 */
export async function storeCopyCommand(fromLoc: string, toLoc: string, flags: StoreCopyFlags, io: Io): Promise<number> {
  let batchRows: number | undefined
  if (flags.batchRows !== undefined) {
    batchRows = Number(flags.batchRows)
    if (!/^\d+$/.test(flags.batchRows) || !Number.isSafeInteger(batchRows) || batchRows < 1) throw usage(`store copy: --batch-rows must be a positive integer, got ${JSON.stringify(flags.batchRows)}`)
  }
  if (identity(fromLoc) === identity(toLoc)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${PREFIX}: source and destination are the same store (${shown(fromLoc)})`)
  const started = Date.now()
  let last = 0
  let drawn = false
  const line = (p: CopyProgress) => {
    const rate = p.written / Math.max(0.001, (Date.now() - started) / 1000)
    const pct = p.points ? Math.floor((100 * p.pointsDone) / p.points) : 100
    return `store copy: ${p.runsDone}/${p.runs} runs, ${fmt(p.pointsDone)}/${fmt(p.points)} points (${pct} %), ${fmt(p.written)} written, ${fmt(rate)} points/s`
  }
  const onProgress = (p: CopyProgress) => {
    const now = Date.now()
    if (now - last < 1000 && p.runsDone < p.runs) return
    last = now
    if (io.interactive) {
      io.err(`\r\x1b[2K${line(p)}`)
      drawn = true
    } else io.err(`${line(p)}\n`)
  }
  const from = await openSource(fromLoc)
  let summary: CopySummary
  try {
    const to = await openDestination(toLoc)
    try {
      summary = await copyStore(from, to, {
        ...(flags.run?.length ? { runs: flags.run } : {}),
        ...(flags.merge ? { merge: true } : {}),
        ...(batchRows !== undefined ? { batchRows } : {}),
        signal: io.signal,
        onProgress,
      })
    } finally {
      if (drawn) io.err('\n')
      await to.close()
    }
  } catch (e) {
    if (e instanceof EntrenarError && e.code === 'ENTRENAR_INTERRUPTED') {
      io.err(`${e.message}\n`)
      if (io.json) io.out(toJson({ error: { code: e.code, message: e.message, details: e.details } }))
      return EXIT.INTERRUPTED
    }
    throw e
  } finally {
    await from.close()
  }
  const seconds = (Date.now() - started) / 1000
  if (io.json) io.out(toJson({ from: shown(fromLoc), to: shown(toLoc), ...summary, seconds }))
  else {
    io.out(
      `copied ${summary.copied.length} of ${summary.runs} run${summary.runs === 1 ? '' : 's'} from ${shown(fromLoc)} to ${shown(toLoc)}: ${fmt(summary.written)} points written` +
        `${summary.nonFinite ? ` (${fmt(summary.nonFinite)} NaN/±Inf)` : ''}${summary.present ? `, ${fmt(summary.present)} already there` : ''}` +
        `${summary.unchanged.length ? `, ${summary.unchanged.length} run${summary.unchanged.length === 1 ? '' : 's'} already complete` : ''} in ${seconds.toFixed(1)} s\n`,
    )
  }
  return EXIT.OK
}
