import { hostname } from 'node:os'
import { lstatSync, mkdirSync, readdirSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { basename, join, relative, resolve, sep } from 'node:path'
import { EntrenarError, ErrorCodes, type MetricStore, NULL_INT32, type RecordBatch, type RunInfo } from '@entrenar/core'
import { encodeRunId } from '@entrenar/db'
import { inventory, readUnits } from '../read-plan.js'
import protobuf from 'protobufjs'
import { type ImportLog, type PointSink, pointProblem, type RunSource, sourceError, stableId } from './common.js'
import { Fingerprint, type ImportLimits, type ImportMeter, type ResumePoint, readChunks, readHead } from './stream.js'
import { TENSORBOARD_PROTO } from './tensorboard-proto.js'
import { frameTfRecord, TfRecordSplitter } from './tfrecord.js'

const root = protobuf.parse(TENSORBOARD_PROTO, { keepCase: true }).root
const EventType = root.lookupType('tensorboard.Event')
const DT_FLOAT = 1
const DT_DOUBLE = 2

/** An int64 as protobufjs decodes it: a number, or a `Long` (`low`/`high` 32-bit halves) when `long` is installed. */
type Int64 = number | { low: number; high: number; toString(): string }

// The decoded messages are read directly (their fields, and the oneof name on the prototype): converting
// each record to a plain object first (`toObject`) costs four times the decoding itself.
interface TensorMsg {
  dtype: number
  tensor_shape?: { dim: { size: Int64 }[] } | null
  tensor_content: Uint8Array
  float_val: number[]
  double_val: number[]
}
interface ValueMsg {
  tag: string
  node_name: string
  metadata?: { plugin_data?: { plugin_name: string } | null } | null
  value?: string
  simple_value: number
  tensor?: TensorMsg | null
}
interface EventMsg {
  wall_time: number
  step: Int64
  what?: string
  summary?: { value: ValueMsg[] } | null
}

/** An int64 as a number, or undefined when it is not a safe integer. */
function int64(x: Int64): number | undefined {
  if (typeof x === 'number') return x
  const v = x.high * 4_294_967_296 + (x.low >>> 0)
  return x.high >= -0x200000 && x.high < 0x200000 && Number.isSafeInteger(v) ? v : undefined
}

/** The number of a scalar float tensor, or why it is not one. */
function scalarOf(t: TensorMsg): number | string {
  const dims = t.tensor_shape?.dim ?? []
  if (dims.some((d) => int64(d.size) !== 1)) return `tensor of shape [${dims.map((d) => String(d.size)).join(',')}]`
  const dtype = t.dtype
  if (dtype !== DT_FLOAT && dtype !== DT_DOUBLE) return `tensor of dtype ${dtype}`
  const vals = dtype === DT_FLOAT ? t.float_val : t.double_val
  if (vals && vals.length === 1) return vals[0]!
  const content = t.tensor_content
  const width = dtype === DT_FLOAT ? 4 : 8
  if (content && content.length === width) {
    const view = new DataView(content.buffer, content.byteOffset, width)
    return dtype === DT_FLOAT ? view.getFloat32(0, true) : view.getFloat64(0, true)
  }
  return 'tensor without exactly one value'
}

/** Event files under `logdir`, grouped by directory (symbolic links are not followed). */
function eventFiles(logdir: string): Map<string, string[]> {
  const byDir = new Map<string, string[]>()
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name)
      const st = lstatSync(path)
      if (st.isDirectory()) walk(path)
      else if (st.isFile() && name.includes('tfevents')) {
        const rel = relative(logdir, dir)
        byDir.set(rel, [...(byDir.get(rel) ?? []), name])
      }
    }
  }
  walk(logdir)
  return byDir
}

/** Adds the scalars of one decoded event to `sink`, or notes what has no place. */
function addEvent(ev: EventMsg, run: string, sink: PointSink, log: ImportLog): void {
  if (ev.what !== 'summary') {
    if (ev.what !== undefined && ev.what !== 'file_version') log.unmapped(run, ev.what, '')
    return
  }
  const step = int64(ev.step)
  const ts = Math.round(ev.wall_time * 1e6)
  for (const v of ev.summary?.value ?? []) {
    const tag = v.tag || v.node_name || ''
    let value: number | string
    if (v.value === 'simple_value') value = v.simple_value
    else if (v.value === 'tensor') {
      const plugin = v.metadata?.plugin_data?.plugin_name
      value = plugin && plugin !== 'scalars' ? `${plugin} tensor` : v.tensor ? scalarOf(v.tensor) : 'tensor without exactly one value'
    } else value = v.value ?? 'empty value'
    if (typeof value === 'string') {
      log.unmapped(run, value, tag)
      continue
    }
    if (step === undefined) {
      log.unmapped(run, `step ${String(ev.step)} beyond 2^53`, tag)
      continue
    }
    const problem = pointProblem(tag, step)
    if (problem !== undefined) {
      log.unmapped(run, problem, tag)
      continue
    }
    sink.push(tag, value, step, ts)
  }
}

/**
 * Streams the events of one event file into `sink`: TFRecords are split chunk by chunk, each record is
 * decoded by protobufjs, and the reader waits for the sink whenever a batch is full. Corrupt, truncated
 * and oversized stretches are logged with the file and byte offset.
 */
async function readEventFile(path: string, relFile: string, run: string, sink: PointSink, log: ImportLog, limits: ImportLimits, meter: ImportMeter, start: ResumePoint): Promise<ResumePoint> {
  let pending: { offset: number; data: Uint8Array }[] = []
  // Every point of a record is read when the record is: the file is complete up to the last record's end.
  let end = start.bytes
  const p0 = sink.points - start.points
  const n0 = sink.nonFinite - start.nonFinite
  const splitter = new TfRecordSplitter(
    (offset, data) => pending.push({ offset, data }),
    (b) => log.skip({ file: relFile, offset: b.offset, bytes: b.bytes, reason: b.reason === 'oversized' ? `oversized: a record of ${b.bytes - 16} bytes exceeds the ${limits.maxRecordBytes}-byte limit` : b.reason }),
    limits.maxRecordBytes,
    meter,
    start.bytes,
  )
  const decodeAll = async () => {
    const records = pending
    pending = []
    for (const r of records) {
      end = r.offset + 16 + r.data.length
      let ev: EventMsg
      try {
        ev = EventType.decode(r.data) as unknown as EventMsg
      } catch (e) {
        log.skip({ file: relFile, offset: r.offset, bytes: r.data.length + 16, reason: `undecodable Event: ${e instanceof Error ? e.message : String(e)}` })
        continue
      }
      addEvent(ev, run, sink, log)
      if (sink.full) await sink.drain()
    }
  }
  await readChunks(
    path,
    limits.chunkBytes,
    async (chunk) => {
      splitter.push(chunk)
      await decodeAll()
    },
    meter,
    Number.POSITIVE_INFINITY,
    start.bytes,
  )
  splitter.end()
  await decodeAll()
  return { bytes: end, lines: 0, points: sink.points - p0, nonFinite: sink.nonFinite - n0 }
}

/**
 * Finds TensorBoard runs: one per directory holding `*tfevents*` files (nested directories named
 * `run/sub`), read later by streaming: scalars from `simple_value` and from scalar float/double tensors
 * (the v2 summary API), with `wall_time` and `step`. Corrupt or truncated records are logged with file
 * and offset.
 */
export async function readTensorboard(logdir: string, log: ImportLog, limits: ImportLimits, meter: ImportMeter): Promise<RunSource[]> {
  const abs = resolve(logdir)
  let st: ReturnType<typeof lstatSync>
  try {
    st = lstatSync(abs)
  } catch {
    throw sourceError(`entrenar import tensorboard: ${logdir} does not exist`)
  }
  if (!st.isDirectory()) throw sourceError(`entrenar import tensorboard: ${logdir} is not a directory`)
  const runs: RunSource[] = []
  for (const [rel, files] of [...eventFiles(abs)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const name = rel === '' ? basename(abs) : rel.split(sep).join('/')
    const relDir = rel.split(sep).join('/')
    const head = Buffer.from(await readHead(join(abs, rel, files[0]!), 64)).toString('hex')
    runs.push({
      // The id comes from the first event file's name (time, host, process) and first bytes, not from the
      // directory's name, so importing a parent or a child directory, or a copy, gives the same run.
      id: stableId('tb', files[0]!, head),
      name,
      config: {},
      status: 'finished',
      source: relDir || '.',
      async fingerprint() {
        const fp = new Fingerprint()
        for (const file of files) await fp.addFile(file, join(abs, rel, file), limits.chunkBytes)
        return fp.digest()
      },
      appendable: files.map((file) => ({ key: file, path: join(abs, rel, file) })),
      async read(sink, resume) {
        const ends = new Map<string, ResumePoint>()
        for (const file of files) {
          const start = resume.get(file) ?? { bytes: 0, lines: 0, points: 0, nonFinite: 0 }
          ends.set(file, await readEventFile(join(abs, rel, file), rel === '' ? file : `${relDir}/${file}`, name, sink, log, limits, meter, start))
        }
        return ends
      },
    })
  }
  return runs
}

/** What `export tensorboard` wrote. */
export interface ExportedRun {
  readonly id: string
  readonly file: string
  readonly points: number
  readonly nonFinite: number
  /** Points whose epoch, batch or tags TensorBoard has no place for (their values are written). */
  readonly droppedFields: number
}

/** Rows `export tensorboard` reads from the store at once, by default (planned with count queries). */
export const EXPORT_READ_ROWS = 262_144
/** Encoded events buffered before a write to the event file. */
const WRITE_BYTES = 1 << 20

/** What an export held at once: the figures that show memory stays bounded whatever the run's size. */
export interface ExportMeter {
  /** `range()` reads made. */
  reads: number
  /** Rows read. */
  rows: number
  /** Most rows held at once (one read). At most `readRows`, unless one microsecond of one metric holds more. */
  maxHeldRows: number
  /** Most encoded bytes held before a write to the file. */
  maxBufferedBytes: number
}

/** A fresh {@link ExportMeter}. */
export const exportMeter = (): ExportMeter => ({ reads: 0, rows: 0, maxHeldRows: 0, maxBufferedBytes: 0 })

/**
 * Writes runs of a store as TensorBoard event files: `<logdir>/<run id>/events.out.tfevents.<ts>.<host>`,
 * a first `file_version: "brain.Event:2"` event, then one event per point with a scalar DT_DOUBLE tensor
 * (the v2 summary API's scalar, plugin `scalars`), so values (NaN, ±Inf, -0 included) are exact. Metrics
 * follow in name order, each metric's points by step and time (time windows in order, when a metric is
 * read in several).
 *
 * Streams: a run is read through `range()` in reads of at most `readRows` rows (the whole run, one metric,
 * or time windows of one metric, planned from count queries) and its file is written as it goes, under a
 * temporary name renamed into place at the end, so a reader never sees half a file.
 */
export async function exportTensorboard(
  store: MetricStore,
  logdir: string,
  onlyRuns: readonly string[] | undefined,
  progress: (line: string) => void,
  options: { readonly readRows?: number; readonly meter?: ExportMeter } = {},
): Promise<ExportedRun[]> {
  const readRows = options.readRows ?? EXPORT_READ_ROWS
  if (!Number.isSafeInteger(readRows) || readRows < 1) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar export tensorboard: readRows must be a positive integer, got ${String(readRows)}`)
  const meter = options.meter ?? exportMeter()
  const all = await store.runs()
  const known = new Map(all.map((r) => [r.id, r]))
  for (const id of onlyRuns ?? []) if (!known.has(id)) throw sourceError(`entrenar export tensorboard: no run ${JSON.stringify(id)} in the store`)
  const chosen: RunInfo[] = onlyRuns ? onlyRuns.map((id) => known.get(id)!) : all
  const counts = await inventory(store, onlyRuns)
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '_') || 'localhost'
  const out: ExportedRun[] = []
  for (const run of chosen) {
    const rows = counts.get(run.id) ?? new Map<string, number>()
    const units = await readUnits(store, run.id, [...rows.keys()].sort(), rows, readRows)
    const seconds = Math.floor(run.startTimeMs / 1000)
    const dir = join(logdir, encodeRunId(run.id))
    mkdirSync(dir, { recursive: true })
    const file = join(dir, `events.out.tfevents.${seconds}.${host}`)
    // No "tfevents" in the temporary name: TensorBoard picks up any file whose name contains it.
    const partial = join(dir, `.export-${seconds}.${host}.partial`)
    // Created afresh (`wx`: never through a symbolic link planted at that name); the rename then replaces
    // whatever is at `file`, a link included, instead of writing through it.
    await rm(partial, { force: true })
    const fh = await open(partial, 'wx')
    let pending: Uint8Array[] = []
    let pendingBytes = 0
    const flush = async () => {
      if (pendingBytes > meter.maxBufferedBytes) meter.maxBufferedBytes = pendingBytes
      if (pendingBytes > 0) await fh.write(Buffer.concat(pending, pendingBytes))
      pending = []
      pendingBytes = 0
    }
    const put = async (record: Uint8Array) => {
      pending.push(record)
      pendingBytes += record.length
      if (pendingBytes >= WRITE_BYTES) await flush()
    }
    const described = new Set<string>()
    let points = 0
    let nonFinite = 0
    let droppedFields = 0
    try {
      await put(frameTfRecord(EventType.encode(EventType.fromObject({ wall_time: run.startTimeMs / 1000, file_version: 'brain.Event:2' })).finish()))
      for (const unit of units) {
        const batches = await store.range(unit.window[0], unit.window[1], { runs: [run.id], metrics: unit.metrics })
        const held = batches.reduce((n, b) => n + b.length, 0)
        meter.reads++
        meter.rows += held
        if (held > meter.maxHeldRows) meter.maxHeldRows = held
        for (const b of batches) {
          for (const i of eventOrder(b)) {
            const tag = b.metricNames[b.metric[i]!]!
            const value = b.value[i]!
            const first = !described.has(tag)
            described.add(tag)
            const ev = EventType.fromObject({
              wall_time: b.timestampUs[i]! / 1e6,
              step: b.step[i]!,
              summary: {
                value: [{ tag, ...(first ? { metadata: { plugin_data: { plugin_name: 'scalars' } } } : {}), tensor: { dtype: DT_DOUBLE, tensor_shape: {}, double_val: [value] } }],
              },
            })
            await put(frameTfRecord(EventType.encode(ev).finish()))
            points++
            if (!Number.isFinite(value)) nonFinite++
            if (b.epoch[i] !== NULL_INT32 || b.batch[i] !== NULL_INT32 || b.tagIndex[i] !== -1) droppedFields++
          }
        }
      }
      await flush()
      await fh.close()
    } catch (e) {
      await fh.close().catch(() => {})
      await rm(partial, { force: true })
      throw e
    }
    await rename(partial, file)
    out.push({ id: run.id, file, points, nonFinite, droppedFields })
    progress(`${run.id}: ${points} points → ${file}`)
  }
  return out
}

/** Row indices of a batch by metric name, then step, then time (ties keep the store's order). */
function eventOrder(b: RecordBatch): Uint32Array {
  const rank = new Int32Array(b.metricNames.length)
  const names = b.metricNames.map((name, id) => ({ name, id })).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
  names.forEach((n, r) => {
    rank[n.id] = r
  })
  const idx = new Uint32Array(b.length)
  for (let i = 0; i < idx.length; i++) idx[i] = i
  return idx.sort((x, y) => rank[b.metric[x]!]! - rank[b.metric[y]!]! || b.step[x]! - b.step[y]! || b.timestampUs[x]! - b.timestampUs[y]! || x - y)
}
