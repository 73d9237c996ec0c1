import { ByteWriter, ParquetWriter } from 'hyparquet-writer'
import { nullableInts, type SortedRows } from './rows.js'
import { KV_FORMAT, KV_REPLACES, KV_ROW_GROUPS, markTimestamp, segmentSchema } from './schema.js'

/** Options of {@link encodeSegment}. */
export interface SegmentWriteOptions {
  /** Rows per row group (the unit of pruning and of the decoded-column cache). */
  readonly rowGroupRows: number
  /** Segment file names this segment replaces (compaction). */
  readonly replaces?: readonly string[]
  readonly crc32: (b: Uint8Array) => number
}

/**
 * Encodes sorted rows as one Parquet file (DESIGN §4 schema) and returns its bytes.
 * Row groups carry min/max and null-count statistics on `timestamp`, `step`, `metric`, `epoch`,
 * `batch` and `tags` (value statistics cost a full pass and prune nothing we query); integers use
 * DELTA_BINARY_PACKED (steps and timestamps are near-monotonic, ~2× smaller and faster to write
 * than PLAIN here), strings are dictionary encoded, values PLAIN; pages are snappy compressed.
 * The footer's key-value metadata holds a CRC-32 of each row group's bytes, checked on read, so a
 * flipped bit in a data page is reported as `ENTRENAR_DB_CORRUPT` instead of returning wrong values.
 */
export async function encodeSegment(rows: SortedRows, options: SegmentWriteOptions): Promise<Uint8Array> {
  const n = rows.length
  const ts = new BigInt64Array(n)
  const step = new BigInt64Array(n)
  for (let i = 0; i < n; i++) {
    ts[i] = BigInt(Math.round(rows.timestampUs[i]!))
    step[i] = BigInt(rows.step[i]!)
  }
  const metric = new Array<string>(n)
  const tags = new Array<string | null>(n)
  const runIds = new Array<string>(n).fill(rows.runId)
  for (let i = 0; i < n; i++) {
    metric[i] = rows.metricNames[rows.metric[i]!]!
    const t = rows.tagIndex[i]!
    tags[i] = t < 0 ? null : rows.tagJson[t]!
  }
  const writer = new ByteWriter(Math.max(1024, n * 12))
  const groups: [number, number, number][] = []
  let mark = 4 // after the leading PAR1
  // Called by hyparquet-writer after each row group: checksum it, then yield to the event loop so
  // writes and flushes of the training loop are served between row groups (≈16k rows each).
  const flushHook = (): Promise<void> => {
    const bytes = new Uint8Array(writer.buffer, mark, writer.offset - mark)
    groups.push([mark, writer.offset, options.crc32(bytes)])
    mark = writer.offset
    return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)))
  }
  ;(writer as unknown as { flush: () => Promise<void> }).flush = flushHook
  const schema = segmentSchema()
  const pw = new ParquetWriter({ writer, schema, statisticsTruncateLength: Number.POSITIVE_INFINITY, createdBy: 'entrenar-db' })
  await pw.write({
    columnData: [
      { name: 'timestamp', data: ts, encoding: 'DELTA_BINARY_PACKED' },
      { name: 'run_id', data: runIds, statistics: false },
      { name: 'step', data: step, encoding: 'DELTA_BINARY_PACKED' },
      { name: 'epoch', data: nullableInts(rows.epoch, 0, n) },
      { name: 'batch', data: nullableInts(rows.batch, 0, n) },
      { name: 'metric', data: metric },
      { name: 'value', data: rows.value, encoding: 'PLAIN', statistics: false },
      { name: 'tags', data: tags },
    ],
    rowGroupSize: options.rowGroupRows,
  })
  markTimestamp(schema)
  const kv = [
    { key: KV_FORMAT, value: '1' },
    { key: KV_ROW_GROUPS, value: JSON.stringify(groups) },
  ]
  if (options.replaces?.length) kv.push({ key: KV_REPLACES, value: JSON.stringify(options.replaces) })
  pw.kvMetadata = kv
  const done = pw.finish()
  if (done) throw new Error('entrenar/db: hyparquet-writer finished asynchronously') // ByteWriter.finish is synchronous
  return writer.getBytes()
}
