/**
 * File layout of `<dir>/lineage/` (schema 2): the graph is a sequence of segments, each three
 * Parquet tables written together. A base segment holds the whole graph; a delta segment holds the
 * models, derivations and events added or changed since the previous segment. Loading applies the
 * latest complete base and every delta after it; compaction writes a new base and deletes what it
 * replaces. DuckDB reads a table across segments with a glob: `read_parquet('lineage/nodes*.parquet')`.
 *
 * The layout of schema 1 (`nodes.parquet`, `edges.parquet`, `events.parquet`, always rewritten
 * whole) is read as the base segment 0.
 */

/** The three tables of a segment. */
export const LINEAGE_TABLES = ['nodes', 'edges', 'events'] as const
/** One of {@link LINEAGE_TABLES}. */
export type LineageTable = (typeof LINEAGE_TABLES)[number]

/** The file names of the schema-1 layout (read as base segment 0; never written any more). */
export const LINEAGE_FILES = ['nodes.parquet', 'edges.parquet', 'events.parquet'] as const

/** The files of one segment found in storage. */
export interface SegmentFiles {
  readonly seq: number
  readonly base: boolean
  /** Schema-1 files (`nodes.parquet` …). */
  readonly legacy: boolean
  /** File name per table; a table missing here makes the segment incomplete. */
  readonly files: Partial<Record<LineageTable, string>>
  /** Every file name of this segment, including unexpected ones (a base and a delta of one number). */
  readonly names: string[]
  /** Both base and delta files carry this number: not written by any save. */
  readonly mixed: boolean
}

const PATTERN = /^(nodes|edges|events)(?:\.(\d{6,}))?(\.base)?\.parquet$/

/** `nodes.000007.parquet` (delta) or `nodes.000007.base.parquet` (base). */
export function segmentFile(table: LineageTable, seq: number, base: boolean): string {
  return `${table}.${String(seq).padStart(6, '0')}${base ? '.base' : ''}.parquet`
}

/** Groups the lineage files among `names` into segments, in ascending order; other names are ignored. */
export function parseSegments(names: readonly string[]): SegmentFiles[] {
  const bySeq = new Map<number, { seq: number; base: boolean; legacy: boolean; files: Partial<Record<LineageTable, string>>; names: string[]; mixed: boolean; kinds: Set<boolean> }>()
  for (const name of names) {
    const m = PATTERN.exec(name)
    if (!m) continue
    const legacy = m[2] === undefined
    // `nodes.base.parquet` is no file of either layout.
    if (legacy && m[3] !== undefined) continue
    const seq = legacy ? 0 : Number(m[2])
    if (!Number.isSafeInteger(seq) || (!legacy && seq === 0)) continue
    const base = legacy || m[3] !== undefined
    let s = bySeq.get(seq)
    if (!s) {
      s = { seq, base, legacy, files: {}, names: [], mixed: false, kinds: new Set() }
      bySeq.set(seq, s)
    }
    s.kinds.add(base)
    s.base ||= base
    s.mixed = s.kinds.size > 1
    s.names.push(name)
    s.files[m[1] as LineageTable] = name
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq).map(({ kinds: _, ...s }) => s)
}
