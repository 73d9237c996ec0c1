import { CHANGE_TYPES, type HealthEvent } from '@entrenar/core'
import { type ColumnSource, parquetWriteBuffer } from 'hyparquet-writer'
import type { HealthIndex } from '../query/health.js'
import type { GraphStore } from '../store/graph-store.js'
import { encodeStrings } from './fast-columns.js'
import { type LineageTable, segmentFile } from './segments.js'

/** Schema of the segmented layout (schema 1: three whole tables, see `segments.ts`). */
export const SCHEMA = '2'
export const METRIC_PREFIX = 'metric_'
/** Metadata keys every table carries. */
export const KV = {
  schema: 'entrenar.lineage.schema',
  generation: 'entrenar.lineage.generation',
  kind: 'entrenar.lineage.kind',
  nullColumns: 'entrenar.lineage.null_columns',
  metrics: 'entrenar.lineage.metrics',
  /** Models / derivations / events in the graph once this segment is applied. */
  total: 'entrenar.lineage.total',
} as const

/**
 * Columns read on every load are stored uncompressed: decoding is then a block copy, while
 * hyparquet's JavaScript snappy costs more than the bytes saved (ids and doubles barely compress).
 */
const FAST = 'UNCOMPRESSED' as const

/** Which rows a segment holds: node and edge indices (changed ones first, then new ones) and new events. */
export interface SegmentRows {
  readonly nodes: Int32Array
  readonly edges: Int32Array
  readonly eventsFrom: number
}

/** Every row: the rows of a base segment. */
export function allRows(g: GraphStore): SegmentRows {
  return { nodes: range(0, g.n), edges: range(0, g.m), eventsFrom: 0 }
}

/** The integers `from … to - 1`. */
export function range(from: number, to: number): Int32Array {
  const out = new Int32Array(Math.max(0, to - from))
  for (let i = 0; i < out.length; i++) out[i] = from + i
  return out
}

function strings(rows: Int32Array, at: (i: number) => string | undefined | null): (string | null)[] {
  const out: (string | null)[] = new Array(rows.length)
  for (let j = 0; j < rows.length; j++) out[j] = at(rows[j]!) ?? null
  return out
}

function gather<T extends Float64Array | Int32Array>(src: T, rows: Int32Array, make: new (n: number) => T): T {
  const out = new make(rows.length)
  for (let j = 0; j < rows.length; j++) out[j] = src[rows[j]!]!
  return out
}

/** The UTF-8 bytes of the ids of `rows`: views for ids kept as bytes, one encoder call for the rest. */
function utf8Of(g: GraphStore, rows: Int32Array): Uint8Array[] {
  const out: Uint8Array[] = new Array(rows.length)
  const rest: number[] = []
  for (let j = 0; j < rows.length; j++) {
    if (g.ids.isBytes(rows[j]!)) out[j] = g.ids.utf8(rows[j]!)
    else rest.push(j)
  }
  const encoded = encodeStrings(rest.map((j) => g.ids.get(rows[j]!)))
  for (let k = 0; k < rest.length; k++) out[rest[k]!] = encoded[k]!
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

function write(columns: ColumnSource[], kv: Record<string, string>): Uint8Array {
  const buf = parquetWriteBuffer({
    columnData: columns,
    rowGroupSize: 1 << 20,
    // One page per column chunk: fewer headers and no reassembly of pages on load.
    pageSize: 1 << 26,
    statistics: false,
    kvMetadata: [...Object.entries({ ...kv, [KV.nullColumns]: JSON.stringify(nullColumns(columns)) })].map(([key, value]) => ({ key, value })),
    createdBy: 'entrenar/graph',
  })
  return new Uint8Array(buf)
}

/**
 * Encodes one segment (its three tables, keyed by file name): the given node and edge rows and the
 * events from `eventsFrom` on. Edge rows refer to nodes by id and by row number in the whole graph
 * (the order in which a load appends models across segments).
 */
export function encodeSegment(g: GraphStore, health: HealthIndex, rows: SegmentRows, seq: number, base: boolean): Record<string, Uint8Array> {
  const nodes = rows.nodes
  const common = { [KV.schema]: SCHEMA, [KV.generation]: String(seq), [KV.kind]: base ? 'base' : 'delta' }
  const pooled = (col: Int32Array) => strings(nodes, (i) => (col[i]! >= 0 ? g.pool.get(col[i]!) : null))
  const metricNames = [...g.metrics.keys()].filter((name) => {
    const present = g.metrics.get(name)!.present
    return base || nodes.some((i) => present[i] === 1)
  })
  // Each id is encoded once (ids loaded as bytes are not encoded at all); a base's edge columns reuse the same views.
  const idBytes = utf8Of(g, nodes)
  const nodeCols: ColumnSource[] = [
    { name: 'id', data: idBytes, type: 'STRING', nullable: false, codec: FAST, encoding: 'PLAIN' },
    { name: 'version', data: pooled(g.versionOf), type: 'STRING' },
    { name: 'created_at_ms', data: gather(g.createdAt, nodes, Float64Array), type: 'DOUBLE', nullable: false, codec: FAST },
    { name: 'config_hash', data: pooled(g.configHashOf), type: 'STRING' },
    { name: 'run_id', data: pooled(g.runOf), type: 'STRING' },
    { name: 'tags', data: strings(nodes, (i) => (g.tags.has(i) ? JSON.stringify(g.tags.get(i)) : null)), type: 'STRING' },
    { name: 'config', data: strings(nodes, (i) => (g.config.has(i) ? JSON.stringify(g.config.get(i)) : null)), type: 'STRING' },
  ]
  for (const name of metricNames) {
    const col = g.metrics.get(name)!
    // A metric every row has is written REQUIRED (read back as a Float64Array without null handling).
    if (nodes.every((i) => col.present[i] === 1)) {
      nodeCols.push({ name: `${METRIC_PREFIX}${name}`, data: gather(col.values, nodes, Float64Array), type: 'DOUBLE', nullable: false, codec: FAST })
      continue
    }
    const data: (number | null)[] = new Array(nodes.length)
    for (let j = 0; j < nodes.length; j++) data[j] = col.present[nodes[j]!] ? col.values[nodes[j]!]! : null
    nodeCols.push({ name: `${METRIC_PREFIX}${name}`, data, type: 'DOUBLE' })
  }
  const edges = rows.edges
  const parentRow = gather(g.eParent, edges, Int32Array)
  const childRow = gather(g.eChild, edges, Int32Array)
  const edgeIds = (at: Int32Array) => (base ? Array.from(at, (v) => idBytes[v]!) : utf8Of(g, at))
  const edgeCols: ColumnSource[] = [
    { name: 'parent', data: edgeIds(parentRow), type: 'STRING', nullable: false, encoding: 'PLAIN' },
    { name: 'child', data: edgeIds(childRow), type: 'STRING', nullable: false, encoding: 'PLAIN' },
    { name: 'parent_row', data: parentRow, type: 'INT32', nullable: false, codec: FAST },
    { name: 'child_row', data: childRow, type: 'INT32', nullable: false, codec: FAST },
    { name: 'change_type', data: strings(edges, (e) => CHANGE_TYPES[g.eType[e]!]), type: 'STRING', nullable: false, encoding: 'RLE_DICTIONARY' },
    { name: 'description', data: strings(edges, (e) => (g.eDesc[e]! >= 0 ? g.pool.get(g.eDesc[e]!) : null)), type: 'STRING' },
  ]
  const ev = health.events.slice(rows.eventsFrom)
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
  const file = (t: LineageTable) => segmentFile(t, seq, base)
  return {
    [file('nodes')]: write(nodeCols, { ...common, [KV.metrics]: JSON.stringify(metricNames), [KV.total]: String(g.n) }),
    [file('edges')]: write(edgeCols, { ...common, [KV.total]: String(g.m) }),
    [file('events')]: write(eventCols, { ...common, [KV.total]: String(health.events.length) }),
  }
}
