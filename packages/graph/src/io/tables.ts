import { CHANGE_TYPES, type ChangeType, EntrenarError, ErrorCodes, type HealthEvent } from '@entrenar/core'
import { type DecodedArray, parquetMetadata, parquetRead } from 'hyparquet'
import { type ColumnSource, parquetWriteBuffer } from 'hyparquet-writer'
import type { HealthIndex } from '../query/health.js'
import { findCycleNode } from '../query/walk.js'
import { CHANGE_CODE, type GraphStore } from '../store/graph-store.js'
import { encodeStrings, readPlainStrings } from './fast-strings.js'

/**
 * The lineage tables as Parquet (pure: bytes in, bytes out; file access lives in `fs-storage.ts`).
 *
 * - `nodes.parquet`: id, version, created_at_ms, config_hash, run_id, tags (JSON), config (JSON),
 *   and one nullable DOUBLE column `metric_<name>` per metric (null = the model lacks it; NaN is a value).
 * - `edges.parquet`: parent, child, parent_row, child_row (row numbers in nodes), change_type, description.
 * - `events.parquet`: the health events.
 *
 * All three carry the same `entrenar.lineage.generation` key so a torn save is detected.
 * DuckDB reads them as they are: `SELECT * FROM 'lineage/nodes.parquet'`.
 */
export const LINEAGE_FILES = ['nodes.parquet', 'edges.parquet', 'events.parquet'] as const

const SCHEMA = '1'
const METRIC_PREFIX = 'metric_'
/**
 * Columns read on every load are stored uncompressed: decoding is then a view or a copy, while
 * hyparquet's JavaScript snappy costs more than the bytes saved (ids and doubles barely compress).
 */
const FAST = 'UNCOMPRESSED' as const

const corrupt = (message: string, cause?: unknown) => new EntrenarError(ErrorCodes.DB_CORRUPT, `entrenar/graph: ${message}`, cause === undefined ? undefined : { cause })

function strings(n: number, at: (i: number) => string | undefined | null): (string | null)[] {
  const out: (string | null)[] = new Array(n)
  for (let i = 0; i < n; i++) out[i] = at(i) ?? null
  return out
}

/** Names of nullable columns that hold no value at all (the reader skips them). */
function nullColumns(columns: ColumnSource[]): string[] {
  const out: string[] = []
  for (const c of columns) {
    if (c.nullable === false) continue
    const data = c.data as ArrayLike<unknown>
    let empty = true
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== null) {
        empty = false
        break
      }
    }
    if (empty) out.push(c.name)
  }
  return out
}

function write(columns: ColumnSource[], generation: number, extra: { key: string; value: string }[] = []): Uint8Array {
  const buf = parquetWriteBuffer({
    columnData: columns,
    rowGroupSize: 1 << 20,
    // One page per column chunk: fewer headers and no reassembly of pages on load.
    pageSize: 1 << 26,
    statistics: false,
    kvMetadata: [
      { key: 'entrenar.lineage.schema', value: SCHEMA },
      { key: 'entrenar.lineage.generation', value: String(generation) },
      { key: 'entrenar.lineage.null_columns', value: JSON.stringify(nullColumns(columns)) },
      ...extra,
    ],
    createdBy: 'entrenar/graph',
  })
  return new Uint8Array(buf)
}

/** Encodes the graph and its health events as the three Parquet tables. */
export function encodeTables(g: GraphStore, health: HealthIndex, generation: number): Record<(typeof LINEAGE_FILES)[number], Uint8Array> {
  const n = g.n
  const pooled = (col: Int32Array) => strings(n, (i) => (col[i]! >= 0 ? g.pool.get(col[i]!) : null))
  const metricNames = [...g.metrics.keys()]
  // Each id is encoded once; the edge table's parent/child columns reuse the same byte views.
  const idBytes = encodeStrings(g.ids.all().slice(0, n))
  const nodeCols: ColumnSource[] = [
    { name: 'id', data: idBytes, type: 'STRING', nullable: false, codec: FAST, encoding: 'PLAIN' },
    { name: 'version', data: pooled(g.versionOf), type: 'STRING' },
    { name: 'created_at_ms', data: g.createdAt.slice(0, n), type: 'DOUBLE', nullable: false, codec: FAST },
    { name: 'config_hash', data: pooled(g.configHashOf), type: 'STRING' },
    { name: 'run_id', data: pooled(g.runOf), type: 'STRING' },
    { name: 'tags', data: strings(n, (i) => (g.tags.has(i) ? JSON.stringify(g.tags.get(i)) : null)), type: 'STRING' },
    { name: 'config', data: strings(n, (i) => (g.config.has(i) ? JSON.stringify(g.config.get(i)) : null)), type: 'STRING' },
  ]
  metricNames.forEach((name) => {
    const col = g.metrics.get(name)!
    // A metric every model has is written REQUIRED (read back as a Float64Array without null handling).
    if (col.present.subarray(0, n).every((x) => x === 1)) {
      nodeCols.push({ name: `${METRIC_PREFIX}${name}`, data: col.values.slice(0, n), type: 'DOUBLE', nullable: false, codec: FAST })
      return
    }
    const data: (number | null)[] = new Array(n)
    for (let i = 0; i < n; i++) data[i] = col.present[i] ? col.values[i]! : null
    nodeCols.push({ name: `${METRIC_PREFIX}${name}`, data, type: 'DOUBLE' })
  })
  const m = g.m
  const edgeCols: ColumnSource[] = [
    { name: 'parent', data: Array.from(g.eParent.subarray(0, m), (v) => idBytes[v]!), type: 'STRING', nullable: false, encoding: 'PLAIN' },
    { name: 'child', data: Array.from(g.eChild.subarray(0, m), (v) => idBytes[v]!), type: 'STRING', nullable: false, encoding: 'PLAIN' },
    { name: 'parent_row', data: g.eParent.slice(0, m), type: 'INT32', nullable: false, codec: FAST },
    { name: 'child_row', data: g.eChild.slice(0, m), type: 'INT32', nullable: false, codec: FAST },
    { name: 'change_type', data: strings(m, (e) => CHANGE_TYPES[g.eType[e]!]), type: 'STRING', nullable: false, encoding: 'RLE_DICTIONARY' },
    { name: 'description', data: strings(m, (e) => (g.eDesc[e]! >= 0 ? g.pool.get(g.eDesc[e]!) : null)), type: 'STRING' },
  ]
  const ev = health.events
  const k = ev.length
  const opt = <T>(f: (e: HealthEvent) => T | undefined) => ev.map((e) => f(e) ?? null)
  const eventCols: ColumnSource[] = [
    { name: 'kind', data: ev.map((e) => e.kind), type: 'STRING', nullable: false },
    { name: 'model_id', data: opt((e) => e.modelId), type: 'STRING' },
    { name: 'run_id', data: opt((e) => e.runId), type: 'STRING' },
    { name: 'level', data: ev.map((e) => e.level), type: 'STRING', nullable: false },
    { name: 'rule', data: ev.map((e) => e.rule), type: 'STRING', nullable: false },
    { name: 'message', data: ev.map((e) => e.message), type: 'STRING', nullable: false },
    { name: 'metric', data: opt((e) => e.metric), type: 'STRING' },
    { name: 'step', data: opt((e) => e.step), type: 'DOUBLE' },
    { name: 'value', data: opt((e) => e.value), type: 'DOUBLE' },
    { name: 'decision', data: opt((e) => e.decision), type: 'STRING' },
    { name: 'timestamp_ms', data: Float64Array.from(ev, (e) => e.timestampMs), type: 'DOUBLE', nullable: false },
  ]
  void k
  return {
    'nodes.parquet': write(nodeCols, generation, [{ key: 'entrenar.lineage.metrics', value: JSON.stringify(metricNames) }]),
    'edges.parquet': write(edgeCols, generation),
    'events.parquet': write(eventCols, generation),
  }
}

interface Table {
  rows: number
  /** Nullable columns without any value (not decoded). */
  nulls: Set<string>
  kv: Map<string, string>
  columns: Map<string, DecodedArray>
}

async function readTable(bytes: Uint8Array, name: string, columns?: string[], fastStrings: string[] = [], hashes?: Uint32Array[]): Promise<Table> {
  const file = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer)
  let metadata: ReturnType<typeof parquetMetadata>
  try {
    metadata = parquetMetadata(file)
  } catch (e) {
    throw corrupt(`lineage/${name}: not a readable Parquet file (${bytes.byteLength} bytes): ${e instanceof Error ? e.message : String(e)}`, e)
  }
  const rows = Number(metadata.num_rows)
  const kv = new Map((metadata.key_value_metadata ?? []).map((x) => [x.key, x.value ?? '']))
  const out = new Map<string, DecodedArray>()
  let skip: string[] = []
  try {
    skip = JSON.parse(kv.get('entrenar.lineage.null_columns') ?? '[]')
  } catch (e) {
    throw corrupt(`lineage/${name}: null column list is not JSON`, e)
  }
  const nulls = new Set(skip)
  for (const col of skip) if (rows < 4096) out.set(col, new Array(rows).fill(null))
  for (const col of fastStrings) {
    const h = new Uint32Array(rows)
    const strings = readPlainStrings(file, metadata, col, h)
    if (strings) {
      out.set(col, strings)
      hashes?.push(h)
    }
  }
  const wanted = (columns ?? metadata.schema.slice(1).map((s) => s.name)).filter((c) => !out.has(c) && !nulls.has(c))
  const parts = new Map<string, { start: number; data: DecodedArray }[]>()
  if (wanted.length === 0) return { rows, kv, nulls, columns: out }
  try {
    await parquetRead({
      file,
      metadata,
      columns: wanted,
      onChunk: (c) => {
        const list = parts.get(c.columnName)
        if (list) list.push({ start: c.rowStart, data: c.columnData })
        else parts.set(c.columnName, [{ start: c.rowStart, data: c.columnData }])
      },
    })
  } catch (e) {
    throw corrupt(`lineage/${name}: ${e instanceof Error ? e.message : String(e)}`, e)
  }
  for (const [col, list] of parts) {
    if (list.length === 1 && list[0]!.start === 0) {
      out.set(col, list[0]!.data)
      continue
    }
    const first = list[0]!.data
    const typed = ArrayBuffer.isView(first) && list.every((x) => x.data.constructor === first.constructor)
    if (typed) {
      // Pages of a typed column: one allocation and block copies.
      const all = new (first.constructor as new (n: number) => Float64Array)(rows)
      for (const { start, data } of list) all.set((data as Float64Array).subarray(0, Math.max(0, rows - start)), start)
      out.set(col, all)
      continue
    }
    const all: unknown[] = new Array(rows)
    for (const { start, data } of list) for (let i = 0; i < data.length && start + i < rows; i++) all[start + i] = data[i]
    out.set(col, all as DecodedArray)
  }
  return { rows, kv, nulls, columns: out }
}

function column(t: Table, name: string, file: string): DecodedArray {
  const c = t.columns.get(name) ?? (t.nulls.has(name) ? new Array(t.rows).fill(null) : undefined)
  if (t.rows > 0 && (!c || c.length < t.rows)) throw corrupt(`lineage/${file}: column ${name} has ${c?.length ?? 0} values for ${t.rows} rows`)
  return c ?? []
}

/**
 * Decodes the three tables into an empty graph and health index. Throws `ENTRENAR_DB_CORRUPT` on a
 * torn save (generations differ), a bad row reference, a duplicate id or a cycle.
 */
export async function decodeTables(files: Partial<Record<(typeof LINEAGE_FILES)[number], Uint8Array>>, g: GraphStore, health: HealthIndex): Promise<number> {
  const nodesBytes = files['nodes.parquet']
  if (!nodesBytes) return 0
  const idHashes: Uint32Array[] = []
  const nodes = await readTable(nodesBytes, 'nodes.parquet', undefined, ['id'], idHashes)
  const generation = Number(nodes.kv.get('entrenar.lineage.generation') ?? Number.NaN)
  if (nodes.kv.get('entrenar.lineage.schema') !== SCHEMA) throw corrupt(`lineage/nodes.parquet: schema ${nodes.kv.get('entrenar.lineage.schema')} is not ${SCHEMA}`)
  const n = nodes.rows
  const ids = column(nodes, 'id', 'nodes.parquet') as string[]
  if (ids.length !== n || !g.appendNodes(ids, idHashes[0])) throw corrupt(`lineage/nodes.parquet: ${ids.length} ids for ${n} rows, or a duplicate id`)
  const created = column(nodes, 'created_at_ms', 'nodes.parquet')
  if (created instanceof Float64Array) g.createdAt.set(created.subarray(0, n))
  else for (let i = 0; i < n; i++) g.createdAt[i] = created[i] as number
  const intern = (name: string, into: Int32Array) => {
    if (nodes.nulls.has(name)) return
    const col = column(nodes, name, 'nodes.parquet') as (string | null)[]
    for (let i = 0; i < n; i++) {
      const s = col[i]
      into[i] = s === null || s === undefined ? -1 : g.pool.intern(s)
    }
  }
  intern('version', g.versionOf)
  intern('config_hash', g.configHashOf)
  intern('run_id', g.runOf)
  const json = (name: string, into: Map<number, Readonly<Record<string, unknown>>>) => {
    if (nodes.nulls.has(name)) return
    const col = column(nodes, name, 'nodes.parquet') as (string | null)[]
    for (let i = 0; i < n; i++) {
      const s = col[i]
      if (s === null || s === undefined) continue
      try {
        into.set(i, JSON.parse(s))
      } catch (e) {
        throw corrupt(`lineage/nodes.parquet: ${name} of row ${i} is not JSON`, e)
      }
    }
  }
  json('tags', g.tags as Map<number, Readonly<Record<string, unknown>>>)
  json('config', g.config)
  let metricNames: string[]
  try {
    metricNames = JSON.parse(nodes.kv.get('entrenar.lineage.metrics') ?? '[]')
  } catch (e) {
    throw corrupt('lineage/nodes.parquet: metric names are not JSON', e)
  }
  metricNames.forEach((name) => {
    const data = column(nodes, `${METRIC_PREFIX}${name}`, 'nodes.parquet')
    const col = g.column(name)
    if (data instanceof Float64Array) {
      // A REQUIRED column: every model has the metric.
      col.values.set(data.subarray(0, n))
      col.present.fill(1, 0, n)
      return
    }
    for (let i = 0; i < n; i++) {
      const x = data[i]
      if (x === null || x === undefined) continue
      col.values[i] = x as number
      col.present[i] = 1
    }
  })

  const edgesBytes = files['edges.parquet']
  if (edgesBytes) {
    const edges = await readTable(edgesBytes, 'edges.parquet', ['parent_row', 'child_row', 'change_type', 'description'])
    if (Number(edges.kv.get('entrenar.lineage.generation')) !== generation) throw corrupt(`lineage: edges.parquet generation ${edges.kv.get('entrenar.lineage.generation')} differs from nodes.parquet generation ${generation} (torn save)`)
    const m = edges.rows
    const pr = column(edges, 'parent_row', 'edges.parquet')
    const cr = column(edges, 'child_row', 'edges.parquet')
    const ct = column(edges, 'change_type', 'edges.parquet') as string[]
    const ds = (edges.nulls.has('description') ? [] : column(edges, 'description', 'edges.parquet')) as (string | null)[]
    const parent = new Int32Array(m)
    const child = new Int32Array(m)
    const type = new Uint8Array(m)
    const desc = new Int32Array(m)
    let lastType: unknown
    let code: number | undefined = 0
    for (let e = 0; e < m; e++) {
      const p = pr[e] as number
      const c = cr[e] as number
      if (!(p >= 0 && p < n && c >= 0 && c < n)) throw corrupt(`lineage/edges.parquet: row ${e} refers to node rows ${p} → ${c} of ${n}`)
      // Dictionary-decoded strings repeat: look the code up only when the string changes.
      if (ct[e] !== lastType) {
        lastType = ct[e]
        code = typeof lastType === 'string' && Object.hasOwn(CHANGE_CODE, lastType) ? CHANGE_CODE[lastType as ChangeType] : undefined
      }
      if (code === undefined) throw corrupt(`lineage/edges.parquet: row ${e} has change type ${String(ct[e])}`)
      parent[e] = p
      child[e] = c
      type[e] = code
      const d = ds[e]
      desc[e] = d === null || d === undefined ? -1 : g.pool.intern(d)
    }
    g.appendEdgeColumns(parent, child, type, desc)
  }
  g.rebuild()
  // Rows in topological order (each parent stored before its children, the usual case) prove the
  // graph acyclic in one pass; otherwise Kahn's algorithm decides.
  let ordered = true
  for (let e = 0; e < g.m && ordered; e++) ordered = g.eParent[e]! < g.eChild[e]!
  const onCycle = ordered ? -1 : findCycleNode(g)
  if (onCycle >= 0) throw corrupt(`lineage/edges.parquet: the derivations form a cycle through ${JSON.stringify(g.ids.get(onCycle))}`)

  const eventsBytes = files['events.parquet']
  if (eventsBytes) {
    const events = await readTable(eventsBytes, 'events.parquet')
    if (Number(events.kv.get('entrenar.lineage.generation')) !== generation) throw corrupt(`lineage: events.parquet generation ${events.kv.get('entrenar.lineage.generation')} differs from nodes.parquet generation ${generation} (torn save)`)
    const col = (name: string) => column(events, name, 'events.parquet') as unknown[]
    const [kind, modelId, runId, level, rule, message, metric, step, value, decision, ts] = [
      'kind',
      'model_id',
      'run_id',
      'level',
      'rule',
      'message',
      'metric',
      'step',
      'value',
      'decision',
      'timestamp_ms',
    ].map(col) as unknown[][]
    for (let i = 0; i < events.rows; i++) {
      const e: Record<string, unknown> = { kind: kind![i], level: level![i], rule: rule![i], message: message![i], timestampMs: ts![i] }
      if (modelId![i] != null) e.modelId = modelId![i]
      if (runId![i] != null) e.runId = runId![i]
      if (metric![i] != null) e.metric = metric![i]
      if (step![i] != null) e.step = step![i]
      if (value![i] != null) e.value = value![i]
      if (decision![i] != null) e.decision = decision![i]
      health.add(e as unknown as HealthEvent)
    }
  }
  return Number.isFinite(generation) ? generation : 0
}
