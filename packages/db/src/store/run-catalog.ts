import { stat } from 'node:fs/promises'
import { EntrenarError, ErrorCodes, type RunInfo } from '@entrenar/core'
import { crc32, join, listDir, readWhole, writeFileDurable } from '../node/io.js'
import type { Catalog, RunHints, SegmentHint } from './catalog.js'
import type { SegmentInfo } from '../segment/read.js'
import { encodeRunId, runDirName, runIdFromDirName } from './paths.js'
import { checkRun, readRuns } from './runs.js'
import { readUserCache, type SegmentIdentity, writeUserCache } from './user-cache.js'

/** What a run's segments hold, from the catalog: the `entrenar runs` columns without decoding values. */
export interface RunSummary {
  /** The run's id, as given to `write()` (decoded from its directory name). */
  readonly runId: string
  /** Rows of the run's live segments (buffered rows of other processes are not counted). */
  readonly points: number
  /** Distinct metric names. */
  readonly metrics: number
  /** Largest step, or undefined without rows. */
  readonly lastStep: number | undefined
}

/** One metric of a run, from the catalog: what the dashboard's run table shows without decoding a segment. */
export interface MetricSummary {
  /** The metric's name. */
  readonly name: string
  /** Rows of the metric in the run's live segments (NaN and ±Inf included). */
  readonly rows: number
  /** Rows whose value is NaN. */
  readonly nan: number
  /** Largest step of the metric. */
  readonly lastStep: number
  /** Value at that step (of the last such row, segments in name order); may be NaN or ±Inf. */
  readonly last: number
}

/** The metrics of one run with rows in segments, by name. */
export interface RunMetricSummary {
  /** The run's id. */
  readonly runId: string
  /** One entry per metric with rows in the run's live segments, sorted by name. */
  readonly metrics: readonly MetricSummary[]
}

/** The catalog file, `<dir>/run-catalog.json`. */
export const RUN_CATALOG = 'run-catalog.json'
const FORMAT = 'entrenar-run-catalog'
const VERSION = 1
/**
 * A directory changed less than this before the catalog was written may have changed again in the same
 * file-system clock tick after it was listed (the "racy clean" case of git's index): it is listed again.
 */
const RACY_NS = 1_000_000_000n

interface SegmentSummary {
  /** File size: a file replaced under the same name (a WAL claimed from a live writer) is summarised again. */
  readonly size: number
  readonly rows: number
  readonly stepMax: number | null
  readonly metrics: readonly string[]
  readonly replaces: readonly string[]
  /**
   * Per metric: `[rows, nan, lastStep, last]`, `last` a number or `"NaN"`, `"Infinity"`, `"-Infinity"`.
   * Absent in catalogs written before it existed: filled in by {@link RunCatalog.metricSummaries}.
   */
  readonly stats?: Record<string, MetricStats>
  /**
   * `[tsMin, tsMax, stepMin, stepMax]` of its rows (µs, steps), from the footer's row-group statistics;
   * `null` when the footer does not bound them. Absent in catalogs written before it existed: queries
   * then open the segment's footer, and the entry gets it when its partition is listed again.
   */
  readonly bounds?: Bounds | null
}

type Bounds = readonly [tsMin: number, tsMax: number, stepMin: number, stepMax: number]

const isBounds = (b: unknown): boolean =>
  b === null || (Array.isArray(b) && b.length === 4 && b.every((x) => typeof x === 'number' && Number.isFinite(x)) && b[0] <= b[1] && b[2] <= b[3])

/** A segment's time and step bounds from its footer's row-group statistics; null when a row group lacks them. */
function boundsOf(seg: SegmentInfo): Bounds | null {
  let t0 = Number.POSITIVE_INFINITY
  let t1 = Number.NEGATIVE_INFINITY
  let s0 = Number.POSITIVE_INFINITY
  let s1 = Number.NEGATIVE_INFINITY
  for (const rg of seg.rowGroups) {
    if (rg.rows === 0) continue
    t0 = Math.min(t0, rg.tsMin)
    t1 = Math.max(t1, rg.tsMax)
    s0 = Math.min(s0, rg.stepMin)
    s1 = Math.max(s1, rg.stepMax)
  }
  const b = [t0, t1, s0, s1] as const
  return isBounds(b) ? b : null
}

type WireLast = number | 'NaN' | 'Infinity' | '-Infinity'
type MetricStats = readonly [rows: number, nan: number, lastStep: number, last: WireLast]

const lastToWire = (v: number): WireLast => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity')
const lastFromWire = (v: WireLast): number => (typeof v === 'number' ? v : Number(v))

function isStats(x: unknown): boolean {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false
  for (const v of Object.values(x)) {
    if (!Array.isArray(v) || v.length !== 4) return false
    const [rows, nan, step, last] = v as unknown[]
    if (!Number.isSafeInteger(rows) || (rows as number) < 1 || !Number.isSafeInteger(nan) || (nan as number) < 0 || (nan as number) > (rows as number)) return false
    if (typeof step !== 'number' || !Number.isFinite(step)) return false
    if (!(typeof last === 'number' ? Number.isFinite(last) : last === 'NaN' || last === 'Infinity' || last === '-Infinity')) return false
  }
  return true
}

interface DirState {
  /** The directory's mtime (ns, decimal) when it was listed. */
  readonly mtimeNs: string
}

interface RunDirState extends DirState {
  readonly segments: Record<string, SegmentSummary>
}

interface CatalogFile {
  readonly format: typeof FORMAT
  readonly version: typeof VERSION
  readonly runsDir: DirState
  readonly runs: RunInfo[]
  readonly metricsDir: DirState & { readonly names: string[] }
  readonly runDirs: Record<string, RunDirState>
}

async function mtimeNs(path: string): Promise<bigint | undefined> {
  try {
    return (await stat(path, { bigint: true })).mtimeNs
  } catch {
    return undefined
  }
}

function parse(bytes: Uint8Array): CatalogFile {
  const text = new TextDecoder().decode(bytes)
  const nl = text.indexOf('\n')
  if (nl < 0) throw new Error('no checksum line')
  const head = JSON.parse(text.slice(0, nl)) as { crc?: unknown }
  const body = text.slice(nl + 1)
  if (head.crc !== crc32(new TextEncoder().encode(body))) throw new Error('checksum mismatch')
  const c = JSON.parse(body) as CatalogFile
  if (c?.format !== FORMAT || c.version !== VERSION || !Array.isArray(c.runs) || typeof c.runDirs !== 'object' || c.runDirs === null || !Array.isArray(c.metricsDir?.names)) {
    throw new Error(`not a version ${VERSION} run catalog`)
  }
  // The checksum catches damage, not a crafted file: every entry is checked as the run files are.
  for (const r of c.runs) checkRun(r)
  if (!isStrings(c.metricsDir.names)) throw new Error('bad partition list')
  for (const [id, d] of Object.entries(c.runDirs)) {
    encodeRunId(id)
    if (typeof d?.mtimeNs !== 'string' || typeof d.segments !== 'object' || d.segments === null) throw new Error(`bad entry for run ${JSON.stringify(id)}`)
    for (const g of Object.values(d.segments)) if (!isSummary(g)) throw new Error(`bad segment summary of run ${JSON.stringify(id)}`)
  }
  return c
}

const isStrings = (a: unknown) => Array.isArray(a) && a.every((x) => typeof x === 'string')

function isSummary(x: unknown): x is SegmentSummary {
  const g = x as SegmentSummary | null
  return (
    typeof g === 'object' &&
    g !== null &&
    Number.isSafeInteger(g.rows) &&
    g.rows >= 0 &&
    Number.isSafeInteger(g.size) &&
    (g.stepMax === null || Number.isFinite(g.stepMax)) &&
    isStrings(g.metrics) &&
    isStrings(g.replaces) &&
    (g.stats === undefined || isStats(g.stats)) &&
    (g.bounds === undefined || isBounds(g.bounds))
  )
}

/** Options of the run catalog. */
export interface RunCatalogOptions {
  /** Never write the catalog file (a store opened read-only): what is completed is kept in memory and in the user cache. */
  readonly readOnly?: boolean
  /** Per-user cache of segment figures for stores whose catalog cannot be written; undefined: none. */
  readonly cacheDir?: string
}

const ABSENT = 'absent'

/** A segment file's identity (device, inode, size, mtime); undefined when it is gone. */
async function identity(path: string): Promise<SegmentIdentity | undefined> {
  try {
    const st = await stat(path, { bigint: true })
    return { dev: String(st.dev), ino: String(st.ino), size: Number(st.size), mtimeNs: String(st.mtimeNs) }
  } catch {
    return undefined
  }
}

/** The file-system clock's idea of now, in ns (for the in-memory catalog's "racy clean" check). */
const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n

/**
 * The store's run catalog: run metadata and per-segment summaries (rows, largest step, metric names) in
 * one file, so listing runs reads one file and a few directory mtimes instead of every run file and segment.
 *
 * Kept honest by construction: a directory whose mtime differs from the one recorded (every write of the
 * store renames a file into it), or that changed within a second of the catalog being written, is listed
 * again; a segment is summarised once (segments are immutable, named uniquely). A missing catalog is
 * rebuilt quietly; an unreadable or tampered one (checksum) is reported as `ENTRENAR_DB_CORRUPT` and rebuilt.
 * Several processes may rewrite it: each write is atomic and its content follows from the files alone.
 */
export class RunCatalog {
  readonly #root: string
  readonly #segments: Catalog
  readonly #report: (e: EntrenarError) => void
  readonly #quarantine: (path: string, e: unknown) => Promise<void>
  #chain: Promise<unknown> = Promise.resolve()
  /** Rebuilds done (tests and stats). */
  scans = 0
  /** Segments decoded to summarise them (tests and stats). */
  decodedSegments = 0
  /**
   * The catalog as last read or written, with the file's identity then: reused while the file is
   * unchanged. When the file cannot be written (read-only), the catalog completed in memory is kept
   * here under the identity of the file it was built from (`absent` when there is none).
   */
  #memo: { key: string; file: CatalogFile; writtenNs: bigint } | undefined
  readonly #readOnly: boolean
  readonly #cacheDir: string | undefined
  /** The user cache's entries, read once when a segment lacks figures. */
  #userCache: Promise<Map<string, { id: SegmentIdentity; summary: unknown }>> | undefined
  /** Identity of each segment listed, by `<run id>/<name>`: what the user cache is keyed by. */
  readonly #identities = new Map<string, SegmentIdentity>()

  constructor(root: string, segments: Catalog, report: (e: EntrenarError) => void, options: RunCatalogOptions = {}) {
    this.#root = root
    this.#segments = segments
    this.#report = report
    this.#quarantine = (path, e) => segments.quarantine(path, e)
    this.#readOnly = options.readOnly === true
    this.#cacheDir = options.cacheDir
  }

  get path(): string {
    return join(this.#root, RUN_CATALOG)
  }

  /** Run metadata, ordered by start time. */
  async runs(): Promise<RunInfo[]> {
    return (await this.#fresh(false)).runs
  }

  /** Per-run row summaries of the live segments, in run id order. */
  async summaries(): Promise<RunSummary[]> {
    const c = await this.#fresh(true)
    const out: RunSummary[] = []
    for (const id of Object.keys(c.runDirs).sort()) {
      const segs = c.runDirs[id]!.segments
      const replaced = new Set<string>()
      for (const s of Object.values(segs)) for (const r of s.replaces) replaced.add(r)
      let points = 0
      let last = Number.NEGATIVE_INFINITY
      const metrics = new Set<string>()
      for (const [name, s] of Object.entries(segs)) {
        if (replaced.has(name)) continue
        points += s.rows
        if (s.stepMax !== null && s.stepMax > last) last = s.stepMax
        for (const m of s.metrics) metrics.add(m)
      }
      if (points > 0) out.push({ runId: id, points, metrics: metrics.size, lastStep: Number.isFinite(last) ? last : undefined })
    }
    return out
  }

  /**
   * Per-run, per-metric rows, NaN count, last step and last value of the live segments, in run id then
   * metric name order. Segments summarised before the catalog kept values are decoded once and the
   * catalog is rewritten with their figures.
   */
  async metricSummaries(): Promise<readonly RunMetricSummary[]> {
    const c = await this.#fresh(true, true)
    const known = this.#metricMemo.get(c)
    if (known) return known
    const out: RunMetricSummary[] = []
    for (const id of Object.keys(c.runDirs).sort()) {
      const segs = c.runDirs[id]!.segments
      const replaced = new Set<string>()
      for (const s of Object.values(segs)) for (const r of s.replaces) replaced.add(r)
      const by = new Map<string, { rows: number; nan: number; lastStep: number; last: number }>()
      for (const name of Object.keys(segs).sort()) {
        const st = segs[name]!.stats
        if (replaced.has(name) || !st) continue
        for (const [metric, [rows, nan, lastStep, last]] of Object.entries(st)) {
          const m = by.get(metric)
          if (!m) by.set(metric, { rows, nan, lastStep, last: lastFromWire(last) })
          else {
            m.rows += rows
            m.nan += nan
            if (lastStep >= m.lastStep) {
              m.lastStep = lastStep
              m.last = lastFromWire(last)
            }
          }
        }
      }
      if (by.size === 0) continue
      const names = [...by.keys()].sort()
      out.push({ runId: id, metrics: names.map((name) => ({ name, ...by.get(name)! })) })
    }
    this.#metricMemo.set(c, out)
    return out
  }

  /** Metric summaries by the catalog they were derived from (an unchanged catalog is the same object). */
  readonly #metricMemo = new WeakMap<CatalogFile, readonly RunMetricSummary[]>()

  /**
   * What the catalog recorded of one run's segments (by file name), for a read to leave unread the
   * footers of segments its filter excludes: the catalog as last read or written, or the file read now
   * when it changed. Undefined when there is no usable catalog (missing or damaged: reads open every
   * footer; damage is reported by the next refresh, not here).
   */
  async hints(): Promise<RunHints | undefined> {
    let key: string
    try {
      const st = await stat(this.path, { bigint: true })
      key = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`
    } catch {
      key = ABSENT
    }
    let file: CatalogFile | undefined
    if (this.#memo?.key === key) file = this.#memo.file
    else if (this.#hintFile?.key === key) file = this.#hintFile.file
    else if (key !== ABSENT && key !== this.#unusable) {
      try {
        const bytes = await readWhole(this.path)
        if (bytes) {
          file = parse(bytes)
          this.#hintFile = { key, file }
        }
      } catch {
        this.#unusable = key
      }
    }
    if (!file) return undefined
    let perRun = this.#hintMemo.get(file)
    if (!perRun) {
      perRun = new Map()
      this.#hintMemo.set(file, perRun)
    }
    const memo = perRun
    const catalog = file
    return (runId) => RunCatalog.#runHints(catalog, memo, runId)
  }

  /** One run's hints, derived once per catalog. */
  static #runHints(file: CatalogFile, perRun: Map<string, ReadonlyMap<string, SegmentHint>>, runId: string): ReadonlyMap<string, SegmentHint> {
    let out = perRun.get(runId)
    if (out === undefined) {
      const m = new Map<string, SegmentHint>()
      out = m
      const d = Object.hasOwn(file.runDirs, runId) ? file.runDirs[runId] : undefined
      for (const [name, g] of Object.entries(d?.segments ?? {})) {
        m.set(name, {
          size: g.size,
          replaces: g.replaces,
          ...(g.stats ? { metrics: new Set(Object.keys(g.stats)) } : {}),
          ...(g.bounds ? { bounds: g.bounds } : {}),
        })
      }
      perRun.set(runId, out)
    }
    return out
  }

  /** The identity of a catalog file that did not parse (not read again for hints until it changes). */
  #unusable: string | undefined
  /** The catalog file as read for hints (when no refresh has read or written it yet). */
  #hintFile: { key: string; file: CatalogFile } | undefined
  /** Hints by catalog and run, derived once. */
  readonly #hintMemo = new WeakMap<CatalogFile, Map<string, ReadonlyMap<string, SegmentHint>>>()

  /** Brings the catalog file up to date with the files now (at close and after recovery). */
  async refresh(): Promise<void> {
    await this.#fresh(true)
  }

  /**
   * One refresh at a time per store. `segments` false: only run metadata is brought up to date;
   * `stats`: segments summarised without value figures are summarised again.
   */
  #fresh(segments: boolean, stats = false): Promise<CatalogFile> {
    const p = this.#chain.then(() => this.#update(segments, stats))
    this.#chain = p.catch(() => undefined)
    return p
  }

  async #load(): Promise<{ key: string; file: CatalogFile | undefined; writtenNs: bigint }> {
    let key: string
    try {
      const st = await stat(this.path, { bigint: true })
      key = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`
    } catch {
      key = ABSENT
    }
    if (this.#memo?.key === key) return this.#memo
    const bytes = key === ABSENT ? undefined : await readWhole(this.path)
    if (!bytes) return { key: ABSENT, file: undefined, writtenNs: 0n }
    try {
      const loaded = { key, file: parse(bytes), writtenNs: (await mtimeNs(this.path)) ?? 0n }
      this.#memo = loaded
      return loaded
    } catch (e) {
      this.#report(new EntrenarError(ErrorCodes.DB_CORRUPT, `entrenar/db: run catalog ${this.path} is damaged (${e instanceof Error ? e.message : String(e)}); rebuilt from the run files and segments`, { cause: e, details: { path: this.path } }))
      return { key, file: undefined, writtenNs: 0n }
    }
  }

  async #update(withSegments: boolean, withStats: boolean): Promise<CatalogFile> {
    const startNs = nowNs()
    const { key, file, writtenNs } = await this.#load()
    const decodedBefore = this.decodedSegments
    // The "written" time of a catalog kept in memory: entries carried over from the file were listed
    // before the file was written, the others after `startNs`; the earlier time judges both soundly.
    const memoNs = file && writtenNs < startNs ? writtenNs : startNs
    const trusted = (recorded: DirState | undefined, now: bigint | undefined): boolean =>
      recorded !== undefined && now !== undefined && recorded.mtimeNs === String(now) && writtenNs - now >= RACY_NS
    let changed = file === undefined

    // Run metadata: re-read every run file when runs/ changed.
    const runsPath = join(this.#root, 'runs')
    const runsNow = await mtimeNs(runsPath)
    let runsDir = file?.runsDir
    let runs = file?.runs ?? []
    let stale = !trusted(runsDir, runsNow)
    if (!stale) {
      // One directory listing: the catalog lists exactly the run files there are (a crafted or misplaced
      // catalog with a valid checksum cannot add or hide runs).
      const names = new Set<string>()
      for (const f of await listDir(runsPath)) if (f.isFile() && f.name.endsWith('.json') && !f.name.startsWith('.')) names.add(f.name.slice(0, -5))
      const listed = new Set(runs.map((r) => encodeRunId(r.id)))
      if (listed.size !== runs.length || [...listed].some((n) => !names.has(n))) {
        this.#report(new EntrenarError(ErrorCodes.DB_CORRUPT, `entrenar/db: run catalog ${this.path} lists runs that runs/ does not hold; rebuilt from the run files`, { details: { path: this.path } }))
        stale = true
      } else if (names.size !== listed.size) stale = true // a run file the catalog has not seen yet (or a damaged one it skipped)
    }
    if (stale) {
      runs = await readRuns(this.#root, this.#quarantine)
      runsDir = { mtimeNs: String(runsNow ?? 0n) }
      changed = true
    }

    // Segments: the partition list, then each partition whose directory changed.
    const metricsPath = join(this.#root, 'metrics')
    const metricsNow = await mtimeNs(metricsPath)
    let metricsDir = file?.metricsDir
    if (!withSegments) {
      // Run metadata only: the segment part is kept as it is (its own mtimes say when it is stale).
      const out: CatalogFile = { format: FORMAT, version: VERSION, runsDir: runsDir!, runs, metricsDir: metricsDir ?? { mtimeNs: '0', names: [] }, runDirs: file?.runDirs ?? {} }
      if (changed) await this.#write(out, key, memoNs)
      return out
    }
    if (!metricsDir || !trusted(metricsDir, metricsNow)) {
      const names: string[] = []
      for (const d of await listDir(metricsPath)) if (d.isDirectory() && runIdFromDirName(d.name) !== undefined) names.push(runIdFromDirName(d.name)!)
      metricsDir = { mtimeNs: String(metricsNow ?? 0n), names: names.sort() }
      changed = true
    }
    const runDirs: Record<string, RunDirState> = {}
    const stats = await Promise.all(metricsDir.names.map((id) => mtimeNs(join(metricsPath, runDirName(id)))))
    for (let i = 0; i < metricsDir.names.length; i++) {
      const id = metricsDir.names[i]!
      const now = stats[i]
      if (now === undefined) {
        changed = true // the partition is gone (retention)
        continue
      }
      const old = file?.runDirs[id]
      const lacking = withStats && old !== undefined && Object.values(old.segments).some((g) => g.stats === undefined)
      if (old && trusted(old, now) && !lacking) {
        runDirs[id] = old
        continue
      }
      runDirs[id] = await this.#listRun(id, now, old)
      changed = true
    }
    // Unchanged: the same object, so what is derived from it (the metric summaries) is reused.
    if (!changed && file) return file
    const out: CatalogFile = { format: FORMAT, version: VERSION, runsDir: runsDir!, runs, metricsDir, runDirs }
    const written = await this.#write(out, key, memoNs)
    // Figures decoded now that the catalog file cannot keep: the user cache keeps them for the next open.
    if (!written && this.#cacheDir !== undefined && this.decodedSegments > decodedBefore) await this.#saveUserCache(out)
    return out
  }

  /**
   * Writes the catalog file; true when written. Otherwise (read-only store or medium) the catalog is
   * kept in memory under the identity of the file it was built from, with `listedNs` (when the listing
   * began, or the file's own time if earlier) as its "written" time: a directory changed during or after
   * the listing is listed again.
   */
  async #write(out: CatalogFile, builtFrom: string, listedNs: bigint): Promise<boolean> {
    this.scans++
    if (!this.#readOnly) {
      const enc = new TextEncoder()
      const bodyBytes = enc.encode(JSON.stringify(out))
      try {
        await writeFileDurable(this.path, [enc.encode(`${JSON.stringify({ crc: crc32(bodyBytes) })}\n`), bodyBytes])
        const st = await stat(this.path, { bigint: true })
        this.#memo = { key: `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`, file: out, writtenNs: st.mtimeNs }
        return true
      } catch {
        // A cache: a store on a read-only medium keeps its catalog in memory (below).
      }
    }
    this.#memo = { key: builtFrom, file: out, writtenNs: listedNs }
    return false
  }

  async #saveUserCache(out: CatalogFile): Promise<void> {
    const entries = new Map<string, { id: SegmentIdentity; summary: unknown }>()
    for (const [runId, d] of Object.entries(out.runDirs)) {
      for (const [name, summary] of Object.entries(d.segments)) {
        const id = this.#identities.get(`${runId}/${name}`)
        if (id && summary.stats && id.size === summary.size) entries.set(`${runId}/${name}`, { id, summary })
      }
    }
    await writeUserCache(this.#cacheDir!, this.#root, entries)
    this.#userCache = Promise.resolve(entries)
  }

  /** A segment's figures from the user cache, when an entry for this very file (identity) is there and valid. */
  async #cachedSummary(runId: string, name: string, id: SegmentIdentity): Promise<SegmentSummary | undefined> {
    if (this.#cacheDir === undefined) return undefined
    this.#userCache ??= readUserCache(this.#cacheDir, this.#root)
    const e = (await this.#userCache).get(`${runId}/${name}`)
    if (!e || e.id.dev !== id.dev || e.id.ino !== id.ino || e.id.size !== id.size || e.id.mtimeNs !== id.mtimeNs) return undefined
    const s = e.summary
    if (!isSummary(s) || s.stats === undefined || s.size !== id.size) return undefined
    return {
      size: s.size,
      rows: s.rows,
      stepMax: s.stepMax,
      metrics: [...s.metrics],
      replaces: [...s.replaces],
      stats: Object.fromEntries(Object.entries(s.stats)),
      ...(s.bounds !== undefined ? { bounds: s.bounds === null ? null : ([...s.bounds] as unknown as Bounds) } : {}),
    }
  }


  /** Lists one partition, summarising the segments not summarised before. */
  async #listRun(id: string, now: bigint, old: RunDirState | undefined): Promise<RunDirState> {
    const segments: Record<string, SegmentSummary> = {}
    const dir = join(this.#root, 'metrics', runDirName(id))
    for (const f of await listDir(dir)) {
      if (!f.isFile() || !f.name.endsWith('.parquet') || f.name.startsWith('.')) continue
      const path = join(dir, f.name)
      const known = old?.segments[f.name]
      const ident = await identity(path)
      if (ident === undefined) continue // removed meanwhile (compaction, retention)
      this.#identities.set(`${id}/${f.name}`, ident)
      if (known?.stats && known.size === ident.size) {
        if (known.bounds !== undefined) {
          segments[f.name] = known
          continue
        }
        // An entry of an older catalog: its bounds come from the footer alone (no column is decoded).
        const wasOpen = this.#segments.cached(path)
        const seg = await this.#segments.segment(path, f.name, id)
        if (!seg) continue
        if (!wasOpen) this.#segments.forget(path)
        segments[f.name] = { ...known, bounds: boundsOf(seg) }
        continue
      }
      const hint = await this.#cachedSummary(id, f.name, ident)
      if (hint) {
        segments[f.name] = hint
        continue
      }
      this.decodedSegments++
      // Leaves the reader's caches as they were: summarising must not pin a footer a query would not have read yet.
      const wasCached = this.#segments.cached(path)
      const seg = await this.#segments.segment(path, f.name, id)
      if (!seg) continue
      let stepMax: number | null = null
      let damaged = false
      // Per metric: rows, NaN rows, last step, value there (the last row at the largest step).
      const acc = new Map<string, { rows: number; nan: number; step: number; last: number }>()
      for (const rg of seg.rowGroups) {
        if (rg.rows === 0) continue
        if (stepMax === null || rg.stepMax > stepMax) stepMax = rg.stepMax
        const c = await this.#segments.columns(seg, rg, ['metric', 'step', 'value'])
        if (!c) {
          damaged = true
          break
        }
        const step = c.step!
        const value = c.value!
        const runsOf = c.metricRuns!
        for (let k = 0; k < runsOf.length; k += 3) {
          const name = c.metric!.names[runsOf[k]!]!
          let a = acc.get(name)
          if (!a) {
            a = { rows: 0, nan: 0, step: Number.NEGATIVE_INFINITY, last: Number.NaN }
            acc.set(name, a)
          }
          for (let i = runsOf[k + 1]!; i < runsOf[k + 2]!; i++) {
            const v = value[i]!
            if (v !== v) a.nan++
            if (step[i]! >= a.step) {
              a.step = step[i]!
              a.last = v
            }
          }
          a.rows += runsOf[k + 2]! - runsOf[k + 1]!
        }
      }
      if (!wasCached) this.#segments.forget(path)
      if (damaged) continue
      const names = [...acc.keys()].sort()
      // fromEntries defines own properties: a metric named "__proto__" is kept as a name.
      const stats: Record<string, MetricStats> = Object.fromEntries(names.map((n) => {
        const a = acc.get(n)!
        return [n, [a.rows, a.nan, a.step, lastToWire(a.last)] as const]
      }))
      segments[f.name] = { size: seg.size, rows: seg.rows, stepMax, metrics: names, replaces: [...seg.replaces], stats, bounds: boundsOf(seg) }
    }
    return { mtimeNs: String(now), segments }
  }
}
