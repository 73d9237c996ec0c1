import { EntrenarError, ErrorCodes, isEntrenarError, type Tags } from '@entrenar/core'
import type { DecodedArray } from 'hyparquet'
import { crc32, fileSize, join, listDir, moveFile, readRange, readRanges } from '../node/io.js'
import {
  type CodedStrings,
  type CodedTags,
  doubleColumn,
  int64Column,
  nullableIntColumn,
  openSegment,
  type ReadSeam,
  type RowGroupInfo,
  readRowGroup,
  type SegmentInfo,
  stringColumn,
  tagColumn,
} from '../segment/read.js'
import { ByteLru } from './lru.js'
import { runDirName, runIdFromDirName } from './paths.js'

/** Decoded columns of one row group (each present when it was asked for). */
export interface RowGroupColumns {
  ts?: Float64Array
  step?: Float64Array
  value?: Float64Array
  metric?: CodedStrings
  /** Contiguous runs of one metric id: `[id, start, end)` triples, flattened. */
  metricRuns?: Uint32Array
  /** Per metric run: 1 when its rows are ordered by `(step, timestamp)` (present with `step`, `ts` and `metric`). */
  sortedRuns?: Uint8Array
  /** Per metric run: its smallest and largest timestamp and 1 when its timestamps never decrease (triples, flattened; with `sortedRuns`). */
  timeRuns?: Float64Array
  tags?: CodedTags
  epoch?: Int32Array
  batch?: Int32Array
}

/** The metrics of a row group: names and contiguous runs `[id, start, end)`, flattened. */
interface MetricDir {
  readonly names: readonly string[]
  readonly runs: Uint32Array
}

/** Rows of a row group a query reads: the whole row group, or the rows of one metric of it. */
export interface Piece {
  readonly length: number
  readonly metricNames: readonly string[]
  readonly metric: Uint32Array
  readonly metricRuns: Uint32Array
  readonly sortedRuns: Uint8Array
  /** Per triple of `metricRuns`: the smallest and largest timestamp of its rows, and 1 when they never decrease (triples, flattened). */
  readonly timeRuns?: Float64Array
  readonly timestampUs: Float64Array
  readonly step: Float64Array
  readonly value: Float64Array
  readonly tagSets?: readonly Tags[]
  readonly tagIndex?: Int32Array
  readonly epoch?: Int32Array
  readonly batch?: Int32Array
  /**
   * Set on a value-only piece (see `queryPieces`): its row group, whose footer statistics stand for
   * its step and timestamp columns, left undecoded (`step` and `timestampUs` are then empty).
   */
  readonly valueOnly?: RowGroupInfo
}

/** Columns of a value-only piece: values, and the metric (known from the statistics of a row group of one metric). */
const VALUE_ONLY: readonly ColumnName[] = ['value', 'metric']
const EMPTY_F64 = new Float64Array(0)
const SORTED_ONE = Uint8Array.of(1)

/** A cached per-metric piece and the columns it holds. */
interface SliceEntry {
  readonly piece: Piece
  readonly cols: ReadonlySet<ColumnName>
}

/** A column the reader can decode. */
export type ColumnName = 'ts' | 'step' | 'value' | 'metric' | 'tags' | 'epoch' | 'batch'

const PARQUET_NAME: Record<ColumnName, string> = { ts: 'timestamp', step: 'step', value: 'value', metric: 'metric', tags: 'tags', epoch: 'epoch', batch: 'batch' }

const seam: ReadSeam = { size: fileSize, readRange, crc32 }

/** What the run catalog recorded of a segment file, so a query can leave its footer unread. */
export interface SegmentHint {
  /** The file's size when it was summarised: a file of another size is opened, never judged by this. */
  readonly size: number
  /** Segments this one replaces (compaction). */
  readonly replaces: readonly string[]
  /** The exact metric names of its rows; undefined when not known. */
  readonly metrics?: ReadonlySet<string>
  /** Smallest and largest timestamp (µs) and step of its rows; undefined when not known. */
  readonly bounds?: readonly [tsMin: number, tsMax: number, stepMin: number, stepMax: number]
}

/** The row filters of a read that whole segments can be excluded by. */
export interface SegmentFilter {
  readonly from?: number
  readonly to?: number
  readonly steps?: readonly [number, number]
  readonly metrics?: ReadonlySet<string>
}

/** The hints of one run's segments (by file name); undefined when there are none. */
export type RunHints = (runId: string) => ReadonlyMap<string, SegmentHint> | undefined

/** Where a read finds the hints (the run catalog as it is now: read once per read operation). */
export type HintSource = () => Promise<RunHints | undefined>

/** True when no row of a segment with this hint can pass the filter (the test of a row group's statistics, on the segment's). */
function excluded(h: SegmentHint, f: SegmentFilter): boolean {
  if (f.metrics && h.metrics && ![...f.metrics].some((m) => h.metrics!.has(m))) return true
  const b = h.bounds
  if (!b) return false
  if (f.from !== undefined && b[1] < f.from) return true
  if (f.to !== undefined && b[0] > f.to) return true
  if (f.steps && (b[3] < f.steps[0] || b[2] > f.steps[1])) return true
  return false
}

/**
 * What a reader knows about the segments on disk: footers (cached by file name; segments are
 * immutable), decoded columns (an LRU bounded in bytes), and the damaged files it has moved aside.
 */
export class Catalog {
  readonly #root: string
  readonly #segments = new Map<string, SegmentInfo>()
  /** Footers being opened now: a query and the warm-up asking for the same file share one read. */
  readonly #opening = new Map<string, Promise<SegmentInfo | undefined>>()
  readonly #columns: ByteLru<unknown>
  readonly #onCorrupt: (e: EntrenarError) => void
  /** A store opened read-only reports damaged files but leaves them where they are. */
  readonly #readOnly: boolean
  #hints: HintSource | undefined
  /** Sizes of segment files checked against their hints (by path). */
  readonly #sizes = new Map<string, number>()

  constructor(root: string, cacheBytes: number, onCorrupt: (e: EntrenarError) => void, readOnly = false) {
    this.#root = root
    this.#readOnly = readOnly
    this.#columns = new ByteLru(cacheBytes)
    this.#onCorrupt = onCorrupt
  }

  /** Uses the run catalog's segment hints to leave unread the footers of segments a filtered read excludes. */
  useHints(source: HintSource): void {
    this.#hints = source
  }

  /** Footers cached. */
  get openSegments(): number {
    return this.#segments.size
  }

  get cacheBytes(): number {
    return this.#columns.bytes
  }

  /** Run ids that have a partition directory. */
  async runIds(): Promise<string[]> {
    const out: string[] = []
    for (const d of await listDir(join(this.#root, 'metrics'))) {
      if (!d.isDirectory()) continue
      const id = runIdFromDirName(d.name)
      if (id !== undefined) out.push(id)
    }
    return out.sort()
  }

  /**
   * The live segments of the given runs (all runs when undefined): every `*.parquet` of each
   * partition minus the ones a compacted segment replaces. Damaged footers are reported and moved aside.
   * With a `filter`, a segment whose run-catalog hint (same name and size) shows that none of its rows
   * can pass is left out unopened; every other segment is opened and returned as without a filter.
   */
  async segments(runs?: readonly string[], filter?: SegmentFilter): Promise<SegmentInfo[]> {
    const ids = runs ? [...new Set(runs)].sort() : await this.runIds()
    // Partitions are listed (and new footers opened) a few at a time: across 1000 runs, one directory
    // listing after the other would spend most of a warm query waiting on the file system.
    const perRun: SegmentInfo[][] = new Array(ids.length)
    const hints = filter && this.#hints ? await this.#hints().catch(() => undefined) : undefined
    let next = 0
    const worker = async () => {
      while (next < ids.length) {
        const k = next++
        perRun[k] = await this.#liveSegments(ids[k]!, filter, hints)
      }
    }
    await Promise.all(Array.from({ length: Math.min(LIST_CONCURRENCY, ids.length) }, worker))
    return perRun.flat()
  }

  async #liveSegments(id: string, filter: SegmentFilter | undefined, hintsOf: RunHints | undefined): Promise<SegmentInfo[]> {
    let dirName: string
    try {
      dirName = runDirName(id)
    } catch {
      return [] // an id that cannot be stored has no rows
    }
    const dir = join(this.#root, 'metrics', dirName)
    let names = (await listDir(dir)).filter((f) => f.isFile() && f.name.endsWith('.parquet') && !f.name.startsWith('.')).map((f) => f.name)
    const replaced = new Set<string>()
    if (filter && hintsOf && names.some((n) => !this.#segments.has(join(dir, n)))) {
      const hints = hintsOf(id)
      if (hints) {
        const keep: string[] = []
        for (const n of names) {
          const h = hints.get(n)
          // An excluded segment still replaces what its hint lists; a file of another size than the
          // one summarised (rewritten under its name) is opened as if there were no hint.
          if (h && !this.#segments.has(join(dir, n)) && excluded(h, filter) && (await this.#sizeIs(join(dir, n), h.size))) {
            for (const r of h.replaces) replaced.add(r)
          } else keep.push(n)
        }
        names = keep
      }
    }
    const found = await this.#openAll(dir, names, id)
    for (const s of found) for (const r of s.replaces) replaced.add(r)
    return found.sort((a, b) => (a.name < b.name ? -1 : 1)).filter((s) => !replaced.has(s.name))
  }

  /**
   * True when the file has this size, checked once per path (segments are immutable, as the footer
   * cache assumes): a warm filtered read does not stat the segments it leaves out again.
   */
  async #sizeIs(path: string, size: number): Promise<boolean> {
    if (this.#sizes.get(path) === size) return true
    const now = await fileSize(path)
    if (now !== undefined) this.#sizes.set(path, now)
    return now === size
  }

  /**
   * Opens the given segment files of one partition directory, a few footers at a time (a run of many
   * segments would otherwise wait on one footer read after the other), in name order.
   */
  async #openAll(dir: string, names: readonly string[], runId: string): Promise<SegmentInfo[]> {
    const out: (SegmentInfo | undefined)[] = new Array(names.length)
    let next = 0
    const worker = async () => {
      while (next < names.length) {
        const k = next++
        out[k] = await this.#open(join(dir, names[k]!), names[k]!, runId)
      }
    }
    await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, names.length) }, worker))
    return out.filter((s): s is SegmentInfo => s !== undefined)
  }

  /** Every segment file of a run, replaced ones included (compaction cleanup). */
  async allSegments(runId: string): Promise<SegmentInfo[]> {
    const dir = join(this.#root, 'metrics', runDirName(runId))
    const found: SegmentInfo[] = []
    for (const f of await listDir(dir)) {
      if (!f.isFile() || !f.name.endsWith('.parquet') || f.name.startsWith('.')) continue
      const seg = await this.#open(join(dir, f.name), f.name, runId)
      if (seg) found.push(seg)
    }
    return found.sort((a, b) => (a.name < b.name ? -1 : 1))
  }

  /** One segment file, opened (footer cached); undefined when gone or damaged (then quarantined). */
  segment(path: string, name: string, runId: string): Promise<SegmentInfo | undefined> {
    return this.#open(path, name, runId)
  }

  /** True when the segment's footer is cached. */
  cached(path: string): boolean {
    return this.#segments.has(path)
  }

  /** Forgets a segment (deleted by compaction or retention). */
  forget(path: string): void {
    this.#segments.delete(path)
    this.#sizes.delete(path)
    this.#columns.deletePrefix(`${path}#`)
  }

  #open(path: string, name: string, runId: string): Promise<SegmentInfo | undefined> {
    const known = this.#segments.get(path)
    if (known) return Promise.resolve(known)
    let p = this.#opening.get(path)
    if (!p) {
      p = this.#openNow(path, name, runId).finally(() => this.#opening.delete(path))
      this.#opening.set(path, p)
    }
    return p
  }

  /**
   * Opens the footers of every live segment not opened yet, partition after partition, until
   * `stop()` says so or the footers opened hold `maxBytes`; `pause()` is awaited before each file (the
   * caller makes it wait while queries run). Reads nothing but directories and footers.
   */
  async warm(stop: () => boolean, pause: () => Promise<void>, maxBytes: number): Promise<{ segments: number; footerBytes: number; complete: boolean }> {
    let segments = 0
    let footerBytes = 0
    for (const id of await this.runIds()) {
      let dirName: string
      try {
        dirName = runDirName(id)
      } catch {
        continue
      }
      const dir = join(this.#root, 'metrics', dirName)
      for (const f of await listDir(dir)) {
        if (!f.isFile() || !f.name.endsWith('.parquet') || f.name.startsWith('.')) continue
        const path = join(dir, f.name)
        if (this.#segments.has(path)) continue
        await pause()
        if (stop()) return { segments, footerBytes, complete: false }
        const seg = await this.#open(path, f.name, id)
        if (!seg) continue
        segments++
        footerBytes += seg.footerBytes
        if (footerBytes >= maxBytes) return { segments, footerBytes, complete: false }
      }
    }
    return { segments, footerBytes, complete: true }
  }

  async #openNow(path: string, name: string, runId: string): Promise<SegmentInfo | undefined> {
    try {
      const seg = await openSegment(seam, path, name, runId)
      this.#segments.set(path, seg)
      return seg
    } catch (e) {
      if (isEntrenarError(e, ErrorCodes.NOT_FOUND)) return undefined // removed by a compaction meanwhile
      await this.quarantine(path, e)
      return undefined
    }
  }

  /** Moves a damaged file to `<root>/corrupt/…` and reports it as `ENTRENAR_DB_CORRUPT`. */
  async quarantine(path: string, e: unknown): Promise<void> {
    const err = isEntrenarError(e, ErrorCodes.DB_CORRUPT)
      ? e
      : new EntrenarError(ErrorCodes.DB_CORRUPT, `entrenar/db: ${path} is damaged: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
    this.forget(path)
    if (this.#readOnly) {
      this.#onCorrupt(new EntrenarError(ErrorCodes.DB_CORRUPT, `${err.message} (left in place: the store is open read-only)`, { cause: err.cause ?? err, details: { path } }))
      return
    }
    const rel = path.startsWith(this.#root) ? path.slice(this.#root.length + 1) : path
    const to = join(this.#root, 'corrupt', `${rel.replaceAll('/', '__')}.${Date.now()}`)
    try {
      await moveFile(path, to)
    } catch {
      // already moved by another reader, or read-only storage: reporting is what matters
    }
    this.#onCorrupt(new EntrenarError(ErrorCodes.DB_CORRUPT, `${err.message} (moved to ${to})`, { cause: err.cause ?? err, details: { path, movedTo: to } }))
  }

  /** Step columns decoded since open (a value-only fold decodes none). */
  get stepColumnsDecoded(): number {
    return this.#stepsDecoded
  }

  #stepsDecoded = 0

  /** Starts a read operation: what it decodes does not evict what it decoded itself (see {@link ByteLru}). */
  beginRead(): void {
    this.#columns.newEpoch()
  }

  /** Decoded columns of a row group, from the cache or decoded now; undefined when the segment is damaged (then quarantined). */
  async columns(seg: SegmentInfo, rg: RowGroupInfo, want: readonly ColumnName[], preread?: Uint8Array): Promise<RowGroupColumns | undefined> {
    const key = `${seg.path}#${rg.index}#`
    const out: RowGroupColumns = {}
    const missing: ColumnName[] = []
    for (const c of want) {
      const v = this.#columns.get(key + c)
      if (v === undefined) missing.push(c)
      else (out as Record<string, unknown>)[c] = v
    }
    if (missing.length > 0) {
      const got = await this.#decode(seg, rg, missing, preread)
      if (!got) return undefined
      for (const c of missing) {
        const value = got[c]
        ;(out as Record<string, unknown>)[c] = value
        this.#columns.set(key + c, value, columnBytes(c, got, rg.rows))
      }
      if (got.metricRuns) {
        out.metricRuns = got.metricRuns
        this.#columns.set(`${key}runs`, got.metricRuns, got.metricRuns.byteLength)
      }
    }
    if (out.metric && !out.metricRuns) {
      out.metricRuns = (this.#columns.get(`${key}runs`) as Uint32Array | undefined) ?? metricRuns(out.metric.ids)
    }
    if (out.metricRuns && out.step && out.ts) {
      let sorted = this.#columns.get(`${key}sorted`) as Uint8Array | undefined
      let time = this.#columns.get(`${key}time`) as Float64Array | undefined
      if (!sorted || !time) {
        ;({ sorted, time } = runStats(out.metricRuns, out.step, out.ts))
        this.#columns.set(`${key}sorted`, sorted, sorted.byteLength + 16)
        this.#columns.set(`${key}time`, time, time.byteLength + 16)
      }
      out.sortedRuns = sorted
      out.timeRuns = time
    }
    return out
  }

  /** Decodes columns of a row group without caching them; undefined when the segment is damaged (then quarantined). */
  async #decode(seg: SegmentInfo, rg: RowGroupInfo, cols: readonly ColumnName[], preread?: Uint8Array): Promise<RowGroupColumns | undefined> {
    // All-null columns (often `batch`, `tags`) need no read: their decoded form is the null fill. Nor
    // does the metric of a row group of one metric (exact min = max statistics of this store's segments).
    const oneMetric = seg.own && rg.rows > 0 && rg.metricMin !== undefined && rg.metricMin === rg.metricMax ? rg.metricMin : undefined
    const toRead = cols.filter((c) => !rg.allNull.has(PARQUET_NAME[c]) && !(c === 'metric' && oneMetric !== undefined))
    let raw: Map<string, DecodedArray[]> = new Map()
    const coded = new Map<string, CodedStrings>()
    try {
      if (toRead.length > 0) {
        raw = await readRowGroup(
          seam,
          seg,
          rg,
          toRead.map((c) => PARQUET_NAME[c]),
          preread,
          coded,
        )
      }
    } catch (e) {
      // Deleted meanwhile (compaction, retention): not damage.
      if (!this.#segments.has(seg.path) || (await fileSize(seg.path)) === undefined) return undefined
      await this.quarantine(seg.path, e)
      return undefined
    }
    const n = rg.rows
    const out: RowGroupColumns = {}
    if (cols.includes('step')) this.#stepsDecoded++
    try {
      for (const c of cols) {
        const chunks = raw.get(PARQUET_NAME[c])
        switch (c) {
          case 'ts':
            out.ts = int64Column(chunks, n, seg.tsScale)
            break
          case 'step':
            out.step = int64Column(chunks, n)
            break
          case 'value':
            out.value = doubleColumn(chunks, n)
            break
          case 'metric':
            if (oneMetric !== undefined) {
              // One metric: every id is 0 (a shared, never written array) and one run.
              out.metric = { names: [oneMetric], ids: zeroIds(n) }
              out.metricRuns = Uint32Array.of(0, 0, n)
            } else {
              out.metric = coded.get('metric') ?? stringColumn(chunks, n)
              out.metricRuns = metricRuns(out.metric.ids)
            }
            break
          case 'tags':
            out.tags = tagColumn(chunks, n, seg.path)
            break
          case 'epoch':
          case 'batch':
            out[c] = nullableIntColumn(chunks, n)
            break
        }
      }
    } catch (e) {
      await this.quarantine(seg.path, e)
      return undefined
    }
    return out
  }

  /**
   * The pieces of a segment's row groups a query reads, in order; undefined when the segment is
   * damaged (then quarantined: it contributes nothing). Row groups not in the cache are read in few
   * large reads (at most {@link READ_WINDOW} bytes each, one file open per window). With a metric
   * filter, a row group that also holds other metrics is cached as one piece per wanted metric
   * (its rows only), so a query across many runs caches the rows it selects, not whole row groups;
   * a row group known (from an earlier decode) to hold none of the metrics is skipped unread.
   * A row group of one metric for which `valueOnly` holds becomes a value-only piece: its values
   * alone are decoded (its statistics stand for its steps and timestamps; see {@link Piece.valueOnly}).
   */
  async queryPieces(
    seg: SegmentInfo,
    rgs: readonly RowGroupInfo[],
    want: readonly ColumnName[],
    metrics: ReadonlySet<string> | undefined,
    valueOnly?: (rg: RowGroupInfo) => boolean,
  ): Promise<Piece[] | undefined> {
    const only = (rg: RowGroupInfo) => valueOnly !== undefined && rg.metricMin !== undefined && rg.metricMin === rg.metricMax && valueOnly(rg)
    const out: Piece[] = []
    for (let i = 0; i < rgs.length; ) {
      let j = i
      let bytes = 0
      while (j < rgs.length && (j === i || bytes + (rgs[j]!.byteEnd - rgs[j]!.byteStart) <= READ_WINDOW)) {
        bytes += rgs[j]!.byteEnd - rgs[j]!.byteStart
        j++
      }
      const window = rgs.slice(i, j)
      const plans = window.map((rg) => this.#plan(seg, rg, only(rg) ? VALUE_ONLY : want, metrics))
      const reading = window.filter((_, k) => plans[k]!.read)
      let need = 0
      for (const rg of reading) need += rg.byteEnd - rg.byteStart
      const buffer = reading.length >= 2 ? takeReadBuffer(need) : undefined
      try {
      const pre = await this.#prefetch(seg, reading, buffer)
      for (let k = 0; k < window.length; k++) {
        const rg = window[k]!
        const plan = plans[k]!
        if (plan.kind === 'skip') continue
        if (only(rg)) {
          const c = await this.columns(seg, rg, VALUE_ONLY, pre.get(rg.index))
          if (!c) return undefined
          out.push({
            length: rg.rows,
            metricNames: c.metric!.names,
            metric: c.metric!.ids,
            metricRuns: c.metricRuns!,
            sortedRuns: SORTED_ONE,
            timestampUs: EMPTY_F64,
            step: EMPTY_F64,
            value: c.value!,
            valueOnly: rg,
          })
          continue
        }
        if (plan.kind === 'whole') {
          const c = await this.columns(seg, rg, want.includes('metric') ? want : [...want, 'metric'], pre.get(rg.index))
          if (!c) return undefined
          out.push({
            length: rg.rows,
            metricNames: c.metric!.names,
            metric: c.metric!.ids,
            metricRuns: c.metricRuns!,
            sortedRuns: c.sortedRuns!,
            ...(c.timeRuns ? { timeRuns: c.timeRuns } : {}),
            timestampUs: c.ts!,
            step: c.step!,
            value: c.value!,
            ...(c.tags ? { tagSets: c.tags.sets, tagIndex: c.tags.ids } : {}),
            ...(c.epoch ? { epoch: c.epoch } : {}),
            ...(c.batch ? { batch: c.batch } : {}),
          })
          continue
        }
        const pieces = await this.#slices(seg, rg, want, metrics!, pre.get(rg.index))
        if (!pieces) return undefined
        out.push(...pieces)
      }
      } finally {
        // Every row group of the window is decoded (each decoded column is a copy): the bytes are free again.
        if (buffer) giveReadBuffer(buffer)
      }
      i = j
    }
    return out
  }

  /** How a query reads one row group: skip it, whole (all its metrics wanted or cached whole), or per-metric slices. */
  #plan(seg: SegmentInfo, rg: RowGroupInfo, want: readonly ColumnName[], metrics: ReadonlySet<string> | undefined): { kind: 'skip' | 'whole' | 'slices'; read: boolean } {
    const key = `${seg.path}#${rg.index}#`
    const cachedWhole = () => want.every((c) => this.#columns.has(key + c)) && this.#columns.has(`${key}metric`)
    const single = rg.metricMin !== undefined && rg.metricMin === rg.metricMax
    if (!metrics || single) return { kind: 'whole', read: !cachedWhole() }
    const dir = this.#columns.get(`${key}dir`) as MetricDir | undefined
    if (dir) {
      const wanted = dir.names.filter((m) => metrics.has(m))
      if (wanted.length === 0) return { kind: 'skip', read: false }
      if (wanted.length === dir.names.length) return { kind: 'whole', read: !cachedWhole() }
      const cached = wanted.every((m) => {
        const p = this.#columns.get(`${key}s#${m}`) as SliceEntry | undefined
        return p !== undefined && want.every((c) => p.cols.has(c))
      })
      return { kind: 'slices', read: !cached }
    }
    if (cachedWhole()) return { kind: 'whole', read: false }
    return { kind: 'slices', read: true }
  }

  /** Reads the bytes of the given row groups of a segment in coalesced ranges; nothing on failure (each row group then reads, and reports, itself). */
  async #prefetch(seg: SegmentInfo, rgs: readonly RowGroupInfo[], into?: Uint8Array): Promise<Map<number, Uint8Array>> {
    const out = new Map<number, Uint8Array>()
    if (rgs.length < 2) return out
    const ranges: { start: number; end: number; members: RowGroupInfo[] }[] = []
    for (const rg of rgs) {
      const last = ranges[ranges.length - 1]
      if (last && rg.byteStart >= last.end && rg.byteStart - last.end <= COALESCE_GAP) {
        last.end = rg.byteEnd
        last.members.push(rg)
      } else ranges.push({ start: rg.byteStart, end: rg.byteEnd, members: [rg] })
    }
    let bufs: Uint8Array[]
    try {
      bufs = await readRanges(
        seg.path,
        ranges.map((r) => [r.start, r.end] as const),
        into,
      )
    } catch {
      return out
    }
    ranges.forEach((r, i) => {
      const buf = bufs[i]!
      for (const rg of r.members) {
        if (rg.byteEnd - r.start <= buf.byteLength) out.set(rg.index, buf.subarray(rg.byteStart - r.start, rg.byteEnd - r.start))
      }
    })
    return out
  }

  /** The wanted metrics of a row group as separate pieces, cached per metric; undefined when damaged. */
  async #slices(seg: SegmentInfo, rg: RowGroupInfo, want: readonly ColumnName[], metrics: ReadonlySet<string>, preread?: Uint8Array): Promise<Piece[] | undefined> {
    const key = `${seg.path}#${rg.index}#`
    const dir = this.#columns.get(`${key}dir`) as MetricDir | undefined
    if (dir) {
      const entries: SliceEntry[] = []
      for (const m of dir.names) {
        if (!metrics.has(m)) continue
        const e = this.#columns.get(`${key}s#${m}`) as SliceEntry | undefined
        if (!e || !want.every((c) => e.cols.has(c))) {
          entries.length = 0
          break
        }
        entries.push(e)
      }
      if (entries.length > 0) return entries.map((e) => e.piece)
    }
    // The columns of earlier slice entries are decoded again too, so an entry always holds their union.
    const cols = new Set<ColumnName>([...want, 'metric', 'step', 'ts'])
    const c = await this.#decode(seg, rg, [...cols], preread)
    if (!c) return undefined
    const names = c.metric!.names
    const runs = c.metricRuns!
    this.#columns.set(`${key}dir`, { names, runs } satisfies MetricDir, runs.byteLength + 64 * names.length)
    const out: Piece[] = []
    for (let id = 0; id < names.length; id++) {
      const m = names[id]!
      if (!metrics.has(m)) continue
      const parts: [number, number][] = []
      for (let r = 0; r < runs.length; r += 3) if (runs[r] === id) parts.push([runs[r + 1]!, runs[r + 2]!])
      if (parts.length === 0) continue
      const pick = <T extends Float64Array | Int32Array>(col: T): T => {
        if (parts.length === 1) return col.slice(parts[0]![0], parts[0]![1]) as T
        let n = 0
        for (const [a, b] of parts) n += b - a
        const o = new (col.constructor as new (n: number) => T)(n)
        let at = 0
        for (const [a, b] of parts) {
          o.set(col.subarray(a, b), at)
          at += b - a
        }
        return o
      }
      const step = pick(c.step!)
      const ts = pick(c.ts!)
      const n = step.length
      const stats = runStats(Uint32Array.of(0, 0, n), step, ts)
      const piece: Piece = {
        length: n,
        metricNames: [m],
        metric: new Uint32Array(0),
        metricRuns: Uint32Array.of(0, 0, n),
        sortedRuns: stats.sorted,
        timeRuns: stats.time,
        timestampUs: ts,
        step,
        value: pick(c.value!),
        ...(c.tags ? { tagSets: c.tags.sets, tagIndex: pick(c.tags.ids) } : {}),
        ...(c.epoch ? { epoch: pick(c.epoch) } : {}),
        ...(c.batch ? { batch: pick(c.batch) } : {}),
      }
      out.push(piece)
      const bytes = n * 24 + (piece.tagIndex ? n * 4 + 64 * piece.tagSets!.length : 0) + (piece.epoch ? n * 4 : 0) + (piece.batch ? n * 4 : 0) + 64
      this.#columns.set(`${key}s#${m}`, { piece, cols: new Set(cols) } satisfies SliceEntry, bytes)
    }
    return out
  }

  /** Drops a run's cached state after its files changed. */
  forgetRun(runId: string): void {
    const prefix = join(this.#root, 'metrics', runDirName(runId))
    for (const p of [...this.#segments.keys(), ...this.#sizes.keys()]) if (p.startsWith(prefix)) this.forget(p)
  }

  /** A segment known to be present on disk (used right after writing it). */
  async add(path: string, name: string, runId: string): Promise<void> {
    await this.#open(path, name, runId)
  }
}

/**
 * The read buffer of a query window, reused by the next window and the next query of this process (the
 * bytes are only checked and decoded into fresh columns, never kept): a first query allocates it once
 * instead of a buffer per window. A read running meanwhile takes a fresh one.
 */
let spareReadBuffer: Uint8Array | undefined

function takeReadBuffer(bytes: number): Uint8Array {
  const spare = spareReadBuffer
  if (spare && spare.byteLength >= bytes) {
    spareReadBuffer = undefined
    return spare
  }
  const n = Math.min(Math.max(bytes, MIN_READ_BUFFER), Math.max(bytes, READ_WINDOW))
  return new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n)
}

function giveReadBuffer(b: Uint8Array): void {
  // Kept only up to a window's size (a row group larger than a window is read alone, and not kept).
  if (b.byteLength <= READ_WINDOW && (!spareReadBuffer || spareReadBuffer.byteLength < b.byteLength)) spareReadBuffer = b
}

/** Zero-filled id columns by length, shared by the row groups of one metric (read, never written). */
const ZERO_IDS = new Map<number, Uint32Array>()

function zeroIds(n: number): Uint32Array {
  let z = ZERO_IDS.get(n)
  if (!z) {
    z = new Uint32Array(n)
    // Row groups come in a few lengths (the row-group size, each segment's last one): a bounded map.
    if (ZERO_IDS.size >= 64) ZERO_IDS.clear()
    ZERO_IDS.set(n, z)
  }
  return z
}

function metricRuns(ids: Uint32Array): Uint32Array {
  const out: number[] = []
  let start = 0
  for (let i = 1; i <= ids.length; i++) {
    if (i === ids.length || ids[i] !== ids[start]) {
      out.push(ids[start]!, start, i)
      start = i
    }
  }
  return Uint32Array.from(out)
}

/** Bytes of one decoded column in the cache. */
function columnBytes(c: ColumnName, got: RowGroupColumns, n: number): number {
  if (c === 'metric') return n * 4 + 64 * got.metric!.names.length
  if (c === 'tags') return n * 4 + 64 * got.tags!.sets.length
  if (c === 'epoch' || c === 'batch') return n * 4
  return n * 8
}

/**
 * Per metric run: 1 when its rows are ordered by `(step, timestamp)`, else 0 (`sorted`), and its
 * smallest and largest timestamp and 1 when its timestamps never decrease, else 0 (`time`, triples),
 * in one pass over the run.
 */
function runStats(runs: Uint32Array, step: Float64Array, ts: Float64Array): { sorted: Uint8Array; time: Float64Array } {
  const sorted = new Uint8Array(runs.length / 3)
  const time = new Float64Array(runs.length)
  for (let r = 0, k = 0; r < runs.length; r += 3, k++) {
    const start = runs[r + 1]!
    const end = runs[r + 2]!
    let ok = 1
    let mono = 1
    let lo = Number.POSITIVE_INFINITY
    let hi = Number.NEGATIVE_INFINITY
    if (end > start) {
      lo = ts[start]!
      hi = lo
    }
    for (let i = start + 1; i < end; i++) {
      const t = ts[i]!
      if (t < lo) lo = t
      if (t > hi) hi = t
      const a = step[i - 1]!
      const b = step[i]!
      if (ts[i - 1]! > t) mono = 0
      if (a > b || (a === b && ts[i - 1]! > t)) ok = 0
    }
    sorted[k] = ok
    time[3 * k] = lo
    time[3 * k + 1] = hi
    time[3 * k + 2] = mono
  }
  return { sorted, time }
}

/** Footers of one partition opened at once. */
const OPEN_CONCURRENCY = 8
/** Partition directories listed at once. */
const LIST_CONCURRENCY = 16
/** The smallest read buffer allocated for a window (smaller windows then share it). */
const MIN_READ_BUFFER = 4 * 1024 * 1024
/** Reads of adjacent row groups are merged across gaps up to this many bytes. */
const COALESCE_GAP = 64 * 1024
/** Bytes of row groups read at once by a query (bounds the memory of a read ahead). */
const READ_WINDOW = 16 * 1024 * 1024
