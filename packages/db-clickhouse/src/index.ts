/**
 * `@entrenar/db-clickhouse`: the `MetricStore` contract on ClickHouse, for stores shared past one
 * machine: typed queries become SQL, floats travel as their bit patterns so values stay exact.
 *
 * @module @entrenar/db-clickhouse
 */
export { type ClickHouseStore, type ClickHouseStoreOptions, openClickHouseStore, parseClickHouseUrl } from './store.js'
export { bitsToFloat, floatToBits, quoteIdent, quoteString } from './sql.js'
