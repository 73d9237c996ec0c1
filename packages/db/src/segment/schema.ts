import type { SchemaElement } from 'hyparquet'

/** Key-value metadata keys written into every segment footer. */
export const KV_ROW_GROUPS = 'entrenar.row_groups'
export const KV_REPLACES = 'entrenar.replaces'
export const KV_FORMAT = 'entrenar.format'

/** Column names of a segment, in file order (DESIGN §4). */
export const COLUMNS = ['timestamp', 'run_id', 'step', 'epoch', 'batch', 'metric', 'value', 'tags'] as const

/**
 * The Parquet schema of DESIGN §4. `timestamp` is written as a plain INT64 and relabelled
 * TIMESTAMP(MICROS, UTC) just before the footer (see `writeSegment`), which keeps hyparquet-writer
 * from boxing every value into a Date/BigInt array first; the bytes are identical.
 */
export function segmentSchema(): SchemaElement[] {
  return [
    { name: 'schema', num_children: COLUMNS.length },
    { name: 'timestamp', type: 'INT64', repetition_type: 'REQUIRED' },
    { name: 'run_id', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'REQUIRED' },
    { name: 'step', type: 'INT64', repetition_type: 'REQUIRED' },
    { name: 'epoch', type: 'INT32', repetition_type: 'OPTIONAL' },
    { name: 'batch', type: 'INT32', repetition_type: 'OPTIONAL' },
    { name: 'metric', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'REQUIRED' },
    { name: 'value', type: 'DOUBLE', repetition_type: 'REQUIRED' },
    { name: 'tags', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'OPTIONAL' },
  ]
}

/** Relabels the `timestamp` element as TIMESTAMP(MICROS, adjusted to UTC). */
export function markTimestamp(schema: SchemaElement[]): void {
  const el = schema.find((s) => s.name === 'timestamp')!
  el.converted_type = 'TIMESTAMP_MICROS'
  el.logical_type = { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' }
}
