import { type ChangeType, EntrenarError, ErrorCodes, type HealthEvent } from '@entrenar/core'
import { type DecodedArray, type FileMetaData, parquetMetadata, parquetRead } from 'hyparquet'
import type { HealthIndex } from '../query/health.js'
import { findCycleNode } from '../query/walk.js'
import { CHANGE_CODE, type GraphStore } from '../store/graph-store.js'
import { KV, METRIC_PREFIX, SCHEMA } from './encode.js'
import type { Utf8Column } from '../store/string-table.js'
import { decodeUtf8 } from '../store/utf8.js'
import { readDictionaryCodes, readPlainTyped, readPlainUtf8 } from './fast-columns.js'
import { LINEAGE_TABLES, type LineageTable, type SegmentFiles } from './segments.js'

/** A coded load error; `details.file` names the file when one is to blame. */
export const corrupt = (message: string, details?: Record<string, unknown>, cause?: unknown) =>
  new EntrenarError(ErrorCodes.DB_CORRUPT, `entrenar/graph: ${message}`, { ...(details ? { details } : {}), ...(cause === undefined ? {} : { cause }) })

interface Table {
  readonly file: string
  readonly rows: number
  /** Nullable columns without any value (not decoded). */
  readonly nulls: Set<string>
  readonly kv: Map<string, string>
  readonly columns: Map<string, DecodedArray>
  /** The `id` column as UTF-8 bytes when the fast reader could read it (else in `columns`). */
  readonly idBytes?: Utf8Column
  /** The `change_type` column as dictionary codes when the fast reader could read it. */
  readonly changeCodes?: { dictionary: string[]; codes: Uint8Array }
}

/** A segment whose three tables parsed: nothing applied yet. */
export interface ParsedSegment {
  readonly seq: number
  readonly legacy: boolean
  readonly nodes: Table
  readonly edges?: Table
  readonly events?: Table
}

function fastColumn(file: ArrayBuffer, metadata: FileMetaData, name: string): DecodedArray | undefined {
  const type = metadata.schema.find((s) => s.name === name)?.type
  if (type === 'INT32') return readPlainTyped(file, metadata, name, 'INT32')
  if (type === 'DOUBLE') return readPlainTyped(file, metadata, name, 'DOUBLE')
  return undefined
}

async function readTable(bytes: Uint8Array, name: string, columns?: readonly string[]): Promise<Table> {
  const file = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer)
  let metadata: FileMetaData
  try {
    metadata = parquetMetadata(file)
  } catch (e) {
    throw corrupt(`lineage/${name}: not a readable Parquet file (${bytes.byteLength} bytes): ${e instanceof Error ? e.message : String(e)}`, { file: name }, e)
  }
  const rows = Number(metadata.num_rows)
  const kv = new Map((metadata.key_value_metadata ?? []).map((x) => [x.key, x.value ?? '']))
  const out = new Map<string, DecodedArray>()
  let skip: unknown
  try {
    skip = JSON.parse(kv.get(KV.nullColumns) ?? '[]')
  } catch (e) {
    throw corrupt(`lineage/${name}: null column list is not JSON`, { file: name }, e)
  }
  const nulls = new Set(Array.isArray(skip) ? skip.map(String) : [])
  let idBytes: Utf8Column | undefined
  let changeCodes: { dictionary: string[]; codes: Uint8Array } | undefined
  const wanted = (columns ?? metadata.schema.slice(1).map((s) => s.name)).filter((c) => !nulls.has(c))
  const generic: string[] = []
  for (const col of wanted) {
    let data: DecodedArray | undefined
    if (col === 'id') {
      idBytes = readPlainUtf8(file, metadata, col)
      if (idBytes) continue
    } else if (col === 'change_type') {
      changeCodes = readDictionaryCodes(file, metadata, col)
      if (changeCodes) continue
    } else {
      data = fastColumn(file, metadata, col)
    }
    if (data) out.set(col, data)
    else generic.push(col)
  }
  if (generic.length > 0) {
    const parts = new Map<string, { start: number; data: DecodedArray }[]>()
    try {
      await parquetRead({
        file,
        metadata,
        columns: generic,
        onChunk: (c) => {
          const list = parts.get(c.columnName)
          if (list) list.push({ start: c.rowStart, data: c.columnData })
          else parts.set(c.columnName, [{ start: c.rowStart, data: c.columnData }])
        },
      })
    } catch (e) {
      throw corrupt(`lineage/${name}: ${e instanceof Error ? e.message : String(e)}`, { file: name }, e)
    }
    for (const [col, list] of parts) {
      if (list.length === 1 && list[0]!.start === 0) {
        out.set(col, list[0]!.data)
        continue
      }
      const all: unknown[] = new Array(rows)
      for (const { start, data } of list) for (let i = 0; i < data.length && start + i < rows; i++) all[start + i] = data[i]
      out.set(col, all as DecodedArray)
    }
  }
  for (const col of wanted) {
    const c = col === 'id' && idBytes ? idBytes.hashes : col === 'change_type' && changeCodes ? changeCodes.codes : out.get(col)
    if (rows > 0 && (!c || c.length < rows)) throw corrupt(`lineage/${name}: column ${col} has ${c?.length ?? 0} values for ${rows} rows`, { file: name })
  }
  return { file: name, rows, kv, nulls, columns: out, ...(idBytes ? { idBytes } : {}), ...(changeCodes ? { changeCodes } : {}) }
}

/** A column, or undefined when every value is null (or the column is absent). */
function column(t: Table, name: string): DecodedArray | undefined {
  return t.columns.get(name)
}

function required(t: Table, name: string): DecodedArray {
  const c = t.columns.get(name)
  if (!c && t.rows === 0) return []
  if (!c) throw corrupt(`lineage/${t.file}: column ${name} is missing`, { file: t.file })
  return c
}

/** The columns a load decodes per table (undefined: all). The edge table's id strings are for SQL only. */
const LOAD_COLUMNS: Readonly<Record<LineageTable, readonly string[] | undefined>> = {
  nodes: undefined,
  edges: ['parent_row', 'child_row', 'change_type', 'description'],
  events: undefined,
}

/** Footer bytes fetched first by a ranged read (our tables' metadata is a few KB). */
const TAIL = 1 << 16

/** The byte ranges of the given columns' chunks, planned from a Parquet file's tail; the whole file when the tail is not enough. */
export function columnRanges(columns: readonly string[], size: number, tail: Uint8Array): [number, number][] {
  try {
    const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength)
    const metaLength = view.getUint32(tail.length - 8, true)
    if (metaLength + 8 > tail.length) return [[0, size]]
    const metadata = parquetMetadata(tail.slice().buffer as ArrayBuffer)
    const out: [number, number][] = []
    for (const group of metadata.row_groups) {
      for (const c of group.columns) {
        const meta = c.meta_data
        if (!meta || !columns.includes(meta.path_in_schema.join('.'))) continue
        const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset)
        out.push([start, start + Number(meta.total_compressed_size)])
      }
    }
    return out
  } catch {
    // Not Parquet as expected: read it whole and let the parser say what is wrong.
    return [[0, size]]
  }
}

/** How a segment's files are read: whole, or (when the storage can) only the column chunks a load decodes. */
export interface SegmentReader {
  read(name: string): Promise<Uint8Array | undefined>
  readRanges?(name: string, tail: number, plan: (size: number, tail: Uint8Array) => readonly (readonly [number, number])[]): Promise<Uint8Array | undefined>
}

/**
 * Reads and parses the tables of one segment without touching the graph. Throws `ENTRENAR_DB_CORRUPT`
 * when a table is missing (an interrupted save), unreadable (a truncated file) or from another save.
 */
export async function readSegment(seg: SegmentFiles, reader: SegmentReader): Promise<ParsedSegment> {
  const what = seg.legacy ? 'the schema-1 tables' : `segment ${seg.seq}`
  if (seg.mixed) throw corrupt(`lineage: ${what} has both base and delta files (${seg.names.join(', ')})`, { segment: seg.seq, files: seg.names })
  const needed: readonly LineageTable[] = seg.legacy ? ['nodes'] : LINEAGE_TABLES
  const missing = needed.filter((t) => seg.files[t] === undefined)
  if (missing.length > 0) throw corrupt(`lineage: ${what} lacks its ${missing.join(', ')} table (an interrupted save)`, { segment: seg.seq, files: seg.names })
  const tables: Partial<Record<LineageTable, Table>> = {}
  for (const t of LINEAGE_TABLES) {
    const name = seg.files[t]
    if (name === undefined) continue
    const columns = LOAD_COLUMNS[t]
    const bytes = columns && reader.readRanges ? await reader.readRanges(name, TAIL, (size, tail) => columnRanges(columns, size, tail)) : await reader.read(name)
    if (!bytes) throw corrupt(`lineage: ${name} disappeared while loading`, { segment: seg.seq, file: name })
    tables[t] = await readTable(bytes, name, columns)
  }
  const nodes = tables.nodes!
  const generation = nodes.kv.get(KV.generation)
  const schema = nodes.kv.get(KV.schema)
  if (schema !== (seg.legacy ? '1' : SCHEMA)) throw corrupt(`lineage/${nodes.file}: schema ${schema} is not ${seg.legacy ? '1' : SCHEMA}`, { segment: seg.seq, file: nodes.file })
  if (!seg.legacy && generation !== String(seg.seq)) throw corrupt(`lineage/${nodes.file}: generation ${generation} does not match its name`, { segment: seg.seq, file: nodes.file })
  for (const t of ['edges', 'events'] as const) {
    const other = tables[t]
    if (other && other.kv.get(KV.generation) !== generation) {
      throw corrupt(`lineage: ${other.file} generation ${other.kv.get(KV.generation)} differs from ${nodes.file} generation ${generation} (torn save)`, { segment: seg.seq, file: other.file })
    }
  }
  return { seq: seg.seq, legacy: seg.legacy, nodes, ...(tables.edges ? { edges: tables.edges } : {}), ...(tables.events ? { events: tables.events } : {}) }
}

function checkTotal(t: Table, actual: number, what: string): void {
  const total = t.kv.get(KV.total)
  if (total !== undefined && Number(total) !== actual) throw corrupt(`lineage/${t.file}: the graph has ${actual} ${what} after this table, the table says ${total}`, { file: t.file })
}

/** Applies the node table: new ids are appended in row order, known ids replace that model's attributes. */
function applyNodes(t: Table, g: GraphStore): void {
  const rows = t.rows
  const n0 = g.n
  const index = new Int32Array(rows)
  const bytes = t.idBytes
  if (n0 === 0 && bytes) {
    // A base on an empty graph: every row is new (the common, 1M-row case; no lookups, no strings).
    if (!g.adoptIds(bytes, rows)) throw corrupt(`lineage/${t.file}: a duplicate id`, { file: t.file })
    for (let r = 0; r < rows; r++) index[r] = r
  } else {
    const ids: string[] = bytes ? Array.from({ length: rows }, (_, r) => decodeUtf8(bytes.bytes, bytes.starts[r]! + 4, bytes.starts[r + 1]!)) : (required(t, 'id') as string[])
    const fresh: string[] = []
    for (let r = 0; r < rows; r++) {
      const v = g.indexOf(ids[r]!)
      if (v >= 0) {
        index[r] = v
        g.resetModel(v)
      } else {
        index[r] = n0 + fresh.length
        fresh.push(ids[r]!)
      }
    }
    if (!g.appendNodes(fresh)) throw corrupt(`lineage/${t.file}: a duplicate id`, { file: t.file })
  }
  const created = required(t, 'created_at_ms')
  if (n0 === 0 && created instanceof Float64Array) g.createdAt = created
  else for (let r = 0; r < rows; r++) g.createdAt[index[r]!] = created[r] as number
  const intern = (name: string, into: Int32Array) => {
    const col = column(t, name) as (string | null)[] | undefined
    if (!col) {
      // A fresh graph's columns already hold -1 (none).
      if (n0 > 0) for (let r = 0; r < rows; r++) into[index[r]!] = -1
      return
    }
    for (let r = 0; r < rows; r++) {
      const s = col[r]
      into[index[r]!] = s === null || s === undefined ? -1 : g.pool.intern(s)
    }
  }
  intern('version', g.versionOf)
  intern('config_hash', g.configHashOf)
  intern('run_id', g.runOf)
  const json = (name: string, into: Map<number, Readonly<Record<string, unknown>>>) => {
    const col = column(t, name) as (string | null)[] | undefined
    if (!col) return
    for (let r = 0; r < rows; r++) {
      const s = col[r]
      if (s === null || s === undefined) continue
      try {
        into.set(index[r]!, JSON.parse(s))
      } catch (e) {
        throw corrupt(`lineage/${t.file}: ${name} of row ${r} is not JSON`, { file: t.file }, e)
      }
    }
  }
  json('tags', g.tags as Map<number, Readonly<Record<string, unknown>>>)
  json('config', g.config)
  let metricNames: unknown
  try {
    metricNames = JSON.parse(t.kv.get(KV.metrics) ?? '[]')
  } catch (e) {
    throw corrupt(`lineage/${t.file}: metric names are not JSON`, { file: t.file }, e)
  }
  if (!Array.isArray(metricNames)) throw corrupt(`lineage/${t.file}: metric names are not a list`, { file: t.file })
  for (const name of metricNames.map(String)) {
    const data = column(t, `${METRIC_PREFIX}${name}`)
    const col = g.column(name)
    if (!data) continue
    if (data instanceof Float64Array && n0 === 0) {
      // A REQUIRED column of a base: every model has the metric; the graph adopts the array.
      col.values = data
      col.present.fill(1, 0, rows)
      continue
    }
    for (let r = 0; r < rows; r++) {
      const x = data[r]
      if (x === null || x === undefined) continue
      col.values[index[r]!] = x as number
      col.present[index[r]!] = 1
    }
  }
  checkTotal(t, g.n, 'models')
}

const changeCode = (t: string | null | undefined): number | undefined => (typeof t === 'string' && Object.hasOwn(CHANGE_CODE, t) ? CHANGE_CODE[t as ChangeType] : undefined)

/** The change-type code of every edge row (a dictionary column is mapped once per dictionary entry). */
function changeCodes(t: Table): Uint8Array {
  const bad = (e: number, what: unknown) => corrupt(`lineage/${t.file}: row ${e} has change type ${String(what)}`, { file: t.file })
  if (t.changeCodes) {
    // Mapped in place: dictionary code → change code.
    const { dictionary, codes } = t.changeCodes
    const map = dictionary.map(changeCode)
    for (let e = 0; e < t.rows; e++) {
      const c = map[codes[e]!]
      if (c === undefined) throw bad(e, dictionary[codes[e]!])
      codes[e] = c
    }
    return codes
  }
  const out = new Uint8Array(t.rows)
  const ct = required(t, 'change_type') as (string | null)[]
  for (let e = 0; e < t.rows; e++) {
    const c = changeCode(ct[e])
    if (c === undefined) throw bad(e, ct[e])
    out[e] = c
  }
  return out
}

function applyEdges(t: Table, g: GraphStore): void {
  const m = t.rows
  const n = g.n
  const int32 = (name: string) => {
    const c = required(t, name)
    return c instanceof Int32Array ? c : Int32Array.from(c as ArrayLike<number>)
  }
  const pr = int32('parent_row')
  const cr = int32('child_row')
  const type = changeCodes(t)
  const ds = column(t, 'description') as (string | null)[] | undefined
  const desc = new Int32Array(m).fill(-1)
  for (let e = 0; e < m; e++) {
    const p = pr[e]!
    const c = cr[e]!
    if (!(p >= 0 && p < n && c >= 0 && c < n)) throw corrupt(`lineage/${t.file}: row ${e} refers to node rows ${p} → ${c} of ${n}`, { file: t.file })
  }
  if (ds) {
    for (let e = 0; e < m; e++) {
      const d = ds[e]
      if (d !== null && d !== undefined) desc[e] = g.pool.intern(d)
    }
  }
  if (g.m === 0) {
    // A base: the columns become the edge arrays as they are, then one CSR build.
    g.appendEdgeColumns(pr, cr, type, desc)
    g.rebuild()
  } else {
    // A delta: an edge already known is an update of its change type and description.
    for (let e = 0; e < m; e++) {
      const known = g.findEdge(pr[e]!, cr[e]!)
      if (known >= 0) {
        g.eType[known] = type[e]!
        g.eDesc[known] = desc[e]!
      } else {
        g.appendEdge(pr[e]!, cr[e]!, type[e]!, desc[e]!)
      }
    }
  }
  checkTotal(t, g.m, 'derivations')
}

function applyEvents(t: Table, health: HealthIndex): void {
  const col = (name: string) => (column(t, name) ?? []) as unknown[]
  const [kind, modelId, runId, level, rule, message, metric, step, value, decision, ts] = ['kind', 'model_id', 'run_id', 'level', 'rule', 'message', 'metric', 'step', 'value', 'decision', 'timestamp_ms'].map(col) as unknown[][]
  for (let i = 0; i < t.rows; i++) {
    const e: Record<string, unknown> = { kind: kind![i], level: level![i], rule: rule![i], message: message![i], timestampMs: ts![i] }
    if (modelId![i] != null) e.modelId = modelId![i]
    if (runId![i] != null) e.runId = runId![i]
    if (metric![i] != null) e.metric = metric![i]
    if (step![i] != null) e.step = step![i]
    if (value![i] != null) e.value = value![i]
    if (decision![i] != null) e.decision = decision![i]
    health.add(e as unknown as HealthEvent)
  }
  checkTotal(t, health.events.length, 'events')
}

/** Applies a parsed segment to the graph (models, then derivations, then events). */
export function applySegment(s: ParsedSegment, g: GraphStore, health: HealthIndex): void {
  applyNodes(s.nodes, g)
  if (s.edges) applyEdges(s.edges, g)
  if (s.events) applyEvents(s.events, health)
}

/**
 * Proves the loaded derivations acyclic: rows in topological order (each parent stored before its
 * children, the usual case) in one pass; otherwise Kahn's algorithm decides.
 */
export function checkAcyclic(g: GraphStore): void {
  let ordered = true
  for (let e = 0; e < g.m && ordered; e++) ordered = g.eParent[e]! < g.eChild[e]!
  const onCycle = ordered ? -1 : findCycleNode(g)
  if (onCycle >= 0) throw corrupt(`lineage: the derivations form a cycle through ${JSON.stringify(g.ids.get(onCycle))}`)
}
