import { hostname } from 'node:os'
import { lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { basename, join, relative, resolve, sep } from 'node:path'
import type { RunInfo } from '@entrenar/core'
import { encodeRunId, type ParquetStore } from '@entrenar/db'
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

/**
 * Writes runs of a store as TensorBoard event files: `<logdir>/<run id>/events.out.tfevents.<ts>.<host>`,
 * a first `file_version: "brain.Event:2"` event, then one event per point with a scalar DT_DOUBLE tensor
 * (the v2 summary API's scalar, plugin `scalars`), so values (NaN, ±Inf, -0 included) are exact.
 */
export async function exportTensorboard(store: ParquetStore, logdir: string, onlyRuns: readonly string[] | undefined, progress: (line: string) => void): Promise<ExportedRun[]> {
  const all = await store.runs()
  const known = new Map(all.map((r) => [r.id, r]))
  for (const id of onlyRuns ?? []) if (!known.has(id)) throw sourceError(`entrenar export tensorboard: no run ${JSON.stringify(id)} in the store`)
  const chosen: RunInfo[] = onlyRuns ? onlyRuns.map((id) => known.get(id)!) : all
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '_') || 'localhost'
  const out: ExportedRun[] = []
  for (const run of chosen) {
    const batches = await store.range(-Number.MAX_VALUE, Number.MAX_VALUE, { runs: [run.id] })
    const chunks: Uint8Array[] = []
    const seconds = Math.floor(run.startTimeMs / 1000)
    chunks.push(frameTfRecord(EventType.encode(EventType.fromObject({ wall_time: run.startTimeMs / 1000, file_version: 'brain.Event:2' })).finish()))
    const described = new Set<string>()
    let points = 0
    let nonFinite = 0
    let droppedFields = 0
    for (const b of batches) {
      for (let i = 0; i < b.length; i++) {
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
        chunks.push(frameTfRecord(EventType.encode(ev).finish()))
        points++
        if (!Number.isFinite(value)) nonFinite++
        if (b.epoch[i] !== -2147483648 || b.batch[i] !== -2147483648 || b.tagIndex[i] !== -1) droppedFields++
      }
    }
    const dir = join(logdir, encodeRunId(run.id))
    mkdirSync(dir, { recursive: true })
    const file = join(dir, `events.out.tfevents.${seconds}.${host}`)
    writeFileSync(file, Buffer.concat(chunks))
    out.push({ id: run.id, file, points, nonFinite, droppedFields })
    progress(`${run.id}: ${points} points → ${file}`)
  }
  return out
}
