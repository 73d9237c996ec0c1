/**
 * `@entrenar/graph`: model lineage — models, derivations between them, health events, the regression
 * source of a metric, comparisons, and DOT, Mermaid and OpenLineage exports; stored as append-only segments.
 *
 * @module @entrenar/graph
 */
export { nameUuid, OPENLINEAGE_RUN_EVENT_SCHEMA, type OpenLineageOptions } from './export/openlineage.js'
export { DAMAGED_PREFIX } from './io/segment-log.js'
export { LINEAGE_FILES, LINEAGE_TABLES, type LineageTable, segmentFile } from './io/segments.js'
export { type LineageStorage, memoryStorage } from './io/storage.js'
export { createLineage, type Lineage, type LineageOptions, type LineageStats } from './lineage.js'
export { MAX_ID_LENGTH } from './validate.js'
